"""A ranking as people and programs read it: one presentation, in one language.

The clinician's page, the discussion sheet and the JSON API (app/api/schemas.py) all
present a ranking from the `Match`es and `Excluded`s built here, so the API cannot say
one thing about a medicine and the page another. Plain Python: no web or database
imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.catalogue.model import Dataset, symbol
from app.ranking import Ranking
from app.ranking.explain import exclusion_message, rating_text, why
from app.translations import N_, gettext_for

BAND_LABELS = {
    "good": N_("Good match"),
    "partial": N_("Partial match"),
    "poor": N_("Poor match"),
}
#: A rating for the person's sheet: a short word, defined there by how often and how bad
#: (the card's words mix the two; NG197 §1.5).
PLAIN_RATINGS = {
    None: N_("not known"),
    0: N_("not expected"),
    1: N_("low"),
    2: N_("medium"),
    3: N_("high"),
}


@dataclass(frozen=True, slots=True)
class Cell:
    """One rating as people read it: symbol and words, never colour alone. `text` is the
    card's words (the clinician's pages), `plain` the sheet's word ("high")."""

    value: int | None
    symbol: str
    text: str
    plain: str

    @property
    def unknown(self) -> bool:
        return self.value is None


@lru_cache(maxsize=32)
def cell(value: int | None, lang: str) -> Cell:
    """The rating `value` in `lang`; kept, as there are ten (five values, two languages)
    and a ranking asks for one per medicine and side effect. Bounded all the same, so a
    caller passing unchecked language codes cannot grow it."""
    return Cell(
        value, symbol(value), rating_text(value, lang), gettext_for(lang)(PLAIN_RATINGS[value])
    )


@dataclass(frozen=True, slots=True)
class MatchLine:
    """One side effect the person wants to avoid, as it counts for one medicine."""

    side_effect: str
    label: str
    priority: int
    cell: Cell
    weight: int
    counted_as: int
    contribution: int


@dataclass(frozen=True, slots=True)
class HelpfulLine:
    """A side effect the person said would help, and how likely it is on one medicine."""

    side_effect: str
    label: str
    rating: int  # always known: a helpful side effect counts only from `++` up
    cell: Cell


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked medicine: its place, score, band, the reasons, and each of the person's
    side effects (`breakdown`, in priority order)."""

    drug_id: str
    name: str
    position: int
    tied: bool
    score: int
    base_score: int
    helpful_bonus: int
    band: str
    band_label: str
    why: str
    breakdown: tuple[MatchLine, ...]
    unknown: tuple[str, ...]  # the side effects to avoid whose rating is not known
    unknown_labels: tuple[str, ...]
    helpful: tuple[HelpfulLine, ...]
    forms: tuple[str, ...]
    safety: tuple[str, ...]  # the drug's own safety notes, for the clinician

    @property
    def place(self) -> str:
        """'3', or '=3' when another medicine shares the place."""
        return f"={self.position}" if self.tied else str(self.position)

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(line.cell for line in self.breakdown)


@dataclass(frozen=True, slots=True)
class Excluded:
    """A medicine left out of the ranking: `reason` is the code, `message` the words."""

    drug_id: str
    name: str
    reason: str
    side_effect: str | None
    message: str


def matches(ranking: Ranking, dataset: Dataset, lang: str) -> tuple[Match, ...]:
    _ = gettext_for(lang)
    label = {i.id: i.label[lang] for i in dataset.checklist}
    return tuple(
        Match(
            drug_id=r.drug.id,
            name=r.drug.name[lang],
            position=r.position,
            tied=r.tied,
            score=r.score,
            base_score=r.base_score,
            helpful_bonus=r.bonus,
            band=r.band,
            band_label=_(BAND_LABELS[r.band]),
            why=why(r, dataset, lang),
            breakdown=tuple(
                MatchLine(
                    side_effect=s.side_effect,
                    label=label[s.side_effect],
                    priority=s.priority,
                    cell=cell(s.rating, lang),
                    weight=s.weight,
                    counted_as=s.counted_as,
                    contribution=s.contribution,
                )
                for s in r.breakdown
            ),
            unknown=tuple(r.unknown),
            unknown_labels=tuple(label[i] for i in r.unknown),
            helpful=tuple(
                HelpfulLine(h.side_effect, label[h.side_effect], h.rating, cell(h.rating, lang))
                for h in r.helpful
            ),
            forms=tuple(sorted(r.drug.forms)),
            safety=tuple(f.text[lang] for f in r.drug.safety),
        )
        for r in ranking.results
    )


def excluded(ranking: Ranking, dataset: Dataset, lang: str) -> tuple[Excluded, ...]:
    return tuple(
        Excluded(
            drug_id=e.drug.id,
            name=e.drug.name[lang],
            reason=e.reason,
            side_effect=e.side_effect,
            message=exclusion_message(e, dataset, lang),
        )
        for e in ranking.excluded
    )
