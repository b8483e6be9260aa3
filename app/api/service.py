"""The service dashboard's figures (service lead, admin): counts only, small numbers
suppressed (docs/adr/0015-feedback-and-service-dashboard.md)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from app import audit
from app.api.schemas import problem_responses
from app.clock import utcnow
from app.consultations import summary
from app.http.auth import ServiceLead
from app.http.published import PublishedDep
from app.http.unit_of_work import SessionDep, writing_unit

router = APIRouter(
    prefix="/api/v1/service", tags=["service"], responses=problem_responses(401, 403, 422)
)

SUMMARY_EXAMPLE: dict[str, Any] = {
    "from": "2026-09-01",
    "to": "2026-11-30",
    "threshold": 5,
    "consultations": 42,
    "decisions": {"medicine": 25, "undecided": 8, "no-medication": None, "none-recorded": 6},
    "collaborate": {"responses": 30, "top_score": 12, "top_score_proportion": 0.4},
    "suppressed": ["decisions.no-medication", "decisions.other-options"],
}


@router.get(
    "/summary",
    responses={
        200: {
            "content": {
                "application/json": {"example": SUMMARY_EXAMPLE},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
@writing_unit
def service_summary(
    session: SessionDep,
    published: PublishedDep,
    who: ServiceLead,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """The figures over a period (`from`, `to`: dates, both included; default the last
    90 days): consultations, decisions, carers, the CollaboRATE top score, the side
    effects people most want to avoid (rank-weighted 5, 4, 3, 2, 1) and follow-ups due.
    A suppressed figure is `null` and named in `suppressed`. `format=csv` exports the
    same figures. Each view and export is audited (who, the period)."""
    period = _period(from_, to)
    dataset = published.dataset
    shown = summary.summary(
        session,
        period,
        checklist=dataset.item_ids,
        other_options=[o for o in dataset.option_ids if o != "medicine"],
    )
    exported = format == "csv"
    audit.record(
        session,
        by=who.username,
        action="service.summary.export" if exported else "service.summary.view",
        target="service/summary",
        after={"from": period.start.isoformat(), "to": period.end.isoformat(), "via": "api"},
    )
    if not exported:
        return JSONResponse(shown.as_json(), headers={"Cache-Control": "no-store"})
    return csv_response(shown)


def _period(start: date | None, end: date | None) -> summary.Period:
    default = summary.default_period(utcnow().date())
    return summary.Period(start or default.start, end or default.end)


def csv_response(shown: summary.Summary) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("figure", "value", "note"))
    writer.writerows(summary.csv_rows(shown))
    name = f"service-summary-{shown.period.start}-{shown.period.end}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
