"""A closing summary for the fuzzing: operations, examples, status codes, failures.

Under pytest-xdist the operations are spread over the workers, each with its own `target`
database. Each worker hands its counts to the controller when it finishes (xdist's
`workeroutput`), and the controller prints the summary for all of them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.test_api_schema import STATS, target  # noqa: F401 - the fixture, for every file here


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput["fuzz_stats"] = {
            label: {str(code): n for code, n in statuses.items()}
            for label, statuses in STATS.items()
        }


def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist's controller: add up what a finished worker counted."""
    for label, statuses in getattr(node, "workeroutput", {}).get("fuzz_stats", {}).items():
        merged = STATS.setdefault(label, {})
        for code, n in statuses.items():
            merged[int(code)] = merged.get(int(code), 0) + n


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not STATS:
        return
    failed = [r for r in terminalreporter.stats.get("failed", []) if "tests/fuzz/" in r.nodeid]
    write = terminalreporter.write_line
    terminalreporter.section("fuzzing (Schemathesis; Hypothesis for tablet submissions)")
    for label in sorted(STATS):
        statuses = STATS[label]
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
        write(f"{label:<70} {sum(statuses.values()):>6}  {codes}")
    write(
        f"operations: {len(STATS)}, examples: {sum(sum(s.values()) for s in STATS.values())}, "
        f"server errors (5xx): {sum(n for s in STATS.values() for c, n in s.items() if c >= 500)}, "
        f"failed operations: {len(failed)}"
    )
