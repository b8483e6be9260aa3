"""The clinical safety hazard log: well formed, and every test it cites exists."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.yaml"
LIKELIHOOD = {"very-low", "low", "medium", "high", "very-high"}
SEVERITY = {"minor", "significant", "considerable", "major", "catastrophic"}
FIELDS = {"id", "title", "cause", "effect", "initial", "controls", "tests", "residual"}


def hazards() -> list[dict[str, Any]]:
    return list(yaml.safe_load(LOG.read_text(encoding="utf-8"))["hazards"])


@cache
def functions_in(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def test_there_are_at_least_20_hazards_with_every_field() -> None:
    found = hazards()
    assert len(found) >= 20
    ids = [h["id"] for h in found]
    assert len(ids) == len(set(ids)), "hazard ids repeat"
    for hazard in found:
        assert set(hazard) >= FIELDS, f"{hazard['id']} lacks {FIELDS - set(hazard)}"
        assert hazard["controls"] and hazard["tests"], hazard["id"]
        for when in ("initial", "residual"):
            assert hazard[when]["likelihood"] in LIKELIHOOD, (hazard["id"], when)
            assert hazard[when]["severity"] in SEVERITY, (hazard["id"], when)


def test_every_referenced_test_exists() -> None:
    missing = []
    for hazard in hazards():
        for reference in hazard["tests"]:
            path, _, name = reference.partition("::")
            file = ROOT / path
            if not file.is_file() or name.split("[")[0] not in functions_in(file):
                missing.append(f"{hazard['id']}: {reference}")
    assert not missing, "the hazard log cites tests that do not exist:\n" + "\n".join(missing)
