"""Reading a consultation's follow-ups for staff, as the API and the pages both do: the
consultation opened (and the read recorded) as every by-id route does, each report
with the data version it was sent under, so "predicted" is what that version said."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlmodel import Session

from app.catalogue.model import Dataset
from app.consultations import follow_ups
from app.consultations.tables import FollowUp
from app.http.consultations import Record, read_consultation
from app.http.state import app_state
from app.store.current import Published
from app.store.datasets import get_version


@dataclass(frozen=True)
class FollowUps:
    record: Record
    reports: tuple[FollowUp, ...]
    #: The dataset each report's data version holds (a version no longer stored: absent).
    datasets: dict[int, Dataset]


def dataset_of(
    request: Request, session: Session, number: int, published: Published
) -> Dataset | None:
    if number == published.version.number:
        return published.dataset
    version = get_version(session, number)
    if version is None:
        return None
    return app_state(request).current.published(session, version).dataset


def read_follow_ups(
    request: Request,
    session: Session,
    consultation_id: str,
    published: Published,
    *,
    by: str,
    view: str,
) -> FollowUps:
    """The consultation (410/404 as any by-id route) and its follow-ups, oldest first;
    the read is recorded (a writing unit of work: ADR 0010)."""
    record = read_consultation(request, session, consultation_id, by=by, view=view)
    reports = tuple(follow_ups.of_consultation(session, record.consultation.id))
    datasets: dict[int, Dataset] = {}
    for number in {r.data_version for r in reports}:
        found = dataset_of(request, session, number, published)
        if found is not None:
            datasets[number] = found
    return FollowUps(record, reports, datasets)
