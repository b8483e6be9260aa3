"""Pharmacists' edit pages for a draft: one rating (the scale, sources, note) and one
drug's details. Plain forms that work without JavaScript; a stale form (another
pharmacist saved first) is answered with the current values, nothing lost."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.service import Principal
from app.catalogue.model import symbol
from app.curation import drafts, drug_fields
from app.curation.tables import Draft, DraftDrug, DraftRating
from app.errors import DomainError
from app.http.auth import Pharmacist
from app.http.language import PageLanguageDep, get_page_language
from app.http.params import Id, SlugPath
from app.http.published import Published, PublishedDep
from app.http.unit_of_work import SessionDep
from app.translations import N_
from app.web.render import render

router = APIRouter(prefix="/staff", include_in_schema=False)
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


def _rating_page(
    request: Request,
    who: Principal,
    published: Published,
    draft: Draft,
    row: DraftRating,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    show_current: bool = False,
    status_code: int = 200,
) -> Response:
    page = get_page_language(request)
    dataset = published.dataset
    lang, _ = page.code, page._
    current = {"symbol": symbol(row.value), "sources": row.sources, "note": row.note}
    form = form or {
        "value": "unknown" if row.value is None else str(row.value),
        "sources": ", ".join(row.sources),
        "note": row.note or "",
    }
    return render(
        request,
        "staff/rating_form.html",
        {
            "page_title": _("Edit rating"),
            "principal": who,
            "draft": draft,
            "data_version": published.version,
            "drug_name": dataset.drug(row.drug_id).name[lang],
            "item_label": dataset.item(row.side_effect).label[lang],
            "revision": row.revision,
            "scale": [(value, _(label)) for value, label in SCALE],
            "form": form,
            "errors": errors or [],
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
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    row = drafts.get_rating(session, draft, drug_id, side_effect)
    return _rating_page(request, who, published, draft, row)


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
    sources: Annotated[str, Form(max_length=1000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Save, or show the form again with everything the person typed and the reason."""
    draft = drafts.get_draft(session, draft_id)
    row = drafts.get_rating(session, draft, drug_id, side_effect)
    form = {"value": value, "sources": sources, "note": note}
    _ = page._
    if value not in {"0", "1", "2", "3", "unknown"}:
        return _rating_page(
            request,
            who,
            published,
            draft,
            row,
            form=form,
            status_code=422,
            errors=[_("Choose a rating, or unknown.")],
        )
    keys = [s.strip() for s in sources.split(",") if s.strip()]
    try:
        drafts.edit_rating(
            session,
            draft,
            drug_id=drug_id,
            item=side_effect,
            value=None if value == "unknown" else int(value),
            sources=keys,
            note=note.strip() or None,
            # what each source says is kept for the sources still cited
            source_values={k: v for k, v in row.source_values.items() if k in keys},
            if_match=revision,
            by=who.username,
        )
    except drafts.PreconditionFailed as exc:
        session.refresh(row)
        return _rating_page(
            request,
            who,
            published,
            draft,
            row,
            form=form,
            show_current=True,
            errors=[exc.message],
            status_code=412,
        )
    except DomainError as exc:
        return _rating_page(
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
    card_en: Annotated[str, Form(max_length=4000)] = "",
    card_nb: Annotated[str, Form(max_length=4000)] = "",
    review_by: Annotated[str, Form(max_length=10)] = "",
    atc: Annotated[str, Form(max_length=16)] = "",
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
