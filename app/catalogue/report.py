"""Reports on a dataset that a pharmacist reads: coverage per drug and version diffs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.catalogue.model import Dataset, symbol


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


def diff(old: Dataset, new: Dataset) -> list[Change]:
    """Every rating, source list and drug that differs between two datasets."""
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
            if ra is None or rb is None:
                continue
            if ra.value != rb.value:
                changes.append(
                    Change(drug_id, item, "rating", symbol(ra.value), symbol(rb.value), rb.sources)
                )
            elif ra.sources != rb.sources:
                changes.append(
                    Change(
                        drug_id,
                        item,
                        "sources",
                        ", ".join(ra.sources) or "none",
                        ", ".join(rb.sources) or "none",
                        rb.sources,
                    )
                )
            elif ra.note != rb.note:
                changes.append(Change(drug_id, item, "note", repr(ra.note), repr(rb.note)))
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
                    ", ".join(f.form for f in a.formulations),
                    ", ".join(f.form for f in b.formulations),
                )
            )
        if dict(a.card) != dict(b.card) or a.monitoring != b.monitoring:
            changes.append(Change(drug_id, None, "card text", "old", "new"))
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
