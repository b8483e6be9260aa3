"""The database engine and the one-transaction-per-request session.

`session_scope` is the only place that commits: services and actions flush, the
scope commits when the unit of work succeeds and rolls back when it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
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


def make_engine(url: str, *, timeout_seconds: float = 2.0) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # The driver's own transaction handling is turned off (isolation_level=None) and
        # SQLAlchemy emits BEGIN itself: BEGIN IMMEDIATE for units of work that write, so
        # concurrent writers queue on the busy timeout instead of failing with
        # "database is locked" when a read snapshot goes stale (SQLAlchemy's pysqlite recipe).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15, "isolation_level": None},
            pool_pre_ping=True,
            pool_size=20,
            max_overflow=20,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

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


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception.

    `write=True` takes SQLite's write lock at the start (BEGIN IMMEDIATE); elsewhere
    it changes nothing."""
    session = Session(engine, expire_on_commit=False)
    if write and engine.dialect.name == "sqlite":
        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
