"""The tablet's steps, as a table: what the person had, the button, where they go."""

from __future__ import annotations

from typing import TypedDict, Unpack

import pytest

from app.consultations.tablet_flow import (
    CHOOSE_AT_MOST,
    CHOOSE_ONE,
    HELPFUL_SHORTLIST,
    SEND,
    STEP_TITLES,
    Next,
    Place,
    Problem,
    TabletState,
    advance,
    helpful_offered,
    journey,
    place,
    tablet_name,
)

ITEMS = {
    "weight-gain",
    "tremor",
    "tiredness",
    "dizziness",
    "restlessness",
    "drooling",
    "acne",
    "sleepy-at-night",
    "weight-loss",
}


class State(TypedDict, total=False):
    """TabletState's fields, any of them."""

    lang: str
    carer: bool
    order: list[str]
    helpful: list[str]
    must_avoid: list[str]
    forms: list[str]
    what_matters: str
    options: list[str]
    tablet: str


def go(go: str, chosen: list[str] | None = None, **state: Unpack[State]) -> Next:
    return advance(TabletState(**state), go=go, chosen=chosen, item_ids=ITEMS)


@pytest.mark.parametrize(
    ("button", "chosen", "before", "step", "order"),
    [
        # leaving the checklist
        ("order-from-choose", ["tremor", "acne"], [], "order", ["tremor", "acne"]),
        ("order-from-choose", ["acne", "tremor"], ["tremor"], "order", ["tremor", "acne"]),
        ("order-from-choose", ["acne"], ["tremor", "acne"], "order", ["acne"]),
        ("order-from-choose", ["tremor", "no-such-item"], [], "order", ["tremor"]),
        # moving on with what was ranked
        ("helpful", None, ["tremor"], "helpful", ["tremor"]),
        ("cannot-accept", None, ["tremor"], "cannot-accept", ["tremor"]),
        ("forms", None, ["tremor"], "forms", ["tremor"]),
        ("own-words", None, ["tremor"], "own-words", ["tremor"]),
        ("review", None, ["tremor"], "review", ["tremor"]),
        ("choose", None, ["tremor"], "choose", ["tremor"]),
        ("start", None, [], "start", []),
        # a button the tablet never shows goes to the checklist
        ("somewhere-else", None, ["tremor"], "choose", ["tremor"]),
        (SEND, None, ["tremor"], SEND, ["tremor"]),
        # reordering
        ("up:acne", None, ["tremor", "acne"], "order", ["acne", "tremor"]),
        ("down:tremor", None, ["tremor", "acne"], "order", ["acne", "tremor"]),
        ("up:tremor", None, ["tremor", "acne"], "order", ["tremor", "acne"]),
        ("down:acne", None, ["tremor", "acne"], "order", ["tremor", "acne"]),
        ("up:not-ranked", None, ["tremor", "acne"], "order", ["tremor", "acne"]),
    ],
)
def test_where_each_button_leads(
    button: str, chosen: list[str] | None, before: list[str], step: str, order: list[str]
) -> None:
    result = go(button, chosen, order=before)
    assert (result.step, result.state.order, result.problems) == (step, order, ())
    assert result.status_code == 200


@pytest.mark.parametrize(
    ("button", "chosen", "before", "problem"),
    [
        ("order-from-choose", [], [], Problem(CHOOSE_ONE)),
        ("order-from-choose", None, [], Problem(CHOOSE_ONE)),
        ("order-from-choose", sorted(ITEMS)[:6], [], Problem(CHOOSE_AT_MOST, (("n", 6),))),
        ("helpful", None, [], Problem(CHOOSE_ONE)),
        ("cannot-accept", None, [], Problem(CHOOSE_ONE)),
        ("forms", None, [], Problem(CHOOSE_ONE)),
        ("own-words", None, [], Problem(CHOOSE_ONE)),
        ("review", None, [], Problem(CHOOSE_ONE)),
    ],
)
def test_what_sends_the_person_back_to_the_checklist(
    button: str, chosen: list[str] | None, before: list[str], problem: Problem
) -> None:
    result = go(button, chosen, order=before)
    assert result.step == "choose"
    assert result.problems == (problem,)
    assert result.status_code == 422
    if chosen:  # what they ticked is kept, to correct
        assert result.state.order == chosen


def test_moving_an_item_says_which_so_the_page_keeps_focus_on_it() -> None:
    assert go("up:acne", order=["tremor", "acne"]).moved == "acne"
    assert go("forms", order=["tremor"]).moved is None


def test_the_state_is_cleaned_on_every_step() -> None:
    result = go(
        "review",
        order=["tremor", "tremor", "bogus"],
        helpful=["tremor", "weight-loss", "weight-loss", "tiredness", "bogus"],
        must_avoid=["tremor", "acne"],
        forms=["tablet", "patch-of-nonsense"],
        what_matters="x" * 5000,
    )
    state = result.state
    assert state.order == ["tremor"]
    # only from the short list, and never an item to avoid too
    assert state.helpful == ["weight-loss"]
    assert state.must_avoid == ["tremor"]  # only among those to avoid
    assert state.forms == ["tablet"]
    assert len(state.what_matters) == 2000


def test_language_and_carer_pass_through_unchanged() -> None:
    result = go("forms", order=["tremor"], lang="nb", carer=True)
    assert (result.state.lang, result.state.carer) == ("nb", True)


# --- the options to talk about ----------------------------------------------------------

OPTIONS = {"medicine", "stay-on-current", "lower-dose", "no-antipsychotic"}


def go_with_options(go: str, option_ids: set[str] = OPTIONS, **state: Unpack[State]) -> Next:
    return advance(
        TabletState(**state),
        go=go,
        chosen=None,
        item_ids=ITEMS,
        option_ids=option_ids,
    )


def test_the_options_step_comes_right_after_the_start() -> None:
    from app.consultations.tablet_flow import STEPS

    assert STEPS[:3] == ("start", "options", "choose")
    result = go_with_options("options")
    assert (result.step, result.problems) == ("options", ())


def test_without_options_in_the_data_the_step_is_skipped() -> None:
    result = go_with_options("options", option_ids=set(), options=["no-antipsychotic"])
    assert result.step == "choose"
    assert result.state.options == []


def test_the_ticked_options_are_kept_through_every_step_and_sent() -> None:
    ticked = ["lower-dose", "no-antipsychotic"]
    for button in ("choose", "order", "helpful", "cannot-accept", "forms", "review", SEND):
        result = go_with_options(button, order=["tremor"], options=ticked)
        assert result.state.options == ticked, button
    assert go_with_options(SEND, order=["tremor"], options=ticked).step == SEND


def test_options_are_cleaned_like_the_rest_of_the_state() -> None:
    result = go_with_options(
        "review",
        order=["tremor"],
        options=["no-antipsychotic", "homeopathy", "no-antipsychotic", "medicine"],
    )
    assert result.state.options == ["no-antipsychotic", "medicine"]


def test_no_option_ticked_is_allowed() -> None:
    result = go_with_options("choose", options=[])
    assert (result.step, result.state.options, result.problems) == ("choose", [], ())


# --- another language keeps everything ----------------------------------------------------


@pytest.mark.parametrize("here", ["start", "options", "choose", "order", "forms", "review"])
def test_another_language_shows_the_same_page_with_every_answer(here: str) -> None:
    result = advance(
        TabletState(
            lang="en", carer=True, order=["tremor", "acne"], must_avoid=["acne"], forms=["tablet"]
        ),
        go="lang:nb",
        chosen=["tremor", "acne"] if here == "choose" else None,
        item_ids=ITEMS,
        here=here,
        languages={"en", "nb"},
    )
    assert (result.step, result.problems) == (here, ())
    assert result.state == TabletState(
        lang="nb", carer=True, order=["tremor", "acne"], must_avoid=["acne"], forms=["tablet"]
    )


def test_another_language_keeps_the_checklist_ticks_not_yet_sent() -> None:
    """The ticks on the checklist page go with the language button, even none at all."""
    ticked = advance(
        TabletState(order=["tremor"]),
        go="lang:nb",
        chosen=["acne", "tremor"],
        item_ids=ITEMS,
        here="choose",
        languages={"en", "nb"},
    )
    assert ticked.state.order == ["tremor", "acne"]
    untick_all = advance(
        TabletState(order=["tremor"]),
        go="lang:nb",
        chosen=None,
        item_ids=ITEMS,
        here="choose",
        languages={"en", "nb"},
    )
    assert untick_all.state.order == []


def test_a_language_without_a_catalogue_is_not_switched_to() -> None:
    result = advance(
        TabletState(lang="en"), go="lang:xx", chosen=None, item_ids=ITEMS, here="start"
    )
    assert (result.step, result.state.lang) == ("start", "en")


# --- the steps after ordering, one question each ----------------------------------------


def test_the_questions_after_ordering_are_separate_steps() -> None:
    from app.consultations.tablet_flow import STEPS

    assert STEPS[STEPS.index("order") + 1 :] == (
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


def test_only_the_short_listed_helpful_items_are_offered() -> None:
    assert HELPFUL_SHORTLIST == ("sleepy-at-night", "weight-loss")
    state = TabletState(order=["weight-loss", "tremor"])
    assert helpful_offered(state, ITEMS) == ["sleepy-at-night"]


def test_the_helpful_step_is_skipped_when_nothing_is_left_to_offer() -> None:
    state = TabletState(order=["weight-loss", "sleepy-at-night"])
    assert "helpful" not in journey(state, ITEMS)
    result = advance(state, go="helpful", chosen=None, item_ids=ITEMS)
    assert result.step == "cannot-accept"
    spot = place("cannot-accept", state, ITEMS)
    assert spot is not None and spot.back == "order"


def test_each_step_knows_its_number_and_neighbours() -> None:
    state = TabletState(order=["tremor"])
    steps = journey(state, ITEMS, OPTIONS)
    assert steps[0] == "start" and steps[-1] == "review"
    spot = place("choose", state, ITEMS, OPTIONS)
    assert spot == Place(number=2, total=len(steps) - 1, back="options", next="order")
    assert place("review", state, ITEMS, OPTIONS) == Place(
        number=len(steps) - 1, total=len(steps) - 1, back="past", next=None
    )
    assert place("done", state, ITEMS, OPTIONS) is None
    # without options in the data, the checklist is step 1
    assert place("choose", state, ITEMS) == Place(
        number=1, total=len(steps) - 2, back="start", next="order"
    )


def test_every_step_has_its_own_title() -> None:
    from app.consultations.tablet_flow import STEPS

    titles = [STEP_TITLES[s] for s in STEPS]
    assert len(set(titles)) == len(titles)


def test_a_move_says_which_way() -> None:
    result = go("down:tremor", order=["tremor", "acne"])
    assert (result.moved, result.moved_by) == ("tremor", "down")


@pytest.mark.parametrize(
    ("raw", "name"),
    [("Ward 3", "Ward 3"), (" clinic-a.2 ", "clinic-a.2"), ("<b>", ""), ("x" * 41, ""), (None, "")],
)
def test_a_tablet_name_is_a_short_plain_name_or_nothing(raw: str | None, name: str) -> None:
    assert tablet_name(raw) == name
    assert TabletState(tablet=raw or "").clean(ITEMS).tablet == name
