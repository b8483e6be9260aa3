"""A real app process (uvicorn) for tests that need true concurrency or several processes."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx2

from tests import loopback

ROOT = Path(__file__).resolve().parents[2]

#: App processes are forked from a server process that has imported the app once (per
#: test process), as `multiprocessing`'s forkserver does: a new interpreter importing it
#: costs about 1.2 s of CPU, and the suite starts about 30 app processes a run. Each is
#: still a process of its own, started afresh from the app's factory with its own
#: environment. The server process imports the app and uvicorn, and none of the tests'
#: set-up (tests/cheap_hashing.py among it): the app hashes as it does in service.
_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(["app.main", "uvicorn"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _exited(process: subprocess.Popen[bytes] | BaseProcess) -> bool:
    if isinstance(process, BaseProcess):
        return not process.is_alive()
    return process.poll() is not None


def wait_until_up(
    process: subprocess.Popen[bytes] | BaseProcess, base: str, seconds: float = 30
) -> None:
    """Until the app process answers /healthz; RuntimeError if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if loopback.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        if _exited(process) or time.monotonic() > deadline:
            raise RuntimeError("the app process did not start")
        time.sleep(0.1)


def _serve(port: int, environment: dict[str, str]) -> None:
    """In the new process: `uvicorn --factory app.main:create_app` with exactly this
    environment, from the repository's root."""
    import uvicorn

    os.environ.clear()
    os.environ.update(environment)
    os.chdir(ROOT)
    uvicorn.run(
        "app.main:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning"
    )


@contextmanager
def live_server(database_url: str, **env: str) -> Iterator[str]:
    """Start uvicorn with the app's factory (`app.main:create_app`), with the test
    process's environment and these settings, and yield its base URL."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url, "SDM_ENV": "test", **env}
    process = _FORKSERVER.Process(target=_serve, args=(port, environment), daemon=False)
    process.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        yield base
    finally:
        process.terminate()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()
