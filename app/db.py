"""The database engine and the one-transaction-per-request session.

`session_scope` is the only place that commits: services and actions flush, the
scope commits when the unit of work succeeds and rolls back when it raises.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import MetaData, event, insert
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlmodel import Session, SQLModel, create_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


# SQLite result codes and PostgreSQL SQLSTATEs for "the database answers but takes no
# changes": a read-only database, file or file system, or a full disk.
_SQLITE_REFUSES_WRITES = ("SQLITE_READONLY", "SQLITE_FULL")
_PG_REFUSES_WRITES = frozenset({"25006", "53100"})  # read_only_sql_transaction, disk_full


def refuses_writes(exc: BaseException) -> bool:
    """Whether a database error means "cannot write now" rather than "cannot reach"."""
    orig = getattr(exc, "orig", None) or exc
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        return name.startswith(_SQLITE_REFUSES_WRITES)
    return getattr(orig, "sqlstate", None) in _PG_REFUSES_WRITES


def sqlite_file(url: str | URL) -> Path | None:
    """The database file of a SQLite URL (plain or `file:` URI), or None in memory."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        if not database.startswith("file:") or parsed.query.get("mode") == "memory":
            return None
        database = unquote(database.removeprefix("file:"))
        if database.startswith("//"):  # file:///absolute/path
            database = "/" + database.removeprefix("//").partition("/")[2]
    if not database or database == ":memory:":
        return None
    return Path(database)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


def existing_sqlite_only(url: str) -> str:
    """A SQLite file URL that opens the file only if it is there (`mode=rw`): without it,
    a database file deleted under a running app would come back as a new, empty one."""
    parsed = make_url(url)
    path = sqlite_file(parsed)
    if path is None or str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        return url
    return f"sqlite:///file:{quote(str(path))}?mode=rw&uri=true"


def create_private_file(path: Path) -> None:
    """Create an empty SQLite file readable by its owner only (0600), if it is not there.

    SQLite would create it with the process's umask (often 0644: anyone on the machine
    could read staff password hashes and the preferences). Its -wal and -shm files take
    the database file's permissions. An existing file is left as it is."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # e.g. no such directory: connecting reports it
    os.close(fd)


def make_engine(url: str, *, timeout_seconds: float = 2.0, create: bool = True) -> Engine:
    """`create=False` (the app server): a SQLite file that is not there is an error, a
    503, never a new empty database. Migrations and `sdm` commands may create it, and
    create it 0600."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if not create:
            url = existing_sqlite_only(url)
        else:
            new_file = sqlite_file(url)
            if new_file is not None and make_url(url).query.get("mode") not in ("ro", "rw"):
                create_private_file(new_file)
        # The driver's own transaction handling is turned off (isolation_level=None) and
        # SQLAlchemy emits BEGIN itself: BEGIN IMMEDIATE for units of work that write, so
        # concurrent writers queue on the busy timeout instead of failing with
        # "database is locked" when a read snapshot goes stale (SQLAlchemy's pysqlite recipe).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15, "isolation_level": None},
            # No ping: a local file has no connection to lose; a moved or replaced file
            # is caught at checkout by _same_file below.
            pool_size=20,
            max_overflow=20,
        )

        path = sqlite_file(engine.url)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            if path is not None:
                record.info[_FILE_ID] = _file_identity(path)

        @event.listens_for(engine, "checkout")
        def _same_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            """An open SQLite connection keeps reading and writing its file even after
            the file is moved, removed or replaced: check the path still names that file,
            else drop the pool so that the next connection opens the path (or fails: 503)."""
            if path is not None and _file_identity(path) != record.info.get(_FILE_ID):
                raise InvalidatePoolError("the SQLite database file was moved or replaced")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    timeout = max(1, int(timeout_seconds))
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=20,
        max_overflow=20,
        pool_timeout=timeout_seconds,
        connect_args={
            "connect_timeout": timeout,
            "options": f"-c statement_timeout={int(timeout_seconds * 5000)}",
        },
    )


SQLITE_BEGIN = "sqlite_begin"
_FILE_ID = "sdm_sqlite_file_id"


def open_unit(engine: Engine, *, write: bool = False) -> Session:
    """Start a unit of work. `write=True` takes SQLite's write lock at the start
    (BEGIN IMMEDIATE), which is I/O; otherwise nothing touches the database yet."""
    session = Session(engine, expire_on_commit=False)
    if write and engine.dialect.name == "sqlite":
        try:
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        except BaseException:
            session.close()
            raise
    return session


def close_unit(session: Session, engine: Engine, error: BaseException | None) -> None:
    """End a unit of work: commit if it succeeded (`error` None), else roll back. A
    failed commit is rolled back too, and raised."""
    try:
        if error is not None:
            _roll_back(session, engine, error)
            return
        try:
            session.commit()
        except BaseException as exc:
            _roll_back(session, engine, exc)
            raise
    finally:
        session.close()


def _roll_back(session: Session, engine: Engine, cause: BaseException) -> None:
    session.rollback()
    if engine.dialect.name != "sqlite" and refuses_writes(cause):
        # A server that went read-only (a fail-over, a full disk) keeps pooled
        # connections read-only even after it recovers: start afresh.
        session.close()
        engine.dispose()


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception.

    `write=True` takes SQLite's write lock at the start (BEGIN IMMEDIATE); elsewhere
    it changes nothing."""
    session = open_unit(engine, write=write)
    try:
        yield session
    except BaseException as exc:
        close_unit(session, engine, exc)
        raise
    close_unit(session, engine, None)


def insert_rows(
    session: Session, table: type[SQLModel], rows: Sequence[Mapping[str, object]]
) -> None:
    """`rows` into `table` as one multi-row INSERT on the unit's connection, for the
    actions that write a whole data set: a data version or a draft is about 1,100 rows
    (about 830 ratings, 230 sources), and as objects flushed through the unit of work
    they cost twice to three times as much (on SQLite, median of 20: a draft opened in
    58 ms, now 18; a version published in 73 ms, now 37). Column defaults apply as for
    an object; the rows are not in the session's identity map."""
    if rows:
        session.execute(insert(table.__table__), rows)  # type: ignore[attr-defined]
