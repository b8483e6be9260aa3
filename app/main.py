"""The application factory: settings, database, routers, middleware, error handlers.

Run with `uvicorn --factory app.main:create_app`. Nothing happens at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from app.api import catalogue, health, rankings
from app.config import Settings, get_settings
from app.db import make_engine
from app.errors import DatabaseUnavailable, DomainError
from app.ranking import InvalidRequest
from app.security_headers import SecurityHeaders
from app.store.datasets import DatasetCache

log = logging.getLogger("choosewell")

API_DESCRIPTION = """
Match antipsychotic medicines to the side effects a person most wants to avoid.

The ranking holds no personal data and needs no login. Every answer names the
**data version** (number and checksum) of the drug data it used.
"""


def _problem(status: int, detail: object) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _friendly(error: dict[str, object]) -> dict[str, object]:
    """Pydantic's error without the echoed input: say where and what, in words."""
    loc = list(error.get("loc", ()))  # type: ignore[call-overload]
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        message = "The request body is not valid JSON."
    elif error.get("type") == "extra_forbidden":
        message = f"'{loc[-1]}' is not a field of this request."
    elif error.get("type") == "missing":
        message = f"'{loc[-1]}' is required."
    elif loc:
        message = f"{'.'.join(str(p) for p in loc[1:]) or 'body'}: {message}"
    return {"loc": loc, "msg": message, "type": error.get("type")}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return _problem(exc.status_code, exc.message)

    @app.exception_handler(InvalidRequest)
    async def invalid_ranking(_request: Request, exc: InvalidRequest) -> JSONResponse:
        return _problem(
            422,
            [
                {
                    "loc": ["body", p.field] + ([] if p.index is None else [p.index]),
                    "msg": p.message,
                    "type": "value_error",
                }
                for p in exc.problems
            ],
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_shape(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _problem(422, [_friendly(e) for e in exc.errors()])

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database error: %s", type(exc).__name__)
        return _problem(503, DatabaseUnavailable().message)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error: %s", type(exc).__name__)
        return _problem(500, "Something went wrong on our side. Nothing you sent was kept.")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    docs = settings.docs_enabled
    app = FastAPI(
        lifespan=lifespan,
        title="Choosewell",
        version="0.1.0",
        description=API_DESCRIPTION,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        max_body_size=settings.max_body_bytes,
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url, timeout_seconds=settings.db_timeout_seconds
    )
    app.state.datasets = DatasetCache()
    app.include_router(health.router)
    app.include_router(catalogue.router)
    app.include_router(rankings.router)
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders, hsts=settings.env == "production")
    return app
