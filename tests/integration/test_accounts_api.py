"""Logins, tokens, second factor, throttling and revocation, through HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from app import audit
from app.accounts.passwords import policy_problems
from app.accounts.service import add_user, disable_user
from app.db import make_engine, session_scope
from tests.integration.conftest import PinnedClock
from tests.integration.staff import PASSWORD, StaffApp

TOKEN = "/api/v1/auth/token"


def test_token_grants_access_and_revoke_ends_it(staff_app: StaffApp) -> None:
    client, staff = staff_app
    headers = staff.headers(client, "phil")
    assert client.get("/api/v1/drafts", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    assert client.get("/api/v1/drafts", headers=headers).status_code == 401


def test_pharmacist_needs_the_second_factor(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = client.post(TOKEN, data={"username": "phil", "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["detail"] == "The username, password or code is not right."


def test_wrong_code_and_wrong_password_look_the_same(staff_app: StaffApp) -> None:
    client, staff = staff_app
    wrong_code = client.post(
        TOKEN, data={"username": "phil", "password": PASSWORD, "totp": "000000"}
    )
    wrong_password = client.post(
        TOKEN, data={"username": "phil", "password": "x" * 20, "totp": staff.code("phil")}
    )
    nobody = client.post(TOKEN, data={"username": "nobody", "password": PASSWORD})
    assert wrong_code.status_code == wrong_password.status_code == nobody.status_code == 401
    assert wrong_code.json() == wrong_password.json() == nobody.json()


def test_password_only_is_allowed_for_pharmacists_only_when_configured(
    fresh_db: Callable[[], str],
) -> None:
    from tests.integration.conftest import client_for

    url = fresh_db()
    engine = make_engine(url)
    with session_scope(engine) as session:
        add_user(session, username="pat", role="pharmacist", password=PASSWORD, by="t")
    engine.dispose()
    form = {"username": "pat", "password": PASSWORD}
    with client_for(url) as strict:
        assert strict.post(TOKEN, data=form).status_code == 401
    with client_for(url, allow_password_only=True) as relaxed:
        assert relaxed.post(TOKEN, data=form).status_code == 200


def test_disabling_a_user_ends_their_tokens(staff_app: StaffApp) -> None:
    client, staff = staff_app
    headers = staff.headers(client, "phil")
    engine = make_engine(staff.url)
    with session_scope(engine) as session:
        disable_user(session, username="phil", by="ada")
    engine.dispose()
    assert client.get("/api/v1/drafts", headers=headers).status_code == 401
    response = client.post(
        TOKEN, data={"username": "phil", "password": PASSWORD, "totp": staff.code("phil")}
    )
    assert response.status_code == 401


def test_logins_are_audited_and_failures_only_in_aggregate(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    """Throttling is tested in test_abuse_limits.py; here, what the audit trail shows."""
    client, staff = staff_app
    for _ in range(4):
        client.post(TOKEN, data={"username": "cora", "password": "not the password"})
    staff.token(client, "cora")
    events = client.get("/api/v1/audit", headers=staff.headers(client, "ada")).json()
    actions = [(e["actor"], e["action"]) for e in events]
    assert ("cora", "login.api") in actions
    assert not [a for a in actions if a[1].startswith("login.fail")]  # 4: below the limit
    client.post(TOKEN, data={"username": "cora", "password": "not the password"})
    events = client.get("/api/v1/audit", headers=staff.headers(client, "ada")).json()
    failures = [e for e in events if e["action"] == "login.failures"]
    assert [(e["actor"], e["after"]) for e in failures] == [
        ("cora", {"failed_logins": 5, "window_minutes": 15})
    ]
    csv = client.get("/api/v1/audit?format=csv", headers=staff.headers(client, "ada"))
    assert csv.headers["content-type"].startswith("text/csv")
    assert "login.failures" in csv.text


FORMULAS = ['=HYPERLINK("https://x.invalid","a")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(staff_app: StaffApp) -> None:
    """Audit cells can hold text someone typed (a reason, a note, a name): an export
    must show it as text. Here the events are written with such text as their actor."""
    client, staff = staff_app
    engine = make_engine(staff.url)
    with session_scope(engine, write=True) as session:
        for username in FORMULAS:
            audit.record(session, by=username, action="login.failed", target="user/?")
    engine.dispose()
    export = client.get("/api/v1/audit?format=csv", headers=staff.headers(client, "ada"))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == ["id", "at", "actor", "action", "target", "before", "after"]
    actors = {row[2] for row in rows[1:] if row[3] == "login.failed"}
    assert actors == {"'" + username for username in FORMULAS}
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert any(row[2] == "ada" and row[3] == "login.api" for row in rows), "plain cells as is"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("password1234", False),
        ("aaaaaaaaaaaa", False),
        ("correct horse battery staple 42", True),
        ("Tr0ub4dour&3-lilac-kettle", True),
        (("Tr0ub4dour&3-lilac-kettle" * 3)[:72], True),
        (("Tr0ub4dour&3-lilac-kettle" * 3)[:73], False),  # over 72 bytes
        ("Tr0ub4dour&3-lilac-kettle" + "ø" * 24, False),  # 49 characters, 73 bytes
    ],
)
def test_password_policy(password: str, ok: bool) -> None:
    assert (policy_problems(password, "phil") == []) is ok
