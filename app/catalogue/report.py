"""Reports on a dataset that a pharmacist reads: coverage per drug and version diffs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.catalogue.model import Dataset, Figure, Rating, SafetyFlag, Source, Text, symbol


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


#: The rows of the diff that are not one medicine's: the source list, the checklist and
#: the scoring weights.
SOURCES, CHECKLIST, SCORING = "(sources)", "(checklist)", "(scoring)"


def source_text(source: Source | None) -> str:
    """A source as one line: its citation, URL, kind and the date it was read."""
    if source is None:
        return "absent"
    extras = [source.kind] if source.kind != "other" else []
    if source.accessed is not None:
        extras.append(f"accessed {source.accessed.isoformat()}")
    more = f" ({'; '.join(extras)})" if extras else ""
    return f"{source.citation} <{source.url}>{more}"


def _source_changes(old: Dataset, new: Dataset) -> list[Change]:
    changes = []
    for key in sorted(old.sources.keys() | new.sources.keys()):
        was, now = old.sources.get(key), new.sources.get(key)
        if was != now:
            changes.append(
                Change(SOURCES, None, "source", source_text(was), source_text(now), (key,))
            )
    return changes


def _in_languages(a: Text, b: Text) -> list[tuple[str, str]]:
    """(before, after) for each language whose text differs, marked with the language."""
    return [
        (f"[{lang}] {a.get(lang) or 'none'}", f"[{lang}] {b.get(lang) or 'none'}")
        for lang in sorted(set(a) | set(b))
        if a.get(lang) != b.get(lang)
    ]


def _checklist_changes(old: Dataset, new: Dataset) -> list[Change]:
    changes = []
    old_items = {i.id: i for i in old.checklist}
    new_items = {i.id: i for i in new.checklist}
    for item in old.item_ids:
        if item not in new_items:
            changes.append(Change(CHECKLIST, item, "checklist item", "present", "removed"))
    for item in new.item_ids:
        if item not in old_items:
            changes.append(Change(CHECKLIST, item, "checklist item", "absent", "added"))
            continue
        a, b = old_items[item], new_items[item]
        for what, before, after in (
            ("label", a.label, b.label),
            ("explanation", a.explanation, b.explanation),
        ):
            changes += [
                Change(CHECKLIST, item, what, x, y) for x, y in _in_languages(before, after)
            ]
        if a.group != b.group:
            changes.append(Change(CHECKLIST, item, "group", a.group, b.group))
    return changes


def diff(old: Dataset, new: Dataset) -> list[Change]:
    """Every field of every drug, the checklist, the sources and the scoring that differs
    between two datasets, old beside new: ratings (grade, sources, source values, note),
    name, codes, review dates, formulations, card text and monitoring per language,
    availability sources, figures and safety flags; grouped by drug, drugs in id order."""
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
        if dict(a.name) != dict(b.name):
            changes.append(
                Change(
                    drug_id, None, "name", " / ".join(a.name.values()), " / ".join(b.name.values())
                )
            )
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
                    _joined([f"{f.form} (UK {f.uk}, Norway {f.no})" for f in a.formulations]),
                    _joined([f"{f.form} (UK {f.uk}, Norway {f.no})" for f in b.formulations]),
                )
            )
        if a.availability_sources != b.availability_sources:
            changes.append(
                Change(
                    drug_id,
                    None,
                    "availability sources",
                    _joined(a.availability_sources),
                    _joined(b.availability_sources),
                )
            )
        changes += [
            Change(drug_id, None, "card text", x, y) for x, y in _in_languages(a.card, b.card)
        ]
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
    changes += _source_changes(old, new)
    changes += _checklist_changes(old, new)
    if old.scoring != new.scoring:
        changes.append(Change(SCORING, None, "weights", str(old.scoring), str(new.scoring)))
    return changes


@dataclass(frozen=True)
class Names:
    """Drug names and checklist labels of two datasets (the newer wins), to show a diff
    with names instead of ids."""

    drugs: Mapping[str, Text]
    items: Mapping[str, Text]

    @classmethod
    def of(cls, *datasets: Dataset) -> Names:
        drugs: dict[str, Text] = {}
        items: dict[str, Text] = {}
        for dataset in datasets:
            drugs |= {d.id: d.name for d in dataset.drugs}
            items |= {i.id: i.label for i in dataset.checklist}
        return cls(drugs, items)

    def drug(self, drug_id: str, lang: str = "en") -> str | None:
        name = self.drugs.get(drug_id)
        return (name.get(lang) or name.get("en")) if name else None

    def item(self, item_id: str | None, lang: str = "en") -> str | None:
        label = self.items.get(item_id or "")
        return (label.get(lang) or label.get("en")) if label else None


GROUP_TITLES = {SOURCES: "Sources", CHECKLIST: "Checklist", SCORING: "Scoring weights"}


def readable(changes: Sequence[Change], names: Names) -> list[str]:
    """The diff as a pharmacist reads it on the command line: one heading per drug (its
    English name), then each change with the side effect's label, old beside new."""
    lines: list[str] = []
    group = None
    for change in changes:
        if change.drug != group:
            group = change.drug
            title = GROUP_TITLES.get(group) or names.drug(group) or group
            lines.append(f"{title} ({group})" if group not in GROUP_TITLES else title)
        where = names.item(change.item) or change.item
        cited = f"  [{', '.join(change.sources)}]" if change.sources else ""
        head = f"{where}: {change.what}" if where else change.what
        lines.append(f"  {head}: {change.before} -> {change.after}{cited}")
    return lines


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
