"""Rate limits that hold across app processes: fixed-window counters in the database.

A `Limit` allows `hits` per `window` to one subject (a client address, a typed
username from one address, a staff user). Each (limit, subject, window) is one row of
`rate_counter`, incremented by an atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`, on SQLite and PostgreSQL alike), so every app process on one database counts
the same hits, and a hit is counted only if the caller's transaction commits.

The table stays small: a row's window is its lifetime. When a hit starts a new row, rows
whose window has ended are deleted (at most `PURGE_BATCH` at a time; on PostgreSQL
skipping rows another transaction holds), and `sdm sessions purge` deletes the rest. So
it holds about one row per subject seen in the current window (docs/adr/0011).

Fixed windows are cheap and exact to count, at a known cost: a subject can make up to
twice its limit across the boundary between two windows.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.clock import utcnow
from app.errors import DomainError
from app.limits.tables import RateCounter

#: Ended rows deleted when a hit starts a new row: bounded work per request.
PURGE_BATCH = 500


@dataclass(frozen=True)
class Limit:
    """At most `hits` per `window` for one subject; `name` is part of every row's key."""

    name: str
    hits: int
    window: timedelta

    @property
    def seconds(self) -> int:
        return max(1, int(self.window.total_seconds()))


class RateLimited(DomainError):
    """Over a limit: 429, with the seconds until the window ends (Retry-After)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, limit: Limit, retry_after: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class Count:
    """A subject's hits against a limit in the current window, after a hit or a peek."""

    limit: Limit
    hits: int
    #: Whole seconds until the window ends (at least 1).
    retry_after: int

    @property
    def over(self) -> bool:
        return self.hits > self.limit.hits

    @property
    def full(self) -> bool:
        """No hit is left in this window."""
        return self.hits >= self.limit.hits


def client_key(address: str) -> str:
    """The subject for a client address: an IPv6 address counts as its /64 (one
    household or host usually has the whole /64), anything else as itself."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _window(limit: Limit, now: datetime) -> tuple[int, datetime, int]:
    """(window start in Unix seconds, window end, whole seconds left in it)."""
    stamp = now.timestamp()
    start = int(stamp // limit.seconds) * limit.seconds
    end = start + limit.seconds
    return start, datetime.fromtimestamp(end, UTC), max(1, math.ceil(end - stamp))


def _key(limit: Limit, subject: str, start: int) -> str:
    digest = hashlib.sha256(f"{limit.name}\0{subject}".encode()).hexdigest()[:32]
    return f"{limit.name}:{digest}:{start}"


def peek(session: Session, limit: Limit, subject: str, now: datetime | None = None) -> Count:
    """The subject's hits in the current window, without counting one."""
    start, _end, left = _window(limit, now or utcnow())
    hits = session.execute(
        select(col(RateCounter.hits)).where(col(RateCounter.key) == _key(limit, subject, start))
    ).scalar_one_or_none()
    return Count(limit, int(hits or 0), left)


def hit(session: Session, limit: Limit, subject: str, now: datetime | None = None) -> Count:
    """Count one hit (atomically, in the caller's transaction) and return the new count."""
    now = now or utcnow()
    start, end, left = _window(limit, now)
    table = RateCounter.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=_key(limit, subject, start), expires_at=end, hits=1)
        .on_conflict_do_update(index_elements=[table.c.key], set_={"hits": table.c.hits + 1})
        .returning(table.c.hits)
    )
    hits = int(session.execute(statement).scalar_one())
    if hits == 1:  # a new row: clear away windows that have ended
        purge_ended(session, now=now, batch=PURGE_BATCH)
    return Count(limit, hits, left)


def forget(session: Session, limit: Limit, subject: str, now: datetime | None = None) -> None:
    """Drop the subject's count in the current window (after a success that ends it)."""
    start, _end, _left = _window(limit, now or utcnow())
    session.execute(delete(RateCounter).where(col(RateCounter.key) == _key(limit, subject, start)))


def take(
    session: Session, checks: Sequence[tuple[Limit, str]], now: datetime | None = None
) -> Count | None:
    """Count one hit against each (limit, subject), in order, and return the first
    count that went over its limit, or None if every one had room.

    Every limit is peeked first and none is counted if one is already full: a refused
    request adds no row, so a flood of refused requests (many addresses against an
    exhausted overall limit, say) does not grow the table. Later limits are not counted
    when an earlier one refuses: one client over its own limit uses none of the
    overall allowance."""
    now = now or utcnow()
    for limit, subject in checks:
        seen = peek(session, limit, subject, now)
        if seen.full:
            return Count(limit, seen.hits + 1, seen.retry_after)
    for limit, subject in checks:
        counted = hit(session, limit, subject, now)
        if counted.over:
            return counted
    return None


def purge_ended(session: Session, *, now: datetime | None = None, batch: int | None = None) -> int:
    """Delete the rows of windows that have ended (at most `batch`); returns how many."""
    ended = select(col(RateCounter.key)).where(col(RateCounter.expires_at) <= (now or utcnow()))
    if batch is not None:
        ended = ended.limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        ended = ended.with_for_update(skip_locked=True)
    result = session.execute(delete(RateCounter).where(col(RateCounter.key).in_(ended)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def count_rows(session: Session) -> int:
    """How many counters the table holds (for tests, benchmarks and operators)."""
    return int(session.execute(select(func.count()).select_from(RateCounter)).scalar_one())
