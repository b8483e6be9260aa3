"""Staff login, logout and start page."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.service import login, logout
from app.http.auth import (
    CsrfFailed,
    MaybePrincipal,
    Staff,
    client_address,
    get_policy,
    session_cookie_name,
)
from app.http.language import PageLanguageDep, get_page_language
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.translations import N_
from app.web.render import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "sdm_login_csrf"

# Shown as `_(principal.role)` in the page header.
ROLE_NAMES = (N_("clinician"), N_("pharmacist"), N_("admin"), N_("lead"))

# Why a login failed, by the error's code; any other error is shown as it comes.
LOGIN_ERRORS = {
    "login_failed": N_("The username, password or code is not right."),
    "too_many_attempts": N_(
        "Too many failed logins from this device or network. Wait 15 minutes and try again."
    ),
}


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff"


def _set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int,
    samesite: Literal["lax", "strict"] = "lax",
) -> None:
    """HttpOnly, SameSite, and Secure everywhere but plain-HTTP local development."""
    secure = app_state(request).settings.secure_cookies
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, secure=secure, samesite=samesite
    )


def login_page(
    request: Request,
    *,
    errors: list[str] | None = None,
    username: str = "",
    next_url: str = "/staff",
    status_code: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    _ = get_page_language(request)._
    response = render(
        request,
        "staff/login.html",
        {
            "page_title": _("Staff log in"),
            "login_csrf": token,
            "errors": errors or [],
            "username": username,
            "next": _safe_next(next_url),
        },
        status_code,
    )
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600, samesite="strict")
    return response


@router.get("/login")
def get_login(request: Request, next: str = "/staff") -> Response:
    return login_page(request, next_url=next)


@router.post("/login")
def post_login(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
    totp: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        raise CsrfFailed()
    outcome = login(
        session,
        username=username,
        password=password,
        totp=totp or None,
        client=client_address(request),
        kind="web",
        policy=get_policy(request),
    )
    if outcome.error is not None or outcome.secret is None:
        _ = page._
        if outcome.error is None:
            message = _("Login failed.")
        else:
            message = _(LOGIN_ERRORS.get(outcome.error.code, outcome.error.message))
        status = outcome.error.status_code if outcome.error else 401
        response = login_page(
            request, errors=[message], username=username, next_url=next, status_code=status
        )
        response.headers.update(outcome.error.headers if outcome.error else {})
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(
        request,
        response,
        session_cookie_name(request),
        outcome.secret,
        max_age=int(get_policy(request).web_absolute.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def post_logout(request: Request, session: SessionDep, principal: MaybePrincipal) -> Response:
    """End the session on the server (a replayed cookie is then refused), clear the cookie."""
    if principal is not None:
        logout(session, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        session_cookie_name(request),
        path="/",
        secure=app_state(request).settings.secure_cookies,
        httponly=True,
    )
    return response


@router.get("/staff")
def staff_home(request: Request, page: PageLanguageDep, principal: Staff) -> Response:
    _ = page._
    return render(request, "staff/home.html", {"page_title": _("Staff"), "principal": principal})


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
