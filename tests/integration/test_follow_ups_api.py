"""Follow-ups through the API: a clinician issues a code at the review, the tablet
reports with it once, staff read the report against the person's priorities with what
the data predicted; bad reports are 422 with nothing stored; the code works once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.clock import utcnow
from app.db import make_engine, session_scope
from tests.builders import bundled_dataset
from tests.conftest import Databases, downgrade, migrate
from tests.integration.cli import sdm
from tests.integration.conftest import PinnedClock
from tests.integration.staff import StaffApp

DATA = bundled_dataset()
AVOID = ["weight-gain", "restlessness", "sun-sensitivity", "tremor", "dry-mouth"]
REPORT = {"restlessness": 3, "weight-gain": 0, "feeling-sick": 2, "sun-sensitivity": 1}


def grade(drug: str, item: str) -> int | None:
    return DATA.drug(drug).ratings[item].value


def consultation(client: TestClient, staff_app: StaffApp, decision: str = "quetiapine") -> str:
    _client, staff = staff_app
    made = client.post("/api/v1/consultations", json={"avoid": AVOID})
    assert made.status_code == 201, made.text
    cid = str(made.json()["id"])
    review = (utcnow().date() + timedelta(days=42)).isoformat()
    decided = client.post(
        f"/api/v1/consultations/{cid}/decision",
        headers=staff.headers(client, "cora"),
        json={"discussed": [decision], "decision": decision, "next_review": review},
    )
    assert decided.status_code == 200, decided.text
    return cid


def issue(client: TestClient, staff_app: StaffApp, cid: str, user: str = "cora") -> str:
    _client, staff = staff_app
    issued = client.post(
        f"/api/v1/consultations/{cid}/follow-up-codes", headers=staff.headers(client, user)
    )
    assert issued.status_code == 201, issued.text
    expires = datetime.fromisoformat(issued.json()["expires_at"])
    assert timedelta(minutes=239) < expires - utcnow() <= timedelta(minutes=240)
    return str(issued.json()["code"])


def test_a_follow_up_is_returned_with_predicted_and_reported_per_priority(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid)
    sent = client.post(
        "/api/v1/follow-ups", json={"code": code.lower(), "drug": "quetiapine", "bother": REPORT}
    )
    assert sent.status_code == 201, sent.text
    follow_id = sent.json()["id"]

    read = client.get(
        f"/api/v1/consultations/{cid}/follow-ups", headers=staff.headers(client, "phil")
    )
    assert read.status_code == 200, read.text
    [only] = read.json()
    assert only["id"] == follow_id
    assert only["drug"] == "quetiapine"
    assert only["bother"] == REPORT
    assert only["data_version"] == 1
    assert only["bothersome"] == ["restlessness", "feeling-sick"]
    assert datetime.fromisoformat(only["created_at"]).date() == utcnow().date()
    # Predicted: the bundled data's own grades for quetiapine; reported: as sent.
    assert only["priorities"] == [
        {
            "side_effect": item,
            "priority": n,
            "predicted": grade("quetiapine", item),
            "reported": REPORT.get(item),
        }
        for n, item in enumerate(AVOID, start=1)
    ]
    # Quetiapine's sun sensitivity is not known: null, never 0; unanswered items: null.
    assert grade("quetiapine", "sun-sensitivity") is None
    assert only["priorities"][2]["predicted"] is None
    assert only["priorities"][3]["reported"] is None

    # The staff read is recorded like any other.
    reads = client.get(
        f"/api/v1/consultations/reads?consultation={cid}", headers=staff.headers(client, "ada")
    )
    assert "api-follow-ups" in [r["view"] for r in reads.json()]


def test_a_second_use_of_the_code_is_refused_like_an_unknown_code(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid)
    body = {"code": code, "drug": "quetiapine", "bother": {"tremor": 1}}
    assert client.post("/api/v1/follow-ups", json=body).status_code == 201
    again = client.post("/api/v1/follow-ups", json=body)
    unknown = client.post("/api/v1/follow-ups", json={**body, "code": "AAAAAA"})
    assert again.status_code == 404 and unknown.status_code == 404
    assert again.json() == unknown.json()
    assert "used" in again.json()["detail"]
    listed = client.get(
        f"/api/v1/consultations/{cid}/follow-ups", headers=staff.headers(client, "cora")
    ).json()
    assert len(listed) == 1


def test_an_expired_code_is_refused_like_an_unknown_one(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid)
    engine = make_engine(staff.url)
    with session_scope(engine, write=True) as session:
        session.execute(
            text("UPDATE follow_up_code SET expires_at = :past WHERE code = :code"),
            {"past": utcnow() - timedelta(minutes=1), "code": code},
        )
    engine.dispose()
    body = {"code": code, "drug": "quetiapine", "bother": {"tremor": 1}}
    expired = client.post("/api/v1/follow-ups", json=body)
    unknown = client.post("/api/v1/follow-ups", json={**body, "code": "AAAAAA"})
    assert expired.status_code == 404
    assert expired.json() == unknown.json()


def test_bad_reports_are_422_saying_what_to_change_and_store_nothing(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid)
    bad = client.post(
        "/api/v1/follow-ups",
        json={"code": code, "drug": "aspirin", "bother": {"tremor": 4, "weight-gian": 1}},
    )
    assert bad.status_code == 422
    messages = [p["msg"] for p in bad.json()["detail"]]
    assert any("'aspirin' is not a medicine" in m for m in messages)
    assert any("bother for tremor must be 0, 1, 2 or 3" in m for m in messages)
    assert any("'weight-gian' is not a checklist item" in m for m in messages)
    too_many = {item: 0 for item in DATA.item_ids} | {f"extra-{n}": 0 for n in range(3)}
    crowded = client.post(
        "/api/v1/follow-ups", json={"code": code, "drug": "quetiapine", "bother": too_many}
    )
    assert crowded.status_code == 422
    assert any("the checklist has 36" in p["msg"] for p in crowded.json()["detail"])
    # Nothing stored, and the code still works.
    listed = client.get(
        f"/api/v1/consultations/{cid}/follow-ups", headers=staff.headers(client, "cora")
    )
    assert listed.json() == []
    good = client.post(
        "/api/v1/follow-ups", json={"code": code, "drug": "quetiapine", "bother": {"tremor": 0}}
    )
    assert good.status_code == 201


def test_issuing_a_code_is_audited_without_the_code(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid, user="phil")
    engine = make_engine(staff.url)
    with session_scope(engine) as session:
        rows = session.execute(
            text("SELECT actor, action, after FROM audit_event WHERE target = :t ORDER BY id"),
            {"t": f"consultation/{cid}"},
        ).all()
    engine.dispose()
    assert [(r[0], r[1]) for r in rows][-1] == ("phil", "consultation.follow_up_code")
    assert code not in str(rows[-1][2])


def test_follow_ups_go_with_their_consultation_at_the_purge(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid)
    body = {"code": code, "drug": "quetiapine", "bother": {"tremor": 1}}
    assert client.post("/api/v1/follow-ups", json=body).status_code == 201
    engine = make_engine(staff.url)
    with session_scope(engine, write=True) as session:
        # Append-only: a follow-up of a consultation that exists is never deleted.
        refused = False
        try:
            with session.begin_nested():
                session.execute(
                    text("DELETE FROM follow_up WHERE consultation_id = :c"), {"c": cid}
                )
        except Exception:
            refused = True
        assert refused
    result = sdm(staff.url, "consultations", "purge", "--older-than", "0")
    assert result.returncode == 0, result.stderr
    with session_scope(engine) as session:
        left = session.execute(
            text("SELECT count(*) FROM follow_up WHERE consultation_id = :c"), {"c": cid}
        ).scalar_one()
        codes = session.execute(
            text("SELECT count(*) FROM follow_up_code WHERE consultation_id = :c"), {"c": cid}
        ).scalar_one()
    engine.dispose()
    assert (left, codes) == (0, 0)


def test_follow_up_submissions_are_limited_like_tablet_submissions(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    client, _staff = staff_app
    body = {"code": "AAAAAA", "drug": "quetiapine", "bother": {"tremor": 1}}
    statuses = [client.post("/api/v1/follow-ups", json=body).status_code for _ in range(11)]
    # Codes that match nothing count too, so codes cannot be guessed without limit.
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429


def test_a_follow_up_is_never_changed_and_the_migration_goes_down_and_up(
    staff_app: StaffApp, databases: Databases
) -> None:
    client, staff = staff_app
    cid = consultation(client, staff_app)
    code = issue(client, staff_app, cid)
    body = {"code": code, "drug": "quetiapine", "bother": {"tremor": 1}}
    assert client.post("/api/v1/follow-ups", json=body).status_code == 201
    engine = make_engine(staff.url)
    with (
        pytest.raises(DBAPIError, match="never changed"),
        session_scope(engine, write=True) as session,
    ):
        session.execute(text("UPDATE follow_up SET bother = '{}'"))
    engine.dispose()

    url = databases.empty()
    migrate(url)
    downgrade(url, "0017_feedback_and_lead")
    engine = make_engine(url)
    with session_scope(engine) as session:
        tables = set(inspect(session.connection()).get_table_names())
    engine.dispose()
    assert not tables & {"follow_up", "follow_up_code"}
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        tables = set(inspect(session.connection()).get_table_names())
    engine.dispose()
    assert {"follow_up", "follow_up_code"} <= tables
