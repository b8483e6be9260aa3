"""Error handlers: every error is answered through one helper, `_answer`, as a page for
people (in their language) or as JSON `{"detail": ...}` for API clients and health checks.

Pages are drawn by the functions `create_app` passes in (`error_page`, `login_page`), so
this package needs nothing from the pages package above it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.db import refuses_writes
from app.errors import DatabaseReadOnly, DatabaseUnavailable, DomainError, ReadNotRecorded
from app.http.auth import NotAuthenticated
from app.http.unit_of_work import SAFE_METHODS
from app.ranking import InvalidRequest
from app.translations import N_

log = logging.getLogger("choosewell")

#: Draws the error page: (request, status, title, message) → response. Title and message
#: are English msgids; the page shows them in the reader's language.
ErrorPage = Callable[[Request, int, str, str], Response]

# English here; templates/errors/error.html shows them in the reader's language.
_TITLES = {
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    409: N_("Not possible now"),
    410: N_("No longer available"),
    412: N_("Changed by someone else"),
    422: N_("Please check"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("Not available just now"),
}
_UNKNOWN_TITLE = N_("Something is not right")


def _problem(status: int, detail: object, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


#: A 422 lists at most this many problems, then says how many more there were: a body of
#: thousands of unknown keys must not get an answer many times its own size.
MAX_PROBLEMS = 20


def _capped(problems: Sequence[Mapping[str, object]]) -> list[Mapping[str, object]]:
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    more = len(problems) - MAX_PROBLEMS
    return [
        *problems[:MAX_PROBLEMS],
        {
            "loc": ["body"],
            "msg": f"{more} more problem(s) not listed; correct these first.",
            "type": "too_many_problems",
            "more": more,
        },
    ]


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


def wants_page(request: Request) -> bool:
    """People get pages; API clients and health checks get JSON."""
    path = request.url.path
    return not (path.startswith(("/api/", "/healthz", "/readyz", "/openapi", "/docs", "/redoc")))


def _allowed_methods(request: Request) -> str:
    """Every method of every route at this path (Starlette names only the first route's),
    and HEAD wherever GET is allowed (app/http/head.py answers it)."""
    methods: set[str] = set()
    stack = list(request.app.routes)
    while stack:
        route = stack.pop()
        if hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
        elif getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_error_handlers(
    app: FastAPI, *, error_page: ErrorPage, login_page: Callable[[Request], Response]
) -> None:
    def _answer(
        request: Request,
        status: int,
        message: object,
        *,
        page_message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The one way an error is answered. `page_message` replaces `message` on a page
        (people are not shown an API's technical detail)."""
        if wants_page(request):
            title = _TITLES.get(status, _UNKNOWN_TITLE)
            response = error_page(request, status, title, page_message or str(message))
            response.headers.update(headers or {})
            return response
        return _problem(status, message, headers)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotAuthenticated) and wants_page(request):
            return login_page(request)
        return _answer(request, exc.status_code, exc.message, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return _answer(
            request,
            exc.status_code,
            exc.detail,
            page_message=N_("We could not find that page.")
            if exc.status_code == 404
            else N_("That request could not be handled."),
            headers=headers,
        )

    @app.exception_handler(InvalidRequest)
    async def invalid_ranking(request: Request, exc: InvalidRequest) -> Response:
        problems = [
            {
                "loc": ["body", p.field] + ([] if p.index is None else [p.index]),
                "msg": p.message,
                "type": "value_error",
            }
            for p in exc.problems
        ]
        return _problem(422, _capped(problems))

    @app.exception_handler(RequestValidationError)
    async def invalid_shape(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _problem(422, _capped([_friendly(e) for e in exc.errors()]))

    @app.exception_handler(DataError)
    async def value_out_of_range(request: Request, exc: DataError) -> Response:
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
        error: DomainError = DatabaseUnavailable()
        if refuses_writes(exc):
            # A GET that writes records a read (unit_of_work.writing_unit): refused whole.
            error = ReadNotRecorded() if request.method in SAFE_METHODS else DatabaseReadOnly()
        log.warning("database error (%s): %s", error.code, type(exc).__name__)
        return _answer(request, 503, error.message, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error: %s", type(exc).__name__)
        message = N_("Something went wrong on our side. Nothing you sent was kept.")
        return _answer(request, 500, message)


def problem(exc: DomainError) -> JSONResponse:
    """A domain error answered as the API's JSON problem, for a route that must return
    it rather than raise it (so that its unit of work still commits, as a counted miss)."""
    return _problem(exc.status_code, exc.message, exc.headers)
