"""Cases any correct antipsychotic dataset must satisfy, checked against the drug data
this repository ships. Each case says what the person chose and what the published
comparative evidence says should follow; the source is named in each case.

S3 = German S3 guideline table (Hasan et al., Dtsch Arztebl Int 2020, eTable 6).
"Bottom part" means the last third of the ranked list; "top part" the first third.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pytest

from app.catalogue.model import Dataset
from app.ranking import RankingRequest, rank
from tests.builders import bundled_dataset


@lru_cache
def bundled() -> Dataset:
    return bundled_dataset()


@dataclass
class Expectation:
    story: str
    avoid: list[str]
    not_top: list[str] = field(default_factory=list)
    in_bottom_part: list[str] = field(default_factory=list)
    in_bottom_half: list[str] = field(default_factory=list)
    in_top_half: list[str] = field(default_factory=list)
    helpful: list[str] = field(default_factory=list)


CASES = [
    Expectation(
        "weight gain and diabetes first: olanzapine and clozapine are never the best match "
        "(S3 weight gain and diabetes +++ for both; Pillinger 2020)",
        avoid=["weight-gain", "high-blood-sugar"],
        not_top=["olanzapine", "clozapine"],
        in_bottom_part=["olanzapine", "clozapine"],
        in_top_half=["aripiprazole", "cariprazine", "lurasidone", "ziprasidone"],
    ),
    Expectation(
        "weight, sugar and cholesterol: the metabolically neutral drugs lead "
        "(S3 metabolic changes 0/+ for aripiprazole, cariprazine, lurasidone, ziprasidone)",
        avoid=["weight-gain", "high-blood-sugar", "high-cholesterol"],
        in_bottom_part=["olanzapine", "clozapine"],
        in_top_half=["aripiprazole", "cariprazine", "lurasidone", "ziprasidone"],
    ),
    Expectation(
        "periods stopping and less sex drive: prolactin-raising drugs are not near the top "
        "(S3 hyperprolactinaemia +++ for amisulpride, paliperidone, risperidone, haloperidol; "
        "dysmenorrhoea/amenorrhoea +++ for paliperidone, ++ for the others)",
        avoid=["periods-stopping", "less-sex-drive"],
        not_top=["amisulpride", "paliperidone", "risperidone", "haloperidol"],
        in_bottom_part=["paliperidone"],
        in_bottom_half=["amisulpride", "risperidone", "haloperidol"],
        in_top_half=["aripiprazole", "cariprazine"],
    ),
    Expectation(
        "stiffness, tremor and slowness: high-potency first-generation drugs rank low "
        "(S3 parkinsonoid +++ for haloperidol, fluphenazine, flupentixol, zuclopenthixol)",
        avoid=["stiff-muscles", "tremor", "slowed-movements"],
        not_top=["haloperidol", "fluphenazine", "flupentixol", "zuclopenthixol"],
        in_bottom_part=["haloperidol", "fluphenazine", "zuclopenthixol"],
        in_top_half=["olanzapine"],
    ),
    Expectation(
        "restlessness: the drugs with most akathisia rank low "
        "(S3 akathisia +++ for haloperidol, fluphenazine, flupentixol, zuclopenthixol)",
        avoid=["restlessness", "restless-body-parts"],
        in_bottom_part=["haloperidol", "fluphenazine", "zuclopenthixol"],
        in_top_half=["olanzapine", "sertindole"],
    ),
    Expectation(
        "daytime sleepiness and tiredness: the most sedating drugs rank low "
        "(S3 sedation +++ for clozapine and zuclopenthixol, ++ for quetiapine)",
        avoid=["daytime-sleepiness", "tiredness"],
        not_top=["clozapine", "zuclopenthixol", "quetiapine"],
        in_bottom_part=["clozapine", "zuclopenthixol"],
        in_top_half=["aripiprazole", "amisulpride"],
    ),
    Expectation(
        "heart rhythm worry: sertindole is never the best match "
        "(S3 QT prolongation +++ for sertindole; its use is restricted)",
        avoid=["heart-problems"],
        not_top=["sertindole", "amisulpride", "ziprasidone"],
        in_bottom_part=["sertindole"],
    ),
    Expectation(
        "dizziness on standing: clozapine ranks low (S3 orthostatic dysregulation +++)",
        avoid=["dizziness-on-standing"],
        not_top=["clozapine"],
        in_bottom_part=["clozapine"],
    ),
    Expectation(
        "constipation: clozapine ranks low (S3 obstipation +++)",
        avoid=["constipation"],
        in_bottom_part=["clozapine"],
    ),
    Expectation(
        "drooling: clozapine ranks low (hypersalivation is very common in its product information)",
        avoid=["drooling"],
        in_bottom_part=["clozapine"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.story.split(":")[0] for c in CASES])
def test_rankings_agree_with_the_comparative_evidence(case: Expectation) -> None:
    ranking = rank(bundled(), RankingRequest(avoid=tuple(case.avoid), helpful=tuple(case.helpful)))
    order = [r.drug.id for r in ranking.results]
    n = len(order)
    assert order[0] not in case.not_top, f"{order[0]} is the best match: {order}"
    for drug in case.in_bottom_part:
        assert order.index(drug) >= n - n // 3, f"{drug} at {order.index(drug) + 1} of {n}"
    for drug in case.in_bottom_half:
        assert order.index(drug) >= n - n // 2, f"{drug} at {order.index(drug) + 1} of {n}"
    for drug in case.in_top_half:
        assert order.index(drug) < n // 2, f"{drug} at {order.index(drug) + 1} of {n}"


@pytest.mark.parametrize(
    ("drug", "item", "at_least"),
    [
        ("olanzapine", "weight-gain", 3),
        ("clozapine", "weight-gain", 3),
        ("clozapine", "constipation", 3),
        ("clozapine", "drooling", 3),
        ("clozapine", "daytime-sleepiness", 3),
        ("sertindole", "heart-problems", 3),
        ("haloperidol", "stiff-muscles", 3),
        ("haloperidol", "restlessness", 3),
        ("amisulpride", "periods-stopping", 2),
        ("paliperidone", "periods-stopping", 3),
        ("risperidone", "periods-stopping", 2),
        ("chlorpromazine", "sun-sensitivity", 1),
    ],
)
def test_well_known_strong_effects_are_rated_high(drug: str, item: str, at_least: int) -> None:
    value = bundled().drug(drug).ratings[item].value
    assert value is not None and value >= at_least, f"{drug} {item} = {value}"


@pytest.mark.parametrize(
    ("drug", "item", "at_most"),
    [
        ("aripiprazole", "weight-gain", 1),
        ("aripiprazole", "periods-stopping", 1),
        ("cariprazine", "periods-stopping", 1),
        ("lurasidone", "weight-gain", 1),
        ("ziprasidone", "weight-gain", 1),
        ("clozapine", "abnormal-movements", 1),
        ("olanzapine", "periods-stopping", 1),
    ],
)
def test_well_known_weak_effects_are_rated_low(drug: str, item: str, at_most: int) -> None:
    value = bundled().drug(drug).ratings[item].value
    assert value is not None and value <= at_most, f"{drug} {item} = {value}"
