"""Request-scoped dependencies: the unit of work, the language, the published dataset."""

from __future__ import annotations

from collections.abc import Iterator
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


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed or rolled back in this one place."""
    with session_scope(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


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


PublishedDep = Annotated[Published, Depends(get_published)]
