"""The audit trail: events written in the same transaction as the change they describe,
and read back newest first. Below every domain package that writes it (accounts,
consultations, curation).

Each event links to the one before it by hash (app/audit/chain.py; `sdm audit verify`
checks it, app/audit/verify.py). `record` keeps the event with the transaction, and the
events are chained and written when the transaction commits (`_seal`, a `before_commit`
hook), so the appends are serialised only for the commit itself: on PostgreSQL by a
transaction-scoped advisory lock taken just before the previous hash is read; on SQLite
by its single writer (units of work that write begin IMMEDIATE). The unique index on
`prev_hash` refuses a fork on both, whatever happens. (Taking the lock at `record`
held it for the rest of the request: 50 concurrent draft edits on PostgreSQL then
waited past the 2 s lock timeout, and some were answered 503.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.audit.chain import GENESIS, Link, event_hash, fold
from app.clock import utcnow
from app.store.tables import AuditEvent

#: pg_advisory_xact_lock key for appending to the audit trail (any fixed bigint).
APPEND_LOCK = 0x5D3A_0D17


def record(
    session: Session,
    *,
    by: str,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """An audit event for this transaction: written, chained to the trail, when it commits;
    gone if it rolls back."""
    pending = AuditEvent(
        at=utcnow(), actor=by, action=action, target=target, before=before, after=after
    )
    session.info.setdefault(_PENDING, []).append(pending)
    return pending


_PENDING = "sdm_audit_pending"


def _seal(session: Session) -> None:
    """Before a commit: chain this transaction's events to the trail and write them, in
    the order they were recorded, under the append lock."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    prev_hash = previous_hash(session)
    for event in pending:
        event.prev_hash = prev_hash
        event.hash = event_hash(
            at=event.at,
            actor=event.actor,
            action=event.action,
            target=event.target,
            before=event.before,
            after=event.after,
            prev_hash=prev_hash,
        )
        session.add(event)
        session.flush()  # the id, and so the place in the chain, is taken under the lock
        prev_hash = event.hash


def _forget(session: Session, *_: object) -> None:
    session.info.pop(_PENDING, None)


orm_event.listen(Session, "before_commit", _seal)
orm_event.listen(Session, "after_rollback", _forget)


def previous_hash(session: Session) -> str:
    """The hash the next event links to, read inside the caller's write transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
    last = session.exec(
        select(AuditEvent.id, AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    if last is None:
        return GENESIS
    if last[1] is not None:
        return last[1]
    # The first event since the chain began: link to a fold over the events before it.
    return fold(links(session))


def links(session: Session) -> list[Link]:
    """Every audit event, oldest first, as the chain sees it."""
    return [
        Link(
            id=e.id or 0,
            at=e.at,
            actor=e.actor,
            action=e.action,
            target=e.target,
            before=e.before,
            after=e.after,
            prev_hash=e.prev_hash,
            hash=e.hash,
        )
        for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
    ]


def newest(session: Session, *, limit: int, before_id: int | None = None) -> list[AuditEvent]:
    """The newest `limit` events, newest first; with `before_id`, those older than it."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    return list(session.exec(query).all())
