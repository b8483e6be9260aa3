"""tests/crashes.py at work: pytest with one xdist worker runs four tests in a process of
its own. One crashes its worker the first time only, one every time, one fails and one
passes. The first runs again and passes; the second runs again and fails; the failing
one runs once; every crash leaves the dead worker's stacks in TEST_CRASH_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.config import ROOT

TESTS = """
import ctypes
from pathlib import Path

def ran(name):
    with open(name, "a") as runs:
        runs.write("ran\\n")

def test_crashes_the_first_time_only():
    ran("once.runs")
    if len(Path("once.runs").read_text().splitlines()) == 1:
        ctypes.string_at(0)

def test_crashes_every_time():
    ran("always.runs")
    ctypes.string_at(0)

def test_fails():
    ran("fails.runs")
    assert 1 == 2

def test_passes():
    pass
"""


def test_a_crashed_test_runs_once_more_and_its_stacks_are_kept(tmp_path: Path) -> None:
    (tmp_path / "test_four.py").write_text(TESTS)
    crashes = tmp_path / "crashes"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "COV_CORE_"))
    }
    # Only xdist and the plugin: the installed plugins loading in each of the four
    # processes (the controller, the worker and two replacing dead ones) tripled its CPU.
    environment |= {
        "PYTHONPATH": str(ROOT),
        "TEST_CRASH_DIR": str(crashes),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    command = [sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-n", "1"]
    command += ["-p", "tests.crashes", "-p", "no:cacheprovider", "test_four.py"]
    run = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 1, run.stdout
    assert "2 failed, 2 passed, 2 rerun" in summary, run.stdout
    runs = {
        name: len((tmp_path / f"{name}.runs").read_text().splitlines())
        for name in ("once", "always", "fails")
    }
    assert runs == {"once": 2, "always": 2, "fails": 1}

    dumps = [path.read_text() for path in crashes.iterdir() if path.stat().st_size]
    assert len(dumps) == 3, dumps
    assert all(dump.startswith("Fatal Python error: Segmentation fault") for dump in dumps)
    assert sum("in test_crashes_every_time" in dump for dump in dumps) == 2
    assert sum("in test_crashes_the_first_time_only" in dump for dump in dumps) == 1
