"""The tablet's steps, as a table: what the person had, the button, where they go."""

from __future__ import annotations

from typing import TypedDict, Unpack

import pytest

from app.consultations.tablet_flow import (
    CHOOSE_AT_MOST,
    CHOOSE_ONE,
    SEND,
    Next,
    Problem,
    TabletState,
    advance,
)

ITEMS = {"weight-gain", "tremor", "tiredness", "dizziness", "restlessness", "drooling", "acne"}


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
        ("extras", None, ["tremor"], "extras", ["tremor"]),
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
        ("extras", None, [], Problem(CHOOSE_ONE)),
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
    assert go("extras", order=["tremor"]).moved is None


def test_the_state_is_cleaned_on_every_step() -> None:
    result = go(
        "review",
        order=["tremor", "tremor", "bogus"],
        helpful=["tremor", "tiredness", "tiredness", "bogus"],
        must_avoid=["tremor", "acne"],
        forms=["tablet", "patch-of-nonsense"],
        what_matters="x" * 5000,
    )
    state = result.state
    assert state.order == ["tremor"]
    assert state.helpful == ["tiredness"]  # never an item to avoid too
    assert state.must_avoid == ["tremor"]  # only among those to avoid
    assert state.forms == ["tablet"]
    assert len(state.what_matters) == 2000


def test_language_and_carer_pass_through_unchanged() -> None:
    result = go("extras", order=["tremor"], lang="nb", carer=True)
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
    for button in ("choose", "order", "extras", "review", SEND):
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
