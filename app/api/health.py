"""Liveness (no I/O) and readiness (the database answers and has a data version)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import session_scope
from app.store.datasets import latest_version

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    try:
        with session_scope(request.app.state.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            version = latest_version(session)
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "detail": "The database cannot be reached."}, status_code=503
        )
    if version is None:
        return JSONResponse(
            {"status": "unavailable", "detail": "No drug data has been published yet."},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "data_version": version.number})
