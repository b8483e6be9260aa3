"""The ranking's rules, checked as properties over generated datasets and requests.

100 examples per property: new ones every run by default, the same 100 every run with
HYPOTHESIS_PROFILE=ci (as CI runs them); 1,000 with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import assume, given
from hypothesis import strategies as st

from app.catalogue.model import Dataset
from app.ranking import RankingRequest, rank
from tests.builders import make_dataset, make_drug, real_scoring, with_rating

ITEMS = make_dataset([]).item_ids
RATING = st.one_of(st.integers(0, 3), st.none())


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Dataset, RankingRequest]:
    chosen = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=10, unique=True))
    n_avoid = draw(st.integers(1, min(5, len(chosen))))
    avoid, rest = chosen[:n_avoid], chosen[n_avoid:]
    helpful = rest[: draw(st.integers(0, len(rest)))]
    drugs = []
    for index in range(draw(st.integers(2, 7))):
        cells = {item: draw(RATING) for item in chosen}
        # a few ratings on items nobody chose, to show they never matter
        cells.update(
            {
                item: draw(RATING)
                for item in draw(st.sets(st.sampled_from(ITEMS), max_size=3))
                if item not in chosen
            }
        )
        drugs.append(make_drug(f"drug{index}", cells))
    return make_dataset(drugs), RankingRequest(avoid=tuple(avoid), helpful=tuple(helpful))


def order(dataset: Dataset, request: RankingRequest) -> list[str]:
    return [r.drug.id for r in rank(dataset, request).results]


def position(dataset: Dataset, request: RankingRequest, drug_id: str) -> int:
    return order(dataset, request).index(drug_id)


@given(scenarios(), st.randoms())
def test_same_input_always_gives_the_same_order(
    scenario: tuple[Dataset, RankingRequest], rnd: random.Random
) -> None:
    dataset, request = scenario
    first = order(dataset, request)
    shuffled = list(dataset.drugs)
    rnd.shuffle(shuffled)
    assert order(replace(dataset, drugs=tuple(shuffled)), request) == first
    assert order(dataset, request) == first


@given(scenarios(), st.data())
def test_raising_a_rating_on_an_avoid_item_never_improves_position(
    scenario: tuple[Dataset, RankingRequest], data: st.DataObject
) -> None:
    dataset, request = scenario
    drug = data.draw(st.sampled_from(dataset.drugs))
    item = data.draw(st.sampled_from(request.avoid))
    value = drug.ratings[item].value
    assume(value is not None and value < 3)
    assert value is not None  # for the type checker: assume() does not narrow
    higher = data.draw(st.integers(value + 1, 3))
    raised = replace(
        dataset,
        drugs=tuple(with_rating(d, item, higher) if d.id == drug.id else d for d in dataset.drugs),
    )
    assert position(raised, request, drug.id) >= position(dataset, request, drug.id)


@given(scenarios(), st.data())
def test_lowering_a_rating_on_an_avoid_item_never_worsens_position(
    scenario: tuple[Dataset, RankingRequest], data: st.DataObject
) -> None:
    dataset, request = scenario
    drug = data.draw(st.sampled_from(dataset.drugs))
    item = data.draw(st.sampled_from(request.avoid))
    value = drug.ratings[item].value
    assume(value is not None and value > 0)
    assert value is not None  # for the type checker: assume() does not narrow
    lower = data.draw(st.integers(0, value - 1))
    lowered = replace(
        dataset,
        drugs=tuple(with_rating(d, item, lower) if d.id == drug.id else d for d in dataset.drugs),
    )
    assert position(lowered, request, drug.id) <= position(dataset, request, drug.id)


@given(scenarios(), st.data())
def test_items_neither_avoided_nor_helpful_never_change_the_order(
    scenario: tuple[Dataset, RankingRequest], data: st.DataObject
) -> None:
    dataset, request = scenario
    others = [i for i in ITEMS if i not in request.avoid and i not in request.helpful]
    changes = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([d.id for d in dataset.drugs]), st.sampled_from(others), RATING
            ),
            min_size=1,
            max_size=10,
        )
    )
    drugs = {d.id: d for d in dataset.drugs}
    for drug_id, item, value in changes:
        drugs[drug_id] = with_rating(drugs[drug_id], item, value)
    changed = replace(dataset, drugs=tuple(drugs.values()))
    assert order(changed, request) == order(dataset, request)


@given(st.lists(st.sampled_from(ITEMS), min_size=2, max_size=5, unique=True), st.data())
def test_a_higher_priority_weighs_at_least_as_much_as_a_lower_one(
    avoid: list[str], data: st.DataObject
) -> None:
    """Two drugs with the same two ratings, swapped between a higher and a lower
    priority item: the one with the worse rating on the lower priority ranks first."""
    i, j = sorted(
        data.draw(st.lists(st.integers(0, len(avoid) - 1), min_size=2, max_size=2, unique=True))
    )
    worse, better = data.draw(st.integers(1, 3)), None
    better = data.draw(st.integers(0, worse - 1))
    worse_on_high = make_drug("alphazine", {avoid[i]: worse, avoid[j]: better})
    worse_on_low = make_drug("zetazine", {avoid[i]: better, avoid[j]: worse})
    dataset = make_dataset([worse_on_high, worse_on_low])
    assert order(dataset, RankingRequest(avoid=tuple(avoid))) == ["zetazine", "alphazine"]


@given(scenarios(), st.data())
def test_unknown_never_outranks_an_identical_drug_with_a_known_low_rating(
    scenario: tuple[Dataset, RankingRequest], data: st.DataObject
) -> None:
    dataset, request = scenario
    template = data.draw(st.sampled_from(dataset.drugs))
    item = data.draw(st.sampled_from(request.avoid))
    low = data.draw(st.integers(0, real_scoring().unknown_assumed))
    unknown = replace(
        with_rating(template, item, None), id="unknownzine", name={"en": "Aaa", "nb": "Aaa"}
    )  # the name would win a tie
    known = replace(
        with_rating(template, item, low), id="knownzine", name={"en": "Zzz", "nb": "Zzz"}
    )
    extended = replace(dataset, drugs=(*dataset.drugs, unknown, known))
    ranking = rank(extended, request)
    ids = [r.drug.id for r in ranking.results]
    assert ids.index("knownzine") < ids.index("unknownzine")
    flagged = next(r for r in ranking.results if r.drug.id == "unknownzine")
    assert item in flagged.unknown


@given(scenarios(), st.data())
def test_helpful_ticks_never_lift_past_a_drug_trailed_by_a_priority_one_triple_plus(
    scenario: tuple[Dataset, RankingRequest], data: st.DataObject
) -> None:
    """If, without helpful ticks, drug A trails drug B by at least the points of a +++
    on the priority-1 item, no helpful ticks put A above B."""
    dataset, request = scenario
    assume(request.helpful)
    plain = RankingRequest(avoid=request.avoid)
    scores = {r.drug.id: r.score for r in rank(dataset, plain).results}
    margin = 3 * real_scoring().priority_weights[0]
    with_help = order(dataset, request)
    for a, score_a in scores.items():
        for b, score_b in scores.items():
            if score_a - score_b >= margin:
                assert with_help.index(b) < with_help.index(a)


@given(
    st.sampled_from(ITEMS), st.lists(st.sampled_from(ITEMS), min_size=1, max_size=12, unique=True)
)
def test_a_priority_one_triple_plus_is_never_overcome_by_helpful_ticks(
    first: str, helpful: list[str]
) -> None:
    """Even a dozen helpful +++ ticks (worth far more than 15 points uncapped) do not."""
    assume(first not in helpful)
    trailing = make_drug("alphazine", {first: 3, **dict.fromkeys(helpful, 3)})
    leading = make_drug("zetazine", {first: 0})
    dataset = make_dataset([trailing, leading])
    request = RankingRequest(avoid=(first,), helpful=tuple(helpful))
    assert order(dataset, request) == ["zetazine", "alphazine"]
