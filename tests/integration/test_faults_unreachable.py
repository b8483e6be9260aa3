"""Evidence that it holds when the database does not answer: PostgreSQL stopped (a private
cluster this test crashes and restarts; never the shared TEST_DATABASE_URL one), or the
SQLite file unreachable or deleted.

Liveness stays 200; everything else answers 503 with a clear message (a page for people,
JSON for the API) within 2 s of the fault, and all recover on their own. Each process
confirms the newest data version at most SDM_VERSION_MAX_AGE (1 s) apart (ADR 0007), so
until then a ranking may still be answered: always whole, from the version confirmed
before the fault; never a partial one.

Figures are printed (run with -s to see them).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests import loopback
from tests.conftest import BACKEND, Alone, migrate
from tests.integration.conftest import client_for
from tests.integration.faultkit import (
    DOWN,
    RANKING,
    integrity,
    set_up,
    sqlite_only,
)
from tests.integration.live import live_server
from tests.integration.pgcluster import pg_bin, private_cluster
from tests.integration.webclient import Browser, login

# Response times are asserted: the tests marked `serial` run that part, from the app
# answering to its recovery (`watched`), while no other test runs (tests/conftest.py).

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


@contextmanager
def watched(url: str, alone: Alone) -> Iterator[tuple[str, dict[str, Callable[[], Any]]]]:
    """A migrated database with the bundled data, an app process on it, a clinician
    logged in, and the probes, all answering 200: yields (base URL, probes), the
    probes' first answer on, while no other test runs (`alone`)."""
    migrate(url)
    staff, page = set_up(url)
    with live_server(url) as base:
        cora = Browser()
        login(cora, base, staff, "cora")
        checks = probes(base, cora, page)
        with alone():
            assert wait_until_all_up(checks, limit=5) < 5
            yield base, checks


def fault_is_noticed(
    base: str, checks: dict[str, Callable[[], Any]], fault: Callable[[], object], label: str
) -> None:
    """Cause `fault`; within 2 s every probe but liveness answers 503 (`noticed`), and a
    round of all the probes then answers as `assert_all_down` says."""
    version = loopback.get(f"{base}/api/v1/data-version").json()["number"]
    fault()
    within = noticed(checks, version, time.monotonic())
    print(f"\n{label}: every probe 503 {within:.2f} s after")
    assert within < 2.0
    report(f"{label}, answer times", assert_all_down(checks))


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


# --- 1. the database stopped or unreachable ---------------------------------------------


@pytest.mark.serial
@pytest.mark.postgres_only
@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL pass only")
def test_postgres_stopped_answers_503_quickly_and_recovers_by_itself(alone: Alone) -> None:
    if pg_bin() is None:
        pytest.skip("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
    with (
        private_cluster() as cluster,
        watched(cluster.create_database("choosewell"), alone) as (base, checks),
    ):
        fault_is_noticed(base, checks, cluster.stop, "PostgreSQL stopped")  # -m immediate
        again = assert_all_down(checks)  # and again: no slow retry path the 2nd time
        report("PostgreSQL stopped, second round", again)
        restarted = time.monotonic()
        cluster.start()  # the same port
        start_s = time.monotonic() - restarted
        recovered = wait_until_all_up(checks, limit=10)
        print(f"cluster restart {start_s:.2f} s; all 200 again {recovered:.2f} s after")
        assert recovered < 5


@pytest.mark.serial
@sqlite_only
def test_sqlite_file_unreachable_answers_503_and_recovers(tmp_path: Path, alone: Alone) -> None:
    """SQLite has no server to stop; the nearest fault is the database file going away
    (its directory renamed, as an unmounted or moved volume would). An open SQLite
    connection keeps using a moved file, so the app checks at each checkout that the
    path still names the file it opened (app/db.py); this test shows that check works.
    Timing is not comparable with PostgreSQL: there is no network and no connect timeout
    (opening a missing file fails at once)."""
    folder = tmp_path / "volume"
    folder.mkdir()
    url = f"sqlite:///{folder / 'choosewell.db'}"
    with watched(url, alone) as (base, checks):
        elsewhere = tmp_path / "elsewhere"
        try:
            fault_is_noticed(
                base, checks, lambda: folder.rename(elsewhere), "SQLite file unreachable"
            )
        finally:
            if elsewhere.exists():
                elsewhere.rename(folder)
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
