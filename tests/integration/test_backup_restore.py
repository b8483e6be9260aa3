"""`sdm backup` and `sdm restore` on the test database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set): a restore into an empty database gives back every table,
the data version and the audit trail exactly; anything else is refused and changes
nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.db import make_engine, session_scope
from app.store.backup import database_summary, file_kind
from tests.builders import DRUGDATA
from tests.conftest import BACKEND, Databases, migrate
from tests.integration.cli import sdm
from tests.integration.conftest import client_for
from tests.integration.staff import add_staff

CONSULTATION = {
    "avoid": ["weight-gain", "high-blood-sugar"],
    "helpful": ["sleepy-at-night"],
    "with_carer": True,
    "what_matters": "I work night shifts",
}


def summary(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        return database_summary(engine)
    finally:
        engine.dispose()


def audit_trail(url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, at, actor, action, target, before, after FROM audit_event ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def table_names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database with the bundled data, staff, a session, a consultation with
    a decision and an open draft: rows in nearly every table."""
    url = databases.empty()
    migrate(url)
    loaded = sdm(url, "data", "load", "--by", "test")
    assert loaded.returncode == 0, loaded.stderr
    staff = add_staff(url)
    with client_for(url) as client:
        created = client.post("/api/v1/consultations", json=CONSULTATION)
        assert created.status_code == 201, created.text
        decided = client.post(
            f"/api/v1/consultations/{created.json()['id']}/decision",
            headers=staff.headers(client, "cora"),
            json={"decision": "aripiprazole", "discussed": ["aripiprazole"]},
        )
        assert decided.status_code == 200, decided.text
    drafted = sdm(url, "data", "import", str(DRUGDATA), "--by", "phil")
    assert drafted.returncode == 0, drafted.stderr
    return url


@pytest.fixture(scope="module")
def backup_file(source: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "choosewell.backup"
    result = sdm(source, "backup", str(path))
    assert result.returncode == 0, result.stderr
    assert "backed up" in result.stdout
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary files left"
    assert file_kind(path) == BACKEND
    return path


def test_restore_into_an_empty_database_gives_back_everything(
    databases: Databases, source: str, backup_file: Path
) -> None:
    before = summary(source)
    target = databases.empty()
    result = sdm(target, "restore", str(backup_file), "--by", "ops")
    assert result.returncode == 0, result.stderr
    after = summary(target)

    assert after["revision"] == before["revision"] is not None
    # Every table as it was, but the sessions (ended) and one audit event more.
    assert before["tables"]["auth_session"] > 0
    assert after["tables"]["auth_session"] == 0
    assert after["tables"]["audit_event"] == before["tables"]["audit_event"] + 1
    unchanged = set(before["tables"]) - {"auth_session", "audit_event"}
    assert {t: after["tables"][t] for t in unchanged} == {t: before["tables"][t] for t in unchanged}
    assert after["data_version"] == before["data_version"] is not None
    for table in ("audit_event", "staff_user", "consultation", "draft", "rating"):
        assert after["tables"][table] > 0, table
    # The restored audit trail is the original, row by row, then the restore's own event.
    *restored, last = audit_trail(target)
    assert restored == audit_trail(source)
    assert last[2:5] == ("ops", "sessions.end_all", "auth_session/*")
    assert f"ended {before['tables']['auth_session']} staff session(s)" in result.stdout
    # The summary names the revision, the newest data version and its checksum.
    assert f"migration revision: {before['revision']}" in result.stdout
    assert before["data_version"]["checksum"] in result.stdout
    assert "audit_event" in result.stdout
    # Still append-only: the triggers came back with the tables.
    engine = make_engine(target)
    with (
        pytest.raises(DBAPIError, match="never changed or deleted"),
        session_scope(engine) as session,
    ):
        session.execute(text("DELETE FROM audit_event"))
    engine.dispose()


def test_a_restore_ends_every_session_the_backup_brought_back(
    databases: Databases, tmp_path: Path
) -> None:
    """A token revoked after the backup was taken (a logout, a stolen laptop) must not
    work again once the backup is restored; nor may any other session in it."""
    source = databases.empty()
    migrate(source)
    assert sdm(source, "data", "load", "--by", "test").returncode == 0
    staff = add_staff(source)
    with client_for(source) as client:
        revoked = staff.headers(client, "phil")
        kept = staff.headers(client, "cora")
        backup = tmp_path / "before-revoke.backup"
        assert sdm(source, "backup", str(backup)).returncode == 0
        assert client.post("/api/v1/auth/revoke", headers=revoked).status_code == 204
        assert client.get("/api/v1/drafts", headers=revoked).status_code == 401
    target = databases.empty()
    result = sdm(target, "restore", str(backup), "--by", "ops")
    assert result.returncode == 0, result.stderr
    assert "ended 2 staff session(s)" in result.stdout
    with client_for(target) as client:
        assert client.get("/api/v1/drafts", headers=revoked).status_code == 401
        assert client.get("/api/v1/consultations/by-code/ABCDEF", headers=kept).status_code == 401
        staff.url = target
        assert (
            client.get("/api/v1/drafts", headers=staff.headers(client, "phil")).status_code == 200
        )
    (event,) = [row for row in audit_trail(target) if row[3] == "sessions.end_all"]
    assert event[2] == "ops"
    after = json.loads(event[6]) if isinstance(event[6], str) else event[6]
    assert after == {
        "sessions_ended": 2,
        "because": "restored from the backup before-revoke.backup",
    }
    verified = sdm(target, "audit", "verify")
    assert verified.returncode == 0, verified.stderr


def test_restore_into_a_database_with_tables_is_refused_and_changes_nothing(
    fresh_db: Callable[[], str], backup_file: Path
) -> None:
    target = fresh_db()
    assert sdm(target, "data", "load", "--by", "test").returncode == 0
    before, trail = summary(target), audit_trail(target)
    result = sdm(target, "restore", str(backup_file))
    assert result.returncode == 1
    assert "is not empty" in result.stderr and "nothing was changed" in result.stderr
    assert summary(target) == before
    assert audit_trail(target) == trail


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_a_damaged_backup_fails_clearly_and_leaves_the_target_empty(
    databases: Databases, backup_file: Path, tmp_path: Path, damage: str
) -> None:
    bad = tmp_path / "bad.backup"
    if damage == "truncated":
        data = backup_file.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"not a backup at all\n" * 500)
    target = databases.empty()
    result = sdm(target, "restore", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip(), "a clear message"
    assert "Traceback" not in result.stderr
    expected = {
        "truncated": "truncated" if BACKEND == "sqlite" else "pg_restore failed",
        "garbage": "is not a Choosewell backup",
        "missing": "there is no backup file",
    }[damage]
    assert expected in result.stderr
    assert table_names(target) == []


def test_a_backup_of_the_other_kind_of_database_is_refused(
    databases: Databases, tmp_path: Path
) -> None:
    other = tmp_path / "other.backup"
    if BACKEND == "sqlite":
        other.write_bytes(b"PGDMP" + b"\x00" * 100)
        expected = "is a PostgreSQL backup but the database is an SQLite database"
    else:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.commit()
        conn.close()
        expected = "is an SQLite backup but the database is a PostgreSQL database"
    target = databases.empty()
    result = sdm(target, "restore", str(other))
    assert result.returncode == 1
    assert expected in result.stderr
    assert table_names(target) == []


def test_the_password_goes_to_pg_tools_in_the_environment_never_on_the_command_line() -> None:
    from app.store.backup import libpq_url_and_env

    dsn, env = libpq_url_and_env("postgresql+psycopg://sdm:s%40cret@db:5433/choosewell")
    assert dsn == "postgresql://sdm@db:5433/choosewell" and "cret" not in dsn
    assert env["PGPASSWORD"] == "s@cret"
