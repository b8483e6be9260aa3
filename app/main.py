"""The application factory: settings, database, routers, middleware, error handlers.

Run with `uvicorn --factory app.main:create_app`. Nothing happens at import time.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute

from app.accounts.service import session_policy
from app.api import (
    audit,
    auth,
    catalogue,
    consultations,
    drafts,
    feedback,
    fhir,
    follow_ups,
    health,
    rankings,
    service,
)
from app.config import ROOT, Settings, get_settings
from app.consultations.service import consultation_limits
from app.db import make_engine
from app.http import access_log
from app.http.body_limit import BodyLimit
from app.http.errors import install_error_handlers
from app.http.head import HeadAsGet
from app.http.security_headers import SecurityHeaders
from app.http.state import AppState, of_app
from app.http.state import install as install_state
from app.store.current import CurrentVersion
from app.store.datasets import DatasetCache
from app.store.integrity import IntegrityCheck
from app.translations import N_
from app.web import about as about_page
from app.web import clinic as clinic_pages
from app.web import curation as curation_pages
from app.web import draft_edits as draft_edit_pages
from app.web import draft_sources as draft_source_pages
from app.web import feedback as feedback_pages
from app.web import follow_up_pages
from app.web import follow_up_tablet as follow_up_tablet_pages
from app.web import service as service_pages
from app.web import sheet as sheet_pages
from app.web import staff as staff_pages
from app.web import tablet as tablet_pages
from app.web.render import STATIC_PATH, render, templates
from app.web.staff import login_redirect

log = logging.getLogger("choosewell")

API_DESCRIPTION = """
Match antipsychotic medicines to the side effects a person most wants to avoid.

The ranking holds no personal data and needs no login. Every answer names the
**data version** (number and checksum) of the drug data it used.
"""


_DRAFT_PATH = re.compile(r"^/staff/drafts/([0-9a-f]{1,32})(?:/|$)")


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    """Keeps the staff menu of whoever asked (if known) and offers a way back: to the draft
    the request was about, or to the list of drafts if it was not found."""
    principal = getattr(request.state, "principal", None)
    back = None
    match = _DRAFT_PATH.match(request.url.path)
    if match and principal is not None and principal.role == "pharmacist":
        back = (
            ("/staff/drafts", N_("Back to the drafts"), None)
            if status == 404
            else (f"/staff/drafts/{match.group(1)}", N_("Back to draft {id}"), match.group(1))
        )
    context = {"page_title": title, "message": message, "principal": principal, "back": back}
    return render(request, "errors/error.html", context, status)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = of_app(app)
    if state.settings.env != "test":  # a test process makes hundreds of apps: not there
        await settle_memory(state)
    yield
    state.engine.dispose()


#: The collector's first-generation threshold in a server process (Python's default:
#: 700). Laying out a PDF makes tens of thousands of short-lived boxes and styles; with
#: the default, the collector walked them every 700 allocations, and the PDF of a sheet
#: took 6 to 10 % longer (docs/performance.md, "The collector's threshold").
GC_THRESHOLD = (10_000, 10, 10)


async def settle_memory(state: AppState) -> None:
    """Read the newest data version, then move everything alive into the collector's
    permanent generation (`gc.freeze`). The cyclic garbage collector then no longer
    walks the drug data, the modules and the mappings on every full collection: under
    load those walks took 16 % of the clinician page's CPU time and paused the process
    for up to 96 ms each (docs/performance.md). It then collects less often
    (GC_THRESHOLD). A database that cannot be reached yet is no reason not to start
    (/readyz answers 503 until it can)."""
    with suppress(Exception):
        await state.current.get()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


#: Every router, in the order their routes are matched. The feedback and follow-up
#: pages come before the tablet's steps: /tablet/{step} would take "feedback" or
#: "follow-up" for a step.
ROUTERS = (
    health.router,
    catalogue.router,
    rankings.router,
    auth.router,
    drafts.router,
    audit.router,
    consultations.router,
    fhir.router,
    feedback.router,
    service.router,
    follow_ups.router,
    staff_pages.router,
    curation_pages.router,
    draft_edit_pages.router,
    draft_source_pages.router,
    feedback_pages.router,
    follow_up_tablet_pages.router,
    tablet_pages.router,
    service_pages.router,
    clinic_pages.router,
    follow_up_pages.router,
    sheet_pages.router,
    about_page.router,
)


def _routes() -> list[BaseRoute]:
    """The routes of every router, as the routers built them when they were imported.

    Each app serves these same route objects (FastAPI's `routes=`): `include_router`
    would analyse every route's parameters and dependencies again for each app."""
    return [route for router in ROUTERS for route in router.routes]


def create_app(
    settings: Settings | None = None, *, datasets: DatasetCache | None = None
) -> FastAPI:
    """The app. `datasets` lets several apps in one process share the cache of immutable
    data versions (the tests do); by default each app has its own, as each process does."""
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
        routes=_routes(),
    )
    engine = make_engine(
        settings.database_url, timeout_seconds=settings.db_timeout_seconds, create=False
    )
    datasets = datasets or DatasetCache()
    install_state(
        app,
        AppState(
            settings=settings,
            engine=engine,
            datasets=datasets,
            current=CurrentVersion(engine, datasets, max_age=settings.version_max_age),
            integrity=IntegrityCheck(max_age=settings.ready_verify_seconds),
            sqlite_write_lock=asyncio.Lock(),
            session_policy=session_policy(settings),
            session_cookie="__Host-sdm_session" if settings.secure_cookies else "sdm_session",
            consultation_limits=consultation_limits(settings),
            sheet_pdf=sheet_pages.sheet_pdf_bytes,
        ),
    )
    if settings.allow_password_only and settings.env == "production":
        raise RuntimeError(
            "SDM_ALLOW_PASSWORD_ONLY=1 is for development only and is refused in production."
        )
    if settings.allow_password_only:
        log.warning(
            "SDM_ALLOW_PASSWORD_ONLY is set: pharmacist and admin accounts can log in "
            "WITHOUT a second factor. This is for development only; never in production."
        )
    app.mount(STATIC_PATH, StaticFiles(directory=str(ROOT / "app" / "static")), name="static")
    access_log.install()  # hand-off codes never reach the access log
    install_error_handlers(app, error_page=_error_page, login_page=login_redirect)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, hsts=settings.env == "production")
    app.add_middleware(HeadAsGet)  # outermost: a HEAD gets every header its GET would
    return app
