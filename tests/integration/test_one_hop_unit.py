"""The busiest staff pages run their whole unit of work in one worker-thread hop
(app/http/unit_of_work.py `in_one_unit`). What must hold, whatever happens:

- the answer is made only after the unit is committed (the read record is there first);
- a unit that fails is rolled back, and SQLite's write gate opens again;
- a request cancelled before its thread starts opens the gate too: a gate left shut
  would stop every later write of the process.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel import Session
from starlette.requests import Request

from app.http.state import of_app
from app.http.unit_of_work import in_one_unit, writing_unit
from tests.integration.conftest import app_of, client_for
from tests.integration.staff import StaffApp, web_login

T = TypeVar("T")


@writing_unit
def _page() -> None:
    """Stands for a route marked as a writing unit."""


def _run(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run `function(*args)` on an event loop of its own thread: the browser tests'
    Playwright may hold a running loop in the test process's main thread."""
    with start_blocking_portal() as portal:
        return portal.call(function, *args)


def _request(app: FastAPI) -> Request:
    return Request({"type": "http", "method": "GET", "app": app, "endpoint": _page, "headers": []})


@pytest.fixture
def app(fresh_db: Callable[[], str]) -> Iterator[FastAPI]:
    url = fresh_db()
    with client_for(url) as client:
        yield app_of(client)


def _count(app: FastAPI) -> int:
    with Session(of_app(app).engine) as session:
        return int(session.execute(text("SELECT count(*) FROM consultation_read")).scalar_one())


def _record(session: Session) -> None:
    session.execute(
        text(
            "INSERT INTO consultation_read (consultation_id, read_by, read_at, view) "
            "VALUES ('c1', 'cora', CURRENT_TIMESTAMP, 'page')"
        )
    )


def test_the_answer_is_made_after_the_commit(app: FastAPI) -> None:
    seen: list[int] = []

    def answer(_: None) -> str:
        seen.append(_count(app))  # another connection: sees only what is committed
        return "page"

    assert _run(in_one_unit, _request(app), _record, answer) == "page"
    assert seen == [1]


def test_a_failed_unit_is_rolled_back_and_opens_the_write_gate(app: FastAPI) -> None:
    def fails(session: Session) -> None:
        _record(session)
        raise LookupError("no such consultation")

    def never(_: None) -> str:
        raise AssertionError("no answer is made for a failed unit")

    with pytest.raises(LookupError):
        _run(in_one_unit, _request(app), fails, never)
    assert _count(app) == 0
    gate = of_app(app).sqlite_write_lock
    if of_app(app).engine.dialect.name == "sqlite":
        assert not gate.locked()
    # And the next unit goes through.
    _run(in_one_unit, _request(app), _record, lambda _: None)
    assert _count(app) == 1


def test_a_request_cancelled_before_its_thread_starts_opens_the_write_gate(
    app: FastAPI,
) -> None:
    """Every worker thread busy: the unit waits for one, and is cancelled meanwhile."""
    if of_app(app).engine.dialect.name != "sqlite":
        pytest.skip("the write gate is SQLite's")
    release = threading.Event()

    async def hold_the_only_thread() -> None:
        await anyio.to_thread.run_sync(release.wait)

    async def scenario() -> None:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(hold_the_only_thread)
            await anyio.sleep(0.05)
            with anyio.move_on_after(0.2):
                await in_one_unit(_request(app), _record, lambda _: None)
                raise AssertionError("the unit ran although no thread was free")
            release.set()
        assert not of_app(app).sqlite_write_lock.locked()

    _run(scenario)
    assert _count(app) == 0


def test_writes_go_on_after_pages_whose_units_failed(staff_app: StaffApp) -> None:
    """Through HTTP: a clinician's page for an id that does not exist (404) and an
    anonymous one (refused), each a unit that failed and was rolled back; then the
    tablet's write (a POST through the ordinary unit of work) still goes through."""
    client, staff = staff_app
    refused = client.get("/staff/consultations/nosuchid", follow_redirects=False)
    assert refused.status_code in (303, 401)
    web_login(client, staff, "cora")
    assert client.get("/staff/consultations/nosuchid").status_code == 404
    assert not of_app(app_of(client)).sqlite_write_lock.locked()
    created = client.post("/api/v1/consultations", json={"avoid": ["weight-gain"]})
    assert created.status_code == 201, created.text
