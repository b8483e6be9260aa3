"""Checking the records for tampering: the audit hash chain and every published data
version's checksum. What `sdm audit verify` runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.audit import links
from app.audit.chain import first_break
from app.errors import DataVersionCorrupt
from app.store.datasets import read_dataset
from app.store.tables import DataVersion


@dataclass(frozen=True)
class Verification:
    audit_events: int
    versions: int
    #: The first broken link of the audit chain (an event id), if any.
    broken_event: int | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> Verification:
    problems: list[str] = []
    trail = links(session)
    broken = first_break(trail)
    if broken is not None:
        problems.append(f"Audit event {broken.id} breaks the hash chain: {broken.reason}.")
    versions = session.exec(select(DataVersion).order_by(col(DataVersion.number))).all()
    for version in versions:
        try:
            read_dataset(session, version)
        except DataVersionCorrupt as exc:
            problems.append(exc.reason)
    return Verification(
        audit_events=len(trail),
        versions=len(versions),
        broken_event=broken.id if broken else None,
        problems=tuple(problems),
    )
