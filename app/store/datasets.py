"""Reading published data versions back into `Dataset` values.

Every read is checked against the checksum the version was published with: a version
whose rows were changed behind the app's back is refused (`DataVersionCorrupt`).
Versions are immutable, so a Dataset read (and checked) once is cached by its checksum
and shared by every request of the process.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.catalogue.model import (
    Bands,
    ChecklistItem,
    Dataset,
    Drug,
    Formulation,
    Group,
    Rating,
    Scoring,
    Source,
    figure_from_document,
    safety_from_document,
)
from app.errors import DataVersionCorrupt
from app.store.memo import Memo
from app.store.tables import ChecklistItemRow, DataVersion, DrugRow, RatingRow, SourceRow

#: A session whose unit of work published a version carries this in `session.info`:
#: once it commits, whoever keeps a pointer to the newest version (the app process's
#: `CurrentVersion`) drops it.
PUBLISHED = "sdm_published_version"


def mark_published(session: Session) -> None:
    """Called by the action that inserts a version, in its unit of work."""
    session.info[PUBLISHED] = True


def published_in(session: Session) -> bool:
    """Whether this unit of work published a version."""
    return bool(session.info.get(PUBLISHED))


def latest_version(session: Session) -> DataVersion | None:
    """The newest published data version: the one consultations use."""
    return session.exec(select(DataVersion).order_by(col(DataVersion.number).desc())).first()


def get_version(session: Session, number: int) -> DataVersion | None:
    return session.get(DataVersion, number)


def next_version_number(session: Session) -> int:
    current = session.exec(select(func.max(DataVersion.number))).one()
    return int(current or 0) + 1


def scoring_from_document(doc: dict[str, object]) -> Scoring:
    bands = doc["bands"]
    assert isinstance(bands, dict)
    return Scoring(
        priority_weights=tuple(doc["priority_weights"]),  # type: ignore[arg-type]
        unknown_assumed=int(doc["unknown_assumed"]),  # type: ignore[call-overload]
        helpful_weight=int(doc["helpful_weight"]),  # type: ignore[call-overload]
        helpful_cap=int(doc["helpful_cap"]),  # type: ignore[call-overload]
        must_avoid_threshold=int(doc["must_avoid_threshold"]),  # type: ignore[call-overload]
        bands=Bands(int(bands["good_max_percent"]), int(bands["partial_max_percent"])),
    )


def read_dataset(session: Session, version: DataVersion) -> Dataset:
    """`version` as a Dataset; `DataVersionCorrupt` if it no longer gives its checksum."""
    dataset = _read(session, version)
    if dataset.checksum() != version.checksum:
        raise DataVersionCorrupt(version.number)
    return dataset


def _read(session: Session, version: DataVersion) -> Dataset:
    n = version.number
    items = session.exec(
        select(ChecklistItemRow)
        .where(ChecklistItemRow.version == n)
        .order_by(col(ChecklistItemRow.position))
    ).all()
    ratings: dict[str, dict[str, Rating]] = {}
    for r in session.exec(select(RatingRow).where(RatingRow.version == n)).all():
        ratings.setdefault(r.drug_id, {})[r.side_effect] = Rating(
            value=r.value,
            sources=tuple(r.sources),
            source_values=dict(r.source_values),
            note=r.note,
        )
    drugs = tuple(
        Drug(
            id=d.id,
            name=d.name,
            atc=d.atc,
            snomed=d.snomed,
            generation=d.generation,
            review_by=d.review_by,
            formulations=tuple(Formulation(**f) for f in d.formulations),
            card=d.card,
            monitoring=tuple(d.monitoring),
            availability_sources=tuple(d.availability_sources),
            ratings=ratings.get(d.id, {}),
            figures=tuple(figure_from_document(f) for f in d.figures),
            safety=tuple(safety_from_document(f) for f in d.safety),
        )
        for d in session.exec(
            select(DrugRow).where(DrugRow.version == n).order_by(col(DrugRow.id))
        ).all()
    )
    sources = {
        s.key: Source(s.key, s.citation, s.url, s.kind, s.accessed)
        for s in session.exec(select(SourceRow).where(SourceRow.version == n)).all()
    }
    return Dataset(
        groups=tuple(Group(g["id"], g["label"]) for g in version.groups),
        checklist=tuple(
            ChecklistItem(i.id, i.position, i.group, i.label, i.explanation) for i in items
        ),
        drugs=drugs,
        sources=sources,
        scoring=scoring_from_document(version.scoring),
        class_safety=tuple(safety_from_document(f) for f in version.class_safety),
    )


class DatasetCache:
    """A small per-process cache of immutable datasets, keyed by checksum."""

    def __init__(self, size: int = 8) -> None:
        self._memo = Memo(size)

    def get(self, session: Session, version: DataVersion) -> Dataset:
        return cast(
            Dataset, self._memo.get(version.checksum, lambda: read_dataset(session, version))
        )
