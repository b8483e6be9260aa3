"""A follow-up, as plain rules: what a report may hold, how the tablet's one page is
read and answered, and how a report is set against what the person feared and what the
data predicted. No web or database imports (docs/adr/0014-follow-ups.md).

A report names the medicine the person is on and, for any of the 36 checklist items,
how much it has bothered them in the past week: 0 not at all, 1 a little, 2 quite a
lot, 3 very much (a GASS-like scale). An item the person left blank is not in the
report: it is "not answered", never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from app.catalogue.model import Dataset
from app.ranking import RequestProblem
from app.ranking.request import MAX_AVOID
from app.translations import N_

#: How much an item bothers the person, 0 to 3, in the words the tablet shows.
BOTHER_LABELS = {
    0: N_("Not at all"),
    1: N_("A little"),
    2: N_("Quite a lot"),
    3: N_("Very much"),
}
MAX_BOTHER = 3
#: From "quite a lot" up, an item is highlighted for the clinician and offered for the
#: switch discussion.
BOTHERS_A_LOT = 2
#: The checklist has 36 items; a report cannot hold more answers than that.
MAX_ITEMS = 36
#: The tablet's form field for an item: "bother-weight-gain".
FIELD_PREFIX = "bother-"
#: The tablet's steps: enter the code, report, done.
CODE_STEP, REPORT_STEP, DONE_STEP = "code", "report", "done"
SEND = "send"
LANGUAGE_PREFIX = "lang:"

PAGE_TITLES = {
    CODE_STEP: N_("Follow-up: enter your code"),
    REPORT_STEP: N_("Follow-up: how has it been?"),
    DONE_STEP: N_("Thank you"),
}
CHOOSE_MEDICINE = N_("Choose the medicine you are taking now.")
ANSWER_ONE = N_("Answer at least one side effect: how much it has bothered you in the past week.")
#: Unknown, used and expired codes get the same answer: nothing tells them apart.
UNKNOWN_CODE = N_("No follow-up has this code, or the code has expired or been used.")


def check_report(
    drug: str,
    bother: Mapping[str, object],
    *,
    drug_ids: AbstractSet[str],
    item_ids: Sequence[str],
) -> list[RequestProblem]:
    """Every problem with a report, each saying what to change; [] if it may be stored."""
    problems: list[RequestProblem] = []
    if drug not in drug_ids:
        choose = ", ".join(sorted(drug_ids))
        problems.append(
            RequestProblem("drug", None, f"'{drug}' is not a medicine; choose one of {choose}")
        )
    if len(bother) > MAX_ITEMS:
        problems.append(
            RequestProblem(
                "bother",
                None,
                f"bother holds {len(bother)} items; the checklist has {MAX_ITEMS}, "
                "give each at most once",
            )
        )
    known = set(item_ids)
    for item, value in bother.items():
        if item not in known:
            problems.append(RequestProblem("bother", None, f"'{item}' is not a checklist item"))
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BOTHER:
            problems.append(
                RequestProblem(
                    "bother",
                    None,
                    f"bother for {item} must be 0, 1, 2 or 3 (not at all, a little, quite a "
                    f"lot, very much); got {value!r}",
                )
            )
    return problems


def read_form(fields: Mapping[str, str], item_ids: Sequence[str]) -> dict[str, int]:
    """The tablet's radio groups as a report's `bother`: only checklist items, only the
    answers 0 to 3, in checklist order. A blank or unreadable answer is left out."""
    bother: dict[str, int] = {}
    for item in item_ids:
        raw = fields.get(FIELD_PREFIX + item, "")
        if raw in ("0", "1", "2", "3"):
            bother[item] = int(raw)
    return bother


@dataclass
class ReportState:
    """What the tablet's report page holds: the language, the medicine and the answers."""

    lang: str = "en"
    drug: str = ""
    bother: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What the report page does after a button: show the page again (`REPORT_STEP`, with
    the problems to fix, if any), or send the report (`SEND`)."""

    step: str
    state: ReportState
    problems: tuple[str, ...] = ()

    @property
    def status_code(self) -> int:
        return 422 if self.problems else 200


def submit(
    state: ReportState,
    *,
    go: str,
    drug_ids: AbstractSet[str],
    item_ids: Sequence[str],
    languages: AbstractSet[str],
) -> Answer:
    """After a button on the report page: "lang:CODE" shows it again in that language
    with every answer kept; SEND checks the report and sends it, or shows it again with
    what to change (English msgids) and every answer kept."""
    known = set(item_ids)
    kept = ReportState(
        lang=state.lang,
        drug=state.drug if state.drug in drug_ids else "",
        bother={i: v for i, v in state.bother.items() if i in known and 0 <= v <= MAX_BOTHER},
    )
    if go.startswith(LANGUAGE_PREFIX):
        wanted = go.removeprefix(LANGUAGE_PREFIX)
        kept.lang = wanted if wanted in languages else kept.lang
        return Answer(REPORT_STEP, kept)
    problems = []
    if not kept.drug:
        problems.append(CHOOSE_MEDICINE)
    if not kept.bother:
        problems.append(ANSWER_ONE)
    if problems:
        return Answer(REPORT_STEP, kept, tuple(problems))
    return Answer(SEND, kept)


def preselected(decision: str | None, drug_ids: AbstractSet[str]) -> str:
    """The medicine the report page starts with: the decision's, if it named one."""
    return decision if decision is not None and decision in drug_ids else ""


@dataclass(frozen=True)
class PriorityReport:
    """One of the person's priorities at a follow-up: what the data predicted for the
    medicine (0-3, None when unknown) and what the person reports (None: not answered)."""

    side_effect: str
    priority: int
    predicted: int | None
    reported: int | None

    @property
    def bothers(self) -> bool:
        return self.reported is not None and self.reported >= BOTHERS_A_LOT


def grades(dataset: Dataset | None, drug: str) -> Callable[[str], int | None]:
    """The data's grade for `drug` on an item, 0-3, or None when the data version does
    not know it (or no longer holds the medicine, or is not at hand): never 0."""
    try:
        ratings = dataset.drug(drug).ratings if dataset is not None else {}
    except KeyError:
        ratings = {}

    def grade(item: str) -> int | None:
        rating = ratings.get(item)
        return rating.value if rating is not None else None

    return grade


def against_priorities(
    avoid: Sequence[str],
    bother: Mapping[str, int],
    predicted: Callable[[str], int | None],
) -> tuple[PriorityReport, ...]:
    """Each priority in order, with the data's grade for the reported medicine (from
    `predicted`, None for unknown, never 0) and the person's answer (None if blank)."""
    return tuple(
        PriorityReport(item, n, predicted(item), bother.get(item))
        for n, item in enumerate(avoid, start=1)
    )


def bothersome(bother: Mapping[str, int], item_ids: Sequence[str]) -> tuple[str, ...]:
    """The items that bother the person "quite a lot" or more: the most first, then in
    checklist order."""
    order = {item: n for n, item in enumerate(item_ids)}
    found = [i for i, v in bother.items() if v >= BOTHERS_A_LOT and i in order]
    return tuple(sorted(found, key=lambda i: (-bother[i], order[i])))


@dataclass(frozen=True)
class Switch:
    """The wishes for the switch discussion: `avoid` puts the newly experienced items
    (`added`) before the person's own priorities, cut to the ranking's five; `dropped`
    are the person's priorities that no longer fit. Helpful ticks that are now among
    the items to avoid are left out; must-avoid items stay while they are avoided."""

    avoid: tuple[str, ...]
    helpful: tuple[str, ...]
    must_avoid: tuple[str, ...]
    added: tuple[str, ...]
    dropped: tuple[str, ...]


def switch(
    avoid: Sequence[str],
    helpful: Sequence[str],
    must_avoid: Sequence[str],
    bother: Mapping[str, int],
    item_ids: Sequence[str],
) -> Switch:
    """The avoid list for a fresh ranking that adds what the person now experiences
    "quite a lot" or more (docs/ranking.md, "The switch discussion"). The ranking's
    rule is unchanged: at most five items, weighted by their place."""
    added = tuple(i for i in bothersome(bother, item_ids) if i not in avoid)
    combined = list(added) + [i for i in avoid if i not in added]
    kept = tuple(combined[:MAX_AVOID])
    return Switch(
        avoid=kept,
        helpful=tuple(i for i in helpful if i not in kept),
        must_avoid=tuple(i for i in must_avoid if i in kept),
        added=tuple(i for i in added if i in kept),
        dropped=tuple(i for i in avoid if i not in kept),
    )


@dataclass(frozen=True)
class Point:
    """One follow-up on an item's chart: when, and the answer (None: not answered)."""

    at: datetime
    value: int | None


def series(reports: Sequence[tuple[datetime, Mapping[str, int]]], item: str) -> tuple[Point, ...]:
    """An item's answers over the follow-ups, oldest first."""
    return tuple(Point(at, bother.get(item)) for at, bother in sorted(reports, key=lambda r: r[0]))
