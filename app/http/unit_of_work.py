"""One transaction per request: the `SessionDep` dependency (ADR 0003)."""

from __future__ import annotations

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


async def sqlite_write_gate(request: Request) -> AsyncIterator[None]:
    """Queue a process's SQLite writers on an asyncio lock, before they take a worker
    thread. Waiting for SQLite's own lock inside worker threads would let waiting
    writers fill the thread pool while the lock holder has no thread to finish on."""
    state = app_state(request)
    if not unit_writes(request) or state.engine.dialect.name != "sqlite":
        yield
        return
    async with state.sqlite_write_lock:
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
