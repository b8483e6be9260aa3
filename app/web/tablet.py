"""The tablet: a person (perhaps with a carer) says what matters to them. No login, no name.

Works without JavaScript. Each step is a form that posts the whole state so far in
hidden fields; the answer is a redirect (Post/Redirect/Get) to the next step's page,
`GET /tablet/{step}`, so the browser's Back and Reload work and never ask to send a
form again. Between the post and the page, the state rides in a short-lived cookie
that holds nothing once the answers are sent or the tablet is cleared; it never
appears in an address, a log or the server (docs/adr/0012-tablet-navigation.md).
Nothing is stored on the server until the person sends it. JavaScript, when present,
only adds a live count and an inactivity warning.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.consultations import options_view, service, tablet_flow
from app.consultations.experience import (
    CARER_WORDS_MAX,
    MAX_PAST_MEDICINES,
    STOPPED_MAX,
    CarerView,
)
from app.consultations.past_view import BOTHER_LABELS, HELPED_ANSWERS
from app.consultations.tablet_flow import (
    DONE,
    MAX_CHOSEN,
    STEP_TITLES,
    STEPS,
    Next,
    Problem,
    TabletState,
)
from app.consultations.view import FORM_LABELS
from app.http.auth import client_address
from app.http.cross_site import refuse_cross_site
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.i18n import negotiate
from app.limits import RateLimited
from app.ranking import InvalidRequest, RankingRequest
from app.translations import available_languages, gettext_for
from app.web.render import LANGUAGE_NAMES, no_store, render

router = APIRouter(prefix="/tablet", include_in_schema=False)

#: The cookie that carries the state from a post to the page it redirects to.
STATE_COOKIE = "sdm_tablet"
COOKIE_PATH = "/tablet"
#: A browser keeps at most 4096 bytes per cookie; a state that does not fit (a very
#: long "what matters") is answered in place instead, as before Post/Redirect/Get.
COOKIE_MAX_CHARS = 3800
#: The state cookie outlives the longest pause the page allows (it clears itself after
#: 6 minutes without use, and the code page after SDM_TABLET_CODE_PAGE_MINUTES).
STATE_MINUTES = 15
#: "Why I stopped" is kept up to this long from a form, so that one over its limit
#: (STOPPED_MAX) comes back whole to be shortened; beyond this it is cut.
STOPPED_FORM_MAX = 4 * STOPPED_MAX
#: The fields each step asks for itself (so not as hidden fields on that step).
ASKED_ON = {
    "start": {"carer"},
    "options": {"options"},
    "helpful": {"helpful"},
    "cannot-accept": {"must_avoid"},
    "forms": {"forms"},
    "own-words": {"what_matters"},
    "past": {"past"},
    "past-details": {"past_details"},
    "carer": {"carer_consented"},
    "carer-words": {"carer_words"},
}


def _code_page_minutes(request: Request) -> int:
    return app_state(request).settings.tablet_code_page_minutes


def start_url(lang: str, tablet: str = "") -> str:
    """The start page, for the next person: the language and this tablet's name."""
    return "/tablet?" + urlencode({"lang": lang} | ({"tablet": tablet} if tablet else {}))


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
    item_ids = set(dataset.item_ids)
    place = tablet_flow.place(step, state, item_ids, set(dataset.option_ids))
    what = _(STEP_TITLES.get(step, STEP_TITLES["start"]))
    title = (
        _("Step {n} of {total}: {what}").format(n=place.number, total=place.total, what=what)
        if place and place.number
        else what
    )
    code_page_seconds = _code_page_minutes(request) * 60
    response = render(
        request,
        f"tablet/{step}.html",
        {
            "_": _,
            "lang": state.lang,
            "state": state,
            "step": step,
            "place": place,
            "asked_here": ASKED_ON.get(step, set()),
            "errors": errors or [],
            "page_title": title,
            "groups": dataset.groups,
            "items": items,
            "checklist": dataset.checklist,
            "helpful_offered": tablet_flow.helpful_offered(state, item_ids),
            # Medicines by name, for "taken before" (brand names: none in the data yet).
            "drugs": sorted(
                ((d.id, d.name[state.lang]) for d in dataset.drugs), key=lambda pair: pair[1]
            ),
            "drug_names": {d.id: d.name[state.lang] for d in dataset.drugs},
            "helped_answers": HELPED_ANSWERS,
            "bother_labels": BOTHER_LABELS,
            "stopped_max": STOPPED_MAX,
            "max_past": MAX_PAST_MEDICINES,
            "max_chosen": MAX_CHOSEN,
            "form_labels": FORM_LABELS,
            "about": options_view.about(dataset, state.lang),
            "all_options": options_view.options(dataset, state.lang),
            "languages": available_languages(),
            "language_names": LANGUAGE_NAMES,
            "start_url": start_url(state.lang, state.tablet),
            # The code page waits longer than a step before it clears itself.
            "clear_seconds": code_page_seconds if step == DONE else 360,
            "warn_seconds": code_page_seconds - 60 if step == DONE else 240,
            **extra,
        },
        status_code,
    )
    # A shared tablet: never cache a page that shows someone's choices.
    no_store(response)
    return response


def _offered(lang: str) -> str:
    """Only languages with a full catalogue: never English text marked as Norwegian."""
    return lang if lang in available_languages() else "en"


# --- the state between a post and its page (ADR 0012) ---------------------------------


def pack(carried: dict[str, Any]) -> str:
    """The cookie's value: compact JSON, compressed, base64url (no signature: it holds
    only what the page itself would hold, and every use cleans it as a form would be)."""
    raw = json.dumps(carried, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


def unpack(value: str | None) -> dict[str, Any] | None:
    if not value or len(value) > COOKIE_MAX_CHARS:
        return None
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(value.encode("ascii")), bufsize=16384)
        carried = json.loads(raw)
    except (ValueError, binascii.Error, zlib.error, UnicodeError):
        return None
    return carried if isinstance(carried, dict) else None


def _state_from(carried: dict[str, Any]) -> TabletState:
    fields = carried.get("state")
    if not isinstance(fields, dict):
        return TabletState()

    def strings(name: str) -> list[str]:
        value = fields.get(name)
        return [str(v) for v in value] if isinstance(value, list) else []

    def texts(name: str) -> dict[str, str]:
        value = fields.get(name)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    had = fields.get("past_had")
    return TabletState(
        lang=_offered(str(fields.get("lang", "en"))),
        carer=fields.get("carer") is True,
        order=strings("order"),
        helpful=strings("helpful"),
        must_avoid=strings("must_avoid"),
        forms=strings("forms"),
        what_matters=str(fields.get("what_matters", "")),
        options=strings("options"),
        tablet=str(fields.get("tablet", "")),
        past=strings("past"),
        past_helped=texts("past_helped"),
        past_had={
            str(drug): {str(i): b for i, b in items.items() if isinstance(b, int)}
            for drug, items in (had.items() if isinstance(had, dict) else [])
            if isinstance(items, dict)
        },
        past_stopped=texts("past_stopped"),
        carer_consented=fields.get("carer_consented") is True,
        carer_order=strings("carer_order"),
        carer_words=str(fields.get("carer_words", "")),
    )


def past_answers(
    form: Mapping[str, Any], past: list[str]
) -> tuple[dict[str, str], dict[str, dict[str, int]], dict[str, str]]:
    """Did it help, the side effects had and why stopped, for each medicine taken before,
    from the form's fields named after it (`helped-ID`, `had-ID` = "ITEM:1|2",
    `stopped-ID`)."""
    helped: dict[str, str] = {}
    had: dict[str, dict[str, int]] = {}
    stopped: dict[str, str] = {}
    getlist = getattr(form, "getlist", None)
    for drug in past[: 2 * MAX_PAST_MEDICINES]:
        answer = form.get(f"helped-{drug}")
        if isinstance(answer, str) and answer:
            helped[drug] = answer
        values = getlist(f"had-{drug}") if getlist else []
        for value in values[:100]:
            item, _sep, bother = str(value).partition(":")
            if item and bother.isdigit():
                had.setdefault(drug, {})[item] = int(bother)
        text = form.get(f"stopped-{drug}")
        if isinstance(text, str) and text:
            stopped[drug] = text[:STOPPED_FORM_MAX]
    return helped, had, stopped


def _carry(request: Request, response: Response, carried: dict[str, Any]) -> bool:
    """Put `carried` in the cookie; False if it does not fit."""
    value = pack(carried)
    if len(value) > COOKIE_MAX_CHARS:
        return False
    minutes = _code_page_minutes(request) if "code" in carried else STATE_MINUTES
    response.set_cookie(
        STATE_COOKIE,
        value,
        max_age=minutes * 60,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=app_state(request).settings.secure_cookies,
    )
    return True


def _forget(response: Response) -> None:
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)


def _see_other(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    no_store(response)
    return response


def focus_after_move(after: Next) -> str:
    """The id of the button to focus after Up or Down: the one pressed, or the other
    when the item reached the top or bottom (a disabled button takes no focus). A
    fragment naming a focusable element focuses it on load, without JavaScript; the
    page's `autofocus` says the same for a reload (browsers skip it under a fragment).
    On the carer's order page the buttons' ids start with "carer-"."""
    if after.step == "carer-order":
        mine = Next(
            "order",
            replace(after.state, order=after.state.carer_order),
            (),
            after.moved,
            after.moved_by,
        )
        return "carer-" + focus_after_move(mine)
    order = after.state.order
    by = after.moved_by or "up"
    if after.moved in order and len(order) > 1:
        index = order.index(after.moved)
        if by == "up" and index == 0:
            by = "down"
        elif by == "down" and index == len(order) - 1:
            by = "up"
    return f"{by}-{after.moved}"


def _go_to(request: Request, published: Published, after: Next) -> Response:
    """Redirect to the step's page with the state in the cookie (after Up or Down, the
    moved item's button as the fragment, so the page opens there with focus on it);
    if the state is too big for a cookie, answer with the page itself."""
    fragment = f"#{focus_after_move(after)}" if after.moved else ""
    response = _see_other(f"/tablet/{after.step}{fragment}")
    carried = {
        "step": after.step,
        "state": asdict(after.state),
        "problems": [[p.message, list(map(list, p.params))] for p in after.problems],
        "moved": after.moved,
        "moved_by": after.moved_by,
    }
    if _carry(request, response, carried):
        return response
    page = _page_for(request, published, after)
    _forget(page)
    return page


def _page_for(request: Request, published: Published, after: Next) -> Response:
    _ = gettext_for(after.state.lang)
    return _page(
        request,
        published,
        after.step,
        after.state,
        status_code=after.status_code,
        errors=[_(p.message).format(**dict(p.params)) for p in after.problems],
        moved=after.moved,
        moved_by=after.moved_by,
    )


# --- the routes -----------------------------------------------------------------------


@router.get("")
def start(
    request: Request,
    published: PublishedDep,
    lang: Annotated[str | None, Query(max_length=16)] = None,
    tablet: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """A fresh start for the next person: whatever the last one left is forgotten."""
    chosen = _offered(negotiate(lang, request.headers.get("accept-language")))
    state = TabletState(lang=chosen, tablet=tablet_flow.tablet_name(tablet))
    response = _page(request, published, "start", state)
    if STATE_COOKIE in request.cookies:
        _forget(response)
    return response


@router.get("/{step}")
def step_page(
    request: Request,
    step: str,
    published: PublishedDep,
    lang: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """A step's page, drawn from the state the last post carried. Without one (the
    answers were sent, the tablet was cleared, or it is too old) the tablet starts
    afresh: Back after sending never shows the last person's answers."""
    if step not in (*STEPS, DONE):
        raise HTTPException(status_code=404)
    carried = unpack(request.cookies.get(STATE_COOKIE))
    if carried is None:
        return _see_other(start_url(_offered(negotiate(lang, None))))
    state = _state_from(carried)
    if lang is not None:
        state.lang = _offered(negotiate(lang, None))
    if step == DONE:
        code = carried.get("code")
        if not isinstance(code, str):
            return _see_other(start_url(state.lang, tablet_flow.tablet_name(state.tablet)))
        return _page(request, published, DONE, state, code=code)
    if "code" in carried:  # Back from the code page: that person's answers are gone
        return _see_other(start_url(state.lang, tablet_flow.tablet_name(state.tablet)))
    dataset = published.dataset
    # The page asked for, as the flow allows it for this state (e.g. no review before
    # anything is chosen).
    after = tablet_flow.advance(
        state,
        go=step,
        chosen=None,
        item_ids=set(dataset.item_ids),
        option_ids=set(dataset.option_ids),
        drug_ids={d.id for d in dataset.drugs},
    )
    if after.step != step:
        return _go_to(request, published, after)
    if carried.get("step") == step:  # what the post said about this page
        problems = carried.get("problems") or []
        moved = carried.get("moved")
        moved_by = carried.get("moved_by")
        after = Next(
            step,
            after.state,
            tuple(Problem(str(m), tuple((str(k), v) for k, v in ps)) for m, ps in problems),
            moved=moved if isinstance(moved, str) else None,
            moved_by=moved_by if moved_by in ("up", "down") else None,
        )
    return _page_for(request, published, after)


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
    tablet: Annotated[str, Form(max_length=40)] = "",
    past: Annotated[list[str] | None, Form(max_length=64)] = None,
    carer_consented: Annotated[str, Form(max_length=3)] = "",
    carer_chosen: Annotated[list[str] | None, Form(max_length=64)] = None,
    carer_order: Annotated[list[str] | None, Form(max_length=64)] = None,
    carer_words: Annotated[str, Form(max_length=CARER_WORDS_MAX)] = "",
    here: Annotated[str, Form(max_length=20)] = "",
    go: Annotated[str, Form(max_length=80)] = "choose",
) -> Response:
    """One endpoint for every step: `go` names where the button leads
    (app/consultations/tablet_flow.py decides where that is), `here` the page it is on."""
    refuse_cross_site(request)
    dataset = published.dataset
    picked = list(past or [])
    helped, had, stopped = past_answers(await request.form(), picked)
    state = TabletState(
        lang=_offered(negotiate(lang, None)),
        carer=carer == "yes",
        order=list(order or []),
        helpful=list(helpful or []),
        must_avoid=list(must_avoid or []),
        forms=list(forms or []),
        what_matters=what_matters,
        options=list(options or []),
        tablet=tablet,
        past=picked,
        past_helped=helped,
        past_had=had,
        past_stopped=stopped,
        carer_consented=carer_consented == "yes",
        carer_order=list(carer_order or []),
        carer_words=carer_words,
    )
    after = tablet_flow.advance(
        state,
        go=go,
        chosen=chosen,
        item_ids=set(dataset.item_ids),
        option_ids=set(dataset.option_ids),
        here=here or None,
        languages=set(available_languages()),
        drug_ids={d.id for d in dataset.drugs},
        carer_chosen=carer_chosen,
    )
    if after.step == tablet_flow.SEND:
        return _send(request, session, published, after.state)
    return _go_to(request, published, after)


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
            tablet=state.tablet,
            past=state.past_medicines(),
            carer=CarerView(
                consented=state.carer_turn,
                avoid=tuple(state.carer_order),
                what_matters=state.carer_words,
            ),
            code_ttl=timedelta(minutes=app_state(request).settings.code_ttl_minutes),
        )
    except InvalidRequest as exc:
        return _go_to(
            request,
            published,
            Next("review", state, tuple(Problem(p.message) for p in exc.problems)),
        )
    # Only the code, the language and the tablet's name go on: the answers are gone
    # from the tablet, so Back from the code page cannot show them.
    response = _see_other(f"/tablet/{DONE}")
    after = TabletState(lang=state.lang, tablet=state.tablet)
    _carry(request, response, {"step": DONE, "state": asdict(after), "code": created.code})
    return response
