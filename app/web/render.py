"""Rendering pages: one Jinja2 environment, one place that builds the shared context.

Every page is in the reader's language (app/http/language.py negotiates it; `?lang=` is
remembered in a cookie on staff pages). `_` in a template is gettext for that language,
and `lang_links` is the language switch that every page shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from app.clock import as_utc
from app.config import ROOT
from app.http.language import LANG_COOKIE, page_language
from app.http.state import app_state
from app.i18n import normalise
from app.translations import available_languages, gettext_for

templates = Jinja2Templates(directory=str(ROOT / "templates"))


def utc_time(moment: datetime) -> str:
    """A stored moment as UTC, to the second (SQLite gives them back naive, in UTC)."""
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


templates.env.filters["utc"] = utc_time


#: Where `create_app` mounts app/static (as the route named "static").
STATIC_PATH = "/static"


@pass_context
def path_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """`url_for` in a template: the path only (`/static/app.css`), never an absolute URL.
    Starlette's own builds `scheme://host/...` from the request's Host header, which
    anyone can set, so a forged Host would have been written into the page.
    A static file's path is built directly: finding the mount by name tries every route
    first (about 6 % of the clinician page's CPU time under a profiler)."""
    request: Request = context["request"]
    root = str(request.scope.get("root_path", ""))
    if name == "static" and path_params.keys() == {"path"}:
        return f"{root}{STATIC_PATH}/{path_params['path']}"
    return root + str(request.app.url_path_for(name, **path_params))


templates.env.globals["url_for"] = path_for
LANGUAGE_NAMES = {"en": "English", "nb": "Norsk (bokmål)"}


def lang_links(request: Request, lang: str) -> list[dict[str, Any]]:
    """The same page in each language (a GET page keeps its other query parameters)."""
    links = []
    for code in available_languages():
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        query = urlencode(params) if request.method == "GET" else urlencode({"lang": code})
        href = request.url.path + "?" + query
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "href": href,
                "current": code == lang,
            }
        )
    return links


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    lang = str(context.get("lang") or page_language(request))
    base: dict[str, Any] = {
        "lang": lang,
        "_": gettext_for(lang),
        "lang_links": lang_links(request, lang),
        "principal": None,
        "errors": [],
        "notice": None,
        "data_version": None,
        "page_title": "Choosewell",
    }
    response = templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    asked = normalise(request.query_params.get("lang"))
    if asked and request.url.path.startswith(("/staff", "/consultations", "/login")):
        secure = app_state(request).settings.secure_cookies
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 86400,
            path="/",
            httponly=True,
            secure=secure,
            samesite="lax",
        )
    return response


R = TypeVar("R", bound=Response)


def no_store(response: R) -> R:
    """Mark a page never to be kept by a browser or a proxy (`Cache-Control: no-store`):
    what a person said, on a shared tablet or a staff page, must not outlive the visit."""
    response.headers["Cache-Control"] = "no-store"
    return response
