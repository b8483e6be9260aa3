"""A pytest plugin (tests/conftest.py loads it) for a test process that dies under a test.

A pytest-xdist worker that dies (a segmentation fault, an abort, SIGTERM) says nothing
about the test it was running, and leaves only "worker 'gw0' crashed while running ..."
at the end of the output; what it printed, if anything, is far above. So:

- with TEST_CRASH_DIR set (scripts/run-tests sets it), each test process writes the
  Python stack of each of its threads to a file of its own there when it dies of a fault
  or is sent SIGTERM, and the script prints those files after the passes' summaries;
- a test whose worker died under it runs once more, on the worker that replaces it, and
  a second crash fails it. The first crash shows as a rerun ("R", "1 rerun" in the
  summary). A test that fails is never run again.

tests/integration/test_crashes.py shows both.
"""

from __future__ import annotations

import faulthandler
import os
import signal
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from xdist.scheduler import Scheduling

#: Where this process writes its stacks if it dies; kept open until it ends.
_crash_log: list[IO[str]] = []

#: Tests whose worker died while running them (in the xdist controller).
_crashed: set[str] = set()


def pytest_sessionstart(session: pytest.Session) -> None:
    folder = os.environ.get("TEST_CRASH_DIR")
    if not folder:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    Path(folder).mkdir(parents=True, exist_ok=True)
    log = (Path(folder) / f"{worker}-{os.getpid()}.txt").open("w")
    _crash_log.append(log)
    faulthandler.enable(file=log, all_threads=True)
    faulthandler.register(signal.SIGTERM, file=log, all_threads=True, chain=True)


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem: str, report: pytest.TestReport, sched: Scheduling) -> None:
    """xdist's hook for a test whose worker died: queued again the first time."""
    if crashitem in _crashed:
        return
    _crashed.add(crashitem)
    sched.mark_test_pending(crashitem)
    report.outcome = "rerun"  # type: ignore[assignment]  # xdist's documented way


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    if report.outcome == "rerun":  # type: ignore[comparison-overlap]  # set just above
        return "rerun", "R", "RERUN"
    return None
