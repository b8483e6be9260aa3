"""The tablet's steps as a pure state machine: from what the person has said so far and
the button they pressed, where they go next, with what, and what to tell them.

start (the condition and the decision) → options (which to talk about) → choose (the
checklist) → order (priority 1 to 5) → extras (helpful, must avoid, forms, what matters)
→ review → send. Every page posts the whole state so far (nothing
is kept anywhere until the person sends it), so each step is a function of the form
alone. The page module (app/web/tablet.py) draws the step and, on "send", stores the
preferences; everything in between is here, with no web or database import.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from app.catalogue.model import FORMULATIONS
from app.translations import N_

MAX_CHOSEN = 5
STEPS = ("start", "options", "choose", "order", "extras", "review")
#: The step after the last: the route stores the preferences and shows the code.
SEND = "send"
WHAT_MATTERS_MAX = 2000

CHOOSE_ONE = N_("Choose at least 1 side effect you want to avoid.")
CHOOSE_AT_MOST = N_("Choose at most 5. You have chosen {n}.")


@dataclass
class TabletState:
    """Everything the person has said so far; lives only in the form."""

    lang: str = "en"
    carer: bool = False
    order: list[str] = field(default_factory=list)
    helpful: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    what_matters: str = ""
    #: The options (drugdata/options.yaml ids) the person wants to talk about
    options: list[str] = field(default_factory=list)

    def clean(
        self, item_ids: AbstractSet[str], option_ids: AbstractSet[str] = frozenset()
    ) -> TabletState:
        """Only known items, each once; helpful never one to avoid; must-avoid only
        among those to avoid; known forms; what matters within its length; known
        options, each once."""
        order = list(dict.fromkeys(i for i in self.order if i in item_ids))
        return TabletState(
            lang=self.lang,
            carer=self.carer,
            order=order,
            helpful=[i for i in dict.fromkeys(self.helpful) if i in item_ids and i not in order],
            must_avoid=[i for i in dict.fromkeys(self.must_avoid) if i in order],
            forms=[f for f in dict.fromkeys(self.forms) if f in FORMULATIONS],
            what_matters=self.what_matters[:WHAT_MATTERS_MAX],
            options=[o for o in dict.fromkeys(self.options) if o in option_ids],
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
    #: The item just moved up or down (the order page keeps focus on it).
    moved: str | None = None

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
) -> Next:
    """The next step after the button `go` (a step name, "order-from-choose" when leaving
    the checklist, "up:ITEM"/"down:ITEM" on the order page, or SEND). `chosen` is the
    checklist's ticks when the checklist was posted, else None. `option_ids` are the
    options the data version holds: without any, the options step is skipped."""
    if chosen is not None or go == "order-from-choose":
        # Leaving the checklist: keep the order of items already ranked, add new ones last.
        picked = [i for i in (chosen or []) if i in item_ids]
        state = replace(
            state,
            order=[i for i in state.order if i in picked]
            + [i for i in picked if i not in state.order],
        )
    state = state.clean(item_ids, option_ids)
    if go == "order-from-choose":
        if not state.order:
            return _back_to_choose(state, Problem(CHOOSE_ONE))
        if len(state.order) > MAX_CHOSEN:
            return _back_to_choose(state, Problem(CHOOSE_AT_MOST, (("n", len(state.order)),)))
        return Next("order", state)
    if go.startswith(("up:", "down:")):
        direction, _sep, item = go.partition(":")
        return Next("order", _moved(state, item, -1 if direction == "up" else 1), moved=item)
    if go == SEND:
        return Next(SEND, state)
    step = go if go in STEPS else "choose"
    if step == "options" and not option_ids:
        step = "choose"
    if step in ("extras", "review") and not state.order:
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
