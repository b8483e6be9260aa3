"""The image, built for real with whichever OCI builder this machine has (`make image`:
docker with a running daemon, else podman, else buildah), keeps its HEALTHCHECK and
runs as its non-root user. Skipped, with the reason, where there is no builder; the
layout the image runs from is tested without one in test_image_layout.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest

from tests.integration.live import ROOT


def _answers(*command: str) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def builder() -> tuple[str | None, str]:
    """The builder `make image` will use, and why (or why there is none)."""
    notes = []
    if shutil.which("docker"):
        if _answers("docker", "info"):
            return "docker", "docker's daemon answers"
        notes.append("docker is installed but its daemon does not answer")
    for tool in ("podman", "buildah"):
        if shutil.which(tool):
            return tool, f"{tool} is installed"
        notes.append(f"no {tool}")
    return None, "no OCI image builder here: " + "; ".join(notes)


def inspect(tool: str, image: str) -> dict[str, Any]:
    command = {
        "docker": ["docker", "image", "inspect", image],
        "podman": ["podman", "image", "inspect", image],
        "buildah": ["buildah", "inspect", "--type", "image", image],
    }[tool]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    found: dict[str, Any] | list[dict[str, Any]] = json.loads(done.stdout)
    return found[0] if isinstance(found, list) else found


def find_key(tree: object, wanted: str) -> list[object]:
    """Every value under a key named `wanted` (any case), anywhere in `tree`."""
    if isinstance(tree, dict):
        return [v for k, v in tree.items() if k.lower() == wanted] + [
            x for v in tree.values() for x in find_key(v, wanted)
        ]
    if isinstance(tree, list):
        return [x for v in tree for x in find_key(v, wanted)]
    return []


def test_the_image_builds_and_keeps_its_health_check_and_user() -> None:
    tool, reason = builder()
    if tool is None:
        pytest.skip(reason)
    image = f"choosewell-test:{uuid.uuid4().hex[:12]}"
    built = subprocess.run(
        ["make", "image", f"IMAGE={image}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    try:
        assert built.returncode == 0, built.stderr[-4000:]
        assert built.stdout.splitlines()[0].startswith(tool), "the builder make image chose"
        config = inspect(tool, image)
        checks = [c for c in find_key(config, "healthcheck") if c]
        assert checks, "the image lost its HEALTHCHECK (built in OCI format?)"
        assert "/readyz" in json.dumps(checks)
        users = [u for u in find_key(config, "user") if u]
        assert users and all(u not in ("root", "0") for u in users)
    finally:
        remove = {"docker": ["docker", "image", "rm", "-f", image]}.get(
            tool, [tool, "rmi", "-f", image]
        )
        subprocess.run(remove, capture_output=True, timeout=120, check=False)
