"""The audit hash chain, pure: the canonical form, the hash, and the walk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypedDict, Unpack

from app.audit.chain import (
    GENESIS,
    Break,
    Link,
    canonical,
    event_hash,
    first_break,
    fold,
    link_hash,
)

AT = datetime(2026, 12, 5, 18, 0, 0, 250000, tzinfo=UTC)


class Fields(TypedDict):
    """What an audit event's hash covers: the arguments of canonical() and event_hash()."""

    at: datetime
    actor: str
    action: str
    target: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    prev_hash: str


class Changes(TypedDict, total=False):
    """Some of the Fields, changed."""

    at: datetime
    actor: str
    action: str
    target: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    prev_hash: str


def fields(**changes: Unpack[Changes]) -> Fields:
    base: Fields = {
        "at": AT,
        "actor": "phil",
        "action": "draft.approve",
        "target": "draft/7",
        "before": None,
        "after": {"number": 2, "note": "Ærlig talt"},
        "prev_hash": GENESIS,
    }
    return base | changes


def test_canonical_form_is_sorted_compact_utf8_json() -> None:
    assert canonical(**fields()) == (
        '{"action":"draft.approve","actor":"phil","after":{"note":"Ærlig talt","number":2},'
        '"at":"2026-12-05T18:00:00.250000+00:00","before":null,"prev_hash":"'
        + GENESIS
        + '","target":"draft/7"}'
    ).encode("utf-8")


def test_the_hash_does_not_depend_on_key_order_or_how_the_time_is_written() -> None:
    naive_utc = AT.replace(tzinfo=None)  # as SQLite gives it back
    oslo = AT.astimezone(timezone(timedelta(hours=1)))  # as PostgreSQL may
    reordered = {"number": 2, "note": "Ærlig talt"}
    expected = event_hash(**fields())
    assert event_hash(**fields(at=naive_utc)) == expected
    assert event_hash(**fields(at=oslo)) == expected
    assert event_hash(**fields(after=reordered)) == expected
    assert len(expected) == 64


def test_every_field_and_the_previous_hash_change_the_hash() -> None:
    expected = event_hash(**fields())
    changes: tuple[Changes, ...] = (
        {"at": AT + timedelta(microseconds=1)},
        {"actor": "pia"},
        {"action": "draft.reject"},
        {"target": "draft/8"},
        {"before": {}},
        {"after": {"number": 3, "note": "Ærlig talt"}},
        {"prev_hash": "1" * 64},
    )
    for change in changes:
        assert event_hash(**fields(**change)) != expected, change


def chain(n: int, *, unchained: int = 0) -> list[Link]:
    """`n` events, the first `unchained` of them without hashes, linked as record() does."""
    links: list[Link] = []
    running = GENESIS
    for i in range(1, n + 1):
        link = Link(i, AT + timedelta(seconds=i), "phil", "test", f"t/{i}", None, {"i": i})
        if i <= unchained:
            links.append(link)
            running = link_hash(link, running)
            continue
        # As record() does: the first chained event links to a fold over those before it.
        prev = fold(links) if i == unchained + 1 else running
        link = replace(link, prev_hash=prev, hash=link_hash(link, prev))
        links.append(link)
        running = link.hash or ""
    return links


def test_the_fold_over_no_events_is_genesis_and_over_some_is_their_chain_end() -> None:
    links = chain(3, unchained=3)
    assert fold([]) == GENESIS
    expected = link_hash(links[2], link_hash(links[1], link_hash(links[0], GENESIS)))
    assert fold(links) == expected


def test_an_intact_chain_and_an_empty_trail_have_no_break() -> None:
    assert first_break(chain(5)) is None
    assert first_break(chain(5, unchained=2)) is None
    assert first_break(chain(3, unchained=3)) is None
    assert first_break([]) is None


def test_a_changed_event_breaks_the_chain_at_itself() -> None:
    links = chain(5)
    links[2] = replace(links[2], actor="mallory")
    assert first_break(links) == Break(3, "its content does not match its hash")


def test_a_changed_event_with_a_recomputed_hash_breaks_the_chain_at_the_next() -> None:
    links = chain(5)
    forged = replace(links[2], actor="mallory")
    links[2] = replace(forged, hash=link_hash(forged, forged.prev_hash or ""))
    assert first_break(links) == Break(4, "its prev_hash does not match the events before it")


def test_a_removed_event_breaks_the_chain_at_the_next() -> None:
    links = chain(5)
    del links[1]
    assert first_break(links) == Break(3, "its prev_hash does not match the events before it")


def test_a_changed_event_from_before_the_chain_breaks_the_first_chained_one() -> None:
    links = chain(5, unchained=2)
    links[0] = replace(links[0], target="t/other")
    assert first_break(links) == Break(3, "its prev_hash does not match the events before it")


def test_an_unchained_event_after_the_chain_began_is_a_break() -> None:
    links = chain(3)
    links.append(Link(4, AT, "mallory", "test", "t/4", None, None))
    assert first_break(links) == Break(4, "it carries no hash, but the chain had begun")
