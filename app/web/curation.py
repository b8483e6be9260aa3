"""Pharmacists' pages: the drafts, a draft's changes and its review steps, review dates;
and the admin's audit trail. Editing a draft's ratings and drugs: app/web/draft_edits.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app import audit
from app.accounts.service import Principal
from app.catalogue.model import symbol
from app.catalogue.report import review_due as review_due_cards
from app.clock import utcnow
from app.consultations import service as consultations
from app.curation import drafts
from app.curation.review import group_title
from app.curation.tables import Draft
from app.http.auth import Admin, Pharmacist
from app.http.language import PageLanguageDep, get_page_language
from app.http.params import Id
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.translations import N_
from app.web.render import render

router = APIRouter(prefix="/staff", include_in_schema=False)
# A draft's status (app.curation.tables.DRAFT_STATES), as shown on the pages.
STATUS_LABELS = {
    "open": N_("Open"),
    "submitted": N_("Submitted for review"),
    "published": N_("Published"),
    "discarded": N_("Discarded"),
}
# How a consultation was read (app.consultations.tables.READ_VIEWS).
READ_VIEW_LABELS = {
    "page": N_("clinician's page"),
    "compare": N_("comparison"),
    "api": N_("API"),
    "api-by-code": N_("API, by code"),
    "sheet": N_("discussion sheet"),
    "pdf": N_("discussion sheet (PDF)"),
    "fhir": N_("FHIR export"),
}
# What the draft page says after a step (?done=...): what happened, in words.
DONE = {
    "saved": N_("Your change is saved in the draft."),
    "submitted": N_(
        "The draft is submitted for review. A different pharmacist can now approve it or "
        "send it back with comments."
    ),
    "approved": N_("The draft is approved and published as data version {number}."),
    "discarded": N_("The draft is discarded; nothing in it was published."),
    "returned": N_(
        "The draft is sent back to its author with your comments. It is open for changes "
        "again; once they submit it again, you or another pharmacist can review it."
    ),
}
# What a change in a draft touches (app.catalogue.report.diff).
CHANGE_KINDS = {
    "drug": N_("medicine"),
    "rating": N_("rating"),
    "sources": N_("sources"),
    "note": N_("note"),
    "atc": N_("ATC code"),
    "generation": N_("generation"),
    "snomed": N_("SNOMED CT code"),
    "review_by": N_("review date"),
    "formulations": N_("formulations"),
    "card text": N_("card text"),
    "monitoring": N_("monitoring"),
    "source values": N_("what each source says"),
    "figure": N_("published figure"),
    "safety flag": N_("safety flag"),
    "name": N_("name"),
    "availability sources": N_("availability sources"),
    "source": N_("source"),
    "weights": N_("scoring weights"),
    "checklist item": N_("checklist item"),
    "label": N_("label"),
    "explanation": N_("explanation"),
    "group": N_("group"),
}


@router.get("/drafts")
def drafts_page(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
) -> Response:
    _ = page._
    return render(
        request,
        "staff/drafts.html",
        {
            "page_title": _("Drafts"),
            "principal": who,
            "status_labels": STATUS_LABELS,
            "drafts": drafts.list_drafts(session),
            "data_version": published.version,
        },
    )


@router.post("/drafts")
def open_draft(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    draft = drafts.open_draft(session, app_state(request).datasets, by=who.username, note=note)
    return RedirectResponse(f"/staff/drafts/{draft.id}", status_code=303)


def _draft_view(
    request: Request,
    session: Session,
    who: Principal,
    published: Published,
    draft: Draft,
    *,
    done: str = "",
    errors: list[str] | None = None,
    comment: str = "",
    status_code: int = 200,
) -> Response:
    """The draft's page: its review conversation, its changes by medicine, the steps."""
    page = get_page_language(request)
    result = drafts.draft_diff(session, app_state(request).datasets, draft)
    dataset = published.dataset
    lang, _ = page.code, page._
    groups: list[dict[str, Any]] = []
    for change in result.changes:
        if not groups or groups[-1]["id"] != change.drug:
            title = group_title(change.drug, result.names, lang, _)
            groups.append({"id": change.drug, "title": title, "changes": []})
        groups[-1]["changes"].append(
            {
                "item": result.names.item(change.item, lang) or change.item or "",
                "what": _(CHANGE_KINDS.get(change.what, change.what)),
                "before": change.before,
                "after": change.after,
                "sources": change.sources,
                "changed_by": change.changed_by,
            }
        )
    conversation = drafts.draft_comments(session, draft)
    returned = conversation[-1] if conversation and conversation[-1].kind == "return" else None
    return render(
        request,
        "staff/draft.html",
        {
            "page_title": _("Draft {id}").format(id=draft.id),
            "principal": who,
            "draft": draft,
            "status_labels": STATUS_LABELS,
            "notice": _(DONE[done]).format(number=draft.published_as) if done in DONE else None,
            "errors": errors or [],
            "comment": comment,
            "conversation": conversation,
            "returned": returned if draft.status == "open" else None,
            "groups": groups,
            "change_count": len(result.changes),
            "involved": sorted(result.involved),
            # Four eyes: only someone who did not open, change or submit it may approve
            # it or send it back.
            "may_review": who.username not in result.involved,
            "data_version": published.version,
            "drugs": [{"id": d.id, "name": d.name[lang]} for d in dataset.drugs],
            "items": [{"id": i.id, "label": i.label[lang]} for i in dataset.checklist],
        },
        status_code,
    )


@router.get("/drafts/{draft_id}")
def draft_page(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    done: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    return _draft_view(request, session, who, published, draft, done=done)


def _back_to(draft_id: str, done: str) -> Response:
    return RedirectResponse(f"/staff/drafts/{draft_id}?done={done}", status_code=303)


@router.post("/drafts/{draft_id}/submit")
def submit_draft(
    session: SessionDep,
    who: Pharmacist,
    draft_id: Id,
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    draft = drafts.get_draft(session, draft_id)
    drafts.submit(session, draft, by=who.username, comment=comment)
    return _back_to(draft.id, "submitted")


@router.post("/drafts/{draft_id}/return")
def return_draft(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Send the draft back to its author with comments (a reviewer who may approve it)."""
    draft = drafts.get_draft(session, draft_id)
    if not comment.strip() and draft.status == "submitted":
        _ = get_page_language(request)._
        errors = [_("Write what the author should change, then send the draft back.")]
        return _draft_view(request, session, who, published, draft, errors=errors, status_code=422)
    drafts.send_back(session, draft, by=who.username, comment=comment)
    return _back_to(draft.id, "returned")


@router.post("/drafts/{draft_id}/approve")
def approve_draft(request: Request, session: SessionDep, who: Pharmacist, draft_id: Id) -> Response:
    draft = drafts.get_draft(session, draft_id)
    drafts.approve(session, app_state(request).datasets, draft, by=who.username)
    return _back_to(draft.id, "approved")


@router.post("/drafts/{draft_id}/discard")
def discard_draft(session: SessionDep, who: Pharmacist, draft_id: Id) -> Response:
    draft = drafts.get_draft(session, draft_id)
    drafts.discard(session, draft, by=who.username)
    return _back_to(draft.id, "discarded")


@router.get("/review-due")
def review_due(
    request: Request,
    page: PageLanguageDep,
    who: Pharmacist,
    published: PublishedDep,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
) -> Response:
    due = review_due_cards(published.dataset, utcnow().date(), within_days)
    lang, _ = page.code, page._
    return render(
        request,
        "staff/review_due.html",
        {
            "page_title": _("Review due"),
            "names": {d.id: d.name[lang] for d in published.dataset.drugs},
            "principal": who,
            "due": due,
            "within_days": within_days,
            "data_version": published.version,
        },
    )


@router.get("/reads")
def reads_page(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Admin,
    consultation: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Who read which consultation, when and through which view; newest first."""
    wanted = (consultation or "").strip().lower()
    wanted = wanted if wanted.isalnum() else ""
    _ = page._
    return render(
        request,
        "staff/reads.html",
        {
            "page_title": _("Consultation reads"),
            "principal": who,
            "reads": consultations.reads(session, consultation_id=wanted or None, limit=500),
            "consultation": wanted,
            "views": {v: _(label) for v, label in READ_VIEW_LABELS.items()},
        },
    )


@router.get("/audit")
def audit_page(
    request: Request, page: PageLanguageDep, session: SessionDep, who: Admin
) -> Response:
    events = audit.newest(session, limit=500)
    _ = page._
    return render(
        request,
        "staff/audit.html",
        {"page_title": _("Audit trail"), "principal": who, "events": events},
    )


def _matches(words: list[str], *texts: str) -> set[str]:
    """The words found in any of the texts (case-insensitive)."""
    haystack = " ".join(texts).casefold()
    return {w for w in words if w in haystack}


@router.get("/drafts/{draft_id}/grid")
def draft_grid(
    request: Request,
    session: SessionDep,
    who: Pharmacist,
    published: PublishedDep,
    draft_id: Id,
    q: Annotated[str, Query(max_length=100)] = "",
    changed: Annotated[bool, Query()] = False,
) -> Response:
    """Every rating of the draft as a medicine × side effect grid, changed cells marked in
    words; `q` narrows it to the medicines and side effects whose name (English or
    Norwegian) or id holds each word, `changed` to the rows and columns with a change."""
    draft = drafts.get_draft(session, draft_id)
    result = drafts.draft_diff(session, app_state(request).datasets, draft)
    content = result.content
    page = get_page_language(request)
    lang, _ = page.code, page._
    words = q.casefold().split()
    drug_hits = {d.id: _matches(words, d.id, *d.name.values()) for d in content.drugs}
    item_hits = {i.id: _matches(words, i.id, *i.label.values()) for i in content.checklist}
    found = set().union(*drug_hits.values(), *item_hits.values())
    drugs = [d for d in content.drugs if drug_hits[d.id]] or list(content.drugs)
    items = [i for i in content.checklist if item_hits[i.id]] or list(content.checklist)
    cells_changed = {(c.drug, c.item) for c in result.changes if c.item is not None}
    if changed:
        drugs = [d for d in drugs if any((d.id, i.id) in cells_changed for i in items)]
        items = [i for i in items if any((d.id, i.id) in cells_changed for d in drugs)]
    unmatched = [w for w in words if w not in found]
    rows = [
        {
            "id": item.id,
            "label": item.label.get(lang) or item.label["en"],
            "cells": [
                {
                    "drug": drug.id,
                    "symbol": symbol(drug.ratings[item.id].value),
                    "known": drug.ratings[item.id].value is not None,
                    "changed": (drug.id, item.id) in cells_changed,
                }
                for drug in drugs
            ],
        }
        for item in items
    ]
    return render(
        request,
        "staff/grid.html",
        {
            "page_title": _("Ratings in draft {id}").format(id=draft.id),
            "principal": who,
            "draft": draft,
            "data_version": published.version,
            "q": q,
            "changed_only": changed,
            "unmatched": unmatched,
            "drugs": [{"id": d.id, "name": d.name.get(lang) or d.name["en"]} for d in drugs],
            "rows": rows,
            "changed_count": sum(1 for d in drugs for i in items if (d.id, i.id) in cells_changed),
        },
    )
