"""The application factory: settings, database, routers, middleware, error handlers.

Run with `uvicorn --factory app.main:create_app`. Nothing happens at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.accounts.deps import NotAuthenticated
from app.accounts.service import session_policy
from app.api import audit, auth, catalogue, consultations, drafts, health, rankings
from app.body_limit import BodyLimit
from app.config import ROOT, Settings, get_settings
from app.db import make_engine, refuses_writes
from app.errors import DatabaseReadOnly, DatabaseUnavailable, DomainError
from app.ranking import InvalidRequest
from app.security_headers import SecurityHeaders
from app.store.current import CurrentVersion
from app.store.datasets import DatasetCache
from app.translations import N_
from app.web import clinic as clinic_pages
from app.web import curation as curation_pages
from app.web import draft_edits as draft_edit_pages
from app.web import sheet as sheet_pages
from app.web import staff as staff_pages
from app.web import tablet as tablet_pages
from app.web.render import render, templates
from app.web.staff import login_redirect

log = logging.getLogger("choosewell")

API_DESCRIPTION = """
Match antipsychotic medicines to the side effects a person most wants to avoid.

The ranking holds no personal data and needs no login. Every answer names the
**data version** (number and checksum) of the drug data it used.
"""


def _problem(status: int, detail: object, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


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


# English here; templates/errors/error.html shows them in the reader's language.
_TITLES = {
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    409: N_("Not possible now"),
    412: N_("Changed by someone else"),
    422: N_("Please check"),
    429: N_("Too many attempts"),
    503: N_("Not available just now"),
}
_UNKNOWN_TITLE = N_("Something is not right")


def _wants_page(request: Request) -> bool:
    """People get pages; API clients and health checks get JSON."""
    path = request.url.path
    return not (path.startswith(("/api/", "/healthz", "/readyz", "/openapi", "/docs", "/redoc")))


def _allowed_methods(request: Request) -> str:
    """Every method of every route at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    stack = list(request.app.routes)
    while stack:
        route = stack.pop()
        if hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
        elif getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def _headers(request: Request, exc: StarletteHTTPException) -> dict[str, str]:
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return headers


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _wants_page(request):
            if isinstance(exc, NotAuthenticated):
                return login_redirect(request)
            return render(
                request,
                "errors/error.html",
                {
                    "page_title": _TITLES.get(exc.status_code, _UNKNOWN_TITLE),
                    "message": exc.message,
                },
                exc.status_code,
            )
        return _problem(exc.status_code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_page(request):
            page = render(
                request,
                "errors/error.html",
                {
                    "page_title": _TITLES.get(exc.status_code, _UNKNOWN_TITLE),
                    "message": N_("We could not find that page.")
                    if exc.status_code == 404
                    else N_("That request could not be handled."),
                },
                exc.status_code,
            )
            page.headers.update(_headers(request, exc))
            return page
        return _problem(exc.status_code, exc.detail, _headers(request, exc))

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

    @app.exception_handler(DataError)
    async def value_out_of_range(_request: Request, exc: DataError) -> JSONResponse:
        """A value the database cannot hold (a number out of range): the input's fault.
        Validation should catch these first; this keeps a miss from looking like an outage."""
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return _problem(422, "A value is out of range.")

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, exc: Exception) -> Response:
        """The database cannot be reached, or takes no changes (read-only, disk full):
        503 with a clear message (a page for people, JSON for the API), never a partial
        answer. The unit of work was rolled back, so nothing of the request was kept."""
        error: DomainError = DatabaseReadOnly() if refuses_writes(exc) else DatabaseUnavailable()
        log.warning("database error (%s): %s", error.code, type(exc).__name__)
        if _wants_page(request):
            response: Response = render(
                request,
                "errors/error.html",
                {"page_title": _TITLES[503], "message": error.message},
                503,
            )
        else:
            response = _problem(503, error.message)
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error: %s", type(exc).__name__)
        message = N_("Something went wrong on our side. Nothing you sent was kept.")
        if _wants_page(request):
            return render(
                request,
                "errors/error.html",
                {"page_title": N_("Something went wrong"), "message": message},
                500,
            )
        return _problem(500, message)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Templates are read once; development (`make run`) still sees edits.
    templates.env.auto_reload = settings.env == "development"
    docs = settings.docs_enabled
    app = FastAPI(
        lifespan=lifespan,
        title="Choosewell",
        version="0.1.0",
        description=API_DESCRIPTION,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url, timeout_seconds=settings.db_timeout_seconds, create=False
    )
    app.state.datasets = DatasetCache()
    app.state.current = CurrentVersion(
        app.state.engine, app.state.datasets, max_age=settings.version_max_age
    )
    app.state.sqlite_write_lock = asyncio.Lock()
    app.state.session_policy = session_policy(settings)
    app.state.session_cookie = "__Host-sdm_session" if settings.secure_cookies else "sdm_session"
    if settings.allow_password_only and settings.env == "production":
        raise RuntimeError(
            "SDM_ALLOW_PASSWORD_ONLY=1 is for development only and is refused in production."
        )
    if settings.allow_password_only:
        log.warning(
            "SDM_ALLOW_PASSWORD_ONLY is set: pharmacist and admin accounts can log in "
            "WITHOUT a second factor. This is for development only; never in production."
        )
    app.include_router(health.router)
    app.include_router(catalogue.router)
    app.include_router(rankings.router)
    app.include_router(auth.router)
    app.include_router(drafts.router)
    app.include_router(audit.router)
    app.include_router(consultations.router)
    app.include_router(staff_pages.router)
    app.include_router(curation_pages.router)
    app.include_router(draft_edit_pages.router)
    app.include_router(tablet_pages.router)
    app.include_router(clinic_pages.router)
    app.include_router(sheet_pages.router)
    app.mount("/static", StaticFiles(directory=str(ROOT / "app" / "static")), name="static")
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, hsts=settings.env == "production")
    return app
