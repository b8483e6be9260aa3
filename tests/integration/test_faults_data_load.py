"""Evidence that a data load cannot leave half a version: `sdm data load` killed at many
moments leaves the newest version the old one or the complete new one, never partial.

Figures are printed (run with -s to see them).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy import func
from sqlmodel import col, select

from app.catalogue import load_directory
from app.catalogue.model import Dataset
from app.db import make_engine, session_scope, sqlite_file
from app.store.tables import (
    AuditEvent,
    ChecklistItemRow,
    DataVersion,
    DrugRow,
    RatingRow,
    SourceRow,
)
from tests.builders import DRUGDATA, bundled_dataset
from tests.integration.conftest import publish
from tests.integration.faultkit import (
    ROOT,
    admin_url,
    integrity,
)

# --- 3. a data load killed midway -----------------------------------------------------


def modified_copy(tmp: Path, run: int) -> tuple[Path, Dataset]:
    """drugdata/ with one rating note changed: a new version to publish."""
    target = tmp / f"drugdata-{run}"
    shutil.copytree(DRUGDATA, target)
    path = target / "drugs" / "olanzapine.yaml"
    old = 'weight-gain: {value: 3, sources: [s3-2020], source_values: {s3-2020: "+++"}}'
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, old[:-1] + f', note: "kill test run {run}"}}'))
    return target, load_directory(target)


def version_rows(url: str) -> dict[int, dict[str, Any]]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        rows: dict[int, dict[str, Any]] = {
            v.number: {"checksum": v.checksum} for v in session.exec(select(DataVersion)).all()
        }
        for model, key in (
            (DrugRow, "drugs"),
            (RatingRow, "ratings"),
            (ChecklistItemRow, "checklist"),
            (SourceRow, "sources"),
        ):
            counted = session.exec(
                select(col(model.version), func.count()).group_by(col(model.version))
            ).all()
            for number, n in counted:
                rows[number][key] = int(n)
        rows[0] = {"audit": int(session.exec(select(func.count()).select_from(AuditEvent)).one())}
    engine.dispose()
    return rows


def expected_rows(dataset: Dataset) -> dict[str, Any]:
    return {
        "checksum": dataset.checksum(),
        "drugs": len(dataset.drugs),
        "ratings": sum(len(d.ratings) for d in dataset.drugs),
        "checklist": len(dataset.checklist),
        "sources": len(dataset.sources),
    }


def start_load(url: str, directory: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "data", "load", "--dir", str(directory), "--by", "kill"],
        cwd=ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def in_transaction(url: str) -> Callable[[], bool]:
    """Whether another process holds a write transaction open on the database, found
    without taking any lock that could disturb it."""
    path = sqlite_file(url)
    if path is not None:
        shm = Path(f"{path}-shm")
        # SQLite's WAL write lock is a POSIX lock on byte 120 of the -shm file.
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 120, 1, 0)

        def sqlite_busy() -> bool:
            try:
                fd = os.open(shm, os.O_RDONLY)
            except OSError:
                return False
            try:
                answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
            finally:
                os.close(fd)
            lock_type: int = struct.unpack("hhqqi4x", answer)[0]
            return lock_type != fcntl.F_UNLCK

        return sqlite_busy
    name = url.rsplit("/", 1)[1]
    return PgBusy(psycopg.connect(admin_url(url), autocommit=True), name)


@dataclass
class PgBusy:
    """`in_transaction` on PostgreSQL, asked through its own connection; `close()` it."""

    conn: psycopg.Connection[TupleRow]
    name: str

    def __call__(self) -> bool:
        row = self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
            (self.name,),
        ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self.conn.close()


def watch(process: subprocess.Popen[bytes], busy: Callable[[], bool]) -> tuple[float, float]:
    """Run to the end; returns (when its write transaction was first seen, when it ended)."""
    started = time.monotonic()
    seen = 0.0
    while process.poll() is None:
        if not seen and busy():
            seen = time.monotonic() - started
        time.sleep(0.002)
    return seen, time.monotonic() - started


def test_a_data_load_killed_at_any_moment_leaves_the_old_version_or_the_whole_new_one(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    """The bundled data is published (version 1); `sdm data load` of changed data runs
    to the end, timed, noting when its write transaction opens (version 2). Then 6 loads
    of changed data are killed (SIGKILL) at moments spread before, in and after that
    transaction, and a 7th as soon as its transaction is seen open."""
    url = fresh_db()
    busy = in_transaction(url)
    outcomes: list[str] = []
    try:
        publish(url, bundled_dataset())
        directory, dataset = modified_copy(tmp_path, 99)
        measured = start_load(url, directory)
        tx_at, run_time = watch(measured, busy)
        assert measured.returncode == 0
        published = {1: expected_rows(bundled_dataset()), 2: expected_rows(dataset)}
        rows = version_rows(url)
        assert {n: r for n, r in rows.items() if n} == published and rows[0]["audit"] == 2
        tx_at = tx_at or run_time * 0.8
        delays = [tx_at * f for f in (0.35, 0.7, 0.95)]
        delays += [tx_at + (run_time - tx_at) * f for f in (0.05, 0.5, 1.0)]
        for run, delay in enumerate([*delays, None]):
            directory, dataset = modified_copy(tmp_path, run)
            process = start_load(url, directory)
            if delay is not None:
                time.sleep(delay)
                when = f"{delay:.2f} s"
            else:  # killed as soon as its transaction is open
                deadline = time.monotonic() + 60
                while not busy() and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.001)
                when = "in transaction" if process.poll() is None else "after exit"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            after = version_rows(url)
            newest = max(n for n in after if n)
            if newest == max(published):
                outcome = "old"
            else:
                assert newest == max(published) + 1, after
                published[newest] = expected_rows(dataset)
                outcome = "new"
            # Every version complete, none partial; one audit event per version.
            assert {n: r for n, r in after.items() if n} == published, (when, after)
            assert after[0]["audit"] == len(published)
            outcomes.append(f"{when}: {outcome} (exit {process.returncode})")
    finally:
        getattr(busy, "close", lambda: None)()
    print(
        f"\nfull load {run_time:.2f} s, write transaction seen at {tx_at:.2f} s; "
        "kills: " + "; ".join(outcomes)
    )
    assert "in transaction: old" in outcomes[-1]
    assert integrity(url) == "ok"
