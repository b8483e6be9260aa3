"""A consultation's follow-ups as the clinician's page and the follow-up sheet show them:
for the chosen medicine, what the person feared (their priorities, in order), what the
data predicted for those items, what they report now, what now bothers them "quite a
lot" or more, and each item's answers over time. Plain Python, one language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.catalogue.model import Dataset
from app.consultations import follow_up
from app.consultations.follow_up import BOTHER_LABELS, PriorityReport
from app.consultations.ranking_view import Cell, cell
from app.translations import N_, gettext_for

NOT_ANSWERED = N_("not answered")


@dataclass(frozen=True)
class Report:
    """A stored follow-up as this module reads it (the table row has these fields)."""

    id: int
    created_at: datetime
    drug: str
    bother: Mapping[str, int]
    data_version: int


@dataclass(frozen=True)
class Row:
    item: str
    label: str
    priority: int | None
    predicted: Cell
    reported: int | None
    reported_text: str
    bothers: bool


@dataclass(frozen=True)
class ReportView:
    id: int
    created_at: datetime
    drug_id: str
    drug_name: str
    data_version: int
    priorities: tuple[Row, ...]
    """The person's priorities in order: feared, predicted, reported."""
    bothersome: tuple[Row, ...]
    """Every item reported "quite a lot" or more, the most first."""
    new_bothersome: tuple[str, ...]
    """Of those, the labels of the ones that are not among the priorities."""
    answered: int


@dataclass(frozen=True)
class TrendPoint:
    when: str
    value: int | None
    text: str


@dataclass(frozen=True)
class Trend:
    item: str
    label: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class FollowUpView:
    lang: str
    drugs: tuple[tuple[str, str], ...]
    """The medicines reported on, (id, name), most recent first."""
    drug: str | None
    """The chosen medicine."""
    latest: ReportView | None
    """The newest follow-up for the chosen medicine."""
    reports: tuple[ReportView, ...]
    """Every follow-up for the chosen medicine, oldest first."""
    trends: tuple[Trend, ...]
    """The priorities, then any other item that ever bothered the person quite a lot or
    more on this medicine: its answers over the follow-ups."""


def bother_text(value: int | None, lang: str) -> str:
    _ = gettext_for(lang)
    if value is None:
        return str(_(NOT_ANSWERED))
    return str(_(BOTHER_LABELS[value])).lower() + f" ({value})"


def _name(dataset: Dataset, drug: str, lang: str) -> str:
    try:
        return str(dataset.drug(drug).name[lang])
    except KeyError:
        return drug


def _label(dataset: Dataset, item: str, lang: str) -> str:
    try:
        return str(dataset.item(item).label[lang])
    except KeyError:
        return item


def report_view(
    report: Report, avoid: Sequence[str], dataset: Dataset | None, current: Dataset, lang: str
) -> ReportView:
    """One follow-up; `dataset` is the version it was sent under (None if no longer
    stored: every prediction is then unknown), `current` names things."""
    names = dataset or current
    grade = follow_up.grades(dataset, report.drug)

    def row(entry: PriorityReport | str, priority: int | None) -> Row:
        item = entry.side_effect if isinstance(entry, PriorityReport) else entry
        reported = report.bother.get(item)
        return Row(
            item=item,
            label=_label(names, item, lang),
            priority=priority,
            predicted=cell(grade(item), lang),
            reported=reported,
            reported_text=bother_text(reported, lang),
            bothers=reported is not None and reported >= follow_up.BOTHERS_A_LOT,
        )

    priorities = tuple(
        row(p, p.priority) for p in follow_up.against_priorities(avoid, report.bother, grade)
    )
    order = {item: n for n, item in enumerate(avoid, start=1)}
    strong = follow_up.bothersome(report.bother, names.item_ids)
    return ReportView(
        id=report.id,
        created_at=report.created_at,
        drug_id=report.drug,
        drug_name=_name(names, report.drug, lang),
        data_version=report.data_version,
        priorities=priorities,
        bothersome=tuple(row(item, order.get(item)) for item in strong),
        new_bothersome=tuple(_label(names, i, lang) for i in strong if i not in order),
        answered=len(report.bother),
    )


def build(
    reports: Sequence[Report],
    avoid: Sequence[str],
    datasets: Mapping[int, Dataset],
    current: Dataset,
    lang: str,
    drug: str | None = None,
) -> FollowUpView:
    """The follow-ups of one consultation (oldest first) for the medicine `drug`, or
    for the one reported most recently."""
    newest_first = sorted(reports, key=lambda r: (r.created_at, r.id), reverse=True)
    drugs = tuple(
        dict.fromkeys((r.drug, _name(current, r.drug, lang)) for r in newest_first).keys()
    )
    ids = [d for d, _name_ in drugs]
    chosen = drug if drug in ids else (ids[0] if ids else None)
    mine = [r for r in reversed(newest_first) if r.drug == chosen]
    views = tuple(report_view(r, avoid, datasets.get(r.data_version), current, lang) for r in mine)
    items = list(avoid) + [
        i for v in views for i in (row.item for row in v.bothersome) if i not in avoid
    ]
    series_of = [(r.created_at, r.bother) for r in mine]
    trends = tuple(
        Trend(
            item=item,
            label=_label(current, item, lang),
            points=tuple(
                TrendPoint(p.at.date().isoformat(), p.value, bother_text(p.value, lang))
                for p in follow_up.series(series_of, item)
            ),
        )
        for item in dict.fromkeys(items)
    )
    return FollowUpView(
        lang=lang,
        drugs=drugs,
        drug=chosen,
        latest=views[-1] if views else None,
        reports=views,
        trends=trends,
    )
