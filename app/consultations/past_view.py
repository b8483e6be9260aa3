"""Medicines taken before and a carer's view, as the clinician's pages, the sheet and
the API say them, in one language. Plain Python: no web or database imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.catalogue.model import Dataset
from app.consultations.experience import CarerView, difference
from app.ranking.past import A_LOT, PastMedicine
from app.translations import N_, gettext_for

HELPED_LABELS = {
    "yes": N_("helped: yes"),
    "no": N_("helped: no"),
    "unsure": N_("helped: not sure"),
}
#: The tablet's answers to "did it help?"
HELPED_ANSWERS = {"yes": N_("Yes"), "no": N_("No"), "unsure": N_("Not sure")}
BOTHER_LABELS = {1: N_("a little"), 2: N_("a lot")}


def _name(dataset: Dataset, drug_id: str, lang: str) -> str:
    try:
        return str(dataset.drug(drug_id).name[lang])
    except KeyError:
        return drug_id


def item_label(dataset: Dataset, item_id: str, lang: str) -> str:
    try:
        return str(dataset.item(item_id).label[lang])
    except KeyError:
        return item_id


@dataclass(frozen=True)
class Had:
    """One side effect the person had on a medicine, in words."""

    item: str
    label: str
    bother: int
    bother_label: str

    @property
    def a_lot(self) -> bool:
        return self.bother == A_LOT


@dataclass(frozen=True)
class PastLine:
    """One medicine taken before: the mark the ranking, the compare page and the sheet
    show ("taken before: helped: no; had restlessness (a lot)")."""

    drug_id: str
    name: str
    helped: str
    helped_label: str
    had: tuple[Had, ...]
    stopped_because: str
    summary: str

    @property
    def a_lot(self) -> tuple[Had, ...]:
        return tuple(h for h in self.had if h.a_lot)

    @property
    def had_words(self) -> str:
        """ "restlessness (a lot), tremor (a little)"."""
        return ", ".join(f"{h.label} ({h.bother_label})" for h in self.had)

    def bother_of(self, item: str) -> str | None:
        """How much `item` bothered the person on it, in words (None: not had)."""
        return next((h.bother_label for h in self.had if h.item == item), None)


def past_summary(past: PastMedicine, dataset: Dataset, lang: str) -> str:
    _ = gettext_for(lang)
    parts = [_("taken before"), _(HELPED_LABELS.get(past.helped, HELPED_LABELS["unsure"]))]
    if past.side_effects:
        had = ", ".join(
            _("{item} ({bother})").format(
                item=item_label(dataset, e.side_effect, lang), bother=_(BOTHER_LABELS[e.bother])
            )
            for e in past.side_effects
            if e.bother in BOTHER_LABELS
        )
        parts.append(_("had {items}").format(items=had))
    return "; ".join(parts)


def past_lines(past: Sequence[PastMedicine], dataset: Dataset, lang: str) -> tuple[PastLine, ...]:
    _ = gettext_for(lang)
    return tuple(
        PastLine(
            drug_id=p.drug,
            name=_name(dataset, p.drug, lang),
            helped=p.helped,
            helped_label=_(HELPED_LABELS.get(p.helped, HELPED_LABELS["unsure"])),
            had=tuple(
                Had(
                    e.side_effect,
                    item_label(dataset, e.side_effect, lang),
                    e.bother,
                    _(BOTHER_LABELS[e.bother]),
                )
                for e in p.side_effects
                if e.bother in BOTHER_LABELS
            ),
            stopped_because=p.stopped_because,
            summary=past_summary(p, dataset, lang),
        )
        for p in past
    )


@dataclass(frozen=True)
class CarerRow:
    priority: int
    person: str | None
    carer: str | None
    same: bool


@dataclass(frozen=True)
class CarerSide:
    """The person's five and the carer's five side by side, and where they differ."""

    rows: tuple[CarerRow, ...]
    only_person: tuple[str, ...]
    only_carer: tuple[str, ...]
    moved: tuple[str, ...]
    what_matters: str

    @property
    def agree(self) -> bool:
        return not (self.only_person or self.only_carer or self.moved)


def carer_side(
    person: Sequence[str], carer: CarerView, dataset: Dataset, lang: str
) -> CarerSide | None:
    """None without the person's agreement or without anything from the carer."""
    if not carer.consented or not carer.given:
        return None
    _ = gettext_for(lang)
    diff = difference(person, carer.avoid)
    length = max(len(person), len(carer.avoid))
    return CarerSide(
        rows=tuple(
            CarerRow(
                n + 1,
                item_label(dataset, person[n], lang) if n < len(person) else None,
                item_label(dataset, carer.avoid[n], lang) if n < len(carer.avoid) else None,
                n < len(person) and n < len(carer.avoid) and person[n] == carer.avoid[n],
            )
            for n in range(length)
        ),
        only_person=tuple(item_label(dataset, i, lang) for i in diff.only_person),
        only_carer=tuple(item_label(dataset, i, lang) for i in diff.only_carer),
        moved=tuple(
            _("{item}: priority {person} for the person, {carer} for the carer").format(
                item=item_label(dataset, i, lang), person=p, carer=c
            )
            for i, p, c in diff.moved
        ),
        what_matters=carer.what_matters,
    )
