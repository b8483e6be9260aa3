"""Publishing a validated Dataset as the next immutable data version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from app import audit
from app.catalogue.model import (
    Dataset,
    Drug,
    Source,
    figure_document,
    options_document,
    safety_document,
    scoring_document,
)
from app.clock import utcnow
from app.db import insert_rows
from app.store.datasets import latest_version, mark_published, next_version_number
from app.store.tables import ChecklistItemRow, DataVersion, DrugRow, RatingRow, SourceRow


@dataclass(frozen=True)
class PublishResult:
    version: DataVersion
    created: bool


def publish_dataset(
    session: Session, dataset: Dataset, *, by: str, note: str = ""
) -> PublishResult:
    """Insert `dataset` as the next data version, with its audit event, in the caller's
    transaction. Content equal to the latest version publishes nothing."""
    checksum = dataset.checksum()
    latest = latest_version(session)
    if latest is not None and latest.checksum == checksum:
        return PublishResult(latest, created=False)
    number = next_version_number(session)
    version = DataVersion(
        number=number,
        checksum=checksum,
        created_at=utcnow(),
        created_by=by,
        note=note,
        scoring=scoring_document(dataset.scoring),
        groups=[{"id": g.id, "label": dict(g.label)} for g in dataset.groups],
        class_safety=[safety_document(f) for f in dataset.class_safety],
        options=options_document(dataset.options) if dataset.options else None,
    )
    session.add(version)
    mark_published(session)  # the app's pointer moves on once this commits
    session.flush()
    insert_rows(session, ChecklistItemRow, checklist_rows(dataset, version=number))
    insert_rows(session, SourceRow, source_rows(dataset.sources.values(), version=number))
    insert_rows(session, DrugRow, drug_rows(dataset.drugs, version=number))
    insert_rows(session, RatingRow, rating_rows(dataset.drugs, version=number))
    audit.record(
        session,
        by=by,
        action="data_version.publish",
        target=f"data_version/{number}",
        before={"number": latest.number, "checksum": latest.checksum} if latest else None,
        after={"number": number, "checksum": checksum, "drugs": len(dataset.drugs), "note": note},
    )
    session.flush()
    return PublishResult(version, created=True)


def checklist_rows(dataset: Dataset, **key: object) -> list[dict[str, object]]:
    """Every checklist item of `dataset` as a row, each with `key` (the version) added."""
    return [
        {
            **key,
            "id": i.id,
            "position": i.order,
            "group": i.group,
            "label": dict(i.label),
            "explanation": dict(i.explanation),
        }
        for i in dataset.checklist
    ]


def source_rows(sources: Iterable[Source], **key: object) -> list[dict[str, object]]:
    """Every source as a row, each with `key` (the version, or the draft) added."""
    return [
        {
            **key,
            "key": s.key,
            "citation": s.citation,
            "url": s.url,
            "kind": s.kind,
            "accessed": s.accessed,
        }
        for s in sources
    ]


def drug_rows(drugs: Iterable[Drug], **key: object) -> list[dict[str, object]]:
    """Every drug's fields other than ratings as a row, each with `key` (the version)."""
    return [
        {
            **key,
            "id": drug.id,
            "name": dict(drug.name),
            "atc": drug.atc,
            "snomed": drug.snomed,
            "generation": drug.generation,
            "review_by": drug.review_by,
            "formulations": [{"form": f.form, "uk": f.uk, "no": f.no} for f in drug.formulations],
            "card": dict(drug.card),
            "monitoring": [dict(m) for m in drug.monitoring],
            "availability_sources": list(drug.availability_sources),
            "figures": [figure_document(f) for f in drug.figures],
            "safety": [safety_document(f) for f in drug.safety],
        }
        for drug in drugs
    ]


def rating_rows(drugs: Iterable[Drug], **key: object) -> list[dict[str, object]]:
    """Every rating of `drugs` as a row for one multi-row INSERT, each with `key` (the
    version, or the draft) added: a published version's and a new draft's ratings."""
    return [
        {
            **key,
            "drug_id": drug.id,
            "side_effect": item,
            "value": rating.value,
            "sources": list(rating.sources),
            "source_values": dict(rating.source_values),
            "note": rating.note,
        }
        for drug in drugs
        for item, rating in drug.ratings.items()
    ]
