"""Request-scoped dependencies: the unit of work, the language, the published dataset."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlmodel import Session

from app.catalogue.model import Dataset
from app.db import session_scope
from app.errors import NoDataVersion
from app.i18n import negotiate
from app.store.datasets import latest_version
from app.store.tables import DataVersion

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def sqlite_write_gate(request: Request) -> AsyncIterator[None]:
    """Queue a process's SQLite writers on an asyncio lock, before they take a worker
    thread. Waiting for SQLite's own lock inside worker threads would let waiting
    writers fill the thread pool while the lock holder has no thread to finish on."""
    engine = request.app.state.engine
    if request.method in SAFE_METHODS or engine.dialect.name != "sqlite":
        yield
        return
    async with request.app.state.sqlite_write_lock:
        yield


def get_session(
    request: Request, _gate: Annotated[None, Depends(sqlite_write_gate, scope="function")]
) -> Iterator[Session]:
    """One transaction per request, committed or rolled back in this one place.

    Requests that may write (POST, PUT, DELETE) take the write lock up front on SQLite.

    Scope "function": the commit happens when the route returns, BEFORE the response is
    sent. FastAPI's default ("request") would send the response first and commit after,
    so a client could see "saved" (or follow a redirect to the new session) before the
    data is there, and a failed commit would be reported as a success."""
    write = request.method not in SAFE_METHODS
    with session_scope(request.app.state.engine, write=write) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_read_session(request: Request) -> Iterator[Session]:
    """For a POST that only computes (a ranking): no write lock, no queue behind writers."""
    with session_scope(request.app.state.engine, write=False) as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


def get_language(
    request: Request,
    lang: Annotated[
        str | None, Query(max_length=16, description="en, nb (or no, nb-NO); else Accept-Language")
    ] = None,
) -> str:
    return negotiate(lang, request.headers.get("accept-language"))


LanguageDep = Annotated[str, Depends(get_language)]


@dataclass(frozen=True)
class Published:
    version: DataVersion
    dataset: Dataset


def get_published(request: Request, session: SessionDep) -> Published:
    """The newest published data version: consultations never see a draft."""
    version = latest_version(session)
    if version is None:
        raise NoDataVersion()
    return Published(version, request.app.state.datasets.get(session, version))


def get_published_for_reading(request: Request, session: ReadSessionDep) -> Published:
    return get_published(request, session)


PublishedDep = Annotated[Published, Depends(get_published)]
ReadPublishedDep = Annotated[Published, Depends(get_published_for_reading)]
