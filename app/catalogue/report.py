"""Reports on a dataset that a pharmacist reads: coverage per drug and version diffs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.catalogue.model import Dataset, Figure, Rating, SafetyFlag, symbol


@dataclass(frozen=True)
class Coverage:
    drug: str
    rated: int
    unknown: tuple[str, ...]
    sources: tuple[str, ...]
    figures: tuple[str, ...] = ()  # measures with a published figure, e.g. "weight"
    safety: int = 0  # the drug's own safety notes

    @property
    def unknown_share(self) -> float:
        return len(self.unknown) / (self.rated + len(self.unknown))


def coverage(dataset: Dataset) -> list[Coverage]:
    out = []
    for drug in dataset.drugs:
        unknown = tuple(i for i in dataset.item_ids if drug.ratings[i].value is None)
        used = sorted({k for r in drug.ratings.values() for k in r.sources})
        out.append(
            Coverage(
                drug.id,
                len(dataset.item_ids) - len(unknown),
                unknown,
                tuple(used),
                tuple(f.measure for f in drug.figures),
                len(drug.safety),
            )
        )
    return out


@dataclass(frozen=True)
class Change:
    drug: str
    item: str | None
    what: str
    before: str
    after: str
    sources: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.drug} / {self.item}" if self.item else self.drug
        cited = f"  [{', '.join(self.sources)}]" if self.sources else ""
        return f"{where}: {self.what} {self.before} -> {self.after}{cited}"


def _joined(values: Sequence[str]) -> str:
    return ", ".join(values) or "none"


def _source_values(rating: Rating) -> str:
    return "; ".join(f"{k}: {v}" for k, v in sorted(rating.source_values.items())) or "none"


def _figure(figure: Figure) -> str:
    return f"{figure.measure} ({figure.side_effect}): {figure.as_printed} [{figure.source}]"


def _flag(flag: SafetyFlag) -> str:
    return f"{flag.id}: {flag.text.get('en', '')} [{', '.join(flag.sources)}]"


def _rating_changes(drug_id: str, item: str, a: Rating, b: Rating) -> list[Change]:
    """Each part of a rating that differs, on its own line: a new grade must not hide a
    changed note or a changed source from the reviewer."""
    out = []
    if a.value != b.value:
        out.append(Change(drug_id, item, "rating", symbol(a.value), symbol(b.value), b.sources))
    if a.sources != b.sources:
        out.append(
            Change(drug_id, item, "sources", _joined(a.sources), _joined(b.sources), b.sources)
        )
    if dict(a.source_values) != dict(b.source_values):
        out.append(Change(drug_id, item, "source values", _source_values(a), _source_values(b)))
    if a.note != b.note:
        out.append(Change(drug_id, item, "note", a.note or "none", b.note or "none"))
    return out


def _listed(drug_id: str, what: str, before: Sequence[str], after: Sequence[str]) -> list[Change]:
    """Entries of a list field removed and added, one line each."""
    gone = [x for x in before if x not in after]
    came = [x for x in after if x not in before]
    return [Change(drug_id, None, what, x, "none") for x in gone] + [
        Change(drug_id, None, what, "none", x) for x in came
    ]


def diff(old: Dataset, new: Dataset) -> list[Change]:
    """Every field of every drug, and the scoring, that differs between two datasets,
    old beside new: ratings (grade, sources, source values, note), codes, review dates,
    formulations, card text and monitoring per language, figures and safety flags."""
    changes: list[Change] = []
    old_drugs = {d.id: d for d in old.drugs}
    new_drugs = {d.id: d for d in new.drugs}
    for drug_id in sorted(old_drugs.keys() - new_drugs.keys()):
        changes.append(Change(drug_id, None, "drug", "present", "removed"))
    for drug_id in sorted(new_drugs.keys() - old_drugs.keys()):
        changes.append(Change(drug_id, None, "drug", "absent", "added"))
    for drug_id in sorted(old_drugs.keys() & new_drugs.keys()):
        a, b = old_drugs[drug_id], new_drugs[drug_id]
        for item in new.item_ids:
            ra, rb = a.ratings.get(item), b.ratings.get(item)
            if ra is not None and rb is not None:
                changes.extend(_rating_changes(drug_id, item, ra, rb))
        for field in ("atc", "generation", "snomed", "review_by"):
            if getattr(a, field) != getattr(b, field):
                changes.append(
                    Change(drug_id, None, field, str(getattr(a, field)), str(getattr(b, field)))
                )
        if a.formulations != b.formulations:
            changes.append(
                Change(
                    drug_id,
                    None,
                    "formulations",
                    _joined([f.form for f in a.formulations]),
                    _joined([f.form for f in b.formulations]),
                )
            )
        for lang in sorted(set(a.card) | set(b.card)):
            if a.card.get(lang) != b.card.get(lang):
                changes.append(
                    Change(
                        drug_id,
                        None,
                        "card text",
                        f"[{lang}] {a.card.get(lang) or 'none'}",
                        f"[{lang}] {b.card.get(lang) or 'none'}",
                    )
                )
        if a.monitoring != b.monitoring:
            changes.extend(
                _listed(
                    drug_id,
                    "monitoring",
                    [" / ".join(m.values()) for m in a.monitoring],
                    [" / ".join(m.values()) for m in b.monitoring],
                )
            )
        if a.figures != b.figures:
            changes.extend(
                _listed(
                    drug_id,
                    "figure",
                    [_figure(f) for f in a.figures],
                    [_figure(f) for f in b.figures],
                )
            )
        if a.safety != b.safety:
            changes.extend(
                _listed(
                    drug_id,
                    "safety flag",
                    [_flag(f) for f in a.safety],
                    [_flag(f) for f in b.safety],
                )
            )
    if old.scoring != new.scoring:
        changes.append(Change("(scoring)", None, "weights", str(old.scoring), str(new.scoring)))
    return changes


@dataclass(frozen=True)
class ReviewDue:
    drug: str
    name: str
    review_by: date
    overdue_days: int


def review_due(dataset: Dataset, today: date, within_days: int = 0) -> list[ReviewDue]:
    """Cards whose review-by date has passed, or falls within `within_days` of today."""
    horizon = today + timedelta(days=within_days)
    due = [
        ReviewDue(d.id, d.name["en"], d.review_by, (today - d.review_by).days)
        for d in dataset.drugs
        if d.review_by <= horizon
    ]
    return sorted(due, key=lambda r: (r.review_by, r.drug))
