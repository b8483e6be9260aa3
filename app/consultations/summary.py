"""The service dashboard's figures over a period, with small numbers suppressed.

`raw_counts` reads the counts (never a comment, never "what matters", never a name or
a code); `build` turns them into the figures people see, through the pure
`app.consultations.suppression` rules. The page, the CSV and the API all show `build`'s
result, so the three agree (docs/adr/0015-feedback-and-service-dashboard.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Subquery, func
from sqlmodel import Session, col, select

from app.consultations import suppression
from app.consultations.collaborate import TOP
from app.consultations.tables import (
    Consultation,
    ConsultationFeedback,
    DecisionVersion,
    FollowUp,
)
from app.errors import DomainError
from app.translations import N_

#: Rank-weighted side effects: the person's first choice counts 5, the fifth 1.
AVOID_WEIGHTS = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
#: The decision categories, in the order they are shown.
DECISION_KINDS = ("medicine", "undecided", "no-medication", "other-options", "none-recorded")
CARER_KINDS = ("with-carer", "without-carer")
#: The scoring's authors advise a CollaboRATE score only from 25 consultations up.
COLLABORATE_RECOMMENDED_MINIMUM = 25
#: The longest period one view may cover.
MAX_DAYS = 366 * 3

PERIOD_BACKWARDS = N_("The start of the period is after its end: give a start on or before it.")
PERIOD_TOO_LONG = N_("The period is longer than {days} days: choose a shorter one.")
PERIOD_OUT_OF_RANGE = N_("Choose dates from {first} to {last}.")
#: The dates a period may cover: the service's lifetime, with room on both sides.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class InvalidPeriod(DomainError):
    status_code = 422
    code = "invalid_period"


@dataclass(frozen=True)
class Period:
    """From the start of `start` to the end of `end` (UTC days, both included)."""

    start: date
    end: date

    def problem(self) -> str | None:
        """Why this period cannot be shown (an English msgid, formatted with `days`,
        `first` and `last`: `message`), or None."""
        if not (FIRST_DAY <= self.start <= LAST_DAY and FIRST_DAY <= self.end <= LAST_DAY):
            return PERIOD_OUT_OF_RANGE
        if self.start > self.end:
            return PERIOD_BACKWARDS
        if (self.end - self.start).days + 1 > MAX_DAYS:
            return PERIOD_TOO_LONG
        return None

    def check(self) -> Period:
        problem = self.problem()
        if problem is not None:
            raise InvalidPeriod(message(problem))
        return self

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        begin = datetime.combine(self.start, time(0), tzinfo=UTC)
        return begin, datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=UTC)


def message(problem: str, translate: Callable[[str], str] = str) -> str:
    """A period's problem in words (translated by `translate`, if given)."""
    return translate(problem).format(
        days=MAX_DAYS, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()
    )


def default_period(today: date) -> Period:
    """The last 90 days, today included."""
    return Period(today - timedelta(days=89), today)


@dataclass(frozen=True)
class RawCounts:
    """The counts behind the dashboard, before suppression. Only for `build`."""

    consultations: int
    decisions: dict[str, int]
    with_carer: int
    responses: int
    top_scores: int
    #: item id -> (people who chose it, rank-weighted score)
    avoid: dict[str, tuple[int, int]]
    follow_ups_due: int
    #: Of those due, how many have at least one follow-up report.
    follow_ups_done: int


def decision_kind(decision: str | None, other_options: Iterable[str]) -> str:
    """Which category a recorded decision (app/consultations: a medicine's id,
    'undecided' or 'no-medication') falls in; 'other-options' for an option of
    drugdata/options.yaml other than a medicine, should one ever be recorded."""
    if decision is None:
        return "none-recorded"
    if decision in ("undecided", "no-medication"):
        return decision
    if decision in set(other_options):
        return "other-options"
    return "medicine"


def _latest_versions() -> Subquery:
    """(consultation_id, newest version number) for every consultation with a decision."""
    return (
        select(
            col(DecisionVersion.consultation_id).label("cid"),
            func.max(DecisionVersion.version).label("newest"),
        )
        .group_by(col(DecisionVersion.consultation_id))
        .subquery()
    )


def raw_counts(session: Session, period: Period, *, other_options: Sequence[str]) -> RawCounts:
    """Count what the dashboard shows: consultations made in the period (their decision
    as it stands, carers, the side effects chosen, the feedback on them), and the
    decisions whose next review falls in the period."""
    begin, end = period.bounds
    in_period = (col(Consultation.created_at) >= begin, col(Consultation.created_at) < end)
    rows = session.exec(
        select(Consultation.id, Consultation.with_carer, Consultation.avoid).where(*in_period)
    ).all()
    newest = _latest_versions()
    decided = dict(
        session.exec(
            select(DecisionVersion.consultation_id, DecisionVersion.decision)
            .join(
                newest,
                (col(DecisionVersion.consultation_id) == newest.c.cid)
                & (col(DecisionVersion.version) == newest.c.newest),
            )
            .join(Consultation, col(Consultation.id) == col(DecisionVersion.consultation_id))
            .where(*in_period)
        ).all()
    )
    decisions = Counter(
        decision_kind(decided.get(cid), other_options) for cid, _carer, _avoid in rows
    )
    people: Counter[str] = Counter()
    scores: Counter[str] = Counter()
    for _cid, _carer, avoid in rows:
        for rank, item in enumerate(avoid[: len(AVOID_WEIGHTS)], start=1):
            people[item] += 1
            scores[item] += AVOID_WEIGHTS[rank]
    # Only the three answers: the comment is never read here.
    answers = session.exec(
        select(
            ConsultationFeedback.understand,
            ConsultationFeedback.listen,
            ConsultationFeedback.include,
        )
        .join(Consultation, col(Consultation.id) == col(ConsultationFeedback.consultation_id))
        .where(*in_period)
    ).all()
    due_ids = session.exec(
        select(DecisionVersion.consultation_id)
        .join(
            newest,
            (col(DecisionVersion.consultation_id) == newest.c.cid)
            & (col(DecisionVersion.version) == newest.c.newest),
        )
        .where(
            col(DecisionVersion.next_review) >= period.start,
            col(DecisionVersion.next_review) <= period.end,
        )
    ).all()
    # Done: a due decision whose consultation has at least one follow-up report.
    followed = set(
        session.exec(
            select(FollowUp.consultation_id)
            .where(col(FollowUp.consultation_id).in_(due_ids))
            .distinct()
        ).all()
    )
    return RawCounts(
        consultations=len(rows),
        decisions={kind: decisions.get(kind, 0) for kind in DECISION_KINDS},
        with_carer=sum(1 for _cid, carer, _avoid in rows if carer),
        responses=len(answers),
        top_scores=sum(1 for a in answers if a[0] == a[1] == a[2] == TOP),
        avoid={item: (people[item], scores[item]) for item in people},
        follow_ups_due=len(due_ids),
        follow_ups_done=len(followed),
    )


@dataclass(frozen=True)
class AvoidRow:
    item: str
    people: int | None
    score: int | None


@dataclass
class Summary:
    """What the dashboard shows: None wherever a figure is suppressed, each one named in
    `suppressed`."""

    period: Period
    consultations: int | None
    decisions: dict[str, int | None]
    decision_shares: dict[str, float | None]
    carers: dict[str, int | None]
    carer_shares: dict[str, float | None]
    responses: int | None
    top_score: int | None
    top_score_proportion: float | None
    fewer_than_recommended: bool
    avoid: list[AvoidRow]
    follow_ups_due: int | None
    follow_ups_done: int | None
    suppressed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "threshold": suppression.THRESHOLD,
            "consultations": self.consultations,
            "decisions": self.decisions,
            "decision_shares": self.decision_shares,
            "carers": self.carers,
            "carer_shares": self.carer_shares,
            "collaborate": {
                "responses": self.responses,
                "top_score": self.top_score,
                "top_score_proportion": self.top_score_proportion,
                "fewer_than_recommended": self.fewer_than_recommended,
                "recommended_minimum": COLLABORATE_RECOMMENDED_MINIMUM,
            },
            "avoid_weights": {str(rank): weight for rank, weight in AVOID_WEIGHTS.items()},
            "avoid": [
                {"item": row.item, "people": row.people, "score": row.score} for row in self.avoid
            ],
            "follow_ups": {
                "due": self.follow_ups_due,
                "done": self.follow_ups_done,
            },
            "suppressed": self.suppressed,
        }


def _shares(cells: dict[str, int | None], total: int | None) -> dict[str, float | None]:
    return {name: suppression.proportion(value, total) for name, value in cells.items()}


def follow_ups(due: int, done: int) -> tuple[int | None, int | None, list[str]]:
    """Follow-ups due (decisions whose next review falls in the period) and done (those
    with at least one follow-up report): done and not done are a group of the due total."""
    split = suppression.group({"done": done, "not-done": due - done}, due)
    hidden = [] if split.total is not None else ["follow_ups.due"]
    hidden += [f"follow_ups.{name}" for name in split.suppressed]
    return split.total, split.cells["done"], hidden


def build(raw: RawCounts, period: Period, checklist: Sequence[str]) -> Summary:
    """The figures, suppressed (app/consultations/suppression.py). `checklist` is the
    item ids in the checklist's order: the side effects are listed by score, then the
    suppressed ones in that order (so their place says nothing)."""
    hidden: list[str] = []
    total = suppression.count(raw.consultations)
    if total is None:
        hidden.append("consultations")
    decisions = suppression.group(raw.decisions, raw.consultations)
    hidden += [f"decisions.{name}" for name in decisions.suppressed]
    carers = suppression.group(
        {"with-carer": raw.with_carer, "without-carer": raw.consultations - raw.with_carer},
        raw.consultations,
    )
    hidden += [f"carers.{name}" for name in carers.suppressed]

    responses = suppression.count(raw.responses)
    top = suppression.guarded_numerator(raw.top_scores, responses)
    proportion = suppression.proportion(top, responses)
    hidden += [
        name
        for name, value in (
            ("collaborate.responses", responses),
            ("collaborate.top_score", top),
            ("collaborate.top_score_proportion", proportion),
        )
        if value is None
    ]

    rows = []
    for item in checklist:
        chose, score = raw.avoid.get(item, (0, 0))
        split = suppression.group(
            {"chose": chose, "did-not": raw.consultations - chose}, raw.consultations
        )
        people = split.cells["chose"]
        # Every chooser at the same rank would give each one's rank away.
        same_rank = people is not None and score in (
            people * max(AVOID_WEIGHTS.values()),
            people * min(AVOID_WEIGHTS.values()),
        )
        shown_score = score if people is not None and not same_rank else None
        if people is None:
            hidden.append(f"avoid.{item}.people")
        if shown_score is None:
            hidden.append(f"avoid.{item}.score")
        rows.append(AvoidRow(item, people, shown_score))
    ranked = sorted((r for r in rows if r.score is not None), key=lambda r: -(r.score or 0)) + [
        r for r in rows if r.score is None
    ]

    due, done, follow_hidden = follow_ups(raw.follow_ups_due, raw.follow_ups_done)
    hidden += follow_hidden
    return Summary(
        period=period,
        consultations=total,
        decisions=decisions.cells,
        decision_shares=_shares(decisions.cells, decisions.total),
        carers=carers.cells,
        carer_shares=_shares(carers.cells, carers.total),
        responses=responses,
        top_score=top,
        top_score_proportion=proportion,
        fewer_than_recommended=raw.responses < COLLABORATE_RECOMMENDED_MINIMUM,
        avoid=ranked,
        follow_ups_due=due,
        follow_ups_done=done,
        suppressed=hidden,
    )


def summary(
    session: Session, period: Period, *, checklist: Sequence[str], other_options: Sequence[str]
) -> Summary:
    """The dashboard's figures for `period` (checked: InvalidPeriod, 422)."""
    period.check()
    return build(raw_counts(session, period, other_options=other_options), period, checklist)


def csv_rows(shown: Summary) -> list[tuple[str, str, str]]:
    """(figure, value, note) for each figure: a suppressed one is empty, noted
    "suppressed"."""
    figures = shown.as_json()
    rows: list[tuple[str, str, str]] = [
        ("from", figures["from"], ""),
        ("to", figures["to"], ""),
        ("threshold", str(suppression.THRESHOLD), ""),
    ]

    def add(name: str, value: object) -> None:
        note = "suppressed" if name in shown.suppressed else ""
        rows.append((name, "" if value is None else str(value), note))

    add("consultations", shown.consultations)
    for kind, value in shown.decisions.items():
        add(f"decisions.{kind}", value)
    for kind, value in shown.carers.items():
        add(f"carers.{kind}", value)
    add("collaborate.responses", shown.responses)
    add("collaborate.top_score", shown.top_score)
    add("collaborate.top_score_proportion", shown.top_score_proportion)
    for rank, weight in AVOID_WEIGHTS.items():
        rows.append((f"avoid.weight.rank{rank}", str(weight), ""))
    for row in shown.avoid:
        add(f"avoid.{row.item}.people", row.people)
        add(f"avoid.{row.item}.score", row.score)
    add("follow_ups.due", shown.follow_ups_due)
    add("follow_ups.done", shown.follow_ups_done)
    return rows
