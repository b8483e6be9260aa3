"""Small, readable datasets for tests. Drug names here are invented test fixtures
("testazine"), never clinical data; the checklist and weights are the real ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.catalogue.files import read_tree
from app.catalogue.model import (
    ChecklistItem,
    Dataset,
    Drug,
    Formulation,
    Group,
    Rating,
    Scoring,
    Source,
)
from app.catalogue.problems import Problem
from app.catalogue.validate import validate_checklist, validate_scoring

DRUGDATA = Path(__file__).resolve().parent.parent / "drugdata"
TEST_SOURCE = Source(
    "test-source", "A test fixture, not a clinical source.", "https://example.org/"
)


@lru_cache
def bundled_dataset() -> Dataset:
    """The drug data this repository ships, read once per test session (it is immutable)."""
    from app.catalogue import load_directory

    return load_directory(DRUGDATA)


@lru_cache
def _real_parts() -> tuple[tuple[Group, ...], tuple[ChecklistItem, ...], Scoring]:
    tree = read_tree(DRUGDATA)
    assert tree.checklist is not None and tree.scoring is not None, "no checklist or scoring"
    problems: list[Problem] = []
    groups, items = validate_checklist(tree.checklist, problems)
    scoring = validate_scoring(tree.scoring, problems)
    assert not problems, problems
    return tuple(groups), tuple(items), scoring


def real_scoring() -> Scoring:
    return _real_parts()[2]


def make_drug(
    drug_id: str,
    ratings: Mapping[str, int | None] | None = None,
    *,
    forms: tuple[str, ...] = ("tablet",),
    item_ids: tuple[str, ...] | None = None,
) -> Drug:
    """A drug rated 0 on every item except those given (None = unknown)."""
    item_ids = item_ids or tuple(i.id for i in _real_parts()[1])
    given = dict(ratings or {})
    unknown_ids = set(given) - set(item_ids)
    assert not unknown_ids, f"not checklist items: {unknown_ids}"
    cells = {
        item: Rating(
            value=given.get(item, 0),
            sources=("test-source",),
            note=None if given.get(item, 0) is not None else "unknown in this test",
        )
        for item in item_ids
    }
    return Drug(
        id=drug_id,
        name={"en": drug_id.capitalize(), "nb": drug_id.capitalize()},
        atc="N05AX99",
        generation="second",
        review_by=date(2030, 1, 1),
        formulations=tuple(Formulation(f, "marketed", "marketed") for f in forms),
        card={"en": "Test card.", "nb": "Testkort."},
        monitoring=(),
        ratings=cells,
    )


def make_dataset(drugs: list[Drug], scoring: Scoring | None = None) -> Dataset:
    groups, items, real = _real_parts()
    return Dataset(
        groups=groups,
        checklist=items,
        drugs=tuple(sorted(drugs, key=lambda d: d.id)),
        sources={TEST_SOURCE.key: TEST_SOURCE},
        scoring=scoring or real,
    )


def with_rating(drug: Drug, item: str, value: int | None) -> Drug:
    ratings = dict(drug.ratings)
    ratings[item] = replace(ratings[item], value=value, note=None if value is not None else "u")
    return replace(drug, ratings=ratings)
