"""Clinical patterns that any correct dataset must show, run on the bundled drug data.

Each row is a person's wishes and what a pharmacist would expect of the ranking, with
the comparative evidence it comes from (S3 = eTable 6 of the German S3 guideline,
Hasan et al. 2020; Maudsley = the Maudsley Prescribing Guidelines' comparative table).
A row that fails means the data or the ranking contradicts the sources: fix the data,
never the row, unless the row misreads its source.

Places: the "top third" is a place within the first third of the ranked medicines, the
"bottom third" a place in the last third. Medicines with equal scores share a place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import pytest

from app.catalogue.model import Dataset
from app.ranking import Ranking, RankingRequest, rank
from tests.builders import bundled_dataset

SEDATING = {"quetiapine", "olanzapine", "clozapine"}
#: S3 Hyperprolactinemia ++ or +++, or a Maudsley prolactin ++ or +++ for drugs S3 lacks.
PROLACTIN_RAISING = {
    "amisulpride", "haloperidol", "paliperidone", "risperidone", "zuclopenthixol",  # S3
    "sulpiride", "pimozide", "loxapine", "chlorpromazine",  # Maudsley
}  # fmt: skip


@cache
def dataset() -> Dataset:
    return bundled_dataset()


def places(ranking: Ranking) -> dict[str, int]:
    return {r.drug.id: r.position for r in ranking.results}


def top_third(ranking: Ranking) -> set[str]:
    cut = math.ceil(len(ranking.results) / 3)
    return {d for d, p in places(ranking).items() if p <= cut}


def bottom_third(ranking: Ranking) -> set[str]:
    cut = len(ranking.results) - math.ceil(len(ranking.results) / 3)
    return {d for d, p in places(ranking).items() if p > cut}


def better(a: str, b: str) -> Callable[[Ranking], bool]:
    return lambda r: places(r)[a] < places(r)[b]


def in_bottom_third(*drugs: str) -> Callable[[Ranking], bool]:
    return lambda r: set(drugs) <= bottom_third(r)


def in_top_third(*drugs: str) -> Callable[[Ranking], bool]:
    return lambda r: set(drugs) <= top_third(r)


def none_in_top_third(drugs: set[str]) -> Callable[[Ranking], bool]:
    return lambda r: not drugs & top_third(r)


def first_rated_at_least(item: str, grade: int) -> Callable[[Ranking], bool]:
    def check(r: Ranking) -> bool:
        value = r.results[0].drug.ratings[item].value
        return value is not None and value >= grade

    return check


def first_rests_on_a_comparative_source(item: str) -> Callable[[Ranking], bool]:
    """Every drug in first place has this item's grade from a comparative source."""

    def comparative(key: str) -> bool:
        return dataset().sources[key].kind == "comparative"

    return lambda r: all(
        any(comparative(k) for k in x.drug.ratings[item].sources)
        for x in r.results
        if x.position == 1
    )


def excluded(*drugs: str) -> Callable[[Ranking], bool]:
    return lambda r: set(drugs) <= {e.drug.id for e in r.excluded}


def never_may_help(*drugs: str) -> Callable[[Ranking], bool]:
    return lambda r: all(not x.helpful for x in r.results if x.drug.id in drugs)


@dataclass
class Pattern:
    story: str
    avoid: list[str]
    expect: list[Callable[[Ranking], bool]]
    evidence: str
    helpful: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)


PATTERNS = [
    Pattern(
        "avoiding restlessness ranks amisulpride clearly better than haloperidol",
        avoid=["restlessness"],
        expect=[better("amisulpride", "haloperidol")],
        evidence="S3 Akathisia: amisulpride +, haloperidol +++",
    ),
    Pattern(
        "avoiding restlessness puts the potent first-generation drugs in the bottom third",
        avoid=["restlessness"],
        expect=[in_bottom_third("haloperidol", "fluphenazine", "flupentixol", "zuclopenthixol")],
        evidence="S3 Akathisia +++ for all four",
    ),
    Pattern(
        "wanting better sleep puts a sedating drug in the top third and a sedating one first",
        avoid=["restlessness"],
        helpful=["sleepy-at-night"],
        expect=[
            lambda r: bool(SEDATING & top_third(r)),
            first_rated_at_least("sleepy-at-night", 2),
        ],
        evidence="S3 Sedation: quetiapine ++, olanzapine +/++, clozapine +++",
    ),
    Pattern(
        "a person with diabetes never gets a drug first because its lists were sparse",
        avoid=["high-blood-sugar"],
        expect=[first_rests_on_a_comparative_source("high-blood-sugar")],
        evidence="S3 Diabetes mellitus; a 0 from a short product list is not evidence",
    ),
    Pattern(
        "a person with diabetes sees clozapine and olanzapine in the bottom third",
        avoid=["high-blood-sugar"],
        expect=[in_bottom_third("clozapine", "olanzapine")],
        evidence="S3 Diabetes mellitus +++ for both",
    ),
    Pattern(
        "avoiding sexual side effects never puts a prolactin-raising drug in the top third",
        avoid=["less-sex-drive", "erection-difficulty", "orgasm-difficulty"],
        expect=[none_in_top_third(PROLACTIN_RAISING)],
        evidence="S3 Hyperprolactinemia / Sexual dysfunction; Maudsley prolactin",
    ),
    Pattern(
        "avoiding weight gain puts olanzapine and clozapine in the bottom third",
        avoid=["weight-gain"],
        expect=[in_bottom_third("olanzapine", "clozapine"), better("aripiprazole", "olanzapine")],
        evidence="S3 Weight gain: olanzapine and clozapine +++, aripiprazole 0/+",
    ),
    Pattern(
        "must avoid heart problems leaves out the QTc drugs and clozapine",
        avoid=["heart-problems"],
        must_avoid=["heart-problems"],
        expect=[excluded("sertindole", "pimozide", "ziprasidone", "clozapine")],
        evidence="S3 QT: sertindole +++, ziprasidone ++; Maudsley pimozide +++; "
        "clozapine myocarditis warning (product information)",
    ),
    Pattern(
        "avoiding stiffness, tremor and slowness puts clozapine first and haloperidol last third",
        avoid=["stiff-muscles", "tremor", "slowed-movements"],
        expect=[
            lambda r: places(r)["clozapine"] == 1,
            in_top_third("quetiapine"),
            in_bottom_third("haloperidol", "fluphenazine"),
        ],
        evidence="S3 Parkinsonoid: clozapine 0, quetiapine 0/+, haloperidol and fluphenazine +++",
    ),
    Pattern(
        "avoiding daytime sleepiness puts the most sedating drugs in the bottom third",
        avoid=["daytime-sleepiness"],
        expect=[
            in_bottom_third("clozapine", "zuclopenthixol", "chlorpromazine"),
            in_top_third("aripiprazole"),
        ],
        evidence="S3 Sedation: clozapine and zuclopenthixol +++, aripiprazole 0/+; "
        "Maudsley chlorpromazine +++",
    ),
    Pattern(
        "avoiding constipation puts clozapine in the bottom third",
        avoid=["constipation"],
        expect=[in_bottom_third("clozapine")],
        evidence="S3 Obstipation: clozapine +++",
    ),
    Pattern(
        "avoiding dizziness on standing puts clozapine in the bottom third",
        avoid=["dizziness-on-standing"],
        expect=[in_bottom_third("clozapine")],
        evidence="S3 Orthostatic dysregulation: clozapine +++",
    ),
    Pattern(
        "avoiding missed periods ranks aripiprazole better than the prolactin raisers",
        avoid=["periods-stopping"],
        expect=[
            better("aripiprazole", "paliperidone"),
            better("aripiprazole", "risperidone"),
            better("aripiprazole", "amisulpride"),
        ],
        evidence="S3 Dysmenorrhea/amenorrhea: aripiprazole 0/+, paliperidone +++, "
        "risperidone and amisulpride ++",
    ),
    Pattern(
        "wanting weight loss never shows 'may help' for clozapine or olanzapine",
        avoid=["tremor"],
        helpful=["weight-loss"],
        expect=[never_may_help("clozapine", "olanzapine")],
        evidence="S3 Weight gain +++ for both; weight loss rests on 'weight decreased' only",
    ),
    Pattern(
        "avoiding trouble getting to sleep keeps quetiapine in the top third",
        avoid=["difficulty-getting-to-sleep"],
        expect=[in_top_third("quetiapine")],
        evidence="Seroquel XR label: insomnia at or below placebo in the 6-week trials",
    ),
    Pattern(
        "avoiding high cholesterol puts olanzapine and clozapine in the bottom third",
        avoid=["high-cholesterol"],
        expect=[in_bottom_third("olanzapine", "clozapine")],
        evidence="S3 Metabolic changes +++ for both",
    ),
]


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.story for p in PATTERNS])
def test_clinical_pattern(pattern: Pattern) -> None:
    ranking = rank(
        dataset(),
        RankingRequest(
            avoid=tuple(pattern.avoid),
            helpful=tuple(pattern.helpful),
            must_avoid=tuple(pattern.must_avoid),
        ),
    )
    failed = [n for n, check in enumerate(pattern.expect, start=1) if not check(ranking)]
    assert not failed, f"expectation(s) {failed} fail ({pattern.evidence}); ranking: " + ", ".join(
        f"{r.position} {r.drug.id}" for r in ranking.results
    )
