"""A draft's source list on the web: the list (searchable), adding a source and editing
one. Plain forms that work without JavaScript; each problem is said in the
pharmacist's words, and a stale edit (a colleague saved first) keeps what was typed."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.service import Principal
from app.catalogue.model import SOURCE_KINDS
from app.catalogue.validate import SLUG
from app.clock import utcnow
from app.curation import drafts
from app.curation.tables import Draft, DraftSource
from app.errors import DomainError, NotFound
from app.http.auth import Pharmacist
from app.http.language import get_page_language
from app.http.params import Id, SlugPath
from app.http.published import Published, PublishedDep
from app.http.unit_of_work import SessionDep
from app.translations import N_
from app.web.render import render

router = APIRouter(prefix="/staff", include_in_schema=False)

# What a source is (app.catalogue.model.SOURCE_KINDS), as a pharmacist reads it.
KIND_LABELS = {
    "comparative": N_("Comparative table: rates many medicines on one scale; decides the grade"),
    "meta-analysis": N_("Meta-analysis: its figures are shown beside the grade"),
    "product-information": N_("Product information (SmPC, package leaflet, label)"),
    "other": N_("Other"),
}
assert tuple(KIND_LABELS) == SOURCE_KINDS
KIND_SHORT = {
    "comparative": N_("comparative table"),
    "meta-analysis": N_("meta-analysis"),
    "product-information": N_("product information"),
    "other": N_("other"),
}
# A rating to go back to after adding a source: "drug/item".
RATING_REF = re.compile(r"^[a-z0-9-]{1,64}/[a-z0-9-]{1,64}$")


def rating_ref(value: str) -> str | None:
    return value if RATING_REF.match(value) else None


def source_view(row: DraftSource) -> dict[str, Any]:
    return {
        "key": row.key,
        "citation": row.citation,
        "url": row.url,
        "kind": row.kind,
        "accessed": row.accessed.isoformat() if row.accessed else "",
        "revision": row.revision,
    }


def check_form(
    _: Any, *, key: str | None, citation: str, url: str, accessed: str, kind: str
) -> tuple[list[str], date | None]:
    """The form's problems in the pharmacist's words, and the date read (if any)."""
    errors: list[str] = []
    if key is not None and not SLUG.match(key):
        errors.append(
            _(
                "Give the source a short key of lower-case letters, digits and hyphens, "
                "such as smith-2024 (for one medicine's source, start with its name)."
            )
        )
    if not citation.strip():
        errors.append(_("Give the full citation: authors, title, where and when published."))
    if not url.strip().startswith(("https://", "http://")):
        errors.append(_("Give the web address where you read it, starting with https://."))
    read: date | None = None
    if accessed.strip():
        try:
            read = date.fromisoformat(accessed.strip())
        except ValueError:
            errors.append(_("Give the date you read it as year-month-day, such as 2026-11-23."))
        else:
            if read > utcnow().date():
                errors.append(_("The date you read it cannot be after today."))
    if kind not in SOURCE_KINDS:
        errors.append(_("Choose what kind of source it is."))
    return errors, read


def _list_page(
    request: Request,
    who: Principal,
    published: Published,
    draft: Draft,
    rows: dict[str, DraftSource],
    *,
    q: str = "",
    back: str | None = None,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    _ = get_page_language(request)._
    words = q.casefold().split()
    shown = [
        source_view(row)
        for row in rows.values()
        if all(w in f"{row.key} {row.citation} {row.url}".casefold() for w in words)
    ]
    return render(
        request,
        "staff/sources.html",
        {
            "page_title": _("Sources in draft {id}").format(id=draft.id),
            "principal": who,
            "draft": draft,
            "data_version": published.version,
            "sources": shown,
            "total": len(rows),
            "q": q,
            "back": back,
            "kinds": [(k, _(label)) for k, label in KIND_LABELS.items()],
            "kind_short": {k: _(label) for k, label in KIND_SHORT.items()},
            "form": form or {"key": "", "citation": "", "url": "", "accessed": "", "kind": ""},
            "errors": errors or [],
            "notice": notice,
        },
        status_code,
    )


@router.get("/drafts/{draft_id}/sources")
def sources_page(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    q: Annotated[str, Query(max_length=100)] = "",
    back: Annotated[str, Query(alias="for", max_length=130)] = "",
    added: Annotated[str, Query(max_length=64)] = "",
    saved: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    rows = drafts.draft_sources(session, draft)
    _ = get_page_language(request)._
    notice = None
    if added in rows:
        notice = _("Source {key} is now in the draft's list.").format(key=added)
    elif saved in rows:
        notice = _("Your change to source {key} is saved.").format(key=saved)
    return _list_page(
        request, who, published, draft, rows, q=q, back=rating_ref(back), notice=notice
    )


@router.post("/drafts/{draft_id}/sources")
def add_source(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    key: Annotated[str, Form(max_length=64)] = "",
    citation: Annotated[str, Form(max_length=2000)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    accessed: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    back: Annotated[str, Form(alias="for", max_length=130)] = "",
) -> Response:
    """Add a source to the draft's list; then back to the rating it was added for."""
    draft = drafts.get_draft(session, draft_id)
    rows = drafts.draft_sources(session, draft)
    _ = get_page_language(request)._
    key = key.strip()
    form = {"key": key, "citation": citation, "url": url, "accessed": accessed, "kind": kind}
    errors, read = check_form(_, key=key, citation=citation, url=url, accessed=accessed, kind=kind)
    if key in rows:
        errors.append(
            _("The draft already has a source {key}: edit it, or choose another key.").format(
                key=key
            )
        )
    ref = rating_ref(back)
    if not errors:
        try:
            drafts.put_source(
                session,
                draft,
                key=key,
                citation=citation,
                url=url,
                kind=kind,
                accessed=read,
                if_match=None,
                by=who.username,
            )
        except DomainError as exc:
            errors.append(_(exc.message))
    if errors:
        return _list_page(
            request,
            who,
            published,
            draft,
            rows,
            back=ref,
            form=form,
            errors=errors,
            status_code=422,
        )
    if ref:
        return RedirectResponse(
            f"/staff/drafts/{draft.id}/drugs/{ref.replace('/', '/ratings/', 1)}?added={key}",
            status_code=303,
        )
    return RedirectResponse(f"/staff/drafts/{draft.id}/sources?added={key}", status_code=303)


def _edit_page(
    request: Request,
    who: Principal,
    published: Published,
    draft: Draft,
    row: DraftSource,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    show_current: bool = False,
    status_code: int = 200,
) -> Response:
    _ = get_page_language(request)._
    return render(
        request,
        "staff/source_form.html",
        {
            "page_title": _("Source {key}").format(key=row.key),
            "principal": who,
            "draft": draft,
            "data_version": published.version,
            "source": source_view(row),
            "revision": row.revision,
            "form": form or source_view(row),
            "kinds": [(k, _(label)) for k, label in KIND_LABELS.items()],
            "kind_short": {k: _(label) for k, label in KIND_SHORT.items()},
            "current": source_view(row) if show_current else None,
            "errors": errors or [],
        },
        status_code,
    )


def _get_source(session: SessionDep, draft: Draft, key: str) -> DraftSource:
    row = drafts.draft_sources(session, draft).get(key)
    if row is None:
        raise NotFound(f"Draft {draft.id} has no source '{key}'.")
    return row


@router.get("/drafts/{draft_id}/sources/{key}")
def source_form(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    key: SlugPath,
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    return _edit_page(request, who, published, draft, _get_source(session, draft, key))


@router.post("/drafts/{draft_id}/sources/{key}")
def save_source(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    key: SlugPath,
    revision: Annotated[int, Form(ge=0, le=2**31 - 1)],
    citation: Annotated[str, Form(max_length=2000)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    accessed: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    row = _get_source(session, draft, key)
    _ = get_page_language(request)._
    form = {"key": key, "citation": citation, "url": url, "accessed": accessed, "kind": kind}
    errors, read = check_form(_, key=None, citation=citation, url=url, accessed=accessed, kind=kind)
    if errors:
        return _edit_page(
            request, who, published, draft, row, form=form, errors=errors, status_code=422
        )
    try:
        drafts.put_source(
            session,
            draft,
            key=key,
            citation=citation,
            url=url,
            kind=kind,
            accessed=read,
            if_match=revision,
            by=who.username,
        )
    except drafts.PreconditionFailed as exc:
        session.refresh(row)
        return _edit_page(
            request,
            who,
            published,
            draft,
            row,
            form=form,
            errors=[_(exc.message)],
            show_current=True,
            status_code=412,
        )
    except DomainError as exc:
        return _edit_page(
            request,
            who,
            published,
            draft,
            row,
            form=form,
            errors=[_(exc.message)],
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/staff/drafts/{draft.id}/sources?saved={key}", status_code=303)
