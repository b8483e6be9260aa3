"""Backing a database up to one file and restoring it into an empty database.

SQLite: the backup is an SQLite file made with the online backup API, so it is a
consistent snapshot even while the app is writing (a plain copy of a live WAL database
is not). PostgreSQL: the backup is a `pg_dump --format=custom` archive, restored with
`pg_restore` in one transaction.

A restore never rewrites history: it only goes into an empty database (no tables), so
the restored audit trail is the original, row for row. This module writes no audit
event; `sdm restore` then ends every staff session the backup brought back, with one
audit event after the restored ones (see docs/adr/0005-backup-and-restore.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine, make_url

from app.db import make_engine, normalise_url

Kind = Literal["sqlite", "postgresql"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: Kind
    size: int


# --- what kind of database, what kind of file ---------------------------------------


def database_kind(url: str) -> Kind:
    name = make_url(normalise_url(url)).get_backend_name()
    if name in ("sqlite", "postgresql"):
        return name  # type: ignore[return-value]
    raise BackupError(f"backups support SQLite and PostgreSQL databases, not {name!r}")


def file_kind(path: Path) -> Kind | None:
    """What a backup file holds, from its first bytes; None if neither."""
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def describe(url: str) -> str:
    """The database URL for messages, never with its password."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{describe(url)} is not an SQLite database file")
    return Path(database)


# --- the summary printed after a restore (and compared by the tests) ----------------


def database_summary(engine: Engine) -> dict[str, Any]:
    """The migration revision, the row count of every table and the newest data version.

    `{"revision": "0004" | None, "tables": {name: rows}, "data_version":
    {"number": n, "checksum": "..."} | None}`"""
    names = sorted(inspect(engine).get_table_names())
    quote = engine.dialect.identifier_preparer.quote
    summary: dict[str, Any] = {"revision": None, "tables": {}, "data_version": None}
    with engine.connect() as conn:
        for name in names:
            count = conn.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one()  # noqa: S608
            summary["tables"][name] = int(count)
        if "alembic_version" in names:
            summary["revision"] = conn.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar()
        if "data_version" in names:
            row = conn.execute(
                text("SELECT number, checksum FROM data_version ORDER BY number DESC LIMIT 1")
            ).first()
            if row is not None:
                summary["data_version"] = {"number": int(row[0]), "checksum": str(row[1])}
    return summary


def url_summary(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        return database_summary(engine)
    finally:
        engine.dispose()


def _is_empty(url: str) -> bool:
    """No tables (and, on PostgreSQL, no functions) outside the system schemas."""
    if database_kind(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
        try:
            lite = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)
            try:
                objects = lite.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            finally:
                lite.close()
        except sqlite3.Error as exc:
            raise BackupError(f"could not read {path}: {exc}") from None
        return int(objects) == 0
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            objects = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n"
                    "        ON n.oid = c.relnamespace"
                    "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                    "          AND n.nspname NOT LIKE 'pg_toast%'"
                    "          AND n.nspname NOT LIKE 'pg_temp%')"
                    "     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n"
                    "        ON n.oid = p.pronamespace"
                    "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))"
                )
            ).scalar_one()
        return int(objects) == 0
    finally:
        engine.dispose()


# --- writing a file safely -----------------------------------------------------------


@contextlib.contextmanager
def _temporary_beside(dest: Path) -> Iterator[Path]:
    """A temporary path in dest's directory; renamed onto dest by the caller, removed
    if anything fails, so a killed or failed backup never leaves a half file at dest."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _commit_file(tmp: Path, dest: Path) -> None:
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, dest)
    with contextlib.suppress(OSError):
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- SQLite --------------------------------------------------------------------------


def _sqlite_backup(url: str, dest: Path) -> None:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"there is no database file at {source}")
    with _temporary_beside(dest) as tmp:
        try:
            src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=15)
            try:
                dst = sqlite3.connect(tmp)
                try:
                    src.backup(dst)  # one consistent snapshot, even while the app writes
                    # One self-contained file: no -wal beside it.
                    dst.execute("PRAGMA journal_mode=DELETE")
                    if dst.execute("PRAGMA quick_check").fetchone() != ("ok",):
                        raise BackupError("the copy failed its integrity check; nothing written")
                finally:
                    dst.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise BackupError(f"could not back up {source}: {exc}") from None
        _commit_file(tmp, dest)


def _check_sqlite_file(path: Path) -> None:
    """A complete, intact SQLite file holding a migrated Choosewell database."""
    with path.open("rb") as f:
        header = f.read(100)  # the SQLite file header: page size and page count
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if len(header) < 100 or page_size == 0 or path.stat().st_size < page_size * pages:
        raise BackupError(f"{path} is truncated: it is not a complete SQLite backup")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is damaged: it failed SQLite's integrity check")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a readable SQLite backup: {exc}") from None
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is an SQLite file but not a Choosewell database backup")


def _sqlite_restore(url: str, backup: Path) -> None:
    _check_sqlite_file(backup)
    target = _sqlite_path(url)
    try:
        src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            if not target.exists():
                # A new file: build it beside the target, then rename it into place.
                with _temporary_beside(target) as tmp:
                    dst = sqlite3.connect(tmp)
                    try:
                        src.backup(dst)
                    finally:
                        dst.close()
                    _commit_file(tmp, target)
                return
            # An existing empty database: copied in one step, which is one transaction.
            dst = sqlite3.connect(target, timeout=15)
            try:
                src.backup(dst, pages=-1)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"could not restore into {target}: {exc}") from None


# --- PostgreSQL ----------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    if found := shutil.which(name):
        return found

    def major(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.parent.name))

    candidates = [p / name for p in Path("/").glob(PG_BIN_GLOB.lstrip("/"))]
    candidates = [p for p in candidates if os.access(p, os.X_OK)]
    if not candidates:
        raise BackupError(
            f"{name} was not found on PATH or in {PG_BIN_GLOB}; install the PostgreSQL "
            "client tools (Debian: postgresql-client) in the server's major version or newer"
        )
    return str(max(candidates, key=major))


def libpq_url_and_env(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the child environment that
    carries the password (PGPASSWORD), so it never appears on a command line."""
    parsed: URL = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    # (URL.set(password=None) would keep the password: None there means "unchanged".)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (a fixed tool and arguments, no shell)
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tool = Path(command[0]).name
        detail = result.stderr.strip() or f"exit code {result.returncode}"
        raise BackupError(f"{tool} failed: {detail}")


def _pg_backup(url: str, dest: Path) -> None:
    dsn, env = libpq_url_and_env(url)
    with _temporary_beside(dest) as tmp:
        _run([find_pg_tool("pg_dump"), "--format=custom", f"--file={tmp}", f"--dbname={dsn}"], env)
        _commit_file(tmp, dest)


def _pg_restore(url: str, backup: Path) -> None:
    dsn, env = libpq_url_and_env(url)
    tool = find_pg_tool("pg_restore")
    # The archive's table of contents must be readable before anything is touched.
    _run([tool, "--list", f"--file={os.devnull}", str(backup)], env)
    try:
        _run(
            [
                tool,
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={dsn}",
                str(backup),
            ],
            env,
        )
    except BackupError as exc:
        raise BackupError(
            f"{exc.message}\nThe restore ran in one transaction: nothing was restored."
        ) from None


# --- the two commands ----------------------------------------------------------------


def backup(url: str, dest: Path) -> BackupResult:
    """Write a consistent backup of the database at `url` to `dest` (replaced atomically)."""
    kind = database_kind(url)
    if dest.is_dir():
        raise BackupError(f"{dest} is a directory; give the backup file's name")
    if kind == "sqlite":
        _sqlite_backup(url, dest)
    else:
        _pg_backup(url, dest)
    return BackupResult(dest, kind, dest.stat().st_size)


def restore(url: str, source: Path) -> dict[str, Any]:
    """Restore the backup `source` into the EMPTY database at `url`; returns its summary.

    Refuses (BackupError, nothing changed) a missing or unrecognised file, a file made
    from the other kind of database, and a target database that has any tables."""
    kind = database_kind(url)
    if not source.is_file():
        raise BackupError(f"there is no backup file at {source}")
    found = file_kind(source)
    names = {"sqlite": "an SQLite", "postgresql": "a PostgreSQL"}
    if found is None:
        raise BackupError(
            f"{source} is not a Choosewell backup (neither an SQLite file nor a "
            "pg_dump custom-format archive); nothing was restored"
        )
    if found != kind:
        raise BackupError(
            f"{source} is {names[found]} backup but the database is {names[kind]} "
            "database; restore it into the same kind of database it came from"
        )
    if not _is_empty(url):
        raise BackupError(
            f"{describe(url)} is not empty: a restore only goes into a new, empty "
            "database (create one, point DATABASE_URL at it, and run the restore again); "
            "nothing was changed"
        )
    if kind == "sqlite":
        _sqlite_restore(url, source)
    else:
        _pg_restore(url, source)
    return url_summary(url)
