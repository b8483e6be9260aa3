"""The tablet's optional steps after the person's own: medicines taken before, then,
with a carer and only with the person's agreement, the carer's turn."""

from __future__ import annotations

import pytest

from app.consultations.experience import (
    CarerView,
    carer_problems,
    difference,
    past_from_json,
    past_problems,
    past_to_json,
)
from app.consultations.tablet_flow import (
    CARER_CHOOSE_AT_MOST,
    CARER_CHOOSE_ONE,
    PAST_AT_MOST,
    SEND,
    STOPPED_TOO_LONG,
    Problem,
    TabletState,
    advance,
    journey,
    place,
)
from app.ranking.past import PastEffect, PastMedicine, past_flags

ITEMS = {"weight-gain", "tremor", "tiredness", "restlessness", "acne", "dry-mouth"}
DRUGS = {"aripiprazole", "olanzapine", "quetiapine"}
ORDERED = ["tremor", "acne"]


def step(
    state: TabletState, go: str, **extra: object
) -> tuple[str, TabletState, tuple[Problem, ...]]:
    result = advance(
        state,
        go=go,
        chosen=None,
        item_ids=ITEMS,
        drug_ids=DRUGS,
        **extra,  # type: ignore[arg-type]
    )
    return result.step, result.state, result.problems


def test_the_past_step_is_always_offered_and_its_details_only_once_one_is_picked() -> None:
    none = TabletState(order=ORDERED)
    assert "past" in journey(none, ITEMS)
    assert "past-details" not in journey(none, ITEMS)
    assert step(none, "past-details", here="past")[0] == "review"
    picked = TabletState(order=ORDERED, past=["aripiprazole"])
    assert place("past-details", picked, ITEMS) is not None
    assert step(picked, "past-details", here="past")[0] == "past-details"


def test_answers_for_a_medicine_taken_before_are_kept_only_if_known() -> None:
    state = TabletState(
        order=ORDERED,
        past=["aripiprazole", "aspirin", "aripiprazole"],
        past_helped={"aripiprazole": "no", "aspirin": "yes"},
        past_had={"aripiprazole": {"restlessness": 2, "tremor": 3, "nonsense": 1}},
        past_stopped={"aripiprazole": "could not sit still", "olanzapine": "not picked"},
    )
    _, cleaned, problems = step(state, "review")
    assert problems == ()
    assert cleaned.past == ["aripiprazole"]
    assert cleaned.past_helped == {"aripiprazole": "no"}
    assert cleaned.past_had == {"aripiprazole": {"restlessness": 2}}
    assert cleaned.past_stopped == {"aripiprazole": "could not sit still"}
    assert cleaned.past_medicines() == [
        PastMedicine("aripiprazole", "no", (PastEffect("restlessness", 2),), "could not sit still")
    ]


def test_an_unanswered_did_it_help_is_stored_as_not_sure() -> None:
    state = TabletState(order=ORDERED, past=["olanzapine"]).clean(ITEMS, drug_ids=DRUGS)
    assert state.past_medicines()[0].helped == "unsure"


def test_too_many_medicines_taken_before_stay_on_the_page_with_a_message() -> None:
    many = TabletState(order=ORDERED, past=[f"d{n}" for n in range(11)])
    drugs = set(many.past)
    result = advance(
        many, go="past-details", chosen=None, item_ids=ITEMS, drug_ids=drugs, here="past"
    )
    assert result.step == "past"
    assert result.problems == (Problem(PAST_AT_MOST, (("n", 11), ("max", 10))),)
    assert result.state.past == many.past  # nothing lost


def test_a_too_long_reason_for_stopping_is_kept_whole_and_asked_to_be_shortened() -> None:
    text = "x" * 501
    state = TabletState(order=ORDERED, past=["aripiprazole"], past_stopped={"aripiprazole": text})
    where, kept, problems = step(state, SEND)
    assert where == "past-details"
    assert kept.past_stopped == {"aripiprazole": text}
    assert problems == (
        Problem(STOPPED_TOO_LONG, (("medicine", "aripiprazole"), ("n", 501), ("max", 500))),
    )
    # Going back is allowed; only going past the details is not.
    assert step(state, "past")[0] == "past"


def test_next_after_ticking_goes_to_the_step_the_answer_adds() -> None:
    """The Next button was drawn before the answer (to the step after the one added)."""
    picked = TabletState(order=ORDERED, carer=True, past=["aripiprazole"])
    assert step(picked, "carer", here="past")[0] == "past-details"
    agreed = TabletState(order=ORDERED, carer=True, carer_consented=True)
    assert step(agreed, "review", here="carer")[0] == "carer-choose"
    assert step(agreed, SEND, here="carer")[0] == "carer-choose"
    # Back is back.
    assert step(picked, "own-words", here="past")[0] == "own-words"


def test_the_carer_is_asked_only_with_a_carer_and_the_turn_only_with_consent() -> None:
    alone = TabletState(order=ORDERED)
    assert "carer" not in journey(alone, ITEMS)
    with_carer = TabletState(order=ORDERED, carer=True)
    steps = journey(with_carer, ITEMS)
    assert "carer" in steps and "carer-choose" not in steps
    assert step(with_carer, "carer-choose")[0] == "review"  # no consent: no carer's turn
    agreed = TabletState(order=ORDERED, carer=True, carer_consented=True)
    assert journey(agreed, ITEMS)[-5:] == (
        "carer",
        "carer-choose",
        "carer-order",
        "carer-words",
        "review",
    )


def test_without_consent_a_carers_answers_are_never_kept() -> None:
    state = TabletState(
        order=ORDERED, carer=True, carer_consented=False, carer_order=["acne"], carer_words="x"
    )
    _, cleaned, _ = step(state, "review")
    assert (cleaned.carer_order, cleaned.carer_words, cleaned.carer_consented) == ([], "", False)
    # Consent without a carer at all is not consent.
    lone = TabletState(order=ORDERED, carer_consented=True, carer_order=["acne"])
    assert step(lone, "review")[1].carer_order == []


def test_the_carers_turn_chooses_then_orders_up_to_five() -> None:
    agreed = TabletState(order=ORDERED, carer=True, carer_consented=True)
    where, _, problems = step(agreed, "carer-order-from-choose", carer_chosen=[])
    assert (where, problems) == ("carer-choose", (Problem(CARER_CHOOSE_ONE),))
    six = ["weight-gain", "tremor", "tiredness", "restlessness", "acne", "dry-mouth"]
    where, kept, problems = step(agreed, "carer-order-from-choose", carer_chosen=six)
    assert where == "carer-choose" and kept.carer_order == six
    assert problems == (Problem(CARER_CHOOSE_AT_MOST, (("n", 6),)),)
    where, chosen, _ = step(agreed, "carer-order-from-choose", carer_chosen=["acne", "tiredness"])
    assert (where, chosen.carer_order) == ("carer-order", ["acne", "tiredness"])
    where, moved, _ = step(chosen, "carer-up:tiredness")
    assert (where, moved.carer_order) == ("carer-order", ["tiredness", "acne"])
    assert moved.order == ORDERED  # the person's own list is untouched
    assert step(moved, "carer-words")[0] == "carer-words"


def test_the_carer_order_page_needs_a_list() -> None:
    agreed = TabletState(order=ORDERED, carer=True, carer_consented=True)
    assert step(agreed, "carer-order")[0] == "carer-choose"


# --- the checks the API and the service share -----------------------------------------


def test_past_problems_name_each_fault() -> None:
    past = [
        PastMedicine("aripiprazol", "no"),
        PastMedicine("olanzapine", "maybe", (PastEffect("tremor", 3), PastEffect("tremor", 1))),
        PastMedicine("olanzapine", "yes", (PastEffect("shaking", 1),), "y" * 501),
    ]
    messages = [p.message for p in past_problems(past, sorted(DRUGS), sorted(ITEMS))]
    assert messages == [
        "past_medicines 1: 'aripiprazol' is not a medicine; did you mean 'aripiprazole'?",
        "past_medicines 2: helped must be one of yes, no, unsure",
        "past_medicines 2: bother for tremor must be 1 (a little) or 2 (a lot), not 3",
        "past_medicines 2: tremor is listed twice; give it once",
        "past_medicines 3: olanzapine is listed twice; give each medicine once",
        "past_medicines 3: 'shaking' is not a checklist item",
        "past_medicines 3: stopped_because has 501 characters; shorten it to 500",
    ]
    assert past_problems(past[:1] * 0, sorted(DRUGS), sorted(ITEMS)) == []


def test_a_carers_view_without_consent_is_refused() -> None:
    problems = carer_problems(CarerView(consented=False, avoid=("acne",)), sorted(ITEMS))
    assert len(problems) == 1 and "has not agreed" in problems[0].message
    assert carer_problems(CarerView(consented=False), sorted(ITEMS)) == []
    assert carer_problems(CarerView(consented=True, avoid=("acne", "tremor")), sorted(ITEMS)) == []


def test_past_medicines_round_trip_through_their_stored_form() -> None:
    past = (PastMedicine("aripiprazole", "no", (PastEffect("restlessness", 2),), "why"),)
    assert past_from_json(past_to_json(past)) == past


def test_the_flag_is_the_persons_answer_for_that_drug_and_can_be_left_out() -> None:
    aripiprazole = PastMedicine(
        "aripiprazole", "no", (PastEffect("restlessness", 2), PastEffect("tremor", 1))
    )
    flags = past_flags([aripiprazole])
    assert flags == {"aripiprazole": aripiprazole}
    assert flags["aripiprazole"].a_lot == ("restlessness",)
    assert flags["aripiprazole"].bother("tremor") == 1
    assert flags["aripiprazole"].bother("acne") is None
    assert past_flags([aripiprazole], include=False) == {}


@pytest.mark.parametrize(
    ("person", "carer", "only_person", "only_carer", "moved"),
    [
        (["a", "b"], ["a", "b"], (), (), ()),
        (["a", "b"], ["b", "a"], (), (), (("a", 1, 2), ("b", 2, 1))),
        (["a", "b", "c"], ["a", "d"], ("b", "c"), ("d",), ()),
    ],
)
def test_where_the_carer_and_the_person_differ(
    person: list[str],
    carer: list[str],
    only_person: tuple[str, ...],
    only_carer: tuple[str, ...],
    moved: tuple[tuple[str, int, int], ...],
) -> None:
    diff = difference(person, carer)
    assert (diff.only_person, diff.only_carer, diff.moved) == (only_person, only_carer, moved)
    assert diff.none == (person == carer)
