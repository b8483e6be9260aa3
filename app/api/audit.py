"""The audit trail (admin) and the cards due for review (pharmacist)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from app import audit
from app.api.schemas import UtcDateTime, problem_responses
from app.catalogue.report import review_due as review_due_cards
from app.clock import utcnow
from app.http.auth import Admin, Pharmacist
from app.http.published import PublishedDep
from app.http.unit_of_work import SessionDep

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=problem_responses(401, 403))

#: A spreadsheet reads a cell starting with one of these as a formula (or, for TAB and
#: CR, may drop the character and read what follows as one). Failed logins record the
#: username as typed, so anyone can put such a cell into the audit trail.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """The value as a CSV cell that a spreadsheet shows as text, never runs: a cell that
    starts like a formula gets a leading single quote (OWASP's advice for CSV export)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class AuditEventOut(BaseModel):
    id: int
    at: UtcDateTime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get(
    "/audit",
    response_model=list[AuditEventOut],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def list_audit(
    session: SessionDep,
    _who: Admin,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> list[AuditEventOut] | Response:
    """Newest first. `format=csv` exports the same rows as a CSV file; a cell that starts
    with `=`, `+`, `-`, `@`, TAB or CR is prefixed with `'` so a spreadsheet shows it as
    text instead of running it as a formula."""
    events = [
        AuditEventOut.model_validate(e, from_attributes=True)
        for e in audit.newest(session, limit=limit, before_id=before_id)
    ]
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "at", "actor", "action", "target", "before", "after"])
        for e in events:
            writer.writerow(
                csv_cell(cell)
                for cell in (
                    e.id,
                    e.at.astimezone(UTC).isoformat(),
                    e.actor,
                    e.action,
                    e.target,
                    json.dumps(e.before, ensure_ascii=False) if e.before else "",
                    json.dumps(e.after, ensure_ascii=False) if e.after else "",
                )
            )
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    return events


class ReviewDueOut(BaseModel):
    drug: str
    name: str
    review_by: date
    overdue_days: int


@router.get("/review-due", response_model=list[ReviewDueOut])
def review_due(
    published: PublishedDep,
    _who: Pharmacist,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 0,
) -> list[ReviewDueOut]:
    """Cards whose review-by date has passed (or falls within `within_days`)."""
    return [
        ReviewDueOut(drug=r.drug, name=r.name, review_by=r.review_by, overdue_days=r.overdue_days)
        for r in review_due_cards(published.dataset, utcnow().date(), within_days)
    ]
