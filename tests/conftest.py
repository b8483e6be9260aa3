"""Databases for tests: each built by running the Alembic migrations, never create_all.

Set TEST_DATABASE_URL to a PostgreSQL URL (a role allowed to CREATE DATABASE) to run
every database test on PostgreSQL; otherwise each uses a fresh SQLite file.
"""

from __future__ import annotations

import fcntl
import gc
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.config import ROOT
from tests.cheap_hashing import use_cheap_hashing

# Before any test adds a staff user: see tests/cheap_hashing.py.
use_cheap_hashing()

#: A test process that dies under a test: its stacks kept, the test run once more.
pytest_plugins = ("tests.crashes",)

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKEND = "postgresql" if PG_ADMIN_URL else "sqlite"


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}"


#: The collector's first-generation threshold in test processes (Python's default: 700).
TEST_GC_THRESHOLD = (20_000, 20, 20)


def pytest_configure(config: pytest.Config) -> None:
    """Collect garbage less often in the test processes. A test process holds a large,
    long-lived heap (the collected tests, Hypothesis and Schemathesis strategies, the
    app's modules, coverage's data), which each full collection walks again: with
    Python's defaults, tests/integration/test_clinic_pages.py, test_drafts_api.py,
    test_authorization_matrix.py and test_clinical_records.py took about 12 % more CPU
    (docs/performance.md, "The CI run"). The app's own processes keep their settings."""
    gc.set_threshold(*TEST_GC_THRESHOLD)
    if stale := [path for path in NOT_MEASURED if not (TESTS / path).exists()]:
        raise pytest.UsageError(f"NOT_MEASURED names tests that are not there: {stale}")


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """A test that starts an app outside the `test` environment, in this process, leaves
    the server's threshold set (app/main.py `settle_memory`): the test process's own is
    put back, so a test's speed does not depend on which tests ran before it."""
    if gc.get_threshold() != TEST_GC_THRESHOLD:
        gc.set_threshold(*TEST_GC_THRESHOLD)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built lives until the end: out of the collector's way."""
    freeze_what_lives()


def freeze_what_lives() -> None:
    """Collect, then move everything still alive into the collector's permanent
    generation, which no later collection in this process walks."""
    gc.collect()
    gc.freeze()


#: Tests whose calls coverage does not measure (pytest-cov's `no_cover`), each with why.
#: On Python 3.11 coverage traces every line the test process runs, whatever it
#: measures: a measured test uses about twice the CPU (docs/performance.md, "The CI
#: run"). These add nothing to the figure, measured test by test with
#: `--cov-context=test`: their app runs in processes of its own, or every line and branch
#: they reach is reached by another test. The browser tests are marked in
#: tests/browser/conftest.py for the same reason.
NOT_MEASURED = {
    "fuzz": "Schemathesis and Hypothesis send generated requests through the same code "
    "as the example tests; the few lines only they reached (a shared domain in a "
    "ranking, a list naming an item twice, a period over three years, an unknown or "
    "discarded draft) have example tests of their own",
    "unit/test_ranking_properties.py": "ranking properties over generated data sets: "
    "the spec and unit tests reach every line and branch these reach",
    "integration/test_concurrent_edits.py": "the app runs in uvicorn processes",
    "integration/test_faults_data_load.py": "`sdm data load` runs in processes it kills",
    "integration/test_image_layout.py": "the image's commands run in processes",
    "integration/test_multi_process.py": "the app runs in two uvicorn processes",
    "integration/test_scheduler.py": "deploy/scheduler.sh and its `sdm` commands run in processes",
    "integration/test_session_touch.py": "the app runs in a uvicorn process",
}
TESTS = Path(__file__).resolve().parent


def not_measured(item: pytest.Item) -> bool:
    where = Path(str(item.path)).relative_to(TESTS).as_posix()
    return any(where == path or where.startswith(f"{path}/") for path in NOT_MEASURED)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `no_cover` the tests in NOT_MEASURED, and `db` every test that uses a test
    database (the `databases` fixture, directly or through another fixture) or needs
    PostgreSQL: the tests whose outcome can depend on the backend, the only ones
    scripts/run-tests runs again on PostgreSQL.

    Unit and spec tests are pure: one that uses a database is refused here, so it
    moves to tests/integration."""
    misplaced = []
    for item in items:
        if not_measured(item):
            item.add_marker(pytest.mark.no_cover)
        uses = getattr(item, "fixturenames", ())
        if "databases" in uses or item.get_closest_marker("postgres_only"):
            item.add_marker(pytest.mark.db)
            if item.path.parent.name in ("unit", "spec"):
                misplaced.append(item.nodeid)
    if misplaced:
        raise pytest.UsageError(
            "unit and spec tests use no database; move these to tests/integration: "
            + ", ".join(misplaced)
        )
    # The `serial` tests first: while one runs alone, every other test waits, and at
    # the start of `.ci/run` the checks (mypy) keep the other core busy meanwhile; later
    # in the run it would stand idle (SerialLock). Then the Hypothesis tests, a few
    # seconds each: a long test started among the last leaves the other core idle
    # while it ends (the ranking properties were collected last, in tests/unit).
    items.sort(
        key=lambda item: (item.get_closest_marker("serial") is None, not hypothesis_test(item))
    )


def hypothesis_test(item: pytest.Item) -> bool:
    return isinstance(item, pytest.Function) and is_hypothesis_test(item.obj)


def migrate(url: str, revision: str = "head") -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.downgrade(config, revision)


class SerialLock:
    """Under pytest-xdist, the timed part of a test marked `serial` (it holds the app to a
    response time) runs while no other test runs: every test holds a lock shared, and a
    serial test's `alone()` section holds it exclusively. A gate taken first makes a
    waiting section go before new tests start. TEST_SERIAL_LOCK_DIR shares the lock
    between runs at the same time (scripts/run-tests runs its two passes at once).

    Only the timed part is exclusive: a serial test builds its database and starts its
    app process alongside other tests, and the section waits for them to finish."""

    def __init__(self, shared: Path | None) -> None:
        self.shared = shared
        self.used = False
        self._files: list[IO[str]] = []

    def _open(self) -> tuple[IO[str], IO[str]]:
        assert self.shared is not None
        if not self._files:
            self._files = [
                (self.shared / name).open("a") for name in ("serial.gate", "serial.lock")
            ]
        gate, lock = self._files
        return gate, lock

    def _through_gate(self, mode: int) -> None:
        gate, lock = self._open()
        fcntl.flock(gate, fcntl.LOCK_EX)
        fcntl.flock(lock, mode)
        fcntl.flock(gate, fcntl.LOCK_UN)

    def hold_shared(self) -> None:
        if self.shared is not None:
            self._through_gate(fcntl.LOCK_SH)

    def release(self) -> None:
        for file in self._files:
            fcntl.flock(file, fcntl.LOCK_UN)
            file.close()
        self._files = []

    @contextmanager
    def alone(self) -> Iterator[None]:
        self.used = True
        if self.shared is None:
            yield
            return
        _gate, lock = self._open()
        # Let go of the shared hold before waiting at the gate: two serial tests, each
        # holding it while waiting for the other to let go, would wait forever.
        fcntl.flock(lock, fcntl.LOCK_UN)
        self._through_gate(fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_SH)  # the rest of the test runs as any other


@pytest.fixture(autouse=True)
def _serial_lock(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SerialLock]:
    shared_dir = os.environ.get("TEST_SERIAL_LOCK_DIR")
    shared: Path | None = None
    if shared_dir:
        shared = Path(shared_dir)
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        # The run's own directory, above each worker's.
        shared = tmp_path_factory.getbasetemp().parent
    serial_lock = SerialLock(shared)
    serial_lock.hold_shared()
    try:
        yield serial_lock
    finally:
        serial_lock.release()
    if request.node.get_closest_marker("serial") and not serial_lock.used:
        pytest.fail("a test marked `serial` runs its timed part in `with alone():`")


#: The `alone` fixture: `with alone(): ...` runs while no other test runs.
Alone = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def alone(_serial_lock: SerialLock) -> Alone:
    """`with alone():` around the timed part of a test marked `serial` (SerialLock)."""
    return _serial_lock.alone


class Databases:
    """Creates empty databases (or copies of a migrated template) and drops them at the end.

    Every schema comes from the migrations: a template is migrated once per session and
    copied byte for byte (SQLite's backup API; PostgreSQL's CREATE DATABASE ... TEMPLATE),
    which is much faster than migrating, loading data and hashing passwords per test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def _admin(self) -> Engine:
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
        return create_engine(url, isolation_level="AUTOCOMMIT")

    def empty(self) -> str:
        if BACKEND == "sqlite":
            return f"sqlite:///{self.tmp / f'{uuid.uuid4().hex}.db'}"
        name = f"sdm_test_{uuid.uuid4().hex[:12]}"
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.created.append(name)
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def copy(self, template: str) -> str:
        """A new database with the same content as `template` (nobody may be connected)."""
        if BACKEND == "sqlite":
            target = self.empty()
            source_path = make_url(template).database
            target_path = make_url(target).database
            assert source_path and target_path
            with sqlite3.connect(source_path) as src, sqlite3.connect(target_path) as dst:
                src.backup(dst)
            src.close()
            dst.close()
            return target
        name = f"sdm_test_{uuid.uuid4().hex[:12]}"
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"'))
        engine.dispose()
        self.created.append(name)
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        engine = self._admin()
        with engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def migrated_template(databases: Databases) -> str:
    url = databases.empty()
    migrate(url)
    return url


@pytest.fixture
def fresh_db(databases: Databases, migrated_template: str) -> Callable[[], str]:
    """A factory for fresh, migrated, empty databases."""

    def make() -> str:
        return databases.copy(migrated_template)

    return make


from hypothesis import HealthCheck, is_hypothesis_test, settings  # noqa: E402

# dev: 100 random examples per property, a new draw on every run. ci (scripts/run-tests
# with CI set): the same 100 each time (derandomized), so a red CI run comes from the
# change and repeats on rerun; new ground is covered by every dev run. thorough: 1,000
# random examples, for a deeper run by hand.
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
