"""The ranking: every drug of a data version, ordered against one person's wishes.

Pure and deterministic. The rules, with a worked example, are in docs/ranking.md:

    base score  = sum over avoid items of  weight(priority) x rating
                  (an unknown rating counts as `unknown_assumed` steps, and is flagged)
    bonus       = min(helpful_cap, helpful_weight x sum of ratings on helpful items)
    score       = base score - bonus                      (lower is a better match)

Order: score, then fewer unknown ratings among the avoid items, then the ratings in
priority order (lower on priority 1 first, then priority 2, ...), then name, then id.
Drugs with the same score share a `position` (1, 2, 2, 4): the later keys only fix the
order in which a tie is listed, so that the same input always reads the same way.

A helpful item counts (and is shown as "may help") only where the drug is rated at
least `HELPFUL_MIN_RATING` on it: an uncommon or mild effect is no help to rely on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from app.catalogue.domains import shared_groups
from app.catalogue.model import SCALE_MAX, Dataset, Drug, Scoring
from app.ranking.request import RankingRequest, check_request

#: The least rating (`++`) at which a helpful item counts and is shown as "may help".
HELPFUL_MIN_RATING = 2


@dataclass(frozen=True)
class ItemScore:
    side_effect: str
    priority: int
    rating: int | None
    weight: int
    counted_as: int
    contribution: int


@dataclass(frozen=True)
class HelpfulItem:
    side_effect: str
    rating: int


@dataclass(frozen=True)
class RankedDrug:
    drug: Drug
    position: int
    tied: bool
    score: int
    base_score: int
    bonus: int
    band: str
    breakdown: tuple[ItemScore, ...]
    unknown: tuple[str, ...]
    helpful: tuple[HelpfulItem, ...]


@dataclass(frozen=True)
class Exclusion:
    drug: Drug
    reason: str
    side_effect: str | None
    rating: int | None


@dataclass(frozen=True)
class Ranking:
    request: RankingRequest
    max_score: int
    results: tuple[RankedDrug, ...]
    excluded: tuple[Exclusion, ...]
    shared_domains: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Domains two or more avoid items rest on: ("akathisia", ("tension", "restlessness"))."""


def _exclusion(drug: Drug, request: RankingRequest, scoring: Scoring) -> Exclusion | None:
    for item in request.must_avoid:
        rating = drug.ratings[item].value
        if rating is None:
            return Exclusion(drug, "must-avoid-unknown", item, None)
        if rating >= scoring.must_avoid_threshold:
            return Exclusion(drug, "must-avoid", item, rating)
    if request.formulations and not drug.forms & set(request.formulations):
        return Exclusion(drug, "formulation", None, None)
    return None


def _band(score: int, max_score: int, scoring: Scoring) -> str:
    percent = 100 * score / max_score
    if percent <= scoring.bands.good_max_percent:
        return "good"
    if percent <= scoring.bands.partial_max_percent:
        return "partial"
    return "poor"


@dataclass(frozen=True)
class _Scored:
    drug: Drug
    breakdown: tuple[ItemScore, ...]
    helpful: tuple[HelpfulItem, ...]
    base: int
    bonus: int

    @property
    def score(self) -> int:
        return self.base - self.bonus

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(s.side_effect for s in self.breakdown if s.rating is None)

    def sort_key(self) -> tuple[int, int, tuple[int, ...], str, str]:
        return (
            self.score,
            len(self.unknown),
            tuple(s.counted_as for s in self.breakdown),
            self.drug.name["en"].casefold(),
            self.drug.id,
        )


def _score(drug: Drug, request: RankingRequest, scoring: Scoring) -> _Scored:
    breakdown: list[ItemScore] = []
    for index, item in enumerate(request.avoid):
        rating = drug.ratings[item].value
        counted = scoring.unknown_assumed if rating is None else rating
        weight = scoring.priority_weights[index]
        breakdown.append(ItemScore(item, index + 1, rating, weight, counted, weight * counted))
    helpful = tuple(
        HelpfulItem(item, value)
        for item in request.helpful
        if (value := drug.ratings[item].value) is not None and value >= HELPFUL_MIN_RATING
    )
    bonus = min(scoring.helpful_cap, scoring.helpful_weight * sum(h.rating for h in helpful))
    return _Scored(drug, tuple(breakdown), helpful, sum(s.contribution for s in breakdown), bonus)


def rank(dataset: Dataset, request: RankingRequest) -> Ranking:
    """Rank every drug in `dataset` for `request`. Raises InvalidRequest for bad input."""
    check_request(request, dataset.item_ids)
    scoring = dataset.scoring
    max_score = SCALE_MAX * sum(scoring.priority_weights[: len(request.avoid)])
    scored: list[_Scored] = []
    excluded: list[Exclusion] = []
    for drug in dataset.drugs:
        if (exclusion := _exclusion(drug, request, scoring)) is not None:
            excluded.append(exclusion)
        else:
            scored.append(_score(drug, request, scoring))
    scored.sort(key=_Scored.sort_key)
    positions = _competition_positions([s.score for s in scored])
    results = tuple(
        RankedDrug(
            drug=s.drug,
            position=positions[index][0],
            tied=positions[index][1],
            score=s.score,
            base_score=s.base,
            bonus=s.bonus,
            band=_band(s.score, max_score, scoring),
            breakdown=s.breakdown,
            unknown=s.unknown,
            helpful=s.helpful,
        )
        for index, s in enumerate(scored)
    )
    excluded.sort(key=lambda e: (e.drug.name["en"].casefold(), e.drug.id))
    return Ranking(
        request, max_score, results, tuple(excluded), shared_groups(tuple(request.avoid))
    )


def _competition_positions(scores: list[int]) -> list[tuple[int, bool]]:
    """(position, tied) for sorted scores: equal scores share a place, the next one skips."""
    counts = Counter(scores)
    out: list[tuple[int, bool]] = []
    for index, score in enumerate(scores):
        position = out[index - 1][0] if index and scores[index - 1] == score else index + 1
        out.append((position, counts[score] > 1))
    return out
