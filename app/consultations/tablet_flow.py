"""The tablet's steps as a pure state machine: from what the person has said so far and
the button they pressed, where they go next, with what, and what to tell them.

start (the condition and the decision) → options (which to talk about) → choose (the
checklist) → order (priority 1 to 5) → helpful (a short list of effects that could help)
→ cannot-accept (any they could not accept at all) → forms (how they would take it) →
own-words (what matters, in their words) → past (medicines taken before, optional)
→ past-details (for each one picked: did it help, side effects had, why stopped) → carer
(with a carer: may the carer give their own view? default no) → the carer's turn, only
with that agreement: carer-choose, carer-order, carer-words → review → send. Every page
posts the whole state so far, so each step is a function of the form alone. The page module
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
from app.consultations.experience import CARER_WORDS_MAX, MAX_PAST_MEDICINES, STOPPED_MAX
from app.ranking.past import BOTHER, HELPED, PastEffect, PastMedicine
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
    "past",
    "past-details",
    "carer",
    "carer-choose",
    "carer-order",
    "carer-words",
    "review",
)
#: The carer's turn: in the journey only when the person agreed to it.
CARER_TURN = ("carer-choose", "carer-order", "carer-words")
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
PAST_AT_MOST = N_("Choose at most {max} medicines. You have chosen {n}.")
STOPPED_TOO_LONG = N_(
    "What you wrote about why you stopped {medicine} is {n} characters long. Shorten it to {max}."
)
CARER_CHOOSE_ONE = N_("Choose at least 1 side effect the carer wants to avoid.")
CARER_CHOOSE_AT_MOST = N_("Choose at most 5 for the carer. You have chosen {n}.")

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
    "past": N_("medicines taken before"),
    "past-details": N_("how they were for you"),
    "carer": N_("the carer's view"),
    "carer-choose": N_("carer: choose side effects"),
    "carer-order": N_("carer: put them in order"),
    "carer-words": N_("carer: what matters"),
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
    #: Medicines taken before (drug ids, in the order picked) and, for each, did it
    #: help (yes, no, unsure), the side effects had ({item: 1 a little, 2 a lot}) and
    #: why they stopped, in their own words.
    past: list[str] = field(default_factory=list)
    past_helped: dict[str, str] = field(default_factory=dict)
    past_had: dict[str, dict[str, int]] = field(default_factory=dict)
    past_stopped: dict[str, str] = field(default_factory=dict)
    #: The person agreed that the carer gives their own view (asked only with a carer).
    carer_consented: bool = False
    #: The carer's own side effects to avoid (priority 1 first) and what matters to them.
    carer_order: list[str] = field(default_factory=list)
    carer_words: str = ""

    @property
    def carer_turn(self) -> bool:
        """The carer's turn is in the journey: there is a carer and the person agreed."""
        return self.carer and self.carer_consented

    def clean(
        self,
        item_ids: AbstractSet[str],
        option_ids: AbstractSet[str] = frozenset(),
        drug_ids: AbstractSet[str] = frozenset(),
    ) -> TabletState:
        """Only known items, each once; helpful only from the short list and never one
        to avoid; must-avoid only among those to avoid; known forms; what matters within
        its length; known options, each once; a tablet name that is one; medicines
        taken before among `drug_ids`, each once, with answers only for those; and a
        carer's answers only with the person's agreement (else none are kept)."""
        order = list(dict.fromkeys(i for i in self.order if i in item_ids))
        past = list(dict.fromkeys(d for d in self.past if d in drug_ids))
        consented = self.carer and self.carer_consented
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
            past=past,
            past_helped={d: self.past_helped[d] for d in past if self.past_helped.get(d) in HELPED},
            past_had={
                d: {i: b for i, b in self.past_had[d].items() if i in item_ids and b in BOTHER}
                for d in past
                if self.past_had.get(d)
            },
            # Kept whole even when too long: the person is asked to shorten it (advance).
            past_stopped={d: self.past_stopped[d] for d in past if self.past_stopped.get(d)},
            carer_consented=consented,
            carer_order=list(dict.fromkeys(i for i in self.carer_order if i in item_ids))
            if consented
            else [],
            carer_words=self.carer_words[:CARER_WORDS_MAX] if consented else "",
        )

    def past_medicines(self) -> list[PastMedicine]:
        """The medicines taken before as the service stores them (after `clean`)."""
        return [
            PastMedicine(
                drug=d,
                helped=self.past_helped.get(d, "unsure"),
                side_effects=tuple(PastEffect(i, b) for i, b in self.past_had.get(d, {}).items()),
                stopped_because=self.past_stopped.get(d, "").strip(),
            )
            for d in self.past
        ]


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
    if not state.past:
        skip.add("past-details")
    if not state.carer:
        skip.add("carer")
    if not state.carer_turn:
        skip.update(CARER_TURN)
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
    drug_ids: AbstractSet[str] = frozenset(),
    carer_chosen: list[str] | None = None,
) -> Next:
    """The next step after the button `go` (a step name, "order-from-choose" when leaving
    the checklist, "up:ITEM"/"down:ITEM" on the order page, "carer-order-from-choose",
    "carer-up:ITEM"/"carer-down:ITEM" on the carer's, "lang:CODE" to see the page
    `here` in another of `languages`, or SEND). `chosen` is the checklist's ticks when
    the checklist was posted (None for no ticks when `here` is not "choose"), and
    `carer_chosen` the carer's. `option_ids` are the options the data version holds:
    without any, the options step is skipped; `drug_ids` its medicines (the ones the
    person may have taken before)."""
    if chosen is not None or go == "order-from-choose" or here == "choose":
        # Leaving the checklist: keep the order of items already ranked, add new ones last.
        state = replace(state, order=_merged(state.order, chosen, item_ids))
    if carer_chosen is not None or go == "carer-order-from-choose" or here == "carer-choose":
        state = replace(state, carer_order=_merged(state.carer_order, carer_chosen, item_ids))
    if go.startswith(LANGUAGE_PREFIX):
        wanted = go.removeprefix(LANGUAGE_PREFIX)
        state = replace(state, lang=wanted if wanted in languages else state.lang)
        # The same page again, in the other language, with everything on it kept.
        return Next(here if here in STEPS else "start", state.clean(item_ids, option_ids, drug_ids))
    state = state.clean(item_ids, option_ids, drug_ids)
    if go == "order-from-choose":
        if not state.order:
            return _back_to_choose(state, Problem(CHOOSE_ONE))
        if len(state.order) > MAX_CHOSEN:
            return _back_to_choose(state, Problem(CHOOSE_AT_MOST, (("n", len(state.order)),)))
        return Next("order", state)
    if go.startswith(("up:", "down:")):
        direction, _sep, item = go.partition(":")
        moved = replace(state, order=_moved(state.order, item, -1 if direction == "up" else 1))
        return Next("order", moved, moved=item, moved_by=direction)
    if go == "carer-order-from-choose" and state.carer_turn:
        if not state.carer_order:
            return Next("carer-choose", state, (Problem(CARER_CHOOSE_ONE),))
        if len(state.carer_order) > MAX_CHOSEN:
            n = (("n", len(state.carer_order)),)
            return Next("carer-choose", state, (Problem(CARER_CHOOSE_AT_MOST, n),))
        return Next("carer-order", state)
    if go.startswith(("carer-up:", "carer-down:")) and state.carer_turn:
        direction, _sep, item = go.removeprefix("carer-").partition(":")
        by = -1 if direction == "up" else 1
        moved = replace(state, carer_order=_moved(state.carer_order, item, by))
        return Next("carer-order", moved, moved=item, moved_by=direction)
    step = go if go in STEPS else ("choose" if go != SEND else SEND)
    onward = STEPS.index(step if step != SEND else "review") > STEPS.index("past")
    if here == "past" and onward and len(state.past) > MAX_PAST_MEDICINES:
        counts = (("n", len(state.past)), ("max", MAX_PAST_MEDICINES))
        return Next("past", state, (Problem(PAST_AT_MOST, counts),))
    # The page's Next was drawn before its answer: ticking a medicine taken before, or
    # agreeing to the carer's view, adds the step that asks about it next.
    ahead = STEPS.index(step if step != SEND else "review")
    for asked, then in (("past", "past-details"), ("carer", "carer-choose")):
        if (
            here == asked
            and ahead > STEPS.index(then)
            and then in journey(state, item_ids, option_ids)
        ):
            step = then
    too_long = _stopped_too_long(state)
    if too_long and (step == SEND or STEPS.index(step) > STEPS.index("past-details")):
        return Next("past-details", state, too_long)
    if step == SEND:
        return Next(SEND, state)
    steps = journey(state, item_ids, option_ids)
    if step not in steps:
        # A step this person skips: the one after it in the full list that they take.
        step = next(s for s in STEPS[STEPS.index(step) :] if s in steps)
    if STEPS.index(step) > STEPS.index("order") and not state.order:
        return _back_to_choose(state, Problem(CHOOSE_ONE))
    if step in CARER_TURN[1:] and not state.carer_order:
        return Next("carer-choose", state, (Problem(CARER_CHOOSE_ONE),))
    return Next(step, state)


def _merged(order: list[str], picked: list[str] | None, item_ids: AbstractSet[str]) -> list[str]:
    """The ticks on a checklist, keeping the order of items already ranked, new ones last."""
    ticked = [i for i in (picked or []) if i in item_ids]
    return [i for i in order if i in ticked] + [i for i in ticked if i not in order]


def _stopped_too_long(state: TabletState) -> tuple[Problem, ...]:
    """A problem for each "why I stopped" over its length (kept whole, to be shortened)."""
    return tuple(
        Problem(
            STOPPED_TOO_LONG,
            (("medicine", drug), ("n", len(text)), ("max", STOPPED_MAX)),
        )
        for drug, text in state.past_stopped.items()
        if len(text) > STOPPED_MAX
    )


def _moved(order: list[str], item: str, by: int) -> list[str]:
    order = list(order)
    if item in order:
        index = order.index(item)
        target = index + by
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
    return order
