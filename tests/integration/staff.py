"""Staff users for tests: a clinician, two pharmacists, an admin and a service lead, each
with TOTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from app.accounts.service import add_user, enrol_totp, find_user
from app.accounts.tables import StaffUser
from app.db import make_engine, session_scope
from tests.lookup import search

PASSWORD = "correct horse battery staple 42"
USERS = {
    "cora": "clinician",
    "phil": "pharmacist",
    "pia": "pharmacist",
    "ada": "admin",
    "lena": "lead",
}


@dataclass
class Staff:
    url: str
    secrets: dict[str, str]

    def code(self, username: str) -> str:
        """The current TOTP code, made usable again first. A code works once (migration
        0008), and tests log one user in many times within a 30-second step, so this
        forgets which step the user's last accepted code had. The refusal of a reused
        code is tested without this helper (tests/integration/test_abuse_limits.py)."""
        forget_totp_step(self.url, username)
        return pyotp.TOTP(self.secrets[username]).now()

    def token(self, client: TestClient, username: str) -> str:
        response = client.post(
            "/api/v1/auth/token",
            data={"username": username, "password": PASSWORD, "totp": self.code(username)},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def headers(self, client: TestClient, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(client, username)}"}


#: The `staff_app` fixture: a client over the bundled data and its four staff users.
StaffApp: TypeAlias = tuple[TestClient, Staff]


def forget_totp_step(url: str, username: str) -> None:
    engine = make_engine(url)
    with session_scope(engine, write=True) as session:
        session.execute(
            update(StaffUser).where(col(StaffUser.username) == username).values(totp_last_step=None)
        )
    engine.dispose()


def _enrol(session: Session, name: str, role: str) -> str:
    add_user(session, username=name, role=role, password=PASSWORD, by="test-setup")
    enrol_totp(session, username=name, by="test-setup")
    user = find_user(session, name)
    assert user is not None and user.totp_secret
    return user.totp_secret


def add_staff(url: str) -> Staff:
    engine = make_engine(url)
    with session_scope(engine) as session:
        secrets = {name: _enrol(session, name, role) for name, role in USERS.items()}
    engine.dispose()
    return Staff(url, secrets)


def add_staff_user(staff: Staff, name: str, role: str) -> None:
    """One more staff user in `staff`'s database (a third pharmacist, say)."""
    engine = make_engine(staff.url)
    with session_scope(engine) as session:
        staff.secrets[name] = _enrol(session, name, role)
    engine.dispose()


def web_login(client: TestClient, staff: Staff, username: str) -> str:
    """Log in through the login form, as a browser does; returns the session's CSRF token."""
    import re

    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "totp": staff.code(username),
            "csrf_token": search(token, page.text).group(1),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return search(token, client.get("/staff").text).group(1)
