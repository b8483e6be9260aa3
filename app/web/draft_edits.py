"""Pharmacists' edit pages for a draft: one rating (the scale, sources, note) and one
drug's details. Plain forms that work without JavaScript; a stale form (another
pharmacist saved first) is answered with the current values, nothing lost."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import StringConstraints
from sqlmodel import Session

from app.accounts.service import Principal
from app.catalogue.editable import (
    ATC_MAX,
    CARD_MAX,
    RATING_NOTE_MAX,
    SOURCE_KEY_MAX,
    SOURCE_SAYS_MAX,
)
from app.catalogue.model import symbol
from app.curation import drafts, drug_fields
from app.curation.tables import Draft, DraftDrug, DraftRating, DraftSource
from app.errors import DomainError
from app.http.auth import Pharmacist
from app.http.language import PageLanguageDep, get_page_language
from app.http.params import Id, SlugPath
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.translations import N_
from app.web.draft_sources import KIND_SHORT, source_view
from app.web.render import render

router = APIRouter(prefix="/staff", include_in_schema=False)
Key = Annotated[str, StringConstraints(max_length=SOURCE_KEY_MAX)]  # a source key in a form
Says = Annotated[str, StringConstraints(max_length=SOURCE_SAYS_MAX)]  # what a source says
SCALE_WORDS = {
    "0": N_("not expected"),
    "1": N_("uncommon or mild"),
    "2": N_("commoner or moderately severe"),
    "3": N_("common or more severe"),
    "unknown": N_("unknown"),
}
SCALE = [
    ("0", N_("0 — not expected")),
    ("1", N_("+ — uncommon or mild")),
    ("2", N_("++ — commoner or moderately severe")),
    ("3", N_("+++ — common or more severe")),
    ("unknown", N_("unknown — no source gives a value")),
]


@router.get("/drafts/{draft_id}/edit")
def pick_rating(
    draft_id: Id,
    drug: Annotated[str, Query(max_length=64)],
    item: Annotated[str, Query(max_length=64)],
    _who: Pharmacist,
) -> Response:
    return RedirectResponse(
        f"/staff/drafts/{draft_id}/drugs/{drug}/ratings/{item}", status_code=303
    )


@router.get("/drafts/{draft_id}/card")
def pick_drug(
    draft_id: Id, drug: Annotated[str, Query(max_length=64)], _who: Pharmacist
) -> Response:
    return RedirectResponse(f"/staff/drafts/{draft_id}/drugs/{drug}", status_code=303)


def offered_sources(
    rows: dict[str, DraftSource], drug_id: str, cited: list[str], also: str = ""
) -> tuple[list[DraftSource], list[DraftSource]]:
    """(the sources offered as tick boxes, every other source of the draft): those this
    rating cites, the medicine's own (their keys start with its id), the comparative
    tables and meta-analyses, and one just added; the rest go in a list to pick from."""
    ticked = set(cited) | {also}

    def offered(row: DraftSource) -> bool:
        return (
            row.key in ticked
            or row.key.startswith(f"{drug_id}-")
            or row.kind in ("comparative", "meta-analysis")
        )

    first = [rows[k] for k in cited if k in rows]
    first += [r for r in rows.values() if offered(r) and r.key not in cited]
    return first, [r for r in rows.values() if not offered(r)]


def _rating_page(
    request: Request,
    session: Session,
    who: Principal,
    published: Published,
    draft: Draft,
    row: DraftRating,
    *,
    form: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    show_current: bool = False,
    notice: str | None = None,
    added: str = "",
    status_code: int = 200,
) -> Response:
    page = get_page_language(request)
    lang, _ = page.code, page._
    base = drafts.base_dataset(session, app_state(request).datasets, draft)
    rows = drafts.draft_sources(session, draft)
    form = form or {
        "value": "unknown" if row.value is None else str(row.value),
        "sources": list(row.sources),
        "says": dict(row.source_values),
        "note": row.note or "",
    }
    offered, others = offered_sources(rows, row.drug_id, list(form["sources"]), added)
    was = None
    if row.drug_id in {d.id for d in base.drugs}:
        rating = base.drug(row.drug_id).ratings.get(row.side_effect)
        if rating is not None:
            was = {
                "symbol": symbol(rating.value),
                "words": _(SCALE_WORDS["unknown" if rating.value is None else str(rating.value)]),
                "sources": [
                    {
                        "key": k,
                        "citation": base.sources[k].citation if k in base.sources else k,
                        "says": rating.source_values.get(k, ""),
                    }
                    for k in rating.sources
                ],
                "note": rating.note,
            }
    current = {"symbol": symbol(row.value), "sources": row.sources, "note": row.note}
    item = next((i for i in base.checklist if i.id == row.side_effect), None)
    drug_row = drug_fields.get_drug(session, draft, row.drug_id)
    return render(
        request,
        "staff/rating_form.html",
        {
            "page_title": _("Edit rating"),
            "principal": who,
            "draft": draft,
            "data_version": published.version,
            "drug_id": row.drug_id,
            "item_id": row.side_effect,
            "drug_name": drug_row.document["name"].get(lang) or row.drug_id,
            "item_label": item.label[lang] if item else row.side_effect,
            "revision": row.revision,
            "scale": [(value, _(label)) for value, label in SCALE],
            "form": form,
            "offered": [source_view(r) for r in offered],
            "others": [source_view(r) for r in others],
            "kind_short": {k: _(label) for k, label in KIND_SHORT.items()},
            "was": was,
            "based_on": draft.based_on,
            "errors": errors or [],
            "notice": notice,
            "current": current if show_current else None,
        },
        status_code,
    )


@router.get("/drafts/{draft_id}/drugs/{drug_id}/ratings/{side_effect}")
def rating_form(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    drug_id: SlugPath,
    side_effect: SlugPath,
    added: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    row = drafts.get_rating(session, draft, drug_id, side_effect)
    notice = None
    if added and added in drafts.draft_sources(session, draft):
        notice = (
            get_page_language(request)
            ._("Source {key} is now in the draft's list: tick it below to cite it.")
            .format(key=added)
        )
    return _rating_page(request, session, who, published, draft, row, notice=notice, added=added)


def rating_problems(
    _: Any,
    *,
    value: str,
    keys: list[str],
    says: dict[str, str],
    note: str,
    known: dict[str, DraftSource],
) -> list[str]:
    """What is wrong with the rating form, in the pharmacist's words. The draft checks the
    same rules again (app.catalogue.validate.check_rating) before anything is saved."""
    errors = []
    if value not in {"0", "1", "2", "3", "unknown"}:
        errors.append(_("Choose a rating, or unknown."))
    missing = [k for k in keys if k not in known]
    for key in missing:
        errors.append(
            _(
                "{key} is not in this draft's source list. Add it on the draft's sources "
                "page first, then tick it here."
            ).format(key=key)
        )
    if value in {"0", "1", "2", "3"} and not keys:
        errors.append(
            _("A rating of {symbol} needs a source: tick the source it comes from.").format(
                symbol=symbol(int(value))
            )
        )
    if value == "unknown" and not note.strip():
        errors.append(_("Say in the note why this rating is unknown."))
    for key, text in says.items():
        if text.strip() and key not in keys:
            errors.append(
                _(
                    "You wrote what {key} says, but it is not ticked as a source of this "
                    "rating: tick it, or clear what you wrote."
                ).format(key=key)
            )
    return errors


@router.post("/drafts/{draft_id}/drugs/{drug_id}/ratings/{side_effect}")
def save_rating(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    drug_id: SlugPath,
    side_effect: SlugPath,
    revision: Annotated[int, Form(ge=0, le=2**31 - 1)],
    value: Annotated[str, Form(max_length=8)] = "",
    sources: Annotated[list[Key], Form(max_length=300)] = [],  # noqa: B006
    says_key: Annotated[list[Key], Form(max_length=300)] = [],  # noqa: B006
    says: Annotated[list[Says], Form(max_length=300)] = [],  # noqa: B006
    note: Annotated[str, Form(max_length=RATING_NOTE_MAX)] = "",
) -> Response:
    """Save, or show the form again with everything the person typed and the reason."""
    draft = drafts.get_draft(session, draft_id)
    row = drafts.get_rating(session, draft, drug_id, side_effect)
    keys = list(dict.fromkeys(k.strip() for k in sources if k.strip()))
    said = {k: v.strip() for k, v in zip(says_key, says, strict=False) if v.strip()}
    form = {"value": value, "sources": keys, "says": said, "note": note}
    _ = page._
    errors = rating_problems(
        _, value=value, keys=keys, says=said, note=note, known=drafts.draft_sources(session, draft)
    )
    if errors:
        return _rating_page(
            request, session, who, published, draft, row, form=form, status_code=422, errors=errors
        )
    try:
        drafts.edit_rating(
            session,
            draft,
            drug_id=drug_id,
            item=side_effect,
            value=None if value == "unknown" else int(value),
            sources=keys,
            note=note.strip() or None,
            source_values=said,
            if_match=revision,
            by=who.username,
        )
    except drafts.PreconditionFailed as exc:
        session.refresh(row)
        return _rating_page(
            request,
            session,
            who,
            published,
            draft,
            row,
            form=form,
            show_current=True,
            errors=[_(exc.message)],
            status_code=412,
        )
    except DomainError as exc:
        return _rating_page(
            request,
            session,
            who,
            published,
            draft,
            row,
            form=form,
            errors=[_(exc.message)],
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/staff/drafts/{draft.id}?done=saved", status_code=303)


def _drug_page(
    request: Request,
    who: Principal,
    published: Published,
    draft: Draft,
    row: DraftDrug,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    page = get_page_language(request)
    doc = row.document
    lang, _ = page.code, page._
    form = form or {
        "card_en": doc["card"]["en"],
        "card_nb": doc["card"]["nb"],
        "review_by": str(doc["review_by"]),
        "atc": doc["atc"],
    }
    return render(
        request,
        "staff/drug_form.html",
        {
            "page_title": _("Edit card"),
            "principal": who,
            "draft": draft,
            "form": form,
            "drug_name": doc["name"].get(lang) or doc["name"]["en"],
            "revision": row.revision,
            "errors": errors or [],
            "data_version": published.version,
        },
        status_code,
    )


@router.get("/drafts/{draft_id}/drugs/{drug_id}")
def drug_form(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    drug_id: SlugPath,
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    return _drug_page(request, who, published, draft, drug_fields.get_drug(session, draft, drug_id))


@router.post("/drafts/{draft_id}/drugs/{drug_id}")
def save_drug(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    drug_id: SlugPath,
    revision: Annotated[int, Form(ge=0, le=2**31 - 1)],
    card_en: Annotated[str, Form(max_length=CARD_MAX)] = "",
    card_nb: Annotated[str, Form(max_length=CARD_MAX)] = "",
    review_by: Annotated[str, Form(max_length=10)] = "",  # YYYY-MM-DD
    atc: Annotated[str, Form(max_length=ATC_MAX)] = "",
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    row = drug_fields.get_drug(session, draft, drug_id)
    form = {"card_en": card_en, "card_nb": card_nb, "review_by": review_by, "atc": atc}
    fields = {
        "card": {"en": card_en.strip(), "nb": card_nb.strip()},
        "review_by": review_by.strip(),
        "atc": atc.strip(),
    }
    try:
        drug_fields.edit_drug(
            session, draft, drug_id=drug_id, fields=fields, if_match=revision, by=who.username
        )
    except DomainError as exc:
        session.refresh(row)
        return _drug_page(
            request,
            who,
            published,
            draft,
            row,
            form=form,
            errors=[exc.message],
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/staff/drafts/{draft.id}", status_code=303)
