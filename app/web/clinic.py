"""The clinician's pages: open a person's preferences by code, see every medicine ranked
with the reasons, compare a few side by side, read the full cards, record the discussion.

All of it reads `app.consultations.view`, as the discussion sheet does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, cast

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from app.accounts.service import Principal
from app.catalogue.model import FORMULATIONS
from app.clock import utcnow
from app.consultations import service, view
from app.consultations.past_view import past_lines
from app.consultations.tables import Consultation
from app.errors import DomainError, NotFound
from app.http import code_lookup
from app.http.auth import CLINICAL, Clinical, staff_unit
from app.http.consultations import Record, open_consultation, read_consultation
from app.http.language import PageLanguageDep, get_page_language
from app.http.params import Id
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep, writing_unit
from app.limits import RateLimited
from app.translations import available_languages, gettext_for
from app.web.render import LANGUAGE_NAMES, render, templates

router = APIRouter(prefix="/staff", include_in_schema=False)
MAX_COMPARE = 6


def ranking_html(
    consultation: Consultation,
    published: Published,
    shown: view.ConsultationView,
    formulations: list[str] | None,
) -> Markup:
    """The ranking table, rendered once per version, language, consultation and filter:
    `shown` is made from exactly these (consultation_view), so the key names it."""
    lang = shown.lang
    forms = None if formulations is None else tuple(formulations)
    key = (
        "ranking-html",
        lang,
        consultation.id,
        view.preferences_of(consultation),
        forms,
        shown.past_marks,
    )
    return cast(
        Markup,
        published.memo.get(
            key,
            lambda: Markup(  # noqa: S704 - Jinja's autoescaped output
                templates.get_template("clinic/_ranking.html").render(
                    {"_": gettext_for(lang), "v": shown, "consultation_id": consultation.id}
                )
            ),
        ),
    )


@router.get("/consultations")
def open_by_code(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Clinical,
    published: PublishedDep,
    code: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The form to type a hand-off code; with `?code=` it opens the preferences.
    Codes that match nothing are limited per user (app/http/code_lookup.py): 429 beyond.
    Below it, the consultations made in the last SDM_RECENT_CONSULTATION_HOURS, by time
    and tablet name, for a code that is lost (each opens as any consultation does, and
    the read is recorded)."""
    _ = page._
    errors: list[str] = []
    status = 200
    headers: dict[str, str] = {}
    hours = app_state(request).settings.recent_consultation_hours
    if code is not None and code.strip():
        try:
            found = code_lookup.open_by_code(request, session, who, code)
        except RateLimited as refused:
            errors = [
                _(
                    "Too many codes that matched nothing in the last minute. Check the code "
                    "with the person, then try again in {seconds} seconds."
                ).format(seconds=refused.retry_after)
            ]
            status, headers = 429, refused.headers
        else:
            if not isinstance(found, NotFound):
                return RedirectResponse(f"/staff/consultations/{found.id}", status_code=303)
            errors = [
                _("No preferences have the code {code}, or the code has expired.").format(
                    code=service.normalise_code(code)
                )
            ]
            status = 404
    response = render(
        request,
        "clinic/open.html",
        {
            "page_title": _("Open a person's preferences"),
            "principal": who,
            "code": code or "",
            "errors": errors,
            "data_version": published.version,
            "recent_hours": hours,
            "recent": service.recent(session, within=timedelta(hours=hours)),
        },
        status,
    )
    response.headers.update(headers)
    return response


def drug_groups(
    shown: view.ConsultationView, published: Published, lang: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The decision form's medicines: the top matches first, best first, then every
    other medicine by name."""
    _ = gettext_for(lang)
    top = [(m.drug_id, m.name) for m in shown.top]
    first = {drug_id for drug_id, _name in top}
    rest = sorted(
        ((d.id, d.name[lang]) for d in published.dataset.drugs if d.id not in first),
        key=lambda pair: pair[1],
    )
    groups = [(_("Best matches"), top)] if top else []
    return [*groups, (_("Other medicines") if top else _("A medicine"), rest)]


def _consultation_page(
    request: Request,
    record: Record,
    published: Published,
    who: object,
    *,
    formulations: list[str] | None = None,
    form: Mapping[str, object] | None = None,
    errors: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
    past_marks: bool = True,
) -> Response:
    page = get_page_language(request)
    lang, _ = page.code, page._
    consultation, latest = record.consultation, record.latest
    shown = view.for_consultation(
        consultation, published, lang, formulations, latest, past_marks=past_marks
    )
    decided_with = latest.data_version if latest else None
    return render(
        request,
        "clinic/consultation.html",
        {
            "page_title": _("Medicines ranked for this person"),
            "principal": who,
            "c": consultation,
            "v": shown,
            "history": view.history(record.versions, published.dataset, lang),
            "ranking_html": ranking_html(consultation, published, shown, formulations),
            "data_version": published.version,
            "older_version": decided_with
            if decided_with is not None and decided_with != published.version.number
            else None,
            "all_forms": [(f, _(view.FORM_LABELS[f])) for f in FORMULATIONS],
            "filter_forms": formulations
            if formulations is not None
            else list(consultation.formulations),
            "drug_groups": drug_groups(shown, published, lang),
            "today": utcnow().date().isoformat(),
            "decisions_other": [(k, _(label)) for k, label in view.DECISION_LABELS.items()],
            "form": form
            or {
                "discussed": list(latest.discussed) if latest else [],
                "decision": latest.decision if latest else "",
                "next_review": latest.next_review.isoformat()
                if latest and latest.next_review
                else "",
                "context_note": latest.context_note if latest else "",
                "reason": "",
                "amends": str(latest.version if latest else 0),
            },
            "errors": errors or [],
            "notice": notice,
            "languages": [(c, LANGUAGE_NAMES.get(c, c)) for c in available_languages()],
        },
        status_code,
    )


@router.get("/consultations/{consultation_id}")
@writing_unit
async def consultation_page(
    request: Request,
    page: PageLanguageDep,
    published: PublishedDep,
    consultation_id: Id,
    filter: Annotated[str | None, Query(max_length=1)] = None,
    form: Annotated[list[str] | None, Query(max_length=16)] = None,
    saved: Annotated[str | None, Query(max_length=1)] = None,
    past: Annotated[int, Query(ge=0, le=1)] = 1,
) -> Response:
    """The preferences, every medicine ranked, the decision with all its versions, and
    the form to record (or amend) it. The read is recorded. `past=0` leaves the marks
    for medicines taken before out of the ranking (the order is the same either way).
    The busiest staff page: its whole unit of work is one worker-thread hop."""
    formulations = [f for f in (form or []) if f in FORMULATIONS] if filter else None
    notice = page._("The discussion is recorded.") if saved else None

    def load(session: Session, who: Principal) -> Record:
        return read_consultation(request, session, consultation_id, by=who.username, view="page")

    def answer(record: Record, who: Principal) -> Response:
        return _consultation_page(
            request,
            record,
            published,
            who,
            formulations=formulations,
            notice=notice,
            past_marks=bool(past),
        )

    return await staff_unit(request, CLINICAL, load, answer)


@router.post("/consultations/{consultation_id}/decision")
def record_decision(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Clinical,
    published: PublishedDep,
    consultation_id: Id,
    decision: Annotated[str, Form(max_length=64)] = "",
    discussed: Annotated[list[str] | None, Form(max_length=64)] = None,
    next_review: Annotated[str, Form(max_length=10)] = "",
    context_note: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    amends: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A new version of the decision; an amendment needs a reason. On any problem the
    page comes back with everything typed kept and nothing recorded."""
    record = open_consultation(request, session, consultation_id)
    _ = page._
    form = {
        "discussed": list(discussed or []),
        "decision": decision,
        "next_review": next_review,
        "context_note": context_note,
        "reason": reason,
        "amends": amends,
    }
    errors: list[str] = []
    review: date | None = None
    if next_review:
        try:
            review = date.fromisoformat(next_review)
        except ValueError:
            errors.append(_("The next review date must be a date, for example 2027-01-31."))
        else:
            if review < utcnow().date():
                errors.append(
                    _("The next review date is in the past: choose today or a later date.")
                )
    if not decision:
        errors.append(_("Choose a decision: a medicine, not decided yet, or no medication."))
    if record.latest is not None and not reason.strip():
        errors.append(_(service.AMENDMENT_NEEDS_REASON))
    if not errors:
        try:
            service.record_decision(
                session,
                record,
                published.dataset,
                data_version=published.version.number,
                discussed=form["discussed"],  # type: ignore[arg-type]
                decision=decision,
                next_review=review,
                context_note=context_note,
                by=who.username,
                reason=reason,
                amends=int(amends) if amends.isdigit() else None,
            )
        except service.DecisionChanged as exc:
            errors.append(
                _(
                    "A colleague recorded version {n} of the decision while you were "
                    "working. Read it below; what you typed is kept, and nothing was saved."
                ).format(n=exc.newest)
            )
        except DomainError as exc:
            errors.append(_(exc.message))
    if errors:
        # The page is shown again, with the consultation: a read like any other.
        service.record_read(session, record.consultation, by=who.username, view="page")
        shown = Record(record.consultation, service.versions(session, record.consultation.id))
        return _consultation_page(
            request, shown, published, who, form=form, errors=errors, status_code=422
        )
    return RedirectResponse(
        f"/staff/consultations/{record.consultation.id}?saved=1", status_code=303
    )


@router.get("/consultations/{consultation_id}/compare")
@writing_unit
def compare_page(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Clinical,
    published: PublishedDep,
    consultation_id: Id,
    drug: Annotated[list[str] | None, Query(max_length=64)] = None,
) -> Response:
    consultation = read_consultation(
        request, session, consultation_id, by=who.username, view="compare"
    ).consultation
    lang, _ = page.code, page._
    known = {d.id for d in published.dataset.drugs}
    picked = [d for d in dict.fromkeys(drug or []) if d in known][:MAX_COMPARE]
    errors = []
    if len(picked) < 2:
        errors.append(
            _("Pick at least 2 medicines to compare (at most {n}).").format(n=MAX_COMPARE)
        )
    names, rows = view.compare(published.dataset, picked, consultation.avoid, lang)
    past = {p.drug_id: p for p in past_lines(view.past_of(consultation), published.dataset, lang)}
    return render(
        request,
        "clinic/compare.html",
        {
            "page_title": _("Compare medicines"),
            "principal": who,
            "c": consultation,
            "names": names,
            "picked": picked,
            "rows": rows,
            "past": [past.get(d) for d in picked],
            "errors": errors,
            "data_version": published.version,
        },
        422 if errors else 200,
    )


@router.get("/cards/{drug_id}")
def card_page(
    request: Request,
    page: PageLanguageDep,
    who: Clinical,
    published: PublishedDep,
    drug_id: Annotated[str, Path(max_length=64)],
    consultation: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    lang, _ = page.code, page._
    try:
        drug = published.dataset.drug(drug_id)
    except KeyError:
        raise NotFound(_("There is no such medicine.")) from None
    shown = view.card(published.dataset, drug, lang)
    return render(
        request,
        "clinic/card.html",
        {
            "page_title": shown.name,
            "principal": who,
            "card": shown,
            "back": consultation if consultation and consultation.isalnum() else None,
            "data_version": published.version,
        },
    )
