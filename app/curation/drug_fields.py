"""Editing a drug's fields in a draft (card text, review date, formulations, codes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.catalogue.editable import DRUG_FIELDS
from app.catalogue.files import RawFile
from app.catalogue.problems import Problem
from app.catalogue.validate import validate_drug
from app.curation.drafts import (
    InvalidEdit,
    PreconditionFailed,
    PreconditionRequired,
    draft_sources,
    ensure_editable,
    record_edit,
)
from app.curation.tables import Draft, DraftDrug, DraftRating
from app.errors import NotFound


def get_drug(session: Session, draft: Draft, drug_id: str) -> DraftDrug:
    row = session.get(DraftDrug, (draft.id, drug_id[:64]))
    if row is None:
        raise NotFound(f"Draft {draft.id} has no medicine '{drug_id}'.")
    return row


def edit_drug(
    session: Session,
    draft: Draft,
    *,
    drug_id: str,
    fields: dict[str, Any],
    if_match: int | None,
    by: str,
) -> DraftDrug:
    """Change a drug's fields (card text, review date, formulations, ...) with an ETag."""
    ensure_editable(draft)
    if if_match is None:
        raise PreconditionRequired()
    row = get_drug(session, draft, drug_id)
    unknown = sorted(set(fields) - set(DRUG_FIELDS))
    if unknown:
        raise InvalidEdit(f"These are not drug fields: {', '.join(unknown)}")
    document = {**row.document, **fields, "id": row.drug_id}
    document = {k: v for k, v in document.items() if v is not None}
    # Validate the drug as a whole, exactly as a drugdata file is validated.
    probe = dict(document)
    items = [
        r.side_effect
        for r in session.exec(
            select(DraftRating).where(
                DraftRating.draft_id == draft.id, DraftRating.drug_id == row.drug_id
            )
        ).all()
    ]
    probe["ratings"] = {i: {"value": "unknown", "note": "probe"} for i in items}
    problems: list[Problem] = []
    sources = draft_sources(session, draft)
    validate_drug(RawFile(f"drugs/{row.drug_id}.yaml", probe), items, sources, problems)
    if problems:
        raise InvalidEdit("; ".join(p.message for p in problems))
    before = dict(row.document)
    result = session.execute(
        update(DraftDrug)
        .where(
            col(DraftDrug.draft_id) == draft.id,
            col(DraftDrug.drug_id) == row.drug_id,
            col(DraftDrug.revision) == if_match,
        )
        .values(document=document, revision=DraftDrug.revision + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed()
    session.refresh(row)
    changed = sorted(k for k in DRUG_FIELDS if before.get(k) != document.get(k))
    fields_changed: list[str | None] = list(changed) or [None]  # no field: still an edit
    for field in fields_changed:
        record_edit(session, draft, by=by, drug_id=row.drug_id, field=field)
    audit.record(
        session,
        by=by,
        action="draft.edit_drug",
        target=f"draft/{draft.id}/drugs/{row.drug_id}",
        before={k: before.get(k) for k in changed},
        after={k: document.get(k) for k in changed},
    )
    return row
