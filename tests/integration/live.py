"""A real app process (uvicorn) for tests that need true concurrency or several processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from tests import loopback

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(process: subprocess.Popen[bytes], base: str, seconds: float = 30) -> None:
    """Until the app process answers /healthz; RuntimeError if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if loopback.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the app process did not start")
        time.sleep(0.1)


@contextmanager
def live_server(database_url: str, **env: str) -> Iterator[str]:
    """Start `uvicorn --factory app.main:create_app` and yield its base URL."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url, "SDM_ENV": "test", **env}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
