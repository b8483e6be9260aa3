"""Opening a consultation for staff, as every by-id route does: the availability rules
(app/consultations/service.py `open_record`, with this deployment's retention) and, for
a read, a read record in the request's own unit of work (ADR 0010)."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session

from app.consultations import service
from app.consultations.service import Record
from app.http.state import app_state
from app.http.unit_of_work import unit_writes

__all__ = ["Record", "open_consultation", "read_consultation"]


def open_consultation(request: Request, session: Session, consultation_id: str) -> Record:
    """The consultation and its decision versions, if it may still be opened (410 or
    404 else). Records no read: for routes that change it, or record the read later."""
    retention = app_state(request).settings.retention
    return service.open_record(session, consultation_id, retention=retention)


def read_consultation(
    request: Request, session: Session, consultation_id: str, *, by: str, view: str
) -> Record:
    """`open_consultation`, and a read record for `by` through `view`. The route must be
    a writing unit (a POST, or a GET marked `writing_unit`), so that the record is
    committed with the answer, or the answer is not given."""
    if not unit_writes(request):
        raise RuntimeError(f"{request.url.path}: a read record needs a writing unit of work")
    record = open_consultation(request, session, consultation_id)
    service.record_read(session, record.consultation, by=by, view=view)
    return record
