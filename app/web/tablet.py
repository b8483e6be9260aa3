"""The tablet: a person (perhaps with a carer) says what matters to them. No login, no name.

Works without JavaScript: each step is a form that posts the whole state so far in
hidden fields, so nothing is kept in the browser (no cookies, no storage) and nothing
is stored on the server until the person sends it. JavaScript, when present, only adds
a live count and an inactivity warning.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.consultations import options_view, service, tablet_flow
from app.consultations.tablet_flow import MAX_CHOSEN, STEPS, TabletState
from app.consultations.view import FORM_LABELS
from app.http.auth import CsrfFailed, client_address
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.i18n import negotiate
from app.limits import RateLimited
from app.ranking import InvalidRequest, RankingRequest
from app.translations import available_languages, gettext_for
from app.web.render import render

router = APIRouter(prefix="/tablet", include_in_schema=False)


def _page(
    request: Request,
    published: Published,
    step: str,
    state: TabletState,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
    **extra: object,
) -> Response:
    _ = gettext_for(state.lang)
    dataset = published.dataset
    items = {i.id: i for i in dataset.checklist}
    response = render(
        request,
        f"tablet/{step}.html",
        {
            "_": _,
            "lang": state.lang,
            "state": state,
            "step": step,
            "errors": errors or [],
            "page_title": _("What matters to you"),
            "groups": dataset.groups,
            "items": items,
            "checklist": dataset.checklist,
            "max_chosen": MAX_CHOSEN,
            "form_labels": FORM_LABELS,
            "about": options_view.about(dataset, state.lang),
            "all_options": options_view.options(dataset, state.lang),
            "step_number": STEPS.index(step) if step in STEPS else len(STEPS),
            "step_count": len(STEPS) - 1,
            **extra,
        },
        status_code,
    )
    # A shared tablet: never cache a page that shows someone's choices.
    response.headers["Cache-Control"] = "no-store"
    return response


def _offered(lang: str) -> str:
    """Only languages with a full catalogue: never English text marked as Norwegian."""
    return lang if lang in available_languages() else "en"


def refuse_cross_site(request: Request) -> None:
    """CSRF for a form with no session: the browser's own headers must say the post came
    from this site (OWASP's fetch-metadata and standard-header defences). Sec-Fetch-Site
    is trusted when sent (every current browser); else an Origin, if any, must be ours."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise CsrfFailed()
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfFailed()


@router.get("")
def start(
    request: Request,
    published: PublishedDep,
    lang: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    chosen = _offered(negotiate(lang, request.headers.get("accept-language")))
    return _page(request, published, "start", TabletState(lang=chosen))


@router.post("")
async def step(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: Annotated[str, Form(max_length=8)] = "en",
    carer: Annotated[str, Form(max_length=3)] = "",
    chosen: Annotated[list[str] | None, Form(max_length=64)] = None,
    order: Annotated[list[str] | None, Form(max_length=64)] = None,
    helpful: Annotated[list[str] | None, Form(max_length=64)] = None,
    must_avoid: Annotated[list[str] | None, Form(max_length=64)] = None,
    forms: Annotated[list[str] | None, Form(max_length=64)] = None,
    what_matters: Annotated[str, Form(max_length=2000)] = "",
    options: Annotated[list[str] | None, Form(max_length=64)] = None,
    go: Annotated[str, Form(max_length=80)] = "choose",
) -> Response:
    """One endpoint for every step: `go` names where the button leads
    (app/consultations/tablet_flow.py decides where that is)."""
    refuse_cross_site(request)
    dataset = published.dataset
    state = TabletState(
        lang=_offered(negotiate(lang, None)),
        carer=carer == "yes",
        order=list(order or []),
        helpful=list(helpful or []),
        must_avoid=list(must_avoid or []),
        forms=list(forms or []),
        what_matters=what_matters,
        options=list(options or []),
    )
    after = tablet_flow.advance(
        state,
        go=go,
        chosen=chosen,
        item_ids=set(dataset.item_ids),
        option_ids=set(dataset.option_ids),
    )
    if after.step == tablet_flow.SEND:
        return _send(request, session, published, after.state)
    _ = gettext_for(after.state.lang)
    return _page(
        request,
        published,
        after.step,
        after.state,
        status_code=after.status_code,
        errors=[_(p.message).format(**dict(p.params)) for p in after.problems],
        moved=after.moved,
    )


def _send(request: Request, session: Session, published: Published, state: TabletState) -> Response:
    """Store the preferences and show the hand-off code; a refusal goes back to review.

    Over the submission limits (ADR 0011) nothing is stored: a 429 page says so kindly,
    keeps the answers in its form, and offers to send them again."""
    limits = app_state(request).consultation_limits
    try:
        service.admit_submission(session, limits, client=client_address(request))
    except RateLimited as refused:
        response = _page(
            request, published, "busy", state, status_code=429, retry_after=refused.retry_after
        )
        response.headers.update(refused.headers)
        return response
    try:
        created = service.create(
            session,
            published.dataset,
            request=RankingRequest(
                tuple(state.order),
                tuple(state.helpful),
                tuple(state.must_avoid),
                tuple(state.forms),
            ),
            lang=state.lang,
            with_carer=state.carer,
            what_matters=state.what_matters,
            options=state.options,
            code_ttl=timedelta(minutes=app_state(request).settings.code_ttl_minutes),
        )
    except InvalidRequest as exc:
        return _page(
            request,
            published,
            "review",
            state,
            status_code=422,
            errors=[p.message for p in exc.problems],
        )
    return _page(request, published, "done", TabletState(lang=state.lang), code=created.code)
