"""The tablet: a person (perhaps with a carer) says what matters to them. No login, no name.

Works without JavaScript: each step is a form that posts the whole state so far in
hidden fields, so nothing is kept in the browser (no cookies, no storage) and nothing
is stored on the server until the person sends it. JavaScript, when present, only adds
a live count and an inactivity warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.accounts.deps import CsrfFailed
from app.api.deps import Published, PublishedDep, SessionDep
from app.catalogue.model import FORMULATIONS
from app.consultations import service
from app.consultations.view import FORM_LABELS
from app.i18n import negotiate
from app.ranking import InvalidRequest, RankingRequest
from app.translations import available_languages, gettext_for
from app.web.render import render

router = APIRouter(prefix="/tablet", include_in_schema=False)
MAX_CHOSEN = 5
STEPS = ("start", "choose", "order", "extras", "review")


@dataclass
class TabletState:
    """Everything the person has said so far; lives only in the form."""

    lang: str = "en"
    carer: bool = False
    order: list[str] = field(default_factory=list)
    helpful: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    what_matters: str = ""

    def clean(self, item_ids: set[str]) -> TabletState:
        order = list(dict.fromkeys(i for i in self.order if i in item_ids))
        return TabletState(
            lang=self.lang,
            carer=self.carer,
            order=order,
            helpful=[i for i in dict.fromkeys(self.helpful) if i in item_ids and i not in order],
            must_avoid=[i for i in dict.fromkeys(self.must_avoid) if i in order],
            forms=[f for f in dict.fromkeys(self.forms) if f in FORMULATIONS],
            what_matters=self.what_matters[:2000],
        )


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
    go: Annotated[str, Form(max_length=80)] = "choose",
) -> Response:
    """One endpoint for every step: `go` names where the button leads."""
    refuse_cross_site(request)
    dataset = published.dataset
    item_ids = set(dataset.item_ids)
    state = TabletState(
        lang=_offered(negotiate(lang, None)),
        carer=carer == "yes",
        order=list(order or []),
        helpful=list(helpful or []),
        must_avoid=list(must_avoid or []),
        forms=list(forms or []),
        what_matters=what_matters,
    )
    _ = gettext_for(state.lang)
    if chosen is not None or go == "order-from-choose":
        # Leaving the checklist: keep the order of items already ranked, add new ones last.
        picked = [i for i in (chosen or []) if i in item_ids]
        state.order = [i for i in state.order if i in picked] + [
            i for i in picked if i not in state.order
        ]
    state = state.clean(item_ids)
    if go == "order-from-choose":
        if not state.order:
            return _page(
                request,
                published,
                "choose",
                state,
                status_code=422,
                errors=[_("Choose at least 1 side effect you want to avoid.")],
            )
        if len(state.order) > MAX_CHOSEN:
            return _page(
                request,
                published,
                "choose",
                state,
                status_code=422,
                errors=[_("Choose at most 5. You have chosen {n}.").format(n=len(state.order))],
            )
        go = "order"
    if go.startswith(("up:", "down:")):
        direction, _sep, item = go.partition(":")
        if item in state.order:
            index = state.order.index(item)
            target = index - 1 if direction == "up" else index + 1
            if 0 <= target < len(state.order):
                state.order[index], state.order[target] = state.order[target], state.order[index]
        return _page(request, published, "order", state, moved=item)
    if go == "send":
        try:
            created = service.create(
                session,
                dataset,
                request=RankingRequest(
                    tuple(state.order),
                    tuple(state.helpful),
                    tuple(state.must_avoid),
                    tuple(state.forms),
                ),
                lang=state.lang,
                with_carer=state.carer,
                what_matters=state.what_matters,
                code_ttl=timedelta(minutes=request.app.state.settings.code_ttl_minutes),
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
    if go not in STEPS:
        go = "choose"
    if go in ("extras", "review") and not state.order:
        return _page(
            request,
            published,
            "choose",
            state,
            status_code=422,
            errors=[_("Choose at least 1 side effect you want to avoid.")],
        )
    return _page(request, published, go, state)
