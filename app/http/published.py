"""The newest published data version, as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.http.state import app_state
from app.store.current import Published

__all__ = ["Published", "PublishedDep"]


async def get_published(request: Request) -> Published:
    """The newest published data version (consultations never see a draft), as this
    process's pointer knows it: confirmed against the database within
    `SDM_VERSION_MAX_AGE` seconds (app/store/current.py)."""
    return await app_state(request).current.get()


PublishedDep = Annotated[Published, Depends(get_published)]
