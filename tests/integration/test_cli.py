"""The sdm command: load, no-op reload, bad data loads nothing, users, export, import."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from app import limits
from app.accounts.service import find_user
from app.accounts.tables import AuthSession
from app.catalogue import load_directory
from app.clock import utcnow
from app.curation.tables import Draft
from app.db import make_engine, session_scope
from app.store.tables import AuditEvent, DataVersion
from tests.builders import DRUGDATA, bundled_dataset
from tests.integration.cli import sdm, sdm_process
from tests.integration.staff import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def count(url: str, model: type[SQLModel]) -> int:
    engine = make_engine(url)
    with session_scope(engine) as session:
        n = session.exec(select(func.count()).select_from(model)).one()
    engine.dispose()
    return int(n)


def test_load_publishes_once_and_the_same_content_again_is_a_no_op(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    first = sdm(url, "data", "load", "--by", "test")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("published data version 1")
    again = sdm(url, "data", "load", "--by", "test")
    assert "no change" in again.stdout
    assert count(url, DataVersion) == 1
    assert count(url, AuditEvent) == 1


def test_bad_data_loads_nothing_and_lists_every_problem(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_db()
    broken = tmp_path / "drugdata"
    shutil.copytree(DRUGDATA, broken)
    path = broken / "drugs" / "olanzapine.yaml"
    path.write_text(
        path.read_text()
        .replace("atc: N05AH03", "atc: none")
        .replace("  tremor: {value: ", "  tremor: {value: 7, x: ")
    )
    result = sdm(url, "data", "load", "--dir", str(broken))
    assert result.returncode == 1
    assert "drugs/olanzapine.yaml: drug olanzapine: ATC code 'none'" in result.stderr
    assert "item tremor" in result.stderr
    assert "nothing was loaded" in result.stderr
    assert count(url, DataVersion) == 0


def test_users_add_reads_the_password_from_stdin_and_refuses_weak_ones(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    # The installed entry point, in a process of its own, reading its standard input.
    weak = sdm_process(url, "users", "add", "pat", "--role", "pharmacist", stdin="password1234\n")
    assert weak.returncode == 1
    assert "too common" in weak.stderr
    ok = sdm(url, "users", "add", "pat", "--role", "pharmacist", stdin=PASSWORD + "\n")
    assert ok.returncode == 0, ok.stderr
    assert sdm(url, "users", "disable", "pat").returncode == 0


def test_users_add_refuses_a_password_over_72_bytes_clearly(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    strong = "Kx9#vq-lilac-kettle-Tr0ub4dour"
    for too_long in (
        (strong * 3)[:73],  # 73 ASCII bytes
        "æøå" * 12 + strong[:2],  # 38 characters, 74 bytes in UTF-8
    ):
        result = sdm(url, "users", "add", "pat", "--role", "clinician", stdin=too_long + "\n")
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "at most 72 bytes" in result.stderr
        assert "nothing was changed" in result.stderr
    assert count(url, AuditEvent) == 0
    longest = (strong * 3)[:72]
    ok = sdm(url, "users", "add", "pat", "--role", "clinician", stdin=longest + "\n")
    assert ok.returncode == 0, ok.stderr


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    old_umask = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        result = sdm(f"sqlite:///{path}", "db", "upgrade")
    finally:
        os.umask(old_umask)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for sidecar in (tmp_path / "new.db-wal", tmp_path / "new.db-shm"):
        if sidecar.exists():
            assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600, sidecar.name
    # An existing file keeps the permissions its owner gave it.
    shared = tmp_path / "shared.db"
    shared.touch(mode=0o640)
    shared.chmod(0o640)
    assert sdm(f"sqlite:///{shared}", "db", "upgrade").returncode == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640


def test_export_writes_files_that_validate_to_the_same_checksum(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_db()
    assert sdm(url, "data", "load").returncode == 0
    result = sdm(url, "data", "export", "1", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert load_directory(tmp_path / "out").checksum() == bundled_dataset().checksum()


def test_import_opens_a_draft_and_never_publishes(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_db()
    assert sdm(url, "data", "load").returncode == 0
    changed = tmp_path / "drugdata"
    shutil.copytree(DRUGDATA, changed)
    path = changed / "drugs" / "haloperidol.yaml"
    text = path.read_text()
    assert "  tremor: {value: 3" in text
    path.write_text(text.replace("  tremor: {value: 3", "  tremor: {value: 2", 1))
    result = sdm(url, "data", "import", str(changed), "--by", "phil")
    assert result.returncode == 0, result.stderr
    assert "opened draft" in result.stdout
    assert count(url, DataVersion) == 1
    assert count(url, Draft) == 1


def audit_rows(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        rows = session.exec(
            select(AuditEvent.actor, AuditEvent.action).order_by(col(AuditEvent.id))
        )
        found = [(actor, action) for actor, action in rows]
    engine.dispose()
    return found


def test_seed_publishes_the_first_load_and_drafts_every_later_change(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    """The start-up load (compose's migrate, make run): bundled files publish only into
    a database with no data version; changed files later open one draft for review."""
    url = fresh_db()
    first = sdm(url, "data", "seed")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("published data version 1")
    assert audit_rows(url) == [("system", "data_version.publish")]

    same = sdm(url, "data", "seed")
    assert same.returncode == 0, same.stderr
    assert "no change" in same.stdout
    assert count(url, Draft) == 0 and len(audit_rows(url)) == 1

    changed = tmp_path / "drugdata"
    shutil.copytree(DRUGDATA, changed)
    path = changed / "drugs" / "haloperidol.yaml"
    text = path.read_text()
    assert "  tremor: {value: 3" in text
    path.write_text(text.replace("  tremor: {value: 3", "  tremor: {value: 2", 1))
    drafted = sdm(url, "data", "seed", "--dir", str(changed))
    assert drafted.returncode == 0, drafted.stderr
    assert "opened draft" in drafted.stdout and "nothing was published" in drafted.stdout
    assert count(url, DataVersion) == 1, "never published by itself"
    assert count(url, Draft) == 1
    assert audit_rows(url)[-1] == ("system", "draft.import")
    engine = make_engine(url)
    with session_scope(engine) as session:
        (draft,) = session.exec(select(Draft)).all()
        assert (draft.created_by, draft.status, draft.based_on) == ("system", "open", 1)
    engine.dispose()

    again = sdm(url, "data", "seed", "--dir", str(changed))
    assert again.returncode == 0, again.stderr
    assert f"draft {draft.id} with the same content is already waiting" in again.stdout
    assert count(url, Draft) == 1 and len(audit_rows(url)) == 2


def test_audit_events_and_published_ratings_cannot_be_changed_or_deleted(
    fresh_db: Callable[[], str],
) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    url = fresh_db()
    assert sdm(url, "data", "load").returncode == 0
    engine = make_engine(url)
    for statement in (
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
        "UPDATE rating SET value = 0 WHERE drug_id = 'olanzapine'",
        "DELETE FROM data_version",
    ):
        with (
            pytest.raises(DBAPIError, match="never changed or deleted"),
            session_scope(engine) as session,
        ):
            session.execute(text(statement))
    engine.dispose()
    assert count(url, AuditEvent) == 1


def test_sessions_purge_deletes_only_what_no_request_can_use(fresh_db: Callable[[], str]) -> None:
    """Expired and idle sessions are refused already (`resolve`); the purge removes their
    rows and rate-limit counters whose window has ended, and keeps everything live."""
    url = fresh_db()
    assert (
        sdm(url, "users", "add", "kim", "--role", "clinician", stdin=PASSWORD + "\n").returncode
        == 0
    )
    now = utcnow()
    hour = timedelta(hours=1)
    rows = {  # name: (kind, last seen, expires)
        "live-web": ("web", now - timedelta(minutes=5), now + hour),
        "live-api": ("api", now - timedelta(hours=2), now + hour),  # tokens have no idle limit
        "expired-web": ("web", now - timedelta(minutes=1), now - timedelta(seconds=1)),
        "idle-web": ("web", now - timedelta(minutes=31), now + hour),
        "expired-api": ("api", now - hour, now - timedelta(minutes=1)),
    }
    engine = make_engine(url)
    with session_scope(engine, write=True) as session:
        user = find_user(session, "kim")
        assert user is not None and user.id is not None
        for name, (kind, seen, expires) in rows.items():
            session.add(
                AuthSession(
                    token_hash=name,
                    user_id=user.id,
                    kind=kind,
                    csrf_token="x",
                    created_at=seen,
                    last_seen_at=seen,
                    expires_at=expires,
                )
            )
        failures = limits.Limit("login.client", 20, timedelta(minutes=15))
        limits.hit(session, failures, "c2", now)  # this window: kept
        limits.hit(session, failures, "c1", now - timedelta(minutes=16))  # ended

    result = sdm(url, "sessions", "purge", "--by", "test")

    assert result.returncode == 0, result.stderr
    assert "deleted 3 ended session(s) and 1 ended rate-limit counter(s)" in result.stdout
    with session_scope(engine) as session:
        kept = set(session.exec(select(AuthSession.token_hash)).all())
        counters = limits.count_rows(session)
        live = limits.peek(session, failures, "c2").hits
        audited = session.exec(
            select(AuditEvent).where(AuditEvent.action == "sessions.purge")
        ).one()
    engine.dispose()
    assert kept == {"live-web", "live-api"}
    assert (counters, live) == (1, 1)
    assert audited.actor == "test"
    assert audited.after == {"sessions_deleted": 3, "rate_counters_deleted": 1}
