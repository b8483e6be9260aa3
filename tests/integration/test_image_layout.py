"""The image's file layout, run for real without Docker (no daemon here).

The Dockerfile installs the package and copies a handful of source folders to
/srv/app, and every process runs from there (PYTHONPATH). This test lays out a folder
exactly as the final stage's COPY lines do, nothing else, and runs what the
deployment runs against it: the migrate service's command, the image's CMD on a free
port, and its HEALTHCHECK. A file the app needs at run time but the image leaves out
fails here. (The base image and the apt packages are checked as text in
tests/unit/test_deployment_files.py.)"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from tests import loopback
from tests.integration.live import ROOT, free_port, wait_until_up
from tests.unit.test_deployment_files import instructions


def final_stage(dockerfile: str) -> str:
    return dockerfile.rsplit("\nFROM ", 1)[1]


def copied_from_context(stage: str) -> list[tuple[str, str]]:
    """(source, target) of the stage's COPY lines that copy from the build context; a
    target ending in / is a folder the source goes into."""
    copies: list[tuple[str, str]] = []
    for line in instructions(stage, "COPY"):
        if line.startswith("--from"):
            continue
        *paths, target = shlex.split(line)
        copies.extend((path, target) for path in paths)
    return copies


def test_the_image_layout_migrates_loads_serves_and_passes_its_health_check(
    tmp_path: Path, fresh_db: Callable[[], str]
) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stage = final_stage(dockerfile)
    srv = tmp_path / "srv" / "app"
    srv.mkdir(parents=True)
    for source, into in copied_from_context(stage):
        path = ROOT / source
        target = srv / into / path.name if into.endswith("/") else srv / into
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, target)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(srv),
        "PYTHONDONTWRITEBYTECODE": "1",
        "SDM_ENV": "production",
        "DATABASE_URL": fresh_db(),  # SQLite, or PostgreSQL in the suite's PostgreSQL pass
    }

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=srv, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    # The code that runs is the laid-out copy, not this checkout.
    where = run(sys.executable, "-c", "import app; print(app.__file__)")
    assert where.stdout.strip() == str(srv / "app" / "__init__.py"), where.stderr

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    migrate = compose["services"]["migrate"]["command"][-1]  # sh -c "sdm ... && sdm ..."
    for step in migrate.split("&&"):
        program, *args = shlex.split(step)
        assert program == "sdm"
        done = run(sys.executable, "-m", "app.cli", *args)
        assert done.returncode == 0, (step, done.stderr)

    command = json.loads(instructions(stage, "CMD")[-1])
    assert command[:3] == ["uvicorn", "--factory", "app.main:create_app"]
    port = free_port()
    command = [sys.executable, "-m", *command]
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    server = subprocess.Popen(command, cwd=srv, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(server, base)

        (healthcheck,) = instructions(stage, "HEALTHCHECK")
        check = shlex.split(healthcheck.split(" CMD ", 1)[1])
        assert check[:2] == ["python", "-c"]
        probe = check[2].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert probe != check[2], "the health check no longer names port 8000"
        assert run(sys.executable, "-c", probe).returncode == 0

        tablet = loopback.get(f"{base}/tablet", timeout=10)  # templates and translations
        assert tablet.status_code == 200
        assert '<form method="post"' in tablet.text
        for asset in ("/static/app.css", "/static/tablet.js"):
            assert loopback.get(base + asset, timeout=10).status_code == 200, asset
        ranking = loopback.post(
            f"{base}/api/v1/rankings", json={"avoid": ["weight-gain"]}, timeout=10
        )
        assert ranking.status_code == 200, ranking.text
        assert ranking.json()["data_version"]["number"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)

    # The scheduler service's command, one round, from the laid-out copy.
    scheduler = compose["services"]["scheduler"]["command"]
    backups = tmp_path / "backups"
    backups.mkdir()
    env["BACKUP_DIR"] = str(backups)
    done = run(*scheduler, "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list(backups.glob("choosewell-*.backup"))) == 1
