"""A session's last-seen time is refreshed at most once a minute. When that refresh is
due, several pages asked for at once (a clinician opening the page, the sheet and the
PDF together) must all be answered: on SQLite a read transaction that then tries to
write fails at once if another request wrote first, so the refresh is its own short
write, and a refresh that cannot be made (a read-only database) never fails the page.

Found by `make bench`: 4 of 1,995 sheet requests failed with 503, once a minute."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.accounts.tables import AuthSession
from app.clock import utcnow
from app.db import make_engine, session_scope
from tests.builders import bundled_dataset
from tests.conftest import Alone
from tests.integration.conftest import publish
from tests.integration.live import live_server
from tests.integration.staff import add_staff
from tests.integration.webclient import Browser, login

# Response times are asserted: no other test runs alongside the part in `alone()`
# (tests/conftest.py).
pytestmark = pytest.mark.serial


def age_sessions(url: str, minutes: int) -> None:
    engine = make_engine(url)
    with session_scope(engine, write=True) as session:
        session.execute(
            update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes))
        )
    engine.dispose()


def last_seen(url: str) -> list[datetime]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        seen = [row.last_seen_at for row in session.exec(select(AuthSession)).all()]
    engine.dispose()
    return seen


def test_pages_asked_for_at_once_when_the_session_is_due_a_refresh(
    fresh_db: Callable[[], str], alone: Alone
) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    staff = add_staff(url)
    with live_server(url) as base:
        cora = Browser()
        login(cora, base, staff, "cora")
        created = cora.post(f"{base}/api/v1/consultations", json={"avoid": ["tremor"]})
        assert created.status_code == 201, created.text
        pages = [
            f"{base}/staff/consultations/{created.json()['id']}",
            f"{base}/consultations/{created.json()['id']}/sheet",
            f"{base}/staff",
        ] * 4
        with alone():
            for _round in range(5):
                age_sessions(url, minutes=2)
                before = last_seen(url)
                with ThreadPoolExecutor(len(pages)) as pool:
                    statuses = list(pool.map(lambda page: cora.get(page).status_code, pages))
                assert statuses == [200] * len(pages)
                assert last_seen(url) != before  # refreshed


def test_a_write_when_the_session_is_due_a_refresh_does_not_wait(
    fresh_db: Callable[[], str], alone: Alone
) -> None:
    """A write (here: recording a decision) refreshes in its own unit of work, which on
    SQLite already holds the write lock: a second unit of work would wait for it."""
    url = fresh_db()
    publish(url, bundled_dataset())
    staff = add_staff(url)
    with live_server(url) as base:
        cora = Browser()
        csrf = login(cora, base, staff, "cora")
        created = cora.post(f"{base}/api/v1/consultations", json={"avoid": ["tremor"]})
        page = f"{base}/staff/consultations/{created.json()['id']}"
        age_sessions(url, minutes=2)
        before = last_seen(url)
        with alone():
            saved = cora.post(
                f"{page}/decision",
                form={"csrf_token": csrf, "decision": "undecided", "discussed": "olanzapine"},
            )
        assert saved.status_code in (200, 303), saved.text
        assert float(saved.extensions["elapsed_s"]) < 3.0
        assert last_seen(url) != before
