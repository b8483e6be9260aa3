"""The ranking, case by case. Each row: invented test drugs with their ratings on a few
items (every other item is 0), what the person chose, and the order we expect.

Ratings: 0 none, 1 = +, 2 = ++, 3 = +++, None = unknown.
Weights (drugdata/scoring.yaml): priority 1..5 = 5, 4, 3, 2, 1 points per step;
unknown counts as ++ and is flagged; helpful ticks take off 1 point per step, at most 10.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.ranking import RankingRequest, rank
from tests.builders import make_dataset, make_drug


@dataclass
class Case:
    story: str
    drugs: dict[str, dict[str, int | None]]
    avoid: list[str]
    expected: list[str]
    helpful: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)
    formulations: list[str] = field(default_factory=list)
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)
    positions: list[int] | None = None
    """The places shown; equal scores share one (1, 2, 2, 4). None: 1, 2, 3, ... (no ties)."""


CASES = [
    Case(
        "the drug with no weight gain comes first for someone who most wants to avoid it",
        drugs={"alphazine": {"weight-gain": 3}, "betazine": {"weight-gain": 0}},
        avoid=["weight-gain"],
        expected=["betazine", "alphazine"],
    ),
    Case(
        "priority 1 weighs more than priority 2: +++ on priority 2 beats +++ on priority 1",
        drugs={"alphazine": {"weight-gain": 3}, "betazine": {"tremor": 3}},
        avoid=["weight-gain", "tremor"],
        expected=["betazine", "alphazine"],
    ),
    Case(
        "several small problems can outweigh one big one: + on 1..5 (15) vs +++ on 2 (12)",
        drugs={
            "alphazine": {
                "weight-gain": 1,
                "tremor": 1,
                "dry-mouth": 1,
                "tiredness": 1,
                "constipation": 1,
            },
            "betazine": {"tremor": 3},
        },
        avoid=["weight-gain", "tremor", "dry-mouth", "tiredness", "constipation"],
        expected=["betazine", "alphazine"],
    ),
    Case(
        "side effects the person did not choose make no difference",
        drugs={
            "alphazine": {"weight-gain": 1, "tremor": 3, "drooling": 3},
            "betazine": {"weight-gain": 2},
        },
        avoid=["weight-gain"],
        expected=["alphazine", "betazine"],
    ),
    Case(
        "unknown is not treated as none: a known + beats an unknown",
        drugs={"alphazine": {"weight-gain": None}, "betazine": {"weight-gain": 1}},
        avoid=["weight-gain"],
        expected=["betazine", "alphazine"],
    ),
    Case(
        "unknown counts as ++, so it still beats a known +++",
        drugs={"alphazine": {"weight-gain": None}, "betazine": {"weight-gain": 3}},
        avoid=["weight-gain"],
        expected=["alphazine", "betazine"],
    ),
    Case(
        "equal scores: they share the place, and the known rating is listed before the unknown",
        drugs={"alphazine": {"weight-gain": None}, "betazine": {"weight-gain": 2}},
        avoid=["weight-gain"],
        expected=["betazine", "alphazine"],
        positions=[1, 1],
    ),
    Case(
        "helpful sleepiness at night lifts a drug past an equal one",
        drugs={
            "alphazine": {"weight-gain": 1},
            "betazine": {"weight-gain": 1, "sleepy-at-night": 3},
        },
        avoid=["weight-gain"],
        helpful=["sleepy-at-night"],
        expected=["betazine", "alphazine"],
    ),
    Case(
        "helpful ticks never lift a drug over one it trails by a +++ on priority 1",
        drugs={
            "alphazine": {"weight-gain": 0},
            "betazine": {"weight-gain": 3, "sleepy-at-night": 3, "weight-loss": 3},
        },
        avoid=["weight-gain"],
        helpful=["sleepy-at-night", "weight-loss"],
        expected=["alphazine", "betazine"],
    ),
    Case(
        "a must-avoid item excludes drugs rated ++ or more, and unknown ones",
        drugs={
            "alphazine": {"periods-stopping": 3},
            "betazine": {"periods-stopping": 2},
            "gammazine": {"periods-stopping": 1},
            "deltazine": {"periods-stopping": None},
        },
        avoid=["periods-stopping"],
        must_avoid=["periods-stopping"],
        expected=["gammazine"],
        excluded=["alphazine", "betazine", "deltazine"],
    ),
    Case(
        "only drugs that come in an acceptable form are ranked",
        drugs={"alphazine": {}, "betazine": {}, "gammazine": {}},
        forms={
            "alphazine": ("tablet",),
            "betazine": ("long-acting-injection",),
            "gammazine": ("tablet", "liquid"),
        },
        avoid=["weight-gain"],
        formulations=["liquid", "long-acting-injection"],
        expected=["betazine", "gammazine"],
        excluded=["alphazine"],
        positions=[1, 1],
    ),
    Case(
        "equal scores share a place; the list shows the lower priority-1 rating, then the name",
        drugs={
            "gammazine": {"weight-gain": 0, "tremor": 0},
            "alphazine": {"weight-gain": 0, "tremor": 0},
            "betazine": {"weight-gain": 0, "tremor": 0},
        },
        avoid=["weight-gain", "tremor"],
        expected=["alphazine", "betazine", "gammazine"],
        positions=[1, 1, 1],
    ),
    Case(
        "the place after a tie skips: two drugs at =1, the next is 3rd",
        drugs={
            "alphazine": {"weight-gain": 1},
            "betazine": {"weight-gain": 1},
            "gammazine": {"weight-gain": 2},
        },
        avoid=["weight-gain"],
        expected=["alphazine", "betazine", "gammazine"],
        positions=[1, 1, 3],
    ),
    Case(
        "a helpful item rated + does not count; ++ does",
        drugs={
            "alphazine": {"tremor": 1, "sleepy-at-night": 1},
            "betazine": {"tremor": 1, "sleepy-at-night": 2},
        },
        avoid=["tremor"],
        helpful=["sleepy-at-night"],
        expected=["betazine", "alphazine"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.story for c in CASES])
def test_ranking_spec(case: Case) -> None:
    dataset = make_dataset(
        [make_drug(d, r, forms=case.forms.get(d, ("tablet",))) for d, r in case.drugs.items()]
    )
    ranking = rank(
        dataset,
        RankingRequest(
            avoid=tuple(case.avoid),
            helpful=tuple(case.helpful),
            must_avoid=tuple(case.must_avoid),
            formulations=tuple(case.formulations),
        ),
    )
    assert [r.drug.id for r in ranking.results] == case.expected
    assert [e.drug.id for e in ranking.excluded] == case.excluded
    positions = case.positions or list(range(1, len(case.expected) + 1))
    assert [r.position for r in ranking.results] == positions
    assert [r.tied for r in ranking.results] == [positions.count(p) > 1 for p in positions]


def test_the_worked_example_in_docs_ranking_md() -> None:
    """docs/ranking.md walks through this case; if this fails, fix the doc too."""
    dataset = make_dataset(
        [
            make_drug(
                "alphazine",
                {"weight-gain": 3, "tiredness": 2, "restlessness": 0, "sleepy-at-night": 3},
            ),
            make_drug(
                "betazine",
                {"weight-gain": 1, "tiredness": 1, "restlessness": 2, "sleepy-at-night": 1},
            ),
            make_drug(
                "gammazine",
                {"weight-gain": 0, "tiredness": None, "restlessness": 1, "sleepy-at-night": 0},
            ),
        ]
    )
    request = RankingRequest(
        avoid=("weight-gain", "tiredness", "restlessness"), helpful=("sleepy-at-night",)
    )
    ranking = rank(dataset, request)
    assert ranking.max_score == 36
    assert [
        (r.drug.id, r.base_score, r.bonus, r.score, r.band, r.unknown) for r in ranking.results
    ] == [
        ("gammazine", 11, 0, 11, "good", ("tiredness",)),
        ("betazine", 15, 0, 15, "partial", ()),
        ("alphazine", 23, 3, 20, "poor", ()),
    ]
    strict = rank(
        dataset,
        RankingRequest(avoid=request.avoid, helpful=request.helpful, must_avoid=("weight-gain",)),
    )
    assert [r.drug.id for r in strict.results] == ["gammazine", "betazine"]
    assert [(e.drug.id, e.reason) for e in strict.excluded] == [("alphazine", "must-avoid")]
