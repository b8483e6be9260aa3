"""Small-number suppression: no count under 5 is shown, and no figure lets anyone work
out a hidden count or one person's answers (app/consultations/suppression.py)."""

from __future__ import annotations

import pytest

from app.consultations import suppression


def test_a_count_under_5_is_not_shown_and_5_is() -> None:
    assert suppression.count(4) is None
    assert suppression.count(0) is None
    assert suppression.count(5) == 5


def test_a_group_with_every_count_from_5_up_is_shown_whole() -> None:
    shown = suppression.group({"a": 5, "b": 7, "c": 12}, 24)
    assert shown.cells == {"a": 5, "b": 7, "c": 12}
    assert shown.total == 24
    assert shown.suppressed == []


def test_one_small_count_takes_the_next_smallest_with_it() -> None:
    """20 = 3 + 6 + 11: with the total shown, 3 alone would be 20 - 6 - 11."""
    shown = suppression.group({"a": 3, "b": 11, "c": 6}, 20)
    assert shown.cells == {"a": None, "b": 11, "c": None}
    assert shown.total == 20
    assert shown.suppressed == ["a", "c"]


def test_hidden_counts_that_add_up_to_under_5_take_another_with_them() -> None:
    """1 + 2 = 3 could still pin both down (to 0-3), so 8 goes too: 11 between three."""
    shown = suppression.group({"a": 1, "b": 2, "c": 8, "d": 9}, 20)
    assert shown.cells == {"a": None, "b": None, "c": None, "d": 9}


def test_everyone_giving_one_answer_is_never_shown() -> None:
    """7 of 7 with a carer would say each one came with a carer."""
    shown = suppression.group({"with": 7, "without": 0}, 7)
    assert shown.cells == {"with": None, "without": None}


def test_zero_is_a_small_count_too() -> None:
    shown = suppression.group({"a": 0, "b": 10, "c": 10}, 20)
    assert shown.cells == {"a": None, "b": None, "c": 10}


def test_a_total_under_5_hides_the_whole_group() -> None:
    shown = suppression.group({"a": 2, "b": 2}, 4)
    assert shown.cells == {"a": None, "b": None}
    assert shown.total is None


def test_counts_that_do_not_add_up_to_the_total_are_refused() -> None:
    with pytest.raises(ValueError, match="add up to 5, not the total 6"):
        suppression.group({"a": 2, "b": 3}, 6)


def test_a_proportion_with_a_hidden_part_is_hidden() -> None:
    assert suppression.proportion(None, 20) is None
    assert suppression.proportion(6, None) is None
    assert suppression.proportion(6, 0) is None
    assert suppression.proportion(6, 20) == 0.3


def test_a_proportion_of_everyone_is_hidden_when_it_gives_their_answers_away() -> None:
    assert suppression.proportion(8, 8) is None
    assert suppression.proportion(8, 8, everyone_reveals_answers=False) == 1.0


def test_a_numerator_is_shown_from_5_up_and_never_when_it_is_everyone() -> None:
    assert suppression.guarded_numerator(4, 10) is None
    assert suppression.guarded_numerator(5, 10) == 5
    assert suppression.guarded_numerator(10, 10) is None
    assert suppression.guarded_numerator(6, None) is None
