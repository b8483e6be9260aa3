"""The tablet's feedback page: after the consultation the person types their code and
answers CollaboRATE's three questions (0-9), with an optional comment. No login, no
name; works without JavaScript. The answers are linked only to the consultation and no
staff page shows them (docs/adr/0015-feedback-and-service-dashboard.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.consultations import collaborate, feedback
from app.errors import NotFound
from app.http.auth import client_address
from app.http.cross_site import refuse_cross_site
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.i18n import negotiate
from app.limits import RateLimited
from app.translations import available_languages, gettext_for
from app.web.render import LANGUAGE_NAMES, no_store, render

router = APIRouter(prefix="/tablet/feedback", include_in_schema=False)

#: Seconds without use before the page clears itself, and the warning before it.
CLEAR_SECONDS, WARN_SECONDS = 360, 240


def _offered(lang: str) -> str:
    return lang if lang in available_languages() else "en"


def _start_url(lang: str) -> str:
    return "/tablet?" + urlencode({"lang": lang})


def _page(
    request: Request,
    lang: str,
    *,
    template: str = "tablet/feedback.html",
    typed: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(lang)
    title = _("Tell us how it went") if template.endswith("feedback.html") else _("Thank you")
    response = render(
        request,
        template,
        {
            "_": _,
            "lang": lang,
            "page_title": title,
            "step": "feedback" if template.endswith("feedback.html") else "done",
            "place": None,
            "languages": available_languages(),
            "language_names": LANGUAGE_NAMES,
            "errors": errors or [],
            "typed": typed or {},
            "questions": collaborate.QUESTIONS,
            "scale": list(collaborate.SCALE),
            "lowest": collaborate.LOWEST,
            "highest": collaborate.HIGHEST,
            "comment_max": collaborate.COMMENT_MAX,
            "start_url": _start_url(lang),
            "clear_seconds": CLEAR_SECONDS,
            "warn_seconds": WARN_SECONDS,
        },
        status_code,
    )
    no_store(response)
    return response


@router.get("")
def feedback_form(
    request: Request, lang: Annotated[str | None, Query(max_length=16)] = None
) -> Response:
    """The empty form, in the language asked for (or the browser's)."""
    return _page(request, _offered(negotiate(lang, request.headers.get("accept-language"))))


@router.get("/thanks")
def thanks(request: Request, lang: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    return _page(request, _offered(negotiate(lang, None)), template="tablet/feedback-thanks.html")


@router.post("")
def send_feedback(
    request: Request,
    session: SessionDep,
    lang: Annotated[str, Form(max_length=8)] = "en",
    code: Annotated[str, Form(max_length=16)] = "",
    q1: Annotated[str, Form(max_length=4)] = "",
    q2: Annotated[str, Form(max_length=4)] = "",
    q3: Annotated[str, Form(max_length=4)] = "",
    comment: Annotated[str, Form(max_length=collaborate.COMMENT_MAX * 4)] = "",
    go: Annotated[str, Form(max_length=16)] = "send",
) -> Response:
    """Send the answers (303 to the thank-you page), or show the form again in another
    language (`go=lang:xx`) keeping everything typed. A problem keeps it all too: 422
    for a missing or bad answer, 404 for a code that matches nothing, 409 when this
    consultation's feedback was given already, 429 over the tablet's limits."""
    refuse_cross_site(request)
    chosen = _offered(negotiate(lang, None))
    typed = {"code": code, "q1": q1, "q2": q2, "q3": q3, "comment": comment}
    if go.startswith("lang:"):
        return _page(request, _offered(negotiate(go[5:], None)), typed=typed)
    _ = gettext_for(chosen)
    answers = [collaborate.parse_form_answer(v) for v in (q1, q2, q3)]
    problems = [
        _(p.message).format(**dict(p.params)) for p in collaborate.problems(answers, comment)
    ]
    if not code.strip():
        problems.insert(0, _("Type the code from your discussion sheet or from the tablet."))
    if problems:
        return _page(request, chosen, typed=typed, errors=problems, status_code=422)
    try:
        feedback.admit(
            session,
            feedback.feedback_limits(app_state(request).settings),
            client=client_address(request),
        )
        feedback.give(session, code=code, answers=answers, comment=comment)
    except RateLimited as refused:
        page = _page(
            request,
            chosen,
            typed=typed,
            errors=[_(feedback.TOO_MANY).format(seconds=refused.retry_after)],
            status_code=429,
        )
        page.headers.update(refused.headers)
        return page
    except NotFound:
        return _page(
            request, chosen, typed=typed, errors=[_(feedback.NO_SUCH_CODE)], status_code=404
        )
    except feedback.FeedbackAlreadyGiven:
        return _page(
            request, chosen, typed=typed, errors=[_(feedback.ALREADY_GIVEN)], status_code=409
        )
    response = RedirectResponse(f"/tablet/feedback/thanks?lang={chosen}", status_code=303)
    no_store(response)
    return response
