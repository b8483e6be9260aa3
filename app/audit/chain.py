"""The audit hash chain, pure: plain values in, hashes and findings out.

Each audit event carries the hash of the event before it (`prev_hash`) and its own
`hash`: SHA-256 of a canonical JSON of its fields and `prev_hash`. Changing, removing
or inserting an event breaks the link at the next chained event.

Events recorded before the chain began (before migration 0007) carry no hashes. They
are folded, in id order and from `GENESIS`, into one hash with the same function, and
the first chained event links to that fold: a change to any of them breaks that link
(docs/adr/0009-tamper-evidence.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: `prev_hash` of the first event of an empty trail.
GENESIS = "0" * 64


@dataclass(frozen=True)
class Link:
    """One audit event as stored: its fields and its two hashes (None if unchained)."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    prev_hash: str | None = None
    hash: str | None = None


def _instant(at: datetime) -> str:
    """UTC, to the microsecond. A naive time is UTC (SQLite gives times back naive)."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    prev_hash: str,
) -> bytes:
    """The bytes hashed: sorted keys, no spaces, UTF-8, as JSON keeps the values."""
    document = {
        "at": _instant(at),
        "actor": actor,
        "action": action,
        "target": target,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def event_hash(
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    prev_hash: str,
) -> str:
    return hashlib.sha256(
        canonical(
            at=at,
            actor=actor,
            action=action,
            target=target,
            before=before,
            after=after,
            prev_hash=prev_hash,
        )
    ).hexdigest()


def link_hash(link: Link, prev_hash: str) -> str:
    return event_hash(
        at=link.at,
        actor=link.actor,
        action=link.action,
        target=link.target,
        before=link.before,
        after=link.after,
        prev_hash=prev_hash,
    )


def fold(links: Iterable[Link], start: str = GENESIS) -> str:
    """The hash a chain over `links` (in id order) would end with: what the first
    chained event links to when the events before it are unchained."""
    running = start
    for link in links:
        running = link_hash(link, running)
    return running


@dataclass(frozen=True)
class Break:
    """The first event whose link does not hold, and why."""

    id: int
    reason: str


def first_break(links: Iterable[Link]) -> Break | None:
    """Walk the trail in id order. Unchained events may only come first; every chained
    event must link to the hash before it and match its own hash."""
    running = GENESIS
    chained = False
    for link in links:
        if link.hash is None and link.prev_hash is None:
            if chained:
                return Break(link.id, "it carries no hash, but the chain had begun")
            running = link_hash(link, running)
            continue
        if link.prev_hash != running:
            return Break(link.id, "its prev_hash does not match the events before it")
        if link.hash != link_hash(link, running):
            return Break(link.id, "its content does not match its hash")
        chained = True
        running = link.hash
    return None
