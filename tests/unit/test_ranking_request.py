"""Bad ranking requests get messages a person can act on."""

from __future__ import annotations

import pytest

from app.ranking import InvalidRequest, RankingRequest, check_request, rank
from tests.builders import make_dataset, make_drug

ITEMS = make_dataset([]).item_ids


def messages(**kwargs: list[str]) -> list[str]:
    request = RankingRequest(**{k: tuple(v) for k, v in kwargs.items()})
    with pytest.raises(InvalidRequest) as caught:
        check_request(request, ITEMS)
    return [p.message for p in caught.value.problems]


def test_a_repeated_item_names_its_priority() -> None:
    assert messages(avoid=["tremor", "dry-mouth", "tremor"]) == [
        "priority 3 repeats tremor (already priority 1)"
    ]


def test_a_misspelt_item_is_named_with_a_suggestion() -> None:
    assert messages(avoid=["weight-gian"]) == [
        "priority 1: 'weight-gian' is not a checklist item; did you mean 'weight-gain'?"
    ]


def test_more_than_five_is_refused() -> None:
    assert messages(avoid=list(ITEMS[:6])) == [
        "choose at most 5 side effects to avoid (there are 6)"
    ]


def test_nothing_chosen_is_refused() -> None:
    assert messages(avoid=[]) == ["choose at least 1 side effect to avoid"]


def test_an_item_cannot_be_avoided_and_helpful() -> None:
    assert messages(avoid=["weight-loss"], helpful=["weight-loss"]) == [
        "weight-loss cannot be both a side effect to avoid and a helpful one"
    ]


def test_a_list_naming_an_item_twice_says_which() -> None:
    assert messages(avoid=["tremor"], helpful=["weight-loss", "weight-loss"]) == [
        "helpful lists weight-loss twice"
    ]
    assert messages(avoid=["tremor"], must_avoid=["tremor", "tremor"]) == [
        "must_avoid lists tremor twice"
    ]


def test_must_avoid_must_be_among_the_avoid_items() -> None:
    assert messages(avoid=["tremor"], must_avoid=["dry-mouth"]) == [
        "must_avoid: 'dry-mouth' must also be one of the side effects to avoid"
    ]


def test_unknown_formulation_lists_the_choices() -> None:
    [message] = messages(avoid=["tremor"], formulations=["pill"])
    assert message.startswith("'pill' is not a formulation; choose from tablet, capsule")


def test_all_problems_are_reported_together() -> None:
    assert len(messages(avoid=["tremor", "tremor", "nope"], helpful=["tremor"])) == 3


def test_breakdown_explains_the_score() -> None:
    dataset = make_dataset([make_drug("alphazine", {"tremor": 3, "dry-mouth": None})])
    [result] = rank(dataset, RankingRequest(avoid=("tremor", "dry-mouth"))).results
    assert [
        (s.side_effect, s.priority, s.rating, s.weight, s.contribution) for s in result.breakdown
    ] == [("tremor", 1, 3, 5, 15), ("dry-mouth", 2, None, 4, 8)]
    assert result.score == 23
    assert result.unknown == ("dry-mouth",)


@pytest.mark.parametrize(("rating", "band"), [(0, "good"), (1, "good"), (2, "poor"), (3, "poor")])
def test_bands_follow_the_share_of_the_worst_score(rating: int, band: str) -> None:
    # One item: worst score 15. good <= 34% (5.1: a + is 33%), partial <= 55% (8.25), else
    # poor: ++ (67%) is a poor match.
    dataset = make_dataset([make_drug("alphazine", {"tremor": rating})])
    [result] = rank(dataset, RankingRequest(avoid=("tremor",))).results
    assert result.band == band


@pytest.mark.parametrize(
    ("ratings", "band"),
    [
        ((1, 1, 1, 1, 1), "good"),
        ((2, 1, 1, 1, 1), "partial"),
        ((2, 2, 1, 1, 1), "partial"),
        ((2, 2, 2, 2, 2), "poor"),
    ],
)
def test_a_drug_rated_plus_on_all_five_priorities_is_a_good_match(
    ratings: tuple[int, ...], band: str
) -> None:
    items = ("tremor", "dry-mouth", "weight-gain", "tiredness", "constipation")
    dataset = make_dataset([make_drug("alphazine", dict(zip(items, ratings, strict=True)))])
    [result] = rank(dataset, RankingRequest(avoid=items)).results
    assert result.band == band
