"""Who is asking, and may they? Dependencies shared by the API and the staff pages.

A request is authenticated by a bearer token (`Authorization: Bearer ...`, from
POST /api/v1/auth/token) or by the session cookie set at login. Cookie-authenticated
requests that change anything must also carry the session's CSRF token (form field
`csrf_token` or header `X-CSRF-Token`); bearer tokens are not ambient, so they need none.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts.service import Principal, SessionPolicy, resolve, touch
from app.db import session_scope
from app.errors import DomainError
from app.http.state import app_state
from app.http.unit_of_work import SAFE_METHODS, SessionDep, in_one_unit, unit_writes
from app.translations import N_

log = logging.getLogger("choosewell")
#: The roles a route allows (app/accounts/service.py names them).
Roles = tuple[str, ...]
T = TypeVar("T")
D = TypeVar("D")


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"

    def __init__(self) -> None:
        super().__init__("Please log in.")


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class CsrfFailed(DomainError):
    status_code = 403
    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "This form has expired or did not come from this site. Go back, reload the "
                "page and try again; nothing was changed."
            )
        )


def client_address(request: Request) -> str:
    """The socket peer. X-Forwarded-For is trusted only through uvicorn's
    --forwarded-allow-ips, so a client cannot forge its way past throttling."""
    return request.client.host if request.client else "unknown"


def session_cookie_name(request: Request) -> str:
    return app_state(request).session_cookie


def get_policy(request: Request) -> SessionPolicy:
    return app_state(request).session_policy


async def _csrf_token_sent(request: Request) -> str | None:
    if header := request.headers.get("x-csrf-token"):
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def principal_for(request: Request, session: Session) -> Principal | None:
    """Who sent the request (a bearer token, else the session cookie), or None; a web
    session's last-seen time is refreshed when due. Reads the database: call it in a
    worker thread, never on the event loop, where a slow database would hold every
    request. The CSRF check is the caller's (`get_principal`)."""
    policy = get_policy(request)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        principal = resolve(session, auth[7:].strip(), "api", policy)
    elif cookie := request.cookies.get(session_cookie_name(request)):
        principal = resolve(session, cookie, "web", policy)
        if principal is not None and principal.touch_due:
            if unit_writes(request):  # in the request's own unit, which holds the write lock
                touch(session, principal.token_hash)
            else:
                refresh_last_seen(request, principal)
    else:
        principal = None
    # An error page for this request keeps the staff menu (app/main.py, the error page).
    request.state.principal = principal
    return principal


async def get_principal(request: Request, session: SessionDep) -> Principal | None:
    """Async for the CSRF check (it may read the form); the database is read in one
    worker-thread hop (`principal_for`)."""
    has_credentials = request.headers.get("authorization") or request.cookies.get(
        session_cookie_name(request)
    )
    if not has_credentials:
        request.state.principal = None
        return None
    principal = await run_in_threadpool(principal_for, request, session)
    # A bearer token is not ambient (a page cannot make the browser send it): no CSRF.
    if principal is not None and principal.kind == "web" and request.method not in SAFE_METHODS:
        sent = await _csrf_token_sent(request)
        if not sent or not hmac.compare_digest(sent, principal.csrf_token):
            raise CsrfFailed()
    return principal


def refresh_last_seen(request: Request, principal: Principal) -> None:
    """The last-seen refresh of a read (GET), in a short unit of work of its own: it
    must not turn the request's read into a write (app/accounts/service.py, `resolve`).
    Best effort: if it cannot be made now (a read-only database, say) the page is still
    answered, and the next request a minute on tries again. (A write request refreshes
    in its own unit of work: a second one would wait for the first's SQLite lock.)"""
    try:
        with session_scope(app_state(request).engine, write=True) as session:
            touch(session, principal.token_hash)
    except SQLAlchemyError as exc:
        log.warning("a session's last-seen time was not refreshed: %s", type(exc).__name__)


def allowed(principal: Principal | None, roles: Roles) -> Principal:
    """`principal`, if logged in with one of `roles`: 401 if not logged in, 403 else."""
    if principal is None:
        raise NotAuthenticated()
    if principal.role not in roles:
        raise Forbidden(f"This needs the role {' or '.join(roles)}.")
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(get_principal)]


def require_roles(roles: Roles):  # type: ignore[no-untyped-def]
    """A dependency: the principal, if logged in with one of `roles` (401 / 403 else)."""

    async def dependency(principal: MaybePrincipal) -> Principal:  # no I/O: no thread
        return allowed(principal, roles)

    return dependency


STAFF: Roles = ("clinician", "pharmacist", "admin", "lead")
CLINICAL: Roles = ("clinician", "pharmacist")
#: The service dashboard: the service lead, and admins (ADR 0015).
SERVICE_LEAD: Roles = ("lead", "admin")

Staff = Annotated[Principal, Depends(require_roles(STAFF))]
Clinical = Annotated[Principal, Depends(require_roles(CLINICAL))]
Pharmacist = Annotated[Principal, Depends(require_roles(("pharmacist",)))]
Admin = Annotated[Principal, Depends(require_roles(("admin",)))]
ServiceLead = Annotated[Principal, Depends(require_roles(SERVICE_LEAD))]


async def staff_unit(
    request: Request,
    roles: Roles,
    load: Callable[[Session, Principal], D],
    answer: Callable[[D, Principal], T],
) -> T:
    """A staff page's GET, whole, in one worker-thread hop (`in_one_unit`): who is
    asking and may they (as the `Clinical`, `Staff`... dependencies decide), then
    `load(session, principal)` in the transaction; once it is committed, `answer(what
    load returned, principal)` (rendering, which needs no database and so holds no
    lock). For GETs only: a form's CSRF check reads the request body, on the event loop
    (`get_principal`)."""
    if request.method not in SAFE_METHODS:
        raise RuntimeError(f"{request.url.path}: staff_unit is for GET pages")

    def unit(session: Session) -> tuple[D, Principal]:
        who = allowed(principal_for(request, session), roles)
        return load(session, who), who

    return await in_one_unit(request, unit, lambda loaded: answer(*loaded))
