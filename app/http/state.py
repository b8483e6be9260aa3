"""What one app process holds, typed, and the dependencies that hand it to routes.

`create_app` builds one `AppState` and keeps it on `app.state.sdm`; everything else
reads it through `app_state(request)` or the `...Dep` annotations below, never through
untyped `request.app.state` attributes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Protocol, cast

from fastapi import Depends, FastAPI, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.accounts.service import SessionPolicy
from app.config import Settings
from app.consultations.service import ConsultationLimits, Record
from app.store.current import CurrentVersion, Published
from app.store.datasets import DatasetCache
from app.store.integrity import IntegrityCheck


class SheetPdf(Protocol):
    """The discussion sheet as a PDF, made by the sheet's own route code (app/web/sheet.py)
    and handed in by `create_app`, so the API can attach it without importing the pages."""

    def __call__(
        self, request: Request, session: Session, record: Record, published: Published
    ) -> bytes: ...


@dataclass(frozen=True)
class AppState:
    settings: Settings
    engine: Engine
    #: Datasets of data versions, read back once each (by checksum).
    datasets: DatasetCache
    #: This process's pointer to the newest published version (ADR 0007).
    current: CurrentVersion
    #: When /readyz last re-read the newest version against its checksum (ADR 0009).
    integrity: IntegrityCheck
    #: SQLite writers queue here before they take a worker thread (unit_of_work.py).
    sqlite_write_lock: asyncio.Lock
    session_policy: SessionPolicy
    session_cookie: str
    #: Tablet submissions and code lookups (ADR 0011).
    consultation_limits: ConsultationLimits
    #: The sheet as a PDF in the person's language, for the FHIR export (ADR 0016).
    sheet_pdf: SheetPdf | None = None


def install(app: FastAPI, state: AppState) -> None:
    app.state.sdm = state


def of_app(app: FastAPI) -> AppState:
    return cast(AppState, app.state.sdm)


def app_state(request: Request) -> AppState:
    return cast(AppState, request.app.state.sdm)


def settings(request: Request) -> Settings:
    return app_state(request).settings


def datasets(request: Request) -> DatasetCache:
    return app_state(request).datasets


# The dependencies are async because they do no I/O: FastAPI runs a plain `def`
# dependency in a worker thread, a hop that costs more than the work.


async def _state_dependency(request: Request) -> AppState:
    return app_state(request)


async def _settings_dependency(request: Request) -> Settings:
    return settings(request)


async def _datasets_dependency(request: Request) -> DatasetCache:
    return datasets(request)


StateDep = Annotated[AppState, Depends(_state_dependency)]
SettingsDep = Annotated[Settings, Depends(_settings_dependency)]
DatasetsDep = Annotated[DatasetCache, Depends(_datasets_dependency)]
