"""The per-process pointer to the newest data version (app/store/current.py, ADR 0007).

A publication by another process is used within max_age and not before; a database
fault drops the pointer so that the next read fails (503) instead of answering from it;
the memo of a version never serves another version's answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from typing import NoReturn, TypeAlias

import anyio
import pytest
from sqlalchemy.exc import OperationalError

from app.catalogue.model import Dataset
from app.db import make_engine
from app.errors import NoDataVersion
from app.store.current import CurrentVersion
from app.store.datasets import DatasetCache
from tests.integration.conftest import client_for, publish, small_dataset


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


#: The `setup` fixture: a database's URL, a pointer to its newest version, its clock.
Setup: TypeAlias = tuple[str, CurrentVersion, Clock]


@pytest.fixture
def setup(fresh_db: Callable[[], str]) -> Iterator[Setup]:
    url = fresh_db()
    engine = make_engine(url)
    clock = Clock()
    yield url, CurrentVersion(engine, DatasetCache(), max_age=1.0, clock=clock), clock
    engine.dispose()


def newest(current: CurrentVersion) -> int:
    """`current.get()` on an event loop of its own thread: the browser tests' Playwright
    keeps a loop running in the main thread for the whole session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, current.get).result().version.number


def renamed(n: int) -> Dataset:
    """The small dataset with different content, so that it publishes as a new version."""
    data = small_dataset()
    return replace(
        data, drugs=tuple(replace(d, review_by=date(2030 + n, 1, 1)) for d in data.drugs)
    )


def test_another_process_publication_is_used_within_max_age_and_not_before(setup: Setup) -> None:
    url, current, clock = setup
    publish(url, renamed(1))
    assert newest(current) == 1
    publish(url, renamed(2))  # as `sdm data load` or another app process would
    clock.now += 0.99
    assert newest(current) == 1  # still within max_age of the last confirmation
    clock.now += 0.02
    assert newest(current) == 2  # confirmed again: the new version


def test_forget_makes_the_next_request_read_the_database(setup: Setup) -> None:
    url, current, _clock = setup
    publish(url, renamed(1))
    assert newest(current) == 1
    publish(url, renamed(2))
    current.forget()  # what the unit of work that published does once it commits
    assert newest(current) == 2


def test_a_failed_confirmation_drops_the_pointer(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, current, clock = setup
    publish(url, renamed(1))
    assert newest(current) == 1
    clock.now += 1.5

    def unreachable(*_args: object, **_kwargs: object) -> NoReturn:
        raise OperationalError("SELECT", {}, Exception("the database is not there"))

    monkeypatch.setattr("app.store.current.latest_version", unreachable)
    with pytest.raises(OperationalError):
        newest(current)
    monkeypatch.undo()
    clock.now -= 1.0  # even "earlier" than max_age: no pointer is kept after a fault
    assert current._fresh() is None
    assert newest(current) == 1


def test_no_version_yet_is_no_data_version(setup: Setup) -> None:
    _url, current, _clock = setup
    with pytest.raises(NoDataVersion):
        newest(current)


def test_max_age_zero_reads_every_time(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    engine = make_engine(url)
    current = CurrentVersion(engine, DatasetCache(), max_age=0)
    publish(url, renamed(1))
    assert newest(current) == 1
    publish(url, renamed(2))
    assert newest(current) == 2
    engine.dispose()


def test_the_memo_belongs_to_one_version(fresh_db: Callable[[], str]) -> None:
    """A ranking kept for version 1 is never the answer once version 2 is newest."""
    url = fresh_db()
    publish(url, renamed(1))
    with client_for(url, version_max_age=0) as client:
        request = {"avoid": ["weight-gain", "tremor"]}
        first = client.post("/api/v1/rankings", json=request).json()
        assert client.post("/api/v1/rankings", json=request).json() == first
        weights = replace(
            renamed(2),
            drugs=tuple(
                replace(d, ratings={**d.ratings, "weight-gain": replace(d.ratings["tremor"])})
                if d.id == "alphazine"
                else d
                for d in renamed(2).drugs
            ),
        )
        publish(url, weights)
        second = client.post("/api/v1/rankings", json=request).json()
    assert (first["data_version"]["number"], second["data_version"]["number"]) == (1, 2)
    alpha = [
        next(r for r in b["results"] if r["drug"]["id"] == "alphazine") for b in (first, second)
    ]
    assert [a["breakdown"][0]["rating"] for a in alpha] == [3, 0]


def test_kept_rankings_differ_by_language_and_wishes(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, renamed(1))
    with client_for(url) as client:
        wishes = {"avoid": ["weight-gain", "tremor"]}
        english = client.post("/api/v1/rankings?lang=en", json=wishes).json()
        norwegian = client.post("/api/v1/rankings?lang=nb", json=wishes).json()
        swapped = client.post("/api/v1/rankings?lang=en", json={"avoid": ["tremor", "weight-gain"]})
        again = client.post("/api/v1/rankings?lang=en", json=wishes).json()
    label = [body["results"][0]["breakdown"][0]["label"] for body in (english, norwegian)]
    assert label[0] != label[1]
    assert [s["side_effect"] for s in swapped.json()["results"][0]["breakdown"]] == [
        "tremor",
        "weight-gain",
    ]
    assert again == english
