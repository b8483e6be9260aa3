"""The drug data shipped with a release (`drugdata/`), taken in at start-up.

The first time, into a database with no data version, the files are published: there
is nothing to review them against, and the service cannot answer without data. After
that, files that differ from the newest version never publish themselves: they open a
draft, which a pharmacist submits and a second one approves (four eyes), like any other
change. `sdm data seed` runs this from the `migrate` service and `make run`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from app.catalogue.model import Dataset
from app.curation.drafts import draft_from_dataset
from app.curation.publish import publish_dataset
from app.curation.tables import Draft
from app.store.datasets import DatasetCache, latest_version
from app.store.tables import AuditEvent

Outcome = Literal["published", "unchanged", "pending", "drafted"]


@dataclass(frozen=True)
class SeedResult:
    outcome: Outcome
    #: the data version published, or the newest one
    version: int
    #: the draft opened now, or the one already waiting with the same content
    draft: str | None = None


def pending_import(session: Session, based_on: int, checksum: str) -> Draft | None:
    """An open or submitted draft imported from files with this checksum onto version
    `based_on`: a restart must not open the same draft again."""
    drafts = session.exec(
        select(Draft).where(
            col(Draft.status).in_(("open", "submitted")), Draft.based_on == based_on
        )
    ).all()
    for draft in drafts:
        imported = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "draft.import", AuditEvent.target == f"draft/{draft.id}"
            )
        ).first()
        if imported is not None and (imported.after or {}).get("checksum") == checksum:
            return draft
    return None


def seed(
    session: Session,
    cache: DatasetCache,
    dataset: Dataset,
    *,
    by: str,
    note: str = "",
    may_publish: bool = True,
) -> SeedResult:
    """Publish `dataset` into a database with no data version (if `may_publish`);
    otherwise open a draft from it for review, unless it equals the newest version or
    an identical import is already waiting. Every change writes its audit event."""
    latest = latest_version(session)
    if latest is None and may_publish:
        result = publish_dataset(session, dataset, by=by, note=note)
        return SeedResult("published", result.version.number)
    checksum = dataset.checksum()
    if latest is not None and latest.checksum == checksum:
        return SeedResult("unchanged", latest.number)
    if latest is not None and (waiting := pending_import(session, latest.number, checksum)):
        return SeedResult("pending", latest.number, waiting.id)
    draft = draft_from_dataset(session, cache, dataset, by=by, note=note)
    return SeedResult("drafted", draft.based_on, draft.id)
