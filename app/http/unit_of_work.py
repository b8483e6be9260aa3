"""One transaction per request: the `SessionDep` dependency (ADR 0003)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import close_unit, open_unit
from app.http.state import app_state
from app.store.datasets import published_in

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "_sdm_unit_writes"
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
D = TypeVar("D")


def writing_unit(endpoint: F) -> F:
    """Mark a GET route whose unit of work writes: the consultation routes record every
    read in the request's own transaction (ADR 0003, ADR 0010). Such a request is a
    writer like a POST: on SQLite it queues on the write gate and begins IMMEDIATE, and
    its staff-session refresh goes in the same unit. Put it under the route decorator."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def unit_writes(request: Request) -> bool:
    """Whether the request's unit of work may write: any method but GET, HEAD and
    OPTIONS, and the routes marked `writing_unit`."""
    if request.method not in SAFE_METHODS:
        return True
    return getattr(request.scope.get("endpoint"), _WRITES, False) is True


def write_gate(request: Request) -> asyncio.Lock | None:
    """The lock a process's SQLite writers queue on, before they take a worker thread;
    None for a reader, or on PostgreSQL. Waiting for SQLite's own lock inside worker
    threads would let waiting writers fill the thread pool while the lock holder has no
    thread to finish on."""
    state = app_state(request)
    if unit_writes(request) and state.engine.dialect.name == "sqlite":
        return state.sqlite_write_lock
    return None


async def sqlite_write_gate(request: Request) -> AsyncIterator[None]:
    """`write_gate` as a dependency: held for the whole unit of work."""
    gate = write_gate(request)
    if gate is None:
        yield
        return
    async with gate:
        yield


async def get_session(
    request: Request, _gate: Annotated[None, Depends(sqlite_write_gate, scope="function")]
) -> AsyncIterator[Session]:
    """One transaction per request, committed or rolled back in this one place.

    Requests that may write (POST, PUT, DELETE, and GET routes marked `writing_unit`)
    take the write lock up front on SQLite.

    Scope "function": the commit happens when the route returns, BEFORE the response is
    sent. FastAPI's default ("request") would send the response first and commit after,
    so a client could see "saved" (or follow a redirect to the new session) before the
    data is there, and a failed commit would be reported as a success.

    Async, with the database work in worker threads: a read's session is made on the
    event loop (no I/O yet) and ended in one worker thread, one thread hop fewer than a
    sync generator's two on every request."""
    state = app_state(request)
    engine = state.engine
    write = unit_writes(request)
    if write and engine.dialect.name == "sqlite":
        session = await run_in_threadpool(open_unit, engine, write=True)
    else:
        session = open_unit(engine)
    error: BaseException | None = None
    try:
        yield session
    except BaseException as exc:
        error = exc
        raise
    finally:
        # Shielded: a cancelled request still ends its transaction and frees its connection.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(close_unit, session, engine, error)
    if published_in(session):  # committed: use the new version from now on
        state.current.forget()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def in_one_unit(request: Request, work: Callable[[Session], D], then: Callable[[D], T]) -> T:
    """The request's unit of work, whole, in ONE worker-thread hop: open, `work(session)`,
    commit (or roll back on any exception), close; then `then(work's result)`, in the
    same thread, after the commit. The same unit as `SessionDep` (the same write gate,
    begin, commit and roll-back), for the busiest pages, which would otherwise hop to a
    worker thread to open the unit, again to find the principal, again for the route and
    again to commit (docs/performance.md).

    `then` is for what needs no database (rendering the page): it runs once the unit is
    committed and, on SQLite, once the write gate has let the next writer in, so no lock
    is held while a page is laid out. Nothing is answered that was not committed."""
    state = app_state(request)
    engine = state.engine
    write = unit_writes(request)
    gate = write_gate(request)
    loop = asyncio.get_running_loop()
    opened = False  # whether the gate is released yet, read and set on the event loop only

    def open_gate() -> None:
        nonlocal opened
        if gate is not None and not opened:
            opened = True
            gate.release()

    def unit() -> tuple[T, bool]:
        try:
            session = open_unit(engine, write=write)
            try:
                result = work(session)
            except BaseException as exc:
                close_unit(session, engine, exc)
                raise
            close_unit(session, engine, None)
        finally:
            loop.call_soon_threadsafe(open_gate)
        return then(result), published_in(session)

    if gate is not None:
        await gate.acquire()
    try:
        # Not abandoned on cancellation (anyio's default): a request whose client went
        # away still ends its transaction in the thread and frees its connection.
        answer, published = await run_in_threadpool(unit)
    finally:
        open_gate()  # if the thread never ran (cancelled before it started), or failed
    if published:  # committed: use the new version from now on
        state.current.forget()
    return answer
