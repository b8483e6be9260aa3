"""The grading method's rules, checked on a whole Dataset (drugdata/README.md, "Method").

1. A comparative source decides the grade of every item it covers: S3 where it has the
   drug, else the upper median of the comparative tables cited. Product information
   never moves it, up or down.
2. Items resting on one mechanism (domains.py) take one grade per drug (unknown cells
   are flagged on their own and not compared).
3. A published figure turns into a grade by the threshold table; a grade that
   disagrees with its figure needs the figure's `note` saying why.

A cell may depart from rule 1 or 2 only with a note that starts the reason with
"Departs from the comparative grade because" or "Departs from the domain grade
because". Pure: plain values in, problems out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from app.catalogue.domains import SHARED_DOMAINS
from app.catalogue.model import Dataset, Drug, Figure, Rating, Source, symbol
from app.catalogue.problems import Problem

#: The comparative source that decides where it has the drug and the item.
DECIDING_SOURCE = "s3-2020"
COMPARATIVE_DEPARTURE = "Departs from the comparative grade because"
DOMAIN_DEPARTURE = "Departs from the domain grade because"

#: A comparative table's symbol → grade. "0/+" and the Maudsley's "-" (very low) show
#: as + so that none-to-minimal is never shown as none; "+/++" shows as ++.
TABLE_GRADES: Mapping[str, int] = {
    "0": 0, "0/+": 1, "-": 1, "+": 1, "+/++": 2, "++": 2, "+++": 3,
}  # fmt: skip
_SYMBOL = re.compile(r"(?<![\w/+])(0/\+|\+/\+\+|\+{1,3}|0|-)(?![\w/+])")


@dataclass(frozen=True)
class Threshold:
    """A figure's lower bounds for grades 1, 2 and 3 (grade 0 below the first)."""

    measure: str
    effect: str
    unit: str
    bounds: tuple[float, float, float]
    inclusive_first: bool = False  # grade 1 starts above bounds[0], not at it


#: drugdata/README.md §3, the threshold table.
THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("weight", "mean difference", "kg", (0.2, 1.0, 2.0)),
    Threshold("prolactin", "mean difference", "ng/mL", (0.0, 5.0, 20.0)),
    Threshold("qtc", "mean difference", "ms", (0.0, 5.0, 15.0)),
)


def table_grade(text: str) -> int | None:
    """The grade of a comparative table's entry as recorded in source_values, if any."""
    match = _SYMBOL.search(text.replace("²", "").replace("¹", ""))
    return TABLE_GRADES[match.group(1)] if match else None


def comparative_grade(rating: Rating, sources: Mapping[str, Source]) -> tuple[int, str] | None:
    """(grade, how) that the rating's comparative sources give, or None if none does."""
    grades = [
        (key, grade)
        for key in rating.sources
        if (source := sources.get(key)) is not None and source.kind == "comparative"
        if (grade := table_grade(rating.source_values.get(key, ""))) is not None
    ]
    if not grades:
        return None
    for key, grade in grades:
        if key == DECIDING_SOURCE:
            return grade, f"{key} gives {symbol(grade)}"
    ordered = sorted(g for _, g in grades)
    median = ordered[len(ordered) // 2]
    names = ", ".join(k for k, _ in grades)
    return median, f"{names} give {symbol(median)} (upper median)"


def figure_grade(figure: Figure) -> int | None:
    """The grade the threshold table gives a figure, or None when it has no threshold."""
    for t in THRESHOLDS:
        if (t.measure, t.effect, t.unit) == (figure.measure, figure.effect, figure.unit):
            low, mid, high = t.bounds
            if figure.value >= high:
                return 3
            if figure.value >= mid:
                return 2
            return 1 if figure.value > low else 0
    return None


def _drug_problems(drug: Drug, sources: Mapping[str, Source], where: str) -> Iterator[Problem]:
    for item, rating in drug.ratings.items():
        decided = comparative_grade(rating, sources)
        if decided is None or rating.value == decided[0]:
            continue
        if COMPARATIVE_DEPARTURE not in (rating.note or ""):
            yield Problem(
                where,
                drug.id,
                item,
                f"grade {symbol(rating.value)} but the comparative sources decide: "
                f"{decided[1]}; product information never moves a comparative grade "
                f"(or say '{COMPARATIVE_DEPARTURE} ...' in the note)",
            )
    for domain, items in SHARED_DOMAINS.items():
        known = [i for i in items if i in drug.ratings and drug.ratings[i].known]
        rest = {
            drug.ratings[i].value
            for i in known
            if DOMAIN_DEPARTURE not in (drug.ratings[i].note or "")
        }
        if len(rest) > 1:
            shown = ", ".join(f"{i} {symbol(drug.ratings[i].value)}" for i in items)
            yield Problem(
                where,
                drug.id,
                None,
                f"the {domain} items must share one grade ({shown}), "
                f"or say '{DOMAIN_DEPARTURE} ...' in the differing cell's note",
            )
    for figure in drug.figures:
        grade = figure_grade(figure)
        graded = drug.ratings.get(figure.side_effect)
        if grade is None or graded is None or graded.value == grade or figure.note:
            continue
        yield Problem(
            where,
            drug.id,
            figure.side_effect,
            f"the {figure.measure} figure {figure.as_printed} gives {symbol(grade)} by the "
            f"threshold table, but the grade is {symbol(graded.value)}; "
            "give the figure a note saying why",
        )


def method_problems(dataset: Dataset) -> list[Problem]:
    """Every cell, domain and figure that breaks the method's rules."""
    return [
        problem
        for drug in dataset.drugs
        for problem in _drug_problems(drug, dataset.sources, f"drugs/{drug.id}.yaml")
    ]
