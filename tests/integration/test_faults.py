"""Evidence that it holds when the database does not: stopped, unreachable, read-only,
full, or a data load killed midway.

- Database stopped (PostgreSQL, a private cluster this test crashes and restarts; never
  the shared TEST_DATABASE_URL one) or its file unreachable (SQLite): liveness stays
  200, everything else answers 503 with a clear message (a page for people, JSON for
  the API) within 2 s of the fault, and all recover on their own. Each process confirms
  the newest data version at most SDM_VERSION_MAX_AGE (1 s) apart (ADR 0007), so until
  then a ranking may still be answered: always whole, from the version confirmed
  before the fault; never a partial one.
- Read-only database: writes get 503 "nothing was saved", reads go on, nothing changes.
- Disk full (SQLite, `PRAGMA max_page_count` on the app's own connections): the same.
- `sdm data load` killed at many moments: the newest version is the old one or the
  complete new one, never partial.

Figures are printed (run with -s to see them).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest
from sqlalchemy import event, func
from sqlmodel import select

from app.catalogue import load_directory
from app.catalogue.model import Dataset
from app.consultations.tables import Consultation
from app.db import make_engine, refuses_writes, session_scope, sqlite_file
from app.store.tables import (
    AuditEvent,
    ChecklistItemRow,
    DataVersion,
    DrugRow,
    RatingRow,
    SourceRow,
)
from tests.builders import DRUGDATA, bundled_dataset
from tests.conftest import BACKEND, migrate
from tests.integration.conftest import client_for, publish
from tests.integration.live import live_server
from tests.integration.pgcluster import pg_bin, private_cluster
from tests.integration.staff import Staff, add_staff
from tests.integration.webclient import Browser, login, tablet_to_review

ROOT = Path(__file__).resolve().parents[2]
DOWN = "The database cannot be reached just now"
READ_ONLY = "The database is not accepting changes just now; nothing was saved."
RANKING = {"avoid": ["weight-gain", "tremor"], "helpful": ["sleepy-at-night"]}
CONSULTATION = {**RANKING, "with_carer": False, "what_matters": "sleep"}

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite variant")


# --- shared checks --------------------------------------------------------------------


def fetch(browser: Browser, method: str, url: str, **kwargs: Any) -> tuple[httpx2.Response, float]:
    response = browser.request(method, url, **kwargs)
    return response, float(response.extensions["elapsed_s"])


def probes(base: str, clinician: Browser, page: str) -> dict[str, Callable[[], Any]]:
    """name -> a request; each answers 200 when the database is there."""
    anyone = Browser()
    return {
        "GET /healthz": lambda: fetch(anyone, "GET", f"{base}/healthz"),
        "GET /readyz": lambda: fetch(anyone, "GET", f"{base}/readyz"),
        "POST /api/v1/rankings": lambda: fetch(
            anyone, "POST", f"{base}/api/v1/rankings", json=RANKING
        ),
        "GET /tablet": lambda: fetch(anyone, "GET", f"{base}/tablet?lang=en"),
        "GET clinician page": lambda: fetch(clinician, "GET", f"{base}{page}?lang=en"),
    }


def assert_all_down(checks: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Liveness 200; the rest a quick 503 that says why and carries no ranking."""
    figures = {}
    for name, check in checks.items():
        response, elapsed = check()
        figures[name] = elapsed
        assert elapsed < 2.0, f"{name} took {elapsed:.2f} s"
        if name == "GET /healthz":
            assert response.status_code == 200
            continue
        assert response.status_code == 503, f"{name}: {response.status_code} {response.text}"
        if name == "GET /readyz":
            assert response.json()["status"] == "unavailable"
        elif name.startswith("POST /api"):
            assert response.headers["content-type"].startswith("application/json")
            assert set(response.json()) == {"detail"}
            assert response.json()["detail"].startswith(DOWN)
            assert "results" not in response.text
        else:  # pages: HTML for people
            assert response.headers["content-type"].startswith("text/html")
            assert DOWN in response.text
            assert "Not available just now" in response.text
            assert 'class="why"' not in response.text and "Chosen:" not in response.text
    return figures


MAX_AGE = 1.0  # SDM_VERSION_MAX_AGE's default, which live_server keeps


def noticed(checks: dict[str, Callable[[], Any]], version: int, faulted: float) -> float:
    """Seconds from the fault until every probe but liveness answers 503. Until then
    an answer is either that 503 or a whole answer from `version`, the one confirmed
    before the fault: never a partial ranking, never an error of another kind."""
    while True:
        statuses = {}
        for name, check in checks.items():
            if name == "GET /healthz":
                continue
            response, _elapsed = check()
            statuses[name] = response.status_code
            if response.status_code == 200 and name.startswith("POST /api"):
                body = response.json()
                assert body["data_version"]["number"] == version
                assert len(body["results"]) + len(body["excluded"]) == 23
            assert response.status_code in (200, 503), f"{name}: {response.text}"
        if set(statuses.values()) == {503}:
            return time.monotonic() - faulted
        assert time.monotonic() - faulted < MAX_AGE + 1.0, f"not noticed: {statuses}"
        time.sleep(0.05)


def wait_until_all_up(checks: dict[str, Callable[[], Any]], limit: float = 15) -> float:
    started = time.monotonic()
    while True:
        statuses = {name: check()[0].status_code for name, check in checks.items()}
        if set(statuses.values()) == {200}:
            return time.monotonic() - started
        assert time.monotonic() - started < limit, f"not recovered: {statuses}"
        time.sleep(0.1)


def report(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in figures.items()))


def set_up(url: str) -> tuple[Staff, str]:
    """The bundled data, staff, and one consultation; returns (staff, its page path)."""
    publish(url, bundled_dataset())
    staff = add_staff(url)
    with client_for(url) as client:
        created = client.post("/api/v1/consultations", json=CONSULTATION)
        assert created.status_code == 201, created.text
    return staff, f"/staff/consultations/{created.json()['id']}"


# --- 1. the database stopped or unreachable ---------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL pass only")
def test_postgres_stopped_answers_503_quickly_and_recovers_by_itself() -> None:
    if pg_bin() is None:
        pytest.skip("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
    with private_cluster() as cluster:
        url = cluster.create_database("choosewell")
        migrate(url)
        staff, page = set_up(url)
        with live_server(url) as base:
            cora = Browser()
            login(cora, base, staff, "cora")
            checks = probes(base, cora, page)
            assert wait_until_all_up(checks, limit=5) < 5
            version = httpx2.get(f"{base}/api/v1/data-version").json()["number"]
            cluster.stop()  # a crash: -m immediate
            faulted = time.monotonic()
            within = noticed(checks, version, faulted)
            print(f"\nPostgreSQL stopped: every probe 503 {within:.2f} s after")
            assert within < 2.0
            down = assert_all_down(checks)
            report("PostgreSQL stopped, answer times", down)
            again = assert_all_down(checks)  # and again: no slow retry path the 2nd time
            report("PostgreSQL stopped, second round", again)
            restarted = time.monotonic()
            cluster.start()  # the same port
            start_s = time.monotonic() - restarted
            recovered = wait_until_all_up(checks, limit=10)
            print(f"cluster restart {start_s:.2f} s; all 200 again {recovered:.2f} s after")
            assert recovered < 5


@sqlite_only
def test_sqlite_file_unreachable_answers_503_and_recovers(tmp_path: Path) -> None:
    """SQLite has no server to stop; the nearest fault is the database file going away
    (its directory renamed, as an unmounted or moved volume would). An open SQLite
    connection keeps using a moved file, so the app checks at each checkout that the
    path still names the file it opened (app/db.py); this test shows that check works.
    Timing is not comparable with PostgreSQL: there is no network and no connect timeout
    (opening a missing file fails at once)."""
    folder = tmp_path / "volume"
    folder.mkdir()
    url = f"sqlite:///{folder / 'choosewell.db'}"
    migrate(url)
    staff, page = set_up(url)
    with live_server(url) as base:
        cora = Browser()
        login(cora, base, staff, "cora")
        checks = probes(base, cora, page)
        assert wait_until_all_up(checks, limit=5) < 5
        version = httpx2.get(f"{base}/api/v1/data-version").json()["number"]
        folder.rename(tmp_path / "elsewhere")
        faulted = time.monotonic()
        try:
            within = noticed(checks, version, faulted)
            print(f"\nSQLite file unreachable: every probe 503 {within:.2f} s after")
            assert within < 2.0
            down = assert_all_down(checks)
            report("SQLite file unreachable, answer times", down)
        finally:
            (tmp_path / "elsewhere").rename(folder)
        recovered = wait_until_all_up(checks, limit=10)
        print(f"SQLite file back: all 200 again {recovered:.2f} s after")
    assert not (tmp_path / "elsewhere").exists()
    assert integrity(url) == "ok"


@sqlite_only
def test_a_deleted_sqlite_file_is_never_made_again_empty(tmp_path: Path) -> None:
    """The app opens its SQLite file only if it is there (`mode=rw`): a deleted file is
    a 503, and no new empty database appears where it was (where `sdm db upgrade` and
    `sdm data load` would then build a database without the consultations or the
    audit trail). Putting the file back (a restore) brings everything back."""
    path = tmp_path / "choosewell.db"
    url = f"sqlite:///{path}"
    migrate(url)
    set_up(url)
    kept = tmp_path / "kept.db"
    with client_for(url) as client:
        assert client.post("/api/v1/rankings", json=RANKING).status_code == 200
        shutil.copy(path, kept)  # a quiet moment: the WAL is checkpointed into the file
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        time.sleep(1.1)  # past SDM_VERSION_MAX_AGE: the next ranking confirms the version
        gone = client.post("/api/v1/rankings", json=RANKING)
        assert gone.status_code == 503, gone.text
        assert gone.json()["detail"].startswith(DOWN)
        assert client.get("/readyz").status_code == 503
        assert not path.exists()
        shutil.copy(kept, path)
        assert client.post("/api/v1/rankings", json=RANKING).status_code == 200
        assert client.get("/readyz").status_code == 200


# --- 2. read-only database, full disk ---------------------------------------------------


def snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        versions = [(v.number, v.checksum) for v in session.exec(select(DataVersion)).all()]
        counts = {
            model.__name__: int(session.exec(select(func.count()).select_from(model)).one())
            for model in (AuditEvent, Consultation, RatingRow, DrugRow)
        }
    engine.dispose()
    return {"versions": versions, **counts}


def admin_url(url: str) -> str:
    """The `postgres` database of the server of a PostgreSQL URL, for psycopg itself."""
    return url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"


def integrity(url: str) -> str:
    path = sqlite_file(url)
    if path is None:  # PostgreSQL: its own checks; compare snapshots instead
        return "ok"
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def assert_writes_refused_reads_go_on(
    base: str, cora: dict[str, str], phil: dict[str, str], rating: str, etag: str, consultation: str
) -> None:
    anyone = Browser()
    # Writes: 503, the message says nothing was saved.
    api = httpx2.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
    assert api.status_code == 503, api.text
    assert api.json()["detail"].startswith(READ_ONLY)
    tablet = anyone.post(f"{base}/tablet", form=tablet_to_review(anyone, base))
    assert tablet.status_code == 503, tablet.text
    assert READ_ONLY in tablet.text and '<p class="code"' not in tablet.text
    edit = httpx2.put(
        f"{base}{rating}",
        headers={**phil, "If-Match": etag},
        json={"value": 1, "sources": ["s3-2020"], "note": "while read-only"},
        timeout=10,
    )
    assert edit.status_code == 503, edit.text
    assert edit.json()["detail"].startswith(READ_ONLY)
    # Reads: as usual.
    assert httpx2.get(f"{base}/readyz", timeout=10).status_code == 200
    ranked = httpx2.post(f"{base}/api/v1/rankings", json=RANKING, timeout=10)
    assert ranked.status_code == 200 and ranked.json()["results"]
    assert anyone.get(f"{base}/tablet?lang=en").status_code == 200
    opened = httpx2.get(f"{base}/api/v1/consultations/{consultation}", headers=cora, timeout=10)
    assert opened.status_code == 200, opened.text
    assert httpx2.get(f"{base}{rating}", headers=phil, timeout=10).headers["etag"] == etag


def read_only_fixture(url: str) -> tuple[Staff, dict[str, str], dict[str, str], str, str, str]:
    """Tokens, a draft rating with its ETag and a consultation, made while writable."""
    staff, page = set_up(url)
    with client_for(url) as client:
        cora, phil = staff.headers(client, "cora"), staff.headers(client, "phil")
        draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
        rating = f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain"
        etag = client.get(rating, headers=phil).headers["etag"]
    return staff, cora, phil, rating, etag, page.rsplit("/", 1)[1]


def test_a_read_only_database_refuses_writes_clearly_and_reads_go_on(
    fresh_db: Callable[[], str],
) -> None:
    """SQLite: the app opened read-only (`?mode=ro`, as on a read-only file system).
    PostgreSQL: `default_transaction_read_only` on the database, the app's connections
    cut (as at a fail-over to a standby) so that they reconnect read-only."""
    url = fresh_db()
    _, cora, phil, rating, etag, consultation = read_only_fixture(url)
    before = snapshot(url)
    if BACKEND == "sqlite":
        read_only_url = f"sqlite:///file:{sqlite_file(url)}?mode=ro&uri=true"
        with live_server(read_only_url) as base:
            assert_writes_refused_reads_go_on(base, cora, phil, rating, etag, consultation)
        assert snapshot(url) == before
        with live_server(url) as base:  # writable again
            again = httpx2.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
            assert again.status_code == 201, again.text
    else:
        name = url.rsplit("/", 1)[1]
        admin = admin_url(url)

        def set_read_only(on: bool) -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                if not on:
                    # The app's pooled connections stay read-only: it must notice itself.
                    conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
                    return
                conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )

        with live_server(url) as base:
            assert httpx2.get(f"{base}/readyz", timeout=10).status_code == 200
            set_read_only(True)
            try:
                assert_writes_refused_reads_go_on(base, cora, phil, rating, etag, consultation)
                assert snapshot(url) == before
            finally:
                set_read_only(False)
            # The first write may meet a pooled read-only connection (503, nothing saved);
            # that refusal makes the app drop its pool, so the next write succeeds.
            again = httpx2.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
            if again.status_code == 503:
                again = httpx2.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
            assert again.status_code == 201, again.text
    after = snapshot(url)
    assert after == {**before, "Consultation": before["Consultation"] + 1}
    assert integrity(url) == "ok"


@sqlite_only
def test_a_full_disk_refuses_writes_clearly_and_keeps_the_database_sound(
    fresh_db: Callable[[], str],
) -> None:
    """SQLITE_FULL, made by `PRAGMA max_page_count` = the current size on every
    connection of the app's engine (the pragma is per connection, not stored in the file,
    so it cannot be set from outside the process). Writes that still fit in free space
    in existing pages succeed, so consultations are sent until one needs a new page.
    PostgreSQL's disk-full (SQLSTATE 53100) maps to the same 503; filling the server's
    disk is not done here."""
    url = fresh_db()
    publish(url, bundled_dataset())
    path = sqlite_file(url)
    assert path is not None
    with client_for(url) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        with sqlite3.connect(path) as conn:
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])

        def cap(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "connect", cap)
        engine.dispose()
        created = 0
        for _ in range(500):
            response = client.post("/api/v1/consultations", json=CONSULTATION)
            if response.status_code != 201:
                break
            created += 1
        print(f"\ndisk full after {created} consultations that still fitted")
        assert response.status_code == 503, response.text
        assert response.json()["detail"].startswith(READ_ONLY)
        page = client.post("/tablet", data={"lang": "en", "go": "choose"})
        assert page.status_code == 200  # a read-only step of the tablet form
        assert client.post("/api/v1/rankings", json=RANKING).status_code == 200
        assert snapshot(url)["Consultation"] == created
        event.remove(engine, "connect", cap)
        engine.dispose()
        assert client.post("/api/v1/consultations", json=CONSULTATION).status_code == 201
    assert snapshot(url)["Consultation"] == created + 1
    assert integrity(url) == "ok"


def test_driver_errors_that_refuse_writes_are_told_apart_from_unreachable() -> None:
    readonly = sqlite3.connect(":memory:")
    readonly.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError) as caught:
        readonly.execute("CREATE TABLE t (x)")
    assert refuses_writes(caught.value)
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect("/nonexistent/dir/x.db").execute("SELECT 1")
    assert not refuses_writes(missing.value)
    assert refuses_writes(psycopg.errors.ReadOnlySqlTransaction("read-only"))
    assert refuses_writes(psycopg.errors.DiskFull("no space"))
    assert not refuses_writes(psycopg.errors.AdminShutdown("terminating connection"))
    readonly.close()


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
                select(model.version, func.count()).group_by(model.version)  # type: ignore[attr-defined]
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
            return struct.unpack("hhqqi4x", answer)[0] != fcntl.F_UNLCK

        return sqlite_busy
    name = url.rsplit("/", 1)[1]
    conn = psycopg.connect(admin_url(url), autocommit=True)

    def pg_busy() -> bool:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
        return bool(row and row[0])

    pg_busy.close = conn.close  # type: ignore[attr-defined]
    return pg_busy


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
