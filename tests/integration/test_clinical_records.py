"""Consultations kept like clinical records: a decision is never overwritten (each
amendment is a new version, with who, when and why), every staff read is recorded, both
are append-only in the database, and a consultation no longer available answers 410."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import ROOT
from app.db import make_engine, session_scope
from tests.builders import bundled_dataset
from tests.conftest import BACKEND, Databases, downgrade, migrate
from tests.integration.cli import sdm
from tests.integration.conftest import client_for
from tests.integration.pages import soup
from tests.integration.pages import text as text_of
from tests.integration.staff import StaffApp, web_login
from tests.lookup import attribute, one

DATA = bundled_dataset()
BODY = {"avoid": ["weight-gain", "tremor"], "what_matters": "I work night shifts"}
FIRST = {
    "discussed": ["aripiprazole", "lurasidone"],
    "decision": "aripiprazole",
    "next_review": "2027-01-15",
    "context_note": "Try for 6 weeks.",
}


def execute(url: str, statement: str, **params: object) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.execute(text(statement), params)
    engine.dispose()


def rows(url: str, query: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(query), params)]
    engine.dispose()
    return found


def versions_in_db(url: str, consultation: str) -> list[tuple[object, ...]]:
    return rows(
        url,
        "SELECT version, decision, recorded_by, reason, context_note FROM decision_version "
        "WHERE consultation_id = :c ORDER BY version",
        c=consultation,
    )


def reads_in_db(url: str, consultation: str) -> list[tuple[object, ...]]:
    return rows(
        url,
        "SELECT read_by, view FROM consultation_read WHERE consultation_id = :c ORDER BY id",
        c=consultation,
    )


def new_consultation(client: TestClient) -> dict[str, str]:
    created = client.post("/api/v1/consultations", json=BODY)
    assert created.status_code == 201, created.text
    return dict(created.json())


def api_decide(
    client: TestClient, headers: dict[str, str], consultation: str, **body: object
) -> httpx2.Response:
    return client.post(f"/api/v1/consultations/{consultation}/decision", headers=headers, json=body)


# --- 1. A decision is never overwritten -------------------------------------------------


def test_a_decision_amended_twice_shows_three_versions_in_the_api(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cora, phil = staff.headers(client, "cora"), staff.headers(client, "phil")
    consultation = new_consultation(client)["id"]
    assert api_decide(client, cora, consultation, **FIRST).status_code == 200
    second = api_decide(
        client,
        phil,
        consultation,
        decision="lurasidone",
        discussed=["lurasidone"],
        reason="The person chose again after reading the cards.",
        amends=1,
    )
    assert second.status_code == 200, second.text
    third = api_decide(
        client, cora, consultation, decision="undecided", reason="Wants to talk to family first."
    )
    assert third.status_code == 200, third.text

    read = client.get(f"/api/v1/consultations/{consultation}", headers=cora).json()
    versions = read["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["recorded_by"] for v in versions] == ["cora", "phil", "cora"]
    assert [v["decision"] for v in versions] == ["aripiprazole", "lurasidone", "undecided"]
    assert [v["reason"] for v in versions] == [
        "",
        "The person chose again after reading the cards.",
        "Wants to talk to family first.",
    ]
    # The first version is exactly what was recorded first: nothing was overwritten.
    assert versions[0]["discussed"] == ["aripiprazole", "lurasidone"]
    assert versions[0]["next_review"] == "2027-01-15"
    assert versions[0]["context_note"] == "Try for 6 weeks."
    assert all(v["data_version"] == 1 for v in versions)
    times = [datetime.fromisoformat(v["recorded_at"]) for v in versions]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    # The decision as it stands is the newest version.
    assert read["decision"] == "undecided" and read["decided_by"] == "cora"
    assert read["decided_at"] == versions[2]["recorded_at"]
    assert read["discussed"] == [] and read["next_review"] is None
    assert versions_in_db(staff.url, consultation) == [
        (1, "aripiprazole", "cora", "", "Try for 6 weeks."),
        (2, "lurasidone", "phil", "The person chose again after reading the cards.", ""),
        (3, "undecided", "cora", "Wants to talk to family first.", ""),
    ]
    # One audit event per recording, each naming its version, none its contents.
    events = rows(
        staff.url,
        "SELECT actor, action, after FROM audit_event WHERE target = :t ORDER BY id",
        t=f"consultation/{consultation}",
    )
    assert [(e[0], e[1]) for e in events] == [
        ("cora", "consultation.decision"),
        ("phil", "consultation.decision.amend"),
        ("cora", "consultation.decision.amend"),
    ]
    assert "Wants to talk" not in str(events) and "lurasidone" not in str(events)


def test_a_decision_amended_twice_shows_three_versions_on_the_page(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = new_consultation(client)
    page_url = f"/staff/consultations/{created['id']}"
    csrf = web_login(client, staff, "cora")
    recordings: list[dict[str, object]] = [
        {**FIRST},
        {
            "decision": "lurasidone",
            "discussed": ["lurasidone"],
            "context_note": "Changed after the weight talk.",
            "reason": "Corrected: the person chose lurasidone.",
        },
        {"decision": "no-medication", "reason": "Decided to wait until the next review."},
    ]
    for number, form in enumerate(recordings):
        amends = {"amends": str(number)}
        response = client.post(
            f"{page_url}/decision",
            data={**form, **amends, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    page = client.get(f"{page_url}?lang=en")
    assert page.status_code == 200
    shown = soup(page.text).select("li.decision-version")
    assert len(shown) == 3
    # Newest first, each with who, when, why and what.
    assert [text_of(v.find("h3")) for v in shown] == ["Version 3 current", "Version 2", "Version 1"]
    assert [text_of(v.select_one(".recorded-by")) for v in shown] == ["cora"] * 3
    assert [text_of(v.select_one(".reason")) for v in shown] == [
        "Decided to wait until the next review.",
        "Corrected: the person chose lurasidone.",
        "first recording",
    ]
    assert [text_of(v.select_one(".decision")) for v in shown] == [
        "Chose not to take medication for now",
        DATA.drug("lurasidone").name["en"],
        DATA.drug("aripiprazole").name["en"],
    ]
    for v in shown:
        assert datetime.strptime(text_of(v.select_one(".recorded-at")), "%Y-%m-%d %H:%M:%S")
    assert "Changed after the weight talk." in text_of(shown[1])
    # The form amends the newest version, and the sheet shows the decision as it stands.
    assert attribute(one(soup(page.text), 'input[name="amends"]'), "value") == "3"
    sheet = client.get(f"/consultations/{created['id']}/sheet?lang=en")
    assert "Chose not to take medication for now" in text_of(
        soup(sheet.text).select_one(".decision")
    )


def test_an_amendment_without_a_reason_is_refused_and_nothing_is_lost(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cora = staff.headers(client, "cora")
    created = new_consultation(client)
    consultation = created["id"]
    assert api_decide(client, cora, consultation, **FIRST).status_code == 200
    before = versions_in_db(staff.url, consultation)

    refused = api_decide(client, cora, consultation, decision="lurasidone", reason="   ")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Give the reason for the amendment."
    assert versions_in_db(staff.url, consultation) == before

    csrf = web_login(client, staff, "cora")
    typed = {
        "decision": "lurasidone",
        "discussed": ["lurasidone"],
        "context_note": "A note typed with care.",
        "amends": "1",
    }
    page = client.post(
        f"/staff/consultations/{consultation}/decision?lang=en",
        data={**typed, "csrf_token": csrf},
    )
    assert page.status_code == 422
    assert "Give the reason for the amendment." in text_of(
        soup(page.text).select_one(".error-summary")
    )
    form = one(soup(page.text), f'form[action="/staff/consultations/{consultation}/decision"]')
    assert (
        text_of(form.find("textarea", attrs={"name": "context_note"})) == "A note typed with care."
    )
    assert form.find("option", value="lurasidone", selected=True) is not None
    assert versions_in_db(staff.url, consultation) == before
    assert (
        client.get(f"/api/v1/consultations/{consultation}", headers=cora).json()["decision"]
        == "aripiprazole"
    )


def test_an_amendment_made_from_a_superseded_version_is_refused(staff_app: StaffApp) -> None:
    """Two clinicians amend from version 1: the second is told, and nothing of theirs
    replaces the first's without them having seen it."""
    client, staff = staff_app
    cora, phil = staff.headers(client, "cora"), staff.headers(client, "phil")
    consultation = new_consultation(client)["id"]
    assert api_decide(client, cora, consultation, **FIRST, amends=0).status_code == 200
    ok = api_decide(client, cora, consultation, decision="lurasidone", reason="r", amends=1)
    assert ok.status_code == 200
    late = api_decide(client, phil, consultation, decision="undecided", reason="r", amends=1)
    assert late.status_code == 409
    assert "Version 2" in late.json()["detail"]
    assert [v[0] for v in versions_in_db(staff.url, consultation)] == [1, 2]


# --- 2. Every read by staff is recorded ---------------------------------------------------


def test_every_staff_read_of_a_consultation_adds_a_read_record(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = new_consultation(client)
    consultation = created["id"]
    assert reads_in_db(staff.url, consultation) == []
    phil = staff.headers(client, "phil")
    assert client.get(f"/api/v1/consultations/{consultation}", headers=phil).status_code == 200
    assert reads_in_db(staff.url, consultation) == [("phil", "api")]
    by_code = client.get(f"/api/v1/consultations/by-code/{created['code']}", headers=phil)
    assert by_code.status_code == 200
    web_login(client, staff, "cora")
    for url in (
        f"/staff/consultations/{consultation}",
        f"/staff/consultations/{consultation}/compare?drug=aripiprazole&drug=lurasidone",
        f"/consultations/{consultation}/sheet",
        f"/consultations/{consultation}/sheet.pdf",
    ):
        assert client.get(url).status_code == 200, url
    assert reads_in_db(staff.url, consultation) == [
        ("phil", "api"),
        ("phil", "api-by-code"),
        ("cora", "page"),
        ("cora", "compare"),
        ("cora", "sheet"),
        ("cora", "pdf"),
    ]
    # The tablet's own post is no staff read, and nothing else was touched.
    other = new_consultation(client)["id"]
    assert reads_in_db(staff.url, other) == []

    # The admin sees them, newest first, filtered by consultation or not.
    ada = staff.headers(client, "ada")
    listed = client.get(f"/api/v1/consultations/reads?consultation={consultation}", headers=ada)
    assert listed.status_code == 200
    assert [(r["read_by"], r["view"]) for r in listed.json()] == list(
        reversed(reads_in_db(staff.url, consultation))
    )
    assert all(r["consultation_id"] == consultation for r in listed.json())
    assert client.get(f"/api/v1/consultations/reads?consultation={other}", headers=ada).json() == []
    client.cookies.clear()
    web_login(client, staff, "ada")
    page = client.get(f"/staff/reads?consultation={consultation}&lang=en")
    assert page.status_code == 200
    table = one(soup(page.text), "table.reads")
    assert [text_of(tr.find_all("td")[1]) for tr in one(table, "tbody").find_all("tr")] == [
        "cora",
        "cora",
        "cora",
        "cora",
        "phil",
        "phil",
    ]
    assert "discussion sheet (PDF)" in text_of(table)
    assert 'href="/staff/reads"' in client.get("/staff?lang=en").text  # the admin's menu


def test_a_read_record_is_committed_with_the_answer(staff_app: StaffApp) -> None:
    """The record is written in the request's own unit of work: it is there as soon as
    the answer is, and a refused read (410) records nothing."""
    client, staff = staff_app
    consultation = new_consultation(client)["id"]
    cora = staff.headers(client, "cora")
    for n in range(1, 4):
        assert client.get(f"/api/v1/consultations/{consultation}", headers=cora).status_code == 200
        assert len(reads_in_db(staff.url, consultation)) == n
    expire_code(staff.url, consultation)
    assert client.get(f"/api/v1/consultations/{consultation}", headers=cora).status_code == 410
    assert len(reads_in_db(staff.url, consultation)) == 3


@pytest.mark.parametrize("role", ["anonymous", "clinician", "pharmacist"])
def test_only_an_admin_sees_the_reads(staff_app: StaffApp, role: str) -> None:
    client, staff = staff_app
    consultation = new_consultation(client)["id"]
    user = {"anonymous": None, "clinician": "cora", "pharmacist": "phil"}[role]
    headers = staff.headers(client, user) if user else {}
    api = client.get(f"/api/v1/consultations/reads?consultation={consultation}", headers=headers)
    assert api.status_code == (401 if user is None else 403)
    if user:
        web_login(client, staff, user)
    page = client.get("/staff/reads", follow_redirects=False)
    assert page.status_code == (303 if user is None else 403)
    if user:
        assert 'href="/staff/reads"' not in client.get("/staff").text


# --- the database refuses changes to both tables ------------------------------------------

# A dialect's rewrite of an existing row: SQLite's REPLACE, PostgreSQL's UPSERT.
REWRITES = {
    "sqlite": {
        "decision_version": "INSERT OR REPLACE INTO decision_version (consultation_id, version, "
        "discussed, decision, next_review, context_note, data_version, recorded_by, "
        "recorded_at, reason) SELECT consultation_id, version, discussed, 'clozapine', "
        "next_review, context_note, data_version, 'mallory', recorded_at, reason "
        "FROM decision_version",
        "consultation_read": "INSERT OR REPLACE INTO consultation_read "
        "(id, consultation_id, read_by, read_at, view) "
        "SELECT id, consultation_id, 'mallory', read_at, view FROM consultation_read",
    },
    "postgresql": {
        "decision_version": "INSERT INTO decision_version (consultation_id, version, "
        "discussed, decision, next_review, context_note, data_version, recorded_by, "
        "recorded_at, reason) SELECT consultation_id, version, discussed, 'clozapine', "
        "next_review, context_note, data_version, 'mallory', recorded_at, reason "
        "FROM decision_version ON CONFLICT (consultation_id, version) "
        "DO UPDATE SET decision = excluded.decision",
        "consultation_read": "INSERT INTO consultation_read "
        "(id, consultation_id, read_by, read_at, view) "
        "SELECT id, consultation_id, 'mallory', read_at, view FROM consultation_read "
        "ON CONFLICT (id) DO UPDATE SET read_by = excluded.read_by",
    },
}
CHANGES = {
    "decision_version": (
        "UPDATE decision_version SET decision = 'clozapine'",
        "UPDATE decision_version SET reason = 'edited'",
        "DELETE FROM decision_version",
    ),
    "consultation_read": (
        "UPDATE consultation_read SET read_by = 'mallory'",
        "DELETE FROM consultation_read",
    ),
}


def _decided_and_read(staff_app: StaffApp) -> tuple[str, str]:
    client, staff = staff_app
    cora = staff.headers(client, "cora")
    consultation = new_consultation(client)["id"]
    assert api_decide(client, cora, consultation, **FIRST).status_code == 200
    assert client.get(f"/api/v1/consultations/{consultation}", headers=cora).status_code == 200
    return staff.url, consultation


@pytest.mark.parametrize("table", ["decision_version", "consultation_read"])
def test_the_database_refuses_update_delete_and_replace_of_versions_and_reads(
    staff_app: StaffApp, table: str
) -> None:
    url, _ = _decided_and_read(staff_app)
    snapshot = f"SELECT * FROM {table} ORDER BY 1, 2"
    before = rows(url, snapshot)
    assert before
    engine = make_engine(url)
    for statement in (*CHANGES[table], REWRITES[BACKEND][table]):
        with (
            pytest.raises(DBAPIError, match=r"never (changed or deleted|replaced)"),
            session_scope(engine) as session,
        ):
            session.execute(text(statement))
    engine.dispose()
    assert rows(url, snapshot) == before


@pytest.mark.postgres_only
@pytest.mark.skipif(BACKEND != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_the_database_refuses_truncate_of_versions_and_reads(staff_app: StaffApp) -> None:
    url, _ = _decided_and_read(staff_app)
    engine = make_engine(url)
    for table in ("decision_version", "consultation_read", "consultation"):
        with (
            pytest.raises(DBAPIError, match="never changed or deleted"),
            session_scope(engine) as session,
        ):
            session.execute(text(f"TRUNCATE {table} CASCADE"))
    engine.dispose()
    assert rows(url, "SELECT count(*) FROM decision_version") == [(1,)]


def test_purge_deletes_a_decided_consultation_whole_and_keeps_who_read_it(
    staff_app: StaffApp,
) -> None:
    """Retention: the purge takes the consultation and its versions together (a version
    goes only once its consultation is gone); the read records stay, and say it existed."""
    client, staff = staff_app
    url, consultation = _decided_and_read(staff_app)
    purged = sdm(url, "consultations", "purge", "--older-than", "0")
    assert purged.returncode == 0 and "deleted 1" in purged.stdout, purged.stderr
    assert rows(url, "SELECT count(*) FROM decision_version") == [(0,)]
    # (the decision's own answer shows the consultation too: a read)
    assert reads_in_db(url, consultation) == [("cora", "api"), ("cora", "api")]
    gone = client.get(
        f"/api/v1/consultations/{consultation}", headers=staff.headers(client, "cora")
    )
    assert gone.status_code == 410
    assert "deleted" in gone.json()["detail"]
    unknown = client.get(f"/api/v1/consultations/{'f' * 32}", headers=staff.headers(client, "cora"))
    assert unknown.status_code == 404


# --- 3. No longer available: 410 ----------------------------------------------------------


def expire_code(url: str, consultation: str) -> None:
    execute(
        url,
        "UPDATE consultation SET code_expires_at = :t WHERE id = :c",
        t=datetime.now(UTC) - timedelta(minutes=1),
        c=consultation,
    )


def by_id_routes(consultation: str) -> list[str]:
    return [
        f"/staff/consultations/{consultation}",
        f"/staff/consultations/{consultation}/compare?drug=aripiprazole&drug=lurasidone",
        f"/consultations/{consultation}/sheet",
        f"/consultations/{consultation}/sheet.pdf",
    ]


def test_by_id_after_the_code_expired_with_no_decision_is_410(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cora = staff.headers(client, "cora")
    undecided = new_consultation(client)["id"]
    decided = new_consultation(client)["id"]
    assert api_decide(client, cora, decided, **FIRST).status_code == 200
    expire_code(staff.url, undecided)
    expire_code(staff.url, decided)

    api = client.get(f"/api/v1/consultations/{undecided}", headers=cora)
    assert api.status_code == 410
    assert "expired before a decision was recorded" in api.json()["detail"]
    late = api_decide(client, cora, undecided, decision="undecided")
    assert late.status_code == 410
    # A recorded decision keeps the consultation open after its code expired.
    assert client.get(f"/api/v1/consultations/{decided}", headers=cora).status_code == 200

    csrf = web_login(client, staff, "cora")
    for url in by_id_routes(undecided):
        page = client.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert page.status_code == 410, url
        assert "No longer available" in page.text and "can no longer be opened" in page.text
    posted = client.post(
        f"/staff/consultations/{undecided}/decision",
        data={"decision": "undecided", "csrf_token": csrf},
    )
    assert posted.status_code == 410
    assert versions_in_db(staff.url, undecided) == []
    for url in by_id_routes(decided):
        assert client.get(url).status_code == 200, url
    nb = client.get(f"/staff/consultations/{undecided}?lang=nb")
    assert nb.status_code == 410 and "Ikke lenger tilgjengelig" in nb.text


def test_by_id_past_the_retention_period_is_410_even_with_a_decision(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cora = staff.headers(client, "cora")
    old, recent = new_consultation(client)["id"], new_consultation(client)["id"]
    assert api_decide(client, cora, old, **FIRST).status_code == 200
    assert api_decide(client, cora, recent, **FIRST).status_code == 200
    execute(
        staff.url,
        "UPDATE consultation SET created_at = :t WHERE id = :c",
        t=datetime.now(UTC) - timedelta(days=31),
        c=old,
    )
    # Without SDM_RETENTION_DAYS nothing is refused for its age.
    assert client.get(f"/api/v1/consultations/{old}", headers=cora).status_code == 200
    with client_for(staff.url, retention_days=30) as kept_30_days:
        token = staff.headers(kept_30_days, "cora")
        gone = kept_30_days.get(f"/api/v1/consultations/{old}", headers=token)
        assert gone.status_code == 410
        assert "older than the service keeps" in gone.json()["detail"]
        assert kept_30_days.get(f"/api/v1/consultations/{recent}", headers=token).status_code == 200
        web_login(kept_30_days, staff, "cora")
        for url in by_id_routes(old):
            assert kept_30_days.get(url).status_code == 410, url
    # The purge with no --older-than takes SDM_RETENTION_DAYS: exactly what was refused.
    purged = subprocess.run(
        [sys.executable, "-m", "app.cli", "consultations", "purge"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "DATABASE_URL": staff.url,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SDM_RETENTION_DAYS": "30",
        },
        check=False,
        timeout=120,
    )
    assert purged.returncode == 0, purged.stderr
    assert "deleted 1 consultation(s) older than 30 days" in purged.stdout
    assert rows(staff.url, "SELECT id FROM consultation") == [(recent,)]
    assert sdm(staff.url, "consultations", "purge").returncode == 2  # neither given


# --- the migration ------------------------------------------------------------------------


def test_the_migration_moves_each_decision_to_version_1_and_back(
    databases: Databases,
) -> None:
    url = databases.empty()
    migrate(url, "0007_tamper_evidence")
    decided_at = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    execute(
        url,
        "INSERT INTO consultation (id, code, code_expires_at, created_at, lang, avoid, helpful, "
        "must_avoid, formulations, with_carer, what_matters, discussed, decision, next_review, "
        "context_note, decided_by, decided_at, data_version) VALUES "
        "(:id, 'ACDEFG', :t, :t, 'en', '[\"tremor\"]', '[]', '[]', '[]', false, '', "
        "'[\"aripiprazole\"]', 'aripiprazole', '2027-01-15', 'note', 'cora', :t, 1), "
        "(:other, 'ACDEFH', :t, :t, 'en', '[\"tremor\"]', '[]', '[]', '[]', false, '', "
        "'[]', NULL, NULL, '', NULL, NULL, NULL)",
        id="a" * 32,
        other="b" * 32,
        t=decided_at,
    )
    migrate(url)
    assert rows(
        url,
        "SELECT consultation_id, version, decision, recorded_by, context_note, data_version, "
        "reason FROM decision_version",
    ) == [("a" * 32, 1, "aripiprazole", "cora", "note", 1, "")]
    downgrade(url, "0007_tamper_evidence")
    assert rows(
        url, "SELECT id, decision, decided_by, context_note FROM consultation ORDER BY id"
    ) == [("a" * 32, "aripiprazole", "cora", "note"), ("b" * 32, None, None, "")]
    migrate(url)
    assert rows(url, "SELECT count(*) FROM decision_version") == [(1,)]
