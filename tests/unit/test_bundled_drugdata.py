"""The drug data this repository ships: complete, sourced, and honest about gaps."""

from __future__ import annotations

from functools import lru_cache

import pytest

from app.catalogue.model import Dataset
from app.catalogue.report import coverage
from tests.builders import bundled_dataset

REQUIRED = [
    "amisulpride", "aripiprazole", "asenapine", "brexpiprazole", "cariprazine",
    "chlorpromazine", "clozapine", "flupentixol", "fluphenazine", "haloperidol", "loxapine",
    "lurasidone", "olanzapine", "paliperidone", "perphenazine", "pimozide", "quetiapine",
    "risperidone", "sertindole", "sulpiride", "trifluoperazine", "ziprasidone",
    "zuclopenthixol",
]  # fmt: skip


@lru_cache
def bundled() -> Dataset:
    return bundled_dataset()


def test_every_required_drug_is_present() -> None:
    assert set(REQUIRED) <= {d.id for d in bundled().drugs}


def test_unknown_cells_are_at_most_ten_percent_overall() -> None:
    rows = coverage(bundled())
    unknown = sum(len(r.unknown) for r in rows)
    cells = sum(r.rated + len(r.unknown) for r in rows)
    assert unknown / cells <= 0.10, f"{unknown} of {cells} cells unknown"


@pytest.mark.parametrize("drug", REQUIRED)
def test_unknown_cells_are_at_most_twenty_percent_per_drug(drug: str) -> None:
    row = next(r for r in coverage(bundled()) if r.drug == drug)
    assert row.unknown_share <= 0.20, f"{drug}: unknown {row.unknown}"


def test_disagreeing_sources_are_recorded_with_a_note() -> None:
    """Where a rating lists what several sources say, it explains which it followed."""
    for drug in bundled().drugs:
        for item, rating in drug.ratings.items():
            if len(set(rating.source_values.values())) > 1:
                assert rating.note, f"{drug.id} {item}: sources differ and no note says why"


def test_coverage_reports_the_figures_and_safety_notes_each_drug_holds() -> None:
    rows = {r.drug: r for r in coverage(bundled())}
    assert rows["clozapine"].figures == ("weight", "total-cholesterol")
    assert rows["clozapine"].safety == len(bundled().drug("clozapine").safety) >= 2
    assert rows["brexpiprazole"].figures == ()
