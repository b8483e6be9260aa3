"""The dashboard's figures from counts: what is shown and what is suppressed, with the
expected figures written out by hand."""

from __future__ import annotations

from datetime import date, timedelta

from app.consultations.summary import (
    MAX_DAYS,
    PERIOD_TOO_LONG,
    Period,
    RawCounts,
    build,
    decision_kind,
    follow_ups,
)

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
CHECKLIST = ("weight-gain", "tremor", "tiredness")


def raw(**changes: object) -> RawCounts:
    values: dict[str, object] = {
        "consultations": 20,
        "decisions": {
            "medicine": 9,
            "undecided": 6,
            "no-medication": 3,
            "other-options": 0,
            "none-recorded": 2,
        },
        "with_carer": 8,
        "responses": 12,
        "top_scores": 5,
        "avoid": {"weight-gain": (10, 38), "tremor": (3, 9), "tiredness": (6, 20)},
        "follow_ups_due": 7,
        "follow_ups_done": 0,
    }
    values.update(changes)
    return RawCounts(**values)  # type: ignore[arg-type]


def test_twenty_consultations_show_what_is_safe_and_hide_the_rest() -> None:
    shown = build(raw(), PERIOD, CHECKLIST).as_json()
    assert shown["consultations"] == 20
    # 3 + 0 + 2 = 5 hidden: enough that none of them is recovered from the total.
    assert shown["decisions"] == {
        "medicine": 9,
        "undecided": 6,
        "no-medication": None,
        "other-options": None,
        "none-recorded": None,
    }
    assert shown["decision_shares"]["medicine"] == 0.45
    assert shown["carers"] == {"with-carer": 8, "without-carer": 12}
    assert shown["carer_shares"] == {"with-carer": 0.4, "without-carer": 0.6}
    assert shown["collaborate"]["responses"] == 12
    assert shown["collaborate"]["top_score"] == 5
    assert shown["collaborate"]["top_score_proportion"] == 0.417
    assert shown["collaborate"]["fewer_than_recommended"] is True
    assert shown["avoid"] == [
        {"item": "weight-gain", "people": 10, "score": 38},
        {"item": "tiredness", "people": 6, "score": 20},
        {"item": "tremor", "people": None, "score": None},
    ]
    # None of the 7 due has a report yet: 0 done is hidden, and so is 7 not done (else
    # 7 - 7 would give it back).
    assert shown["follow_ups"] == {"due": 7, "done": None}
    assert sorted(shown["suppressed"]) == [
        "avoid.tremor.people",
        "avoid.tremor.score",
        "decisions.no-medication",
        "decisions.none-recorded",
        "decisions.other-options",
        "follow_ups.done",
        "follow_ups.not-done",
    ]


def test_a_score_that_says_everyone_ranked_it_first_is_hidden() -> None:
    shown = build(raw(avoid={"weight-gain": (6, 30)}), PERIOD, CHECKLIST).as_json()
    assert shown["avoid"][0] == {"item": "weight-gain", "people": 6, "score": None}
    assert "avoid.weight-gain.score" in shown["suppressed"]


def test_a_side_effect_chosen_by_nearly_everyone_is_hidden() -> None:
    """17 of 20 chose it: the 3 who did not would be recovered by subtraction."""
    shown = build(raw(avoid={"tremor": (17, 60)}), PERIOD, CHECKLIST).as_json()
    assert {"item": "tremor", "people": None, "score": None} in shown["avoid"]


def test_everyone_with_the_top_score_is_hidden() -> None:
    shown = build(raw(responses=8, top_scores=8), PERIOD, CHECKLIST).as_json()
    assert shown["collaborate"]["responses"] == 8
    assert shown["collaborate"]["top_score"] is None
    assert shown["collaborate"]["top_score_proportion"] is None


def test_follow_ups_done_and_not_done_are_suppressed_as_a_group_of_those_due() -> None:
    assert follow_ups(12, 6) == (12, 6, [])
    assert follow_ups(3, 0)[:2] == (None, None)
    assert "follow_ups.due" in follow_ups(3, 0)[2]
    assert follow_ups(12, 10) == (12, None, ["follow_ups.done", "follow_ups.not-done"])


def test_a_recorded_decision_falls_in_its_category() -> None:
    others = ("stay-on-current", "lower-dose", "no-antipsychotic")
    assert decision_kind("aripiprazole", others) == "medicine"
    assert decision_kind("undecided", others) == "undecided"
    assert decision_kind("no-medication", others) == "no-medication"
    assert decision_kind("lower-dose", others) == "other-options"
    assert decision_kind(None, others) == "none-recorded"


def test_a_period_ending_before_it_starts_is_refused() -> None:
    assert Period(date(2026, 11, 2), date(2026, 11, 1)).problem() is not None
    assert Period(date(2026, 11, 1), date(2026, 11, 1)).problem() is None


def test_a_period_longer_than_three_years_is_refused() -> None:
    start = date(2024, 1, 1)
    assert Period(start, start + timedelta(days=MAX_DAYS - 1)).problem() is None
    assert Period(start, start + timedelta(days=MAX_DAYS)).problem() == PERIOD_TOO_LONG


def test_a_period_outside_2000_to_2099_is_refused() -> None:
    assert Period(date(9999, 12, 31), date(9999, 12, 31)).problem() is not None
    assert Period(date(1, 1, 1), date(2026, 1, 1)).problem() is not None
