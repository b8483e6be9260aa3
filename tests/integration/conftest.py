"""Apps over real databases (SQLite or PostgreSQL), built by the migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import limits
from app.catalogue.model import Dataset
from app.config import Settings
from app.curation.publish import publish_dataset
from app.db import make_engine, session_scope
from app.main import create_app
from app.store.datasets import DatasetCache
from tests.builders import bundled_dataset, make_dataset, make_drug
from tests.conftest import Databases
from tests.integration.staff import Staff, StaffApp, add_staff


def publish(url: str, dataset: Dataset, by: str = "test") -> int:
    engine = make_engine(url)
    with session_scope(engine) as session:
        number = publish_dataset(session, dataset, by=by).version.number
    engine.dispose()
    return number


#: One cache of data versions for every app a test process builds: a version is
#: immutable and named by its checksum, so reading and checking it once is enough.
SHARED_DATASETS = DatasetCache()


def client_for(url: str, **settings: Any) -> TestClient:
    """HTTPS, because outside development the session cookie is Secure. The app shares
    the test process's cache of data versions (SHARED_DATASETS)."""
    return _client(url, SHARED_DATASETS, settings)


def client_as_new_process(url: str, **settings: Any) -> TestClient:
    """As client_for, but the app reads every data version afresh, as a new process does."""
    return _client(url, DatasetCache(), settings)


def _client(url: str, datasets: DatasetCache, settings: dict[str, Any]) -> TestClient:
    return TestClient(
        create_app(Settings(database_url=url, env="test", **settings), datasets=datasets),
        base_url="https://testserver",
    )


def app_of(client: TestClient) -> FastAPI:
    """The app a test client calls (the client types it as any ASGI app)."""
    assert isinstance(client.app, FastAPI), client.app
    return client.app


def small_dataset() -> Dataset:
    """Three invented drugs: enough to see order, unknowns and exclusions."""
    return make_dataset(
        [
            make_drug("alphazine", {"weight-gain": 3, "sleepy-at-night": 3, "tremor": 0}),
            make_drug(
                "betazine",
                {"weight-gain": 1, "tremor": 2},
                forms=("tablet", "long-acting-injection"),
            ),
            make_drug("gammazine", {"weight-gain": None, "tremor": 1}, forms=("liquid",)),
        ]
    )


@pytest.fixture
def small_client(fresh_db: Callable[[], str]) -> Iterator[TestClient]:
    url = fresh_db()
    publish(url, small_dataset())
    with client_for(url) as client:
        yield client


@pytest.fixture(scope="module")
def bundled_client(databases: Databases) -> Iterator[TestClient]:
    """The app over the drug data this repository ships, loaded once per module."""
    from tests.conftest import migrate

    url = databases.empty()
    migrate(url)
    publish(url, bundled_dataset())
    with client_for(url) as client:
        yield client


@pytest.fixture
def empty_client(fresh_db: Callable[[], str]) -> Iterator[TestClient]:
    with client_for(fresh_db()) as client:
        yield client


@pytest.fixture(scope="session")
def staff_template(databases: Databases) -> tuple[str, Staff]:
    """Migrated, the bundled data published, four staff users: built once, copied per test."""
    from tests.conftest import migrate

    url = databases.empty()
    migrate(url)
    publish(url, bundled_dataset())
    return url, add_staff(url)


@pytest.fixture
def staff_app(databases: Databases, staff_template: tuple[str, Staff]) -> Iterator[StaffApp]:
    """An app over the bundled data with four staff users; yields (client, staff)."""
    template, template_staff = staff_template
    url = databases.copy(template)
    staff = replace(template_staff, url=url)
    with client_for(url) as client:
        yield client, staff


class PinnedClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def limits_clock(monkeypatch: pytest.MonkeyPatch) -> PinnedClock:
    """The rate limits' clock, 30 s into a minute and into a 15-minute window; moved
    only by the test. Everything else (sessions, TOTP) keeps the real time."""
    clock = PinnedClock(datetime.now(UTC).replace(minute=0, second=30, microsecond=0))
    monkeypatch.setattr(limits, "utcnow", clock)
    return clock
