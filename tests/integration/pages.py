"""Reading pages as a person would see them, with a maintained HTML parser (Beautiful
Soup), and reading the drug data files as a pharmacist would, with plain YAML: the page
tests compare the two without going through the app's own ranking code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup, Tag

from tests.lookup import attribute, one

DRUGDATA = Path(__file__).resolve().parents[2] / "drugdata"


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def text(element: Tag | None) -> str:
    assert element is not None
    return " ".join(element.get_text(" ").split())


@dataclass(frozen=True)
class RankedRow:
    drug_id: str
    name: str
    place: str  # "3", or "=3" for a shared place
    band: str
    cells: tuple[str, ...]  # one per priority, as the symbol shown (+, ++, +++, 0, ?)
    score: int


def ranking_rows(page: str) -> list[RankedRow]:
    table = soup(page).find("table", class_="ranking")
    assert isinstance(table, Tag), "no ranking table on the page"
    rows = []
    for tr in table.find_all("tr")[1:]:
        tds = tr.find_all("td")
        link = one(one(tr, "th"), "a")
        cells = tuple(
            "?" if td.find("abbr") else text(td.find("span", attrs={"aria-hidden": "true"}))
            for td in tds[3:-1]
        )
        place_span = tds[1].find("span")
        rows.append(
            RankedRow(
                drug_id=attribute(link, "href").split("/staff/cards/")[1].split("?")[0],
                name=text(link),
                place=text(place_span) if place_span else text(tds[1]),
                band=text(tds[2]),
                cells=cells,
                score=int(text(tds[-1])),
            )
        )
    return rows


def excluded_ids(page: str) -> list[str]:
    listed = soup(page).find("ul", class_="excluded")
    if listed is None:
        return []
    return [
        attribute(a, "href").split("/staff/cards/")[1].split("?")[0] for a in listed.find_all("a")
    ]


@cache
def drug_files() -> dict[str, dict[str, Any]]:
    """Every drug file in drugdata/drugs, as YAML: the data the pharmacists keep."""
    return {
        path.stem: yaml.safe_load(path.read_text())
        for path in sorted((DRUGDATA / "drugs").glob("*.yaml"))
    }


@cache
def scoring_file() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DRUGDATA / "scoring.yaml").read_text())
    return loaded


def rating_in_file(drug: str, item: str) -> int | None:
    value = drug_files()[drug]["ratings"][item]["value"]
    return None if value == "unknown" else int(value)


def symbol_of(value: int | None) -> str:
    return "?" if value is None else ("0" if value == 0 else "+" * value)


def forms_in_file(drug: str) -> set[str]:
    return {f["form"] for f in drug_files()[drug]["formulations"]}


def competition_places(scores: list[int]) -> list[str]:
    """Places as a sports table gives them: equal scores share a place ("=2"), and the
    next place skips as many as shared it."""
    places = []
    for index, score in enumerate(scores):
        first = scores.index(score) + 1
        shared = scores.count(score) > 1
        places.append(f"={first}" if shared else str(first))
        assert index + 1 >= first
    return places
