"""Running the `sdm` command in tests.

`sdm()` calls the command's `main()` in the test's own process, as `sdm ARGS` would run
it with only DATABASE_URL set: a new process per call cost a second or more of imports,
and the suite runs the command about fifty times. `sdm_process()` starts the real
installed entry point, for the tests that are about the process itself.
"""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from app.cli import main
from app.config import get_settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    """What a run of the command gave: the same three fields as subprocess.run's result."""

    returncode: int
    stdout: str
    stderr: str


def sdm(url: str, *args: str, stdin: str = "") -> Ran:
    """`sdm ARGS` against `url`, with `stdin` as its input (not a terminal)."""
    kept = {
        name: os.environ.pop(name)
        for name in list(os.environ)
        if name.startswith("SDM_") or name == "DATABASE_URL"
    }
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    real_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse's usage errors
                code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdin = real_stdin
        del os.environ["DATABASE_URL"]
        os.environ.update(kept)
        get_settings.cache_clear()
    # A process of its own would end here, closing whatever the command left open. In
    # the test's process that would surface later, in another test: fail here instead.
    with warnings.catch_warnings(record=True) as left_open:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    leaks = [str(w.message) for w in left_open if issubclass(w.category, ResourceWarning)]
    assert not leaks, f"sdm {' '.join(args)} left open: {leaks}"
    return Ran(code, out.getvalue(), err.getvalue())


def sdm_process(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`sdm ARGS` as a process of its own, through the installed entry point."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "sdm"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=120,
    )
