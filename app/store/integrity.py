"""How often this process re-reads the newest data version to check its checksum.

`/readyz` must catch a version whose rows were changed in the database behind the
triggers' back (ADR 0009). Reading and checking the whole version costs about 30-40 ms of
CPU with the bundled data, so a readiness probe that did it on every call would be the
most expensive anonymous request the app answers. Each process therefore checks at most
`max_age` seconds apart (`SDM_READY_VERIFY_SECONDS`, 30 s by default; 0 checks on every
call) and answers from its last verdict in between: a change is reported within
`max_age`, and a mismatch stays reported until a later check finds the version whole.
A newer version is always checked on its first probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from app.errors import DataVersionCorrupt
from app.store.datasets import read_dataset
from app.store.tables import DataVersion


@dataclass(frozen=True)
class _Verdict:
    number: int
    checksum: str
    at: float
    problem: DataVersionCorrupt | None


class IntegrityCheck:
    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._verdict: _Verdict | None = None
        self._lock = threading.Lock()

    def check(self, session: Session, version: DataVersion) -> None:
        """Raise `DataVersionCorrupt` if `version` did not match its checksum when last read."""
        verdict = self._verdict
        if self._stale(verdict, version):
            with self._lock:  # one re-read at a time; the others use its verdict
                verdict = self._verdict
                if self._stale(verdict, version):
                    problem: DataVersionCorrupt | None = None
                    try:
                        read_dataset(session, version)
                    except DataVersionCorrupt as exc:
                        problem = exc
                    verdict = _Verdict(version.number, version.checksum, self._clock(), problem)
                    self._verdict = verdict
        assert verdict is not None
        if verdict.problem is not None:
            raise verdict.problem

    def _stale(self, verdict: _Verdict | None, version: DataVersion) -> bool:
        """No verdict yet, a verdict on another version, or one older than `max_age`."""
        return (
            verdict is None
            or verdict.number != version.number
            or verdict.checksum != version.checksum
            or self._clock() - verdict.at >= self.max_age
        )
