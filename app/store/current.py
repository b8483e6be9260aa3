"""The newest published data version, as one app process knows it.

Reading the newest version from the database on every request cost more than all the
rest of a ranking. Instead each process keeps a pointer to it and confirms the pointer
against the database at most `max_age` seconds apart (`SDM_VERSION_MAX_AGE`, 1 s by
default; 0 confirms on every request). What that means (ADR 0007):

- A version published by this process is used from the next request: the unit of work
  that publishes marks its session, and the pointer is dropped once that commits.
- A version published by another process, or by `sdm data load`, is used within
  `max_age`. Every answer names the version it used, as before.
- When the database cannot be reached, the next confirmation fails, the pointer is
  dropped, and every request that needs the data answers 503 until a confirmation
  succeeds: within `max_age` of the fault, never later.

Versions are immutable, so a pointer never names data that changed under it; and each
version carries a memo of answers computed from it (a ranking, say) that can never go
out of date, because the memo belongs to that version alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from anyio import to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.catalogue.model import Dataset
from app.db import session_scope
from app.errors import NoDataVersion
from app.store.datasets import DatasetCache, latest_version
from app.store.memo import Memo
from app.store.tables import DataVersion


@dataclass(frozen=True)
class Published:
    """One published version: its row, its data, and the memo of answers from it."""

    version: DataVersion
    dataset: Dataset
    memo: Memo = field(default_factory=lambda: Memo(128), compare=False, repr=False)


class CurrentVersion:
    def __init__(
        self,
        engine: Engine,
        datasets: DatasetCache,
        *,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._datasets = datasets
        self._max_age = max_age
        self._clock = clock
        self._current: Published | None = None
        self._confirmed_at = 0.0
        self._versions = Memo(8)  # (number, checksum) -> Published

    def _fresh(self) -> Published | None:
        current = self._current
        if current is not None and self._clock() - self._confirmed_at < self._max_age:
            return current
        return None

    async def get(self) -> Published:
        """The newest version, confirmed within `max_age`; the database is read (in a
        worker thread) only when the pointer is older than that. Requests that find it
        old at the same moment each confirm: a handful of reads once per `max_age`."""
        if (fresh := self._fresh()) is not None:
            return fresh
        return await to_thread.run_sync(self.confirm)

    def confirm(self) -> Published:
        """Read the newest version now. Any failure drops the pointer and is raised."""
        started = self._clock()
        try:
            with session_scope(self._engine) as session:
                published = self.published(session, latest_version(session))
        except BaseException:
            self._current = None
            raise
        self._current, self._confirmed_at = published, started
        return published

    def published(self, session: Session, version: DataVersion | None) -> Published:
        """`version` with its data and memo, shared by every request of this process."""
        if version is None:
            raise NoDataVersion()
        return cast(
            Published,
            self._versions.get(
                (version.number, version.checksum),
                lambda: Published(version, self._datasets.get(session, version)),
            ),
        )

    def forget(self) -> None:
        """Drop the pointer: the next request reads the newest version again."""
        self._current = None
