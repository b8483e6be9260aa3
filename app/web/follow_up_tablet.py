"""The tablet's follow-up: the person enters the code their clinician gave them at the
review and says, on one page, how much each side effect has bothered them in the past
week on the medicine they take now. No login, no name; works without JavaScript.

`GET /tablet/follow-up` asks for the code; its post checks it (a submission, limited
as the tablet's are: ADR 0011) and redirects to the report page, the code riding in a
short-lived cookie (HttpOnly, SameSite=Strict, path /tablet/follow-up; never in an
address or a log). The report page posts every answer; a problem or another language
answers the page in place with every answer kept; sending stores the report
(app/consultations/follow_ups.py), uses the code up and leaves only "done" in the cookie,
so Back never shows the answers again (docs/adr/0014-follow-ups.md).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.consultations import follow_up, follow_ups, service
from app.consultations.follow_up import (
    BOTHER_LABELS,
    CODE_STEP,
    DONE_STEP,
    PAGE_TITLES,
    REPORT_STEP,
    SEND,
    UNKNOWN_CODE,
    ReportState,
)
from app.errors import NotFound
from app.http.auth import client_address
from app.http.cross_site import refuse_cross_site
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.i18n import negotiate
from app.limits import RateLimited
from app.ranking import InvalidRequest
from app.translations import N_, available_languages, gettext_for
from app.web.render import LANGUAGE_NAMES, no_store, render

router = APIRouter(prefix="/tablet/follow-up", include_in_schema=False)

COOKIE = "sdm_follow_up"
COOKIE_PATH = "/tablet/follow-up"
COOKIE_MINUTES = 15
#: A page clears itself after this long without use (as the tablet's steps do).
CLEAR_SECONDS, WARN_SECONDS = 360, 240
TOO_MANY = N_(
    "Too many were sent from this tablet in the last minute, so nothing was sent. Your "
    "answers are still here: wait {seconds} seconds and press Send again, or ask a member "
    "of staff."
)


def _lang(raw: str | None) -> str:
    chosen = negotiate(raw, None) if raw else "en"
    return chosen if chosen in available_languages() else "en"


def _start_url(lang: str) -> str:
    return "/tablet?" + urlencode({"lang": lang})


def _page(
    request: Request,
    published: Published,
    step: str,
    lang: str,
    *,
    status_code: int = 200,
    errors: list[str] | None = None,
    **extra: Any,
) -> Response:
    _ = gettext_for(lang)
    dataset = published.dataset
    response = render(
        request,
        f"tablet/follow-up-{step}.html",
        {
            "_": _,
            "lang": lang,
            "step": step,
            "place": None,
            "page_title": _(PAGE_TITLES[step]),
            "errors": errors or [],
            "groups": dataset.groups,
            "checklist": dataset.checklist,
            "drugs": sorted(dataset.drugs, key=lambda d: d.name[lang]),
            "scale": [(value, _(label)) for value, label in BOTHER_LABELS.items()],
            "languages": available_languages(),
            "language_names": LANGUAGE_NAMES,
            # Left idle, the code and report pages clear to the code page, which drops
            # the code's cookie; Finish (after sending) goes to the tablet's start.
            "start_url": _start_url(lang)
            if step == DONE_STEP
            else f"{COOKIE_PATH}?{urlencode({'lang': lang})}",
            "tablet_url": _start_url(lang),
            "clear_seconds": CLEAR_SECONDS,
            "warn_seconds": WARN_SECONDS,
            **extra,
        },
        status_code,
    )
    no_store(response)  # a shared tablet
    return response


def _code_page(
    request: Request,
    published: Published,
    lang: str,
    *,
    code: str = "",
    status_code: int = 200,
    errors: list[str] | None = None,
) -> Response:
    return _page(
        request, published, CODE_STEP, lang, code=code, status_code=status_code, errors=errors
    )


def _pack(carried: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(carried, separators=(",", ":")).encode()).decode()


def _unpack(value: str | None) -> dict[str, Any]:
    if not value or len(value) > 512:
        return {}
    try:
        carried = json.loads(base64.urlsafe_b64decode(value.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return {}
    return carried if isinstance(carried, dict) else {}


def _see_other(request: Request, url: str, carried: dict[str, Any] | None) -> Response:
    response = RedirectResponse(url, status_code=303)
    no_store(response)
    if carried is None:
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    else:
        response.set_cookie(
            COOKIE,
            _pack(carried),
            max_age=COOKIE_MINUTES * 60,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=app_state(request).settings.secure_cookies,
        )
    return response


def _refused(lang: str, refused: RateLimited) -> str:
    return gettext_for(lang)(TOO_MANY).format(seconds=refused.retry_after)


@router.get("")
def code_page(
    request: Request,
    published: PublishedDep,
    lang: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Enter the follow-up code: a fresh start, whatever the last person left."""
    chosen = _lang(negotiate(lang, request.headers.get("accept-language")))
    response = _code_page(request, published, chosen)
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


@router.post("")
def enter_code(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    code: Annotated[str, Form(max_length=32)] = "",
    lang: Annotated[str, Form(max_length=8)] = "en",
    go: Annotated[str, Form(max_length=16)] = "open",
) -> Response:
    """Check the code (counted as a tablet submission, so codes cannot be guessed without
    limit) and go on to the report; another language shows this page again, code kept."""
    refuse_cross_site(request)
    chosen = _lang(lang)
    if go.startswith(follow_up.LANGUAGE_PREFIX):
        return _code_page(
            request, published, _lang(go.removeprefix(follow_up.LANGUAGE_PREFIX)), code=code
        )
    _ = gettext_for(chosen)
    try:
        service.admit_submission(
            session, app_state(request).consultation_limits, client=client_address(request)
        )
    except RateLimited as refused:
        response = _code_page(
            request,
            published,
            chosen,
            code=code,
            status_code=429,
            errors=[_refused(chosen, refused)],
        )
        response.headers.update(refused.headers)
        return response
    try:
        found = follow_ups.live_code(session, code)
    except NotFound:
        # Answered, not raised: the count above is committed with the answer.
        return _code_page(
            request, published, chosen, code=code, status_code=404, errors=[_(UNKNOWN_CODE)]
        )
    return _see_other(request, f"{COOKIE_PATH}/report", {"code": found.code, "lang": chosen})


def _report_page(
    request: Request,
    session: Session,
    published: Published,
    state: ReportState,
    *,
    status_code: int = 200,
    errors: list[str] | None = None,
) -> Response:
    return _page(
        request,
        published,
        REPORT_STEP,
        state.lang,
        state=state,
        status_code=status_code,
        errors=errors,
    )


@router.get("/report")
def report_page(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """The one page of questions, for the code the last post checked. Without one (sent
    already, cleared, or too old): back to the code page."""
    carried = _unpack(request.cookies.get(COOKIE))
    chosen = _lang(lang) if lang else _lang(str(carried.get("lang", "en")))
    code = carried.get("code")
    if not isinstance(code, str):
        return _see_other(request, f"{COOKIE_PATH}?lang={chosen}", None)
    try:
        found = follow_ups.live_code(session, code)
    except NotFound:
        return _code_page(
            request, published, chosen, status_code=404, errors=[gettext_for(chosen)(UNKNOWN_CODE)]
        )
    decided = service.versions(session, found.consultation_id)
    drug_ids = {d.id for d in published.dataset.drugs}
    state = ReportState(
        lang=chosen,
        drug=follow_up.preselected(decided[-1].decision if decided else None, drug_ids),
    )
    return _report_page(request, session, published, state)


@router.post("/report")
async def send_report(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: Annotated[str, Form(max_length=8)] = "en",
    drug: Annotated[str, Form(max_length=64)] = "",
    go: Annotated[str, Form(max_length=16)] = SEND,
) -> Response:
    """Send the report, or show the page again (another language, or what to change)
    with every answer kept."""
    refuse_cross_site(request)
    dataset = published.dataset
    form = await request.form()
    fields = {
        key: value
        for key, value in form.multi_items()
        if key.startswith(follow_up.FIELD_PREFIX) and isinstance(value, str)
    }
    state = ReportState(
        lang=_lang(lang), drug=drug, bother=follow_up.read_form(fields, dataset.item_ids)
    )
    answer = follow_up.submit(
        state,
        go=go,
        drug_ids={d.id for d in dataset.drugs},
        item_ids=dataset.item_ids,
        languages=set(available_languages()),
    )
    _ = gettext_for(answer.state.lang)
    if answer.step != SEND:
        return _report_page(
            request,
            session,
            published,
            answer.state,
            status_code=answer.status_code,
            errors=[_(p) for p in answer.problems],
        )
    carried = _unpack(request.cookies.get(COOKIE))
    code = carried.get("code")
    if not isinstance(code, str):
        return _code_page(
            request, published, answer.state.lang, status_code=404, errors=[_(UNKNOWN_CODE)]
        )
    try:
        service.admit_submission(
            session, app_state(request).consultation_limits, client=client_address(request)
        )
    except RateLimited as refused:
        response = _report_page(
            request,
            session,
            published,
            answer.state,
            status_code=429,
            errors=[_refused(answer.state.lang, refused)],
        )
        response.headers.update(refused.headers)
        return response
    try:
        follow_ups.submit(
            session,
            dataset,
            data_version=published.version.number,
            code=code,
            drug=answer.state.drug,
            bother=answer.state.bother,
        )
    except NotFound:
        return _code_page(
            request, published, answer.state.lang, status_code=404, errors=[_(UNKNOWN_CODE)]
        )
    except InvalidRequest as exc:  # checked above already; kept for safety
        return _report_page(
            request,
            session,
            published,
            answer.state,
            status_code=422,
            errors=[p.message for p in exc.problems],
        )
    return _see_other(
        request, f"{COOKIE_PATH}/{DONE_STEP}", {"done": True, "lang": answer.state.lang}
    )


@router.get("/done")
def done_page(
    request: Request,
    published: PublishedDep,
    lang: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Thank you; the cookie goes, and Finish starts the tablet afresh for the next person."""
    carried = _unpack(request.cookies.get(COOKIE))
    chosen = _lang(lang) if lang else _lang(str(carried.get("lang", "en")))
    if carried.get("done") is not True:
        return _see_other(request, f"{COOKIE_PATH}?lang={chosen}", None)
    response = _page(request, published, DONE_STEP, chosen)
    # Nothing is left for the next person: a reload or Back starts at the code page.
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
