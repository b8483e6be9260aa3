"""Tamper evidence: REPLACE/UPSERT and TRUNCATE are refused on the append-only tables;
rows changed behind the triggers' back are caught by /readyz, by the app when it reads
the version, and by `sdm audit verify`, which names the first broken audit link."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import audit
from app.db import make_engine, session_scope
from app.http.state import of_app
from tests.builders import make_dataset, make_drug
from tests.conftest import BACKEND, Databases, downgrade, migrate
from tests.integration.cli import sdm
from tests.integration.conftest import (
    app_of,
    client_as_new_process,
    client_for,
    publish,
    small_dataset,
)

pytestmark = pytest.mark.db  # every test here runs on PostgreSQL too

# A dialect-appropriate rewrite of an existing row: SQLite's REPLACE, PostgreSQL's UPSERT.
REWRITES = {
    "sqlite": {
        "audit_event": "INSERT OR REPLACE INTO audit_event "
        "(id, at, actor, action, target, before, after, prev_hash, hash) "
        "SELECT id, at, 'mallory', action, target, before, after, prev_hash, hash "
        "FROM audit_event WHERE id = 1",
        "rating": "INSERT OR REPLACE INTO rating "
        "(version, drug_id, side_effect, value, sources, source_values, note) "
        "SELECT version, drug_id, side_effect, 0, sources, source_values, note "
        "FROM rating WHERE drug_id = 'alphazine' AND side_effect = 'weight-gain'",
        # a new id, but the prev_hash of an existing event: a unique-key conflict
        "audit_event unique key": "INSERT OR REPLACE INTO audit_event "
        "(id, at, actor, action, target, prev_hash, hash) "
        "SELECT 99, at, 'mallory', action, target, prev_hash, hash "
        "FROM audit_event WHERE id = 1",
    },
    "postgresql": {
        "audit_event": "INSERT INTO audit_event "
        "(id, at, actor, action, target, before, after, prev_hash, hash) "
        "SELECT id, at, 'mallory', action, target, before, after, prev_hash, hash "
        "FROM audit_event WHERE id = 1 "
        "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
        "rating": "INSERT INTO rating "
        "(version, drug_id, side_effect, value, sources, source_values, note) "
        "SELECT version, drug_id, side_effect, 0, sources, source_values, note "
        "FROM rating WHERE drug_id = 'alphazine' AND side_effect = 'weight-gain' "
        "ON CONFLICT (version, drug_id, side_effect) DO UPDATE SET value = excluded.value",
        "audit_event unique key": "INSERT INTO audit_event "
        "(id, at, actor, action, target, prev_hash, hash) "
        "SELECT 99, at, 'mallory', action, target, prev_hash, hash "
        "FROM audit_event WHERE id = 1 "
        "ON CONFLICT (prev_hash) DO UPDATE SET actor = excluded.actor",
    },
}
REFUSAL = {"sqlite": "never replaced", "postgresql": "never changed or deleted"}


def _row(url: str, query: str) -> tuple[object, ...]:
    engine = make_engine(url)
    with engine.connect() as conn:
        row = tuple(conn.execute(text(query)).one())
    engine.dispose()
    return row


@pytest.mark.parametrize("rewrite", ["audit_event", "rating", "audit_event unique key"])
def test_replace_or_upsert_of_an_append_only_row_is_refused(
    fresh_db: Callable[[], str], rewrite: str
) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    audit_row = "SELECT actor, hash FROM audit_event WHERE id = 1"
    rating_row = (
        "SELECT value FROM rating WHERE drug_id = 'alphazine' AND side_effect = 'weight-gain'"
    )
    before = _row(url, audit_row), _row(url, rating_row)
    engine = make_engine(url)
    with (
        pytest.raises(DBAPIError, match=REFUSAL[BACKEND]),
        session_scope(engine) as session,
    ):
        session.execute(text(REWRITES[BACKEND][rewrite]))
    engine.dispose()
    assert (_row(url, audit_row), _row(url, rating_row)) == before
    assert before[1] == (3,)


@pytest.mark.postgres_only
@pytest.mark.skipif(BACKEND != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_of_an_append_only_table_is_refused(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    engine = make_engine(url)
    for table in ("audit_event", "rating", "data_version"):
        with (
            pytest.raises(DBAPIError, match="never changed or deleted"),
            session_scope(engine) as session,
        ):
            session.execute(text(f"TRUNCATE {table} CASCADE"))
    engine.dispose()
    assert _row(url, "SELECT count(*) FROM audit_event") == (1,)


def behind_the_triggers(url: str, table: str, statement: str) -> None:
    """Change rows as someone with the database's keys would: turn the append-only
    trigger off (PostgreSQL) or drop it (SQLite), change, and put it back."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            conn.execute(text(statement))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
        else:
            name = f"{table}_no_update"
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                {"n": name},
            ).scalar_one()
            conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(statement))
            conn.execute(text(sql))
    engine.dispose()


CHANGE_A_RATING = (
    "UPDATE rating SET value = 1 "
    "WHERE version = 1 AND drug_id = 'alphazine' AND side_effect = 'weight-gain'"
)


def test_a_rating_changed_in_the_database_is_caught_by_readyz_the_app_and_verify(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    with client_for(url, ready_verify_seconds=0) as client:
        assert client.get("/readyz").json() == {"status": "ready", "data_version": 1}
        behind_the_triggers(url, "rating", CHANGE_A_RATING)
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "detail": "Data version 1 does not match its checksum.",
        "data_version": 1,
    }
    # A process that reads the version now refuses to rank with it.
    with client_as_new_process(url) as fresh:
        ranking = fresh.post("/api/v1/rankings", json={"avoid": ["weight-gain"]})
    assert ranking.status_code == 503
    assert "integrity check" in ranking.json()["detail"]
    result = sdm(url, "audit", "verify")
    assert result.returncode == 1
    assert "Data version 1 does not match its checksum." in result.stderr
    assert "Audit event" not in result.stderr


def test_an_audit_event_changed_in_the_database_breaks_the_chain_at_its_id(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    engine = make_engine(url)
    for n in range(3):
        with session_scope(engine, write=True) as session:
            audit.record(session, by="test", action="test.step", target=f"step/{n}")
    engine.dispose()
    assert sdm(url, "audit", "verify").returncode == 0
    behind_the_triggers(url, "audit_event", "UPDATE audit_event SET actor = 'x' WHERE id = 3")
    result = sdm(url, "audit", "verify")
    assert result.returncode == 1
    assert "Audit event 3 breaks the hash chain: its content does not match its hash." in (
        result.stderr
    )
    assert "Data version" not in result.stderr


def test_an_audit_event_removed_breaks_the_chain_at_the_next_one(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    engine = make_engine(url)
    for n in range(3):
        with session_scope(engine, write=True) as session:
            audit.record(session, by="test", action="test.step", target=f"step/{n}")
    engine.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        conn.execute(text("DELETE FROM audit_event WHERE id = 2"))
    engine.dispose()
    result = sdm(url, "audit", "verify")
    assert result.returncode == 1
    assert "Audit event 3 breaks the hash chain" in result.stderr


def test_a_clean_database_verifies(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    publish(url, make_dataset([make_drug("deltazine", {"weight-gain": 2, "tremor": 1})]))
    result = sdm(url, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: 2 audit events, 2 data versions checked\n"


def test_concurrent_appends_keep_one_chain(fresh_db: Callable[[], str]) -> None:
    """Several writers at once (threads, each its own unit of work): the chain never
    forks and every append succeeds."""
    url = fresh_db()
    engine = make_engine(url)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for n in range(10):
                with session_scope(engine, write=True) as session:
                    audit.record(session, by=name, action="test.step", target=f"step/{n}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert errors == []
    result = sdm(url, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 40 audit events")


def test_events_before_the_chain_began_are_sealed_by_the_first_chained_one(
    databases: Databases,
) -> None:
    """Events written before revision 0007 stay unchained; the first event after it
    links to a hash over them, so changing one of them is caught (at that event)."""
    url = databases.empty()
    migrate(url, "0006_figures_safety")
    old = sa.table(
        "audit_event",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("target", sa.String()),
        sa.column("after", sa.JSON()),
    )
    engine = make_engine(url)
    with engine.begin() as conn:
        for n in (1, 2):
            at = datetime(2026, 11, 30, 10, 0, n, 123456, tzinfo=UTC)
            conn.execute(
                old.insert().values(
                    at=at, actor="old", action="test.old", target="old", after={"n": n}
                )
            )
    engine.dispose()
    migrate(url)
    assert sdm(url, "audit", "verify").stdout == "ok: 2 audit events, 0 data versions checked\n"
    engine = make_engine(url)
    with session_scope(engine, write=True) as session:
        audit.record(session, by="test", action="test.new", target="new")
    engine.dispose()
    assert sdm(url, "audit", "verify").returncode == 0
    behind_the_triggers(url, "audit_event", "UPDATE audit_event SET actor = 'x' WHERE id = 1")
    result = sdm(url, "audit", "verify")
    assert result.returncode == 1
    assert "Audit event 3 breaks the hash chain: its prev_hash does not match" in result.stderr


def test_the_migration_downgrades_to_what_0006_had(databases: Databases) -> None:
    url = databases.empty()
    migrate(url)
    downgrade(url, "0006_figures_safety")
    engine = make_engine(url)
    inspector = sa.inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("audit_event")}
    indexes = {i["name"] for i in inspector.get_indexes("audit_event")}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        triggers = set(conn.execute(text(query)).scalars())
    engine.dispose()
    assert {"prev_hash", "hash"}.isdisjoint(columns)
    assert "uq_audit_event_prev_hash" not in indexes
    assert not {t for t in triggers if t.endswith(("_no_replace", "_no_truncate"))}
    assert "rating_no_update" in triggers or "rating_append_only" in triggers
    migrate(url)  # and up again


def test_readyz_rechecks_the_checksum_once_its_last_check_is_older_than_the_setting(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    with client_for(url, ready_verify_seconds=3600) as client:
        assert client.get("/readyz").status_code == 200
        behind_the_triggers(url, "rating", CHANGE_A_RATING)
        # Within the setting, the last verdict stands: the change is not read yet.
        assert client.get("/readyz").status_code == 200
        of_app(app_of(client)).integrity.max_age = 0  # the setting's time has passed
        assert client.get("/readyz").status_code == 503
        # A mismatch is reported on every probe until a check finds the version whole.
        of_app(app_of(client)).integrity.max_age = 3600
        assert client.get("/readyz").status_code == 503
