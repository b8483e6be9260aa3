"""The service dashboard (service lead, admin): how the service shares decisions, in
counts with small numbers suppressed; charts drawn on the server, numbers in tables.
No JavaScript, no free text (docs/adr/0015-feedback-and-service-dashboard.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app import audit
from app.clock import utcnow
from app.consultations import collaborate, summary, suppression
from app.http.auth import ServiceLead
from app.http.language import PageLanguageDep
from app.http.published import PublishedDep
from app.http.unit_of_work import SessionDep, writing_unit
from app.translations import N_
from app.web.charts import bar_chart
from app.web.render import no_store, render

router = APIRouter(include_in_schema=False)

DECISION_LABELS = {
    "medicine": N_("A medicine"),
    "undecided": N_("Not decided yet"),
    "no-medication": N_("No medication for now"),
    "other-options": N_("Another option"),
    "none-recorded": N_("No decision recorded"),
}
CARER_LABELS = {"with-carer": N_("With a carer"), "without-carer": N_("Without a carer")}
NOT_SHOWN = N_("not shown")
BAD_DATE = N_("Give the {which} date as a date (year-month-day), for example {example}.")
#: How many side effects the chart shows (the table lists every one shown).
TOP_AVOID = 10


def _date(raw: str | None, which: str, problems: list[str]) -> date | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(which)
        return None


@router.get("/staff/service")
@writing_unit
def dashboard(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    page: PageLanguageDep,
    who: ServiceLead,
    from_: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    to: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The figures for the period asked for (default: the last 90 days). Each view is
    audited with its period; a bad period is a 422 page that keeps what was typed."""
    _ = page._
    default = summary.default_period(utcnow().date())
    bad: list[str] = []
    start = _date(from_, "from", bad)
    end = _date(to, "to", bad)
    errors = [
        _(BAD_DATE).format(
            which=_("start") if which == "from" else _("end"), example=default.end.isoformat()
        )
        for which in bad
    ]
    period = summary.Period(start or default.start, end or default.end)
    problem = period.problem()
    if problem is not None and not errors:
        errors.append(summary.message(problem, _))
    typed = {
        "from": from_ if from_ is not None else period.start.isoformat(),
        "to": to if to is not None else period.end.isoformat(),
    }
    context: dict[str, object] = {
        "page_title": _("Service dashboard"),
        "principal": who,
        "typed": typed,
        "errors": errors,
        "shown": None,
        "threshold": suppression.THRESHOLD,
    }
    if errors:
        return render(request, "staff/service.html", context, 422)
    dataset = published.dataset
    shown = summary.summary(
        session,
        period,
        checklist=dataset.item_ids,
        other_options=[o for o in dataset.option_ids if o != "medicine"],
    )
    audit.record(
        session,
        by=who.username,
        action="service.summary.view",
        target="service/summary",
        after={"from": period.start.isoformat(), "to": period.end.isoformat(), "via": "page"},
    )
    labels = {item.id: item.label.get(page.code) or item.label["en"] for item in dataset.checklist}

    def words(value: int | None) -> str:
        return _(NOT_SHOWN) if value is None else str(value)

    decisions = [(_(DECISION_LABELS[k]), v, words(v)) for k, v in shown.decisions.items()]
    carers = [(_(CARER_LABELS[k]), v, words(v)) for k, v in shown.carers.items()]
    avoid_shown = [row for row in shown.avoid if row.score is not None]
    avoid_chart = [(labels.get(r.item, r.item), r.score, words(r.score)) for r in avoid_shown]
    context.update(
        {
            "shown": shown,
            "period": period,
            "decision_labels": DECISION_LABELS,
            "carer_labels": CARER_LABELS,
            "labels": labels,
            "avoid_shown": avoid_shown,
            "avoid_hidden": len(shown.avoid) - len(avoid_shown),
            "weights": summary.AVOID_WEIGHTS,
            "questions": collaborate.QUESTIONS,
            "recommended_minimum": summary.COLLABORATE_RECOMMENDED_MINIMUM,
            "csv_href": "/api/v1/service/summary?"
            + urlencode(
                {"from": period.start.isoformat(), "to": period.end.isoformat(), "format": "csv"}
            ),
            "decisions_chart": bar_chart(
                decisions,
                chart_id="decisions-chart",
                title=_("Decisions recorded"),
                desc=_("Consultations by decision; the numbers are in the table."),
            ),
            "carers_chart": bar_chart(
                carers,
                chart_id="carers-chart",
                title=_("Carers taking part"),
                desc=_("Consultations with and without a carer; the numbers are in the table."),
            ),
            "avoid_chart": bar_chart(
                avoid_chart[:TOP_AVOID],
                chart_id="avoid-chart",
                title=_("Side effects people most want to avoid"),
                desc=_(
                    "Rank-weighted scores of the side effects shown; the numbers are in the table."
                ),
            )
            if avoid_chart
            else None,
        }
    )
    response = render(request, "staff/service.html", context)
    no_store(response)
    return response
