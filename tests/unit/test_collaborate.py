"""CollaboRATE's answers: three whole numbers 0-9, and the published top score."""

from __future__ import annotations

from app.consultations import collaborate


def messages(answers: list[object], comment: str = "") -> list[str]:
    return [p.text() for p in collaborate.problems(answers, comment)]


def test_three_answers_from_0_to_9_are_accepted() -> None:
    assert messages([0, 5, 9]) == []


def test_an_answer_outside_0_to_9_names_its_question() -> None:
    assert messages([10, 5, -1]) == [
        "The answer to question 1 must be a number from 0 to 9.",
        "The answer to question 3 must be a number from 0 to 9.",
    ]


def test_a_missing_answer_asks_for_it() -> None:
    assert messages([9, None, 9]) == ["Choose a number from 0 to 9 for question 2."]


def test_not_three_answers_is_refused() -> None:
    assert messages([9, 9]) == ["Give three answers, one for each question (there were 2)."]


def test_a_bool_a_float_or_text_is_not_an_answer() -> None:
    assert len(messages([True, 4.0, "7"])) == 3


def test_a_comment_over_the_limit_is_refused_with_its_length() -> None:
    assert messages([9, 9, 9], "x" * 1001) == [
        "The comment is 1001 characters long; it can be at most 1000 characters."
    ]
    assert messages([9, 9, 9], "x" * 1000) == []


def test_the_top_score_is_9_on_all_three() -> None:
    assert collaborate.Answers(9, 9, 9).top_score
    assert not collaborate.Answers(9, 9, 8).top_score
    assert not collaborate.Answers(0, 9, 9).top_score


def test_a_form_answer_is_read_as_a_number_or_kept_as_typed() -> None:
    assert collaborate.parse_form_answer("7") == 7
    assert collaborate.parse_form_answer("") is None
    assert collaborate.parse_form_answer("12") == 12
    assert collaborate.parse_form_answer("nine") == "nine"
