"""A server process settles its memory at start (app/main.py `settle_memory`): the newest
data version is read, then everything alive is frozen out of the garbage collector's
walks, and the collector runs less often (GC_THRESHOLD). Test processes make hundreds
of apps, so apps in the `test` environment skip it.

Each test unfreezes the test process to see what an app freezes, and freezes it again
after (tests/conftest.py froze it after collection): left unfrozen, every later full
collection in the process walked about 900,000 objects, and a run spent more than twice
as long collecting."""

from __future__ import annotations

import gc
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import GC_THRESHOLD, create_app
from app.store.datasets import DatasetCache
from tests.builders import bundled_dataset
from tests.conftest import freeze_what_lives
from tests.integration.conftest import publish


def test_a_server_freezes_what_it_holds_at_start(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    app = create_app(Settings(database_url=url, env="development"), datasets=DatasetCache())
    gc.set_threshold(700, 10, 10)  # Python's default, whatever an earlier app set
    gc.unfreeze()
    try:
        with TestClient(app):
            frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
        assert frozen > 0
        assert threshold == GC_THRESHOLD
    finally:  # the threshold: tests/conftest.py puts the test process's back
        freeze_what_lives()


def test_a_test_app_does_not_freeze(fresh_db: Callable[[], str]) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    try:
        with TestClient(create_app(Settings(database_url=fresh_db(), env="test"))):
            assert gc.get_freeze_count() == 0
            assert gc.get_threshold() == before
    finally:
        freeze_what_lives()
