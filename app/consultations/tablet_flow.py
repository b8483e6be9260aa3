"""The tablet's steps as a pure state machine: from what the person has said so far and
the button they pressed, where they go next, with what, and what to tell them.

start (the condition and the decision) → options (which to talk about) → choose (the
checklist) → order (priority 1 to 5) → helpful (a short list of effects that could help)
→ cannot-accept (any they could not accept at all) → forms (how they would take it) →
own-words (what matters, in their words) → review → send. Every page posts the whole
state so far, so each step is a function of the form alone. The page module
(app/web/tablet.py) draws the step, carries the state between a post and the page it
redirects to (docs/adr/0012-tablet-navigation.md) and, on "send", stores the
preferences; everything in between is here, with no web or database import.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from app.catalogue.model import FORMULATIONS
from app.translations import N_

MAX_CHOSEN = 5
STEPS = (
    "start",
    "options",
    "choose",
    "order",
    "helpful",
    "cannot-accept",
    "forms",
    "own-words",
    "review",
)
#: The step after the last: the route stores the preferences and shows the code.
SEND = "send"
#: The page that shows the hand-off code (after SEND).
DONE = "done"
WHAT_MATTERS_MAX = 2000
#: The only checklist items offered as possibly helpful: the two the paper tool and
#: docs/ranking.md name (sleepiness at night for poor sleep, weight loss). The data has
#: no "may help" flag, and no other item is offered, so no clinical claim is added here.
HELPFUL_SHORTLIST = ("sleepy-at-night", "weight-loss")
#: A tablet's name as set on its start address (`/tablet?tablet=...`): a place, never a
#: person ("Ward 3 tablet", "clinic-a-2").
TABLET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")
#: The button that switches language on any step: "lang:nb".
LANGUAGE_PREFIX = "lang:"

CHOOSE_ONE = N_("Choose at least 1 side effect you want to avoid.")
CHOOSE_AT_MOST = N_("Choose at most 5. You have chosen {n}.")

#: What each step is, for the page title ("Step 2 of 8: what to talk about").
STEP_TITLES = {
    "start": N_("Choosing a medicine together"),
    "options": N_("what to talk about"),
    "choose": N_("choose side effects"),
    "order": N_("put them in order"),
    "helpful": N_("side effects that could help"),
    "cannot-accept": N_("what you could not accept"),
    "forms": N_("how to take it"),
    "own-words": N_("what matters to you"),
    "review": N_("check your answers"),
    "busy": N_("Your answers have not been sent yet"),
    DONE: N_("Your code"),
}


def tablet_name(raw: str | None) -> str:
    """The tablet's name if it is one ("" if not)."""
    name = (raw or "").strip()
    return name if TABLET_NAME.fullmatch(name) else ""


@dataclass
class TabletState:
    """Everything the person has said so far; lives only in the form (and, between a
    post and the page it leads to, in a short-lived cookie: ADR 0012)."""

    lang: str = "en"
    carer: bool = False
    order: list[str] = field(default_factory=list)
    helpful: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    what_matters: str = ""
    #: The options (drugdata/options.yaml ids) the person wants to talk about
    options: list[str] = field(default_factory=list)
    #: The name of the tablet (not of the person), shown to staff next to the time.
    tablet: str = ""

    def clean(
        self, item_ids: AbstractSet[str], option_ids: AbstractSet[str] = frozenset()
    ) -> TabletState:
        """Only known items, each once; helpful only from the short list and never one
        to avoid; must-avoid only among those to avoid; known forms; what matters within
        its length; known options, each once; a tablet name that is one."""
        order = list(dict.fromkeys(i for i in self.order if i in item_ids))
        return TabletState(
            lang=self.lang,
            carer=self.carer,
            order=order,
            helpful=[
                i
                for i in dict.fromkeys(self.helpful)
                if i in item_ids and i in HELPFUL_SHORTLIST and i not in order
            ],
            must_avoid=[i for i in dict.fromkeys(self.must_avoid) if i in order],
            forms=[f for f in dict.fromkeys(self.forms) if f in FORMULATIONS],
            what_matters=self.what_matters[:WHAT_MATTERS_MAX],
            options=[o for o in dict.fromkeys(self.options) if o in option_ids],
            tablet=tablet_name(self.tablet),
        )


def helpful_offered(state: TabletState, item_ids: AbstractSet[str]) -> list[str]:
    """The short-listed helpful items the person can tick: not among those to avoid."""
    return [i for i in HELPFUL_SHORTLIST if i in item_ids and i not in state.order]


def journey(
    state: TabletState, item_ids: AbstractSet[str], option_ids: AbstractSet[str] = frozenset()
) -> tuple[str, ...]:
    """The steps this person goes through, in order: the options step only when the
    data has options, the helpful step only when a short-listed item is left to tick."""
    skip = set()
    if not option_ids:
        skip.add("options")
    if not helpful_offered(state, item_ids):
        skip.add("helpful")
    return tuple(s for s in STEPS if s not in skip)


@dataclass(frozen=True)
class Place:
    """Where a step sits in the person's journey: its number (the start is 0), the
    count, and the steps before and after it (None at either end)."""

    number: int
    total: int
    back: str | None
    next: str | None


def place(
    step: str,
    state: TabletState,
    item_ids: AbstractSet[str],
    option_ids: AbstractSet[str] = frozenset(),
) -> Place | None:
    """The step's place in the journey; None for a page outside it (busy, done)."""
    steps = journey(state, item_ids, option_ids)
    if step not in steps:
        return None
    index = steps.index(step)
    return Place(
        number=index,
        total=len(steps) - 1,
        back=steps[index - 1] if index > 0 else None,
        next=steps[index + 1] if index + 1 < len(steps) else None,
    )


@dataclass(frozen=True)
class Problem:
    """A message for the person: an English msgid and its placeholders."""

    message: str
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Next:
    """Where the person goes: a step of STEPS, or SEND; with the state to show."""

    step: str
    state: TabletState
    problems: tuple[Problem, ...] = ()
    #: The item just moved up or down (the order page keeps focus on it) ...
    moved: str | None = None
    #: ... and which way: "up" or "down".
    moved_by: str | None = None

    @property
    def status_code(self) -> int:
        return 422 if self.problems else 200


def _back_to_choose(state: TabletState, problem: Problem) -> Next:
    return Next("choose", state, (problem,))


def advance(
    state: TabletState,
    *,
    go: str,
    chosen: list[str] | None,
    item_ids: AbstractSet[str],
    option_ids: AbstractSet[str] = frozenset(),
    here: str | None = None,
    languages: AbstractSet[str] = frozenset({"en"}),
) -> Next:
    """The next step after the button `go` (a step name, "order-from-choose" when leaving
    the checklist, "up:ITEM"/"down:ITEM" on the order page, "lang:CODE" to see the page
    `here` in another of `languages`, or SEND). `chosen` is the checklist's ticks when
    the checklist was posted (None for no ticks when `here` is not "choose"). `option_ids`
    are the options the data version holds: without any, the options step is skipped."""
    if chosen is not None or go == "order-from-choose" or here == "choose":
        # Leaving the checklist: keep the order of items already ranked, add new ones last.
        picked = [i for i in (chosen or []) if i in item_ids]
        state = replace(
            state,
            order=[i for i in state.order if i in picked]
            + [i for i in picked if i not in state.order],
        )
    if go.startswith(LANGUAGE_PREFIX):
        wanted = go.removeprefix(LANGUAGE_PREFIX)
        state = replace(state, lang=wanted if wanted in languages else state.lang)
        # The same page again, in the other language, with everything on it kept.
        return Next(here if here in STEPS else "start", state.clean(item_ids, option_ids))
    state = state.clean(item_ids, option_ids)
    if go == "order-from-choose":
        if not state.order:
            return _back_to_choose(state, Problem(CHOOSE_ONE))
        if len(state.order) > MAX_CHOSEN:
            return _back_to_choose(state, Problem(CHOOSE_AT_MOST, (("n", len(state.order)),)))
        return Next("order", state)
    if go.startswith(("up:", "down:")):
        direction, _sep, item = go.partition(":")
        moved = _moved(state, item, -1 if direction == "up" else 1)
        return Next("order", moved, moved=item, moved_by=direction)
    if go == SEND:
        return Next(SEND, state)
    step = go if go in STEPS else "choose"
    steps = journey(state, item_ids, option_ids)
    if step not in steps:
        # A step this person skips: the one after it in the full list that they take.
        step = next(s for s in STEPS[STEPS.index(step) :] if s in steps)
    if STEPS.index(step) > STEPS.index("order") and not state.order:
        return _back_to_choose(state, Problem(CHOOSE_ONE))
    return Next(step, state)


def _moved(state: TabletState, item: str, by: int) -> TabletState:
    order = list(state.order)
    if item in order:
        index = order.index(item)
        target = index + by
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
    return replace(state, order=order)
