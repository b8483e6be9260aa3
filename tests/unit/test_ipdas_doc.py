"""docs/ipdas.md covers every IPDAS v4 qualifying, certification and quality criterion
(Joseph-Williams et al., Med Decis Making 2014), each with a status, and every test it
cites exists."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.test_hazard_log import functions_in

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ipdas.md"
QUALIFYING = ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.2.1"]
CERTIFICATION = ["2.1.1", "2.2.1", "2.2.2", "2.2.3", "2.2.4", "2.3.1"]
SCREENING = "2.4.1–2.4.4"
QUALITY = [f"Q{n}" for n in range(1, 24)]
STATUSES = ("met", "partly", "not met", "not applicable")


def rows() -> dict[str, list[str]]:
    """Criterion number -> the row's cells (number, criterion, status, where, test)."""
    found: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and re.match(r"(\d\.\d\.\d|Q\d)", cells[0]):
            found[cells[0]] = cells
    return found


def test_every_criterion_has_a_row_with_a_status() -> None:
    found = rows()
    for number in [*QUALIFYING, *CERTIFICATION, SCREENING, *QUALITY, "Q24–Q28"]:
        assert number in found, f"docs/ipdas.md has no row for {number}"
        status = found[number][2]
        assert status.startswith(STATUSES), f"{number}: status {status!r}"
        assert found[number][3], f"{number} says nothing about where or why"


def test_every_test_the_document_cites_exists() -> None:
    cited = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", DOC.read_text(encoding="utf-8"))
    assert len(cited) >= 20
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if not (ROOT / path).is_file() or name not in functions_in(ROOT / path)
    ]
    assert not missing, "docs/ipdas.md cites tests that do not exist:\n" + "\n".join(missing)
