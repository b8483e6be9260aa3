"""Audit events: written in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.clock import utcnow
from app.store.tables import AuditEvent


def record(
    session: Session,
    *,
    by: str,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(), actor=by, action=action, target=target, before=before, after=after
    )
    session.add(event)
    return event
