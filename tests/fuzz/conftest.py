"""A closing summary for the schema fuzzing: operations, examples, status codes, failures."""

from __future__ import annotations

import pytest

from tests.fuzz.test_api_schema import STATS, target  # noqa: F401 - the fixture, for every file here


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not STATS:
        return
    failed = [r for r in terminalreporter.stats.get("failed", []) if "tests/fuzz/" in r.nodeid]
    write = terminalreporter.write_line
    terminalreporter.section("schema fuzzing (Schemathesis)")
    for label in sorted(STATS):
        statuses = STATS[label]
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
        write(f"{label:<70} {sum(statuses.values()):>6}  {codes}")
    write(
        f"operations: {len(STATS)}, examples: {sum(sum(s.values()) for s in STATS.values())}, "
        f"server errors (5xx): {sum(n for s in STATS.values() for c, n in s.items() if c >= 500)}, "
        f"failed operations: {len(failed)}"
    )
