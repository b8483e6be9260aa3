"""The newest published data version, as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.consultations.service import Record
from app.http.state import app_state
from app.store.current import Published
from app.store.datasets import get_version

__all__ = ["Published", "PublishedDep", "published_for"]


async def get_published(request: Request) -> Published:
    """The newest published data version (consultations never see a draft), as this
    process's pointer knows it: confirmed against the database within
    `SDM_VERSION_MAX_AGE` seconds (app/store/current.py)."""
    return await app_state(request).current.get()


PublishedDep = Annotated[Published, Depends(get_published)]


def published_for(
    request: Request, session: Session, record: Record, latest: Published
) -> Published:
    """The data version the decision (as it stands) was made with, else the newest one:
    what the discussion sheet and the FHIR export of a consultation are built from."""
    decided = record.latest
    if decided is not None and decided.data_version != latest.version.number:
        version = get_version(session, decided.data_version)
        if version is not None:
            return app_state(request).current.published(session, version)
    return latest
