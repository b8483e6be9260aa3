"""Liveness (no I/O) and readiness: the database answers, has a data version, and the
newest version still matched its checksum when this process last re-read it (at most
`SDM_READY_VERIFY_SECONDS` ago: app/store/integrity.py, docs/adr/0009-tamper-evidence.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import session_scope
from app.errors import DataVersionCorrupt
from app.http.state import app_state
from app.store.datasets import latest_version

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _unavailable(detail: str, **extra: object) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "detail": detail, **extra}, status_code=503)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    state = app_state(request)
    try:
        with session_scope(state.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            version = latest_version(session)
            if version is None:
                return _unavailable("No drug data has been published yet.")
            state.integrity.check(session, version)
    except SQLAlchemyError:
        return _unavailable("The database cannot be reached.")
    except DataVersionCorrupt as exc:
        return _unavailable(exc.reason, data_version=exc.number)
    return JSONResponse({"status": "ready", "data_version": version.number})
