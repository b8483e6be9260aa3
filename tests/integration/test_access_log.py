"""Hand-off codes never reach the access log: a real uvicorn process, its real log."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.http.access_log import redact
from tests import loopback
from tests.integration.live import ROOT, free_port, wait_until_up

# Runs on SQLite only (marker `backend_neutral`): what uvicorn's access log writes
# does not depend on the database.
pytestmark = pytest.mark.backend_neutral

CODE = "K7MX4Q"


def test_codes_in_paths_and_queries_are_redacted_in_uvicorns_access_log(
    fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": fresh_db(), "SDM_ENV": "test"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "info"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(server, base)
            for path in (
                f"/api/v1/consultations/by-code/{CODE}",
                f"/api/v1/consultations/by-code/{CODE.lower()}?lang=nb",
                f"/staff/consultations?code={CODE}",
                f"/staff/consultations?lang=en&code={CODE[:3]}+{CODE[3:]}",
            ):
                loopback.get(base + path, timeout=10)
            loopback.get(f"{base}/tablet?lang=nb", timeout=10)
        finally:
            server.terminate()
            server.wait(timeout=10)
    text = log.read_text()
    assert "GET /api/v1/consultations/by-code/[redacted] HTTP/1.1" in text
    assert "GET /api/v1/consultations/by-code/[redacted]?lang=nb HTTP/1.1" in text
    assert "GET /staff/consultations?code=[redacted] HTTP/1.1" in text
    assert "GET /staff/consultations?lang=en&code=[redacted] HTTP/1.1" in text
    assert "GET /tablet?lang=nb HTTP/1.1" in text, "other paths are logged as they were"
    for shown in (CODE, CODE.lower(), CODE[:3], CODE[3:]):
        assert shown not in text, shown


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/api/v1/consultations/by-code/ABC123", "/api/v1/consultations/by-code/[redacted]"),
        ("/x?Code=ABC&lang=nb", "/x?Code=[redacted]&lang=nb"),
        ("/staff/consultations/0f3a?saved=1", "/staff/consultations/0f3a?saved=1"),
        (
            "/api/v1/drafts/1/drugs/x/ratings/y?zipcode=1",
            "/api/v1/drafts/1/drugs/x/ratings/y?zipcode=1",
        ),
    ],
)
def test_redact_touches_only_codes(path: str, logged: str) -> None:
    assert redact(path) == logged
