"""Installs are reproducible: every install comes from a lock file with hashes, the lock
files agree with pyproject.toml, and the service's own install carries no test tools."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, Version]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(text)}


def blocks(lock: str) -> list[str]:
    """One entry per pinned package: its line and the continuation lines below it."""
    text = (ROOT / "requirements" / lock).read_text()
    return [b for b in re.split(r"\n(?=[A-Za-z0-9])", text) if "==" in b.split("\n", 1)[0]]


def declared(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return wanted


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("app.txt", ()), ("dev.txt", ("test", "lint", "browser", "fuzz"))],
)
def test_every_declared_dependency_is_locked_within_its_floor(
    lock: str, extras: tuple[str, ...]
) -> None:
    locked = pins(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is declared but not in requirements/{lock}"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={locked[name]}, outside {requirement}"
        )


@pytest.mark.parametrize(("lock", "packages"), [("app.txt", 20), ("dev.txt", 20), ("uv.txt", 1)])
def test_every_locked_package_carries_a_hash(lock: str, packages: int) -> None:
    entries = blocks(lock)
    assert len(entries) >= packages
    unhashed = [e.split("==")[0] for e in entries if "--hash=sha256:" not in e]
    assert unhashed == []


def test_the_service_install_carries_no_test_browser_or_fuzz_tools() -> None:
    locked = set(pins("app.txt"))
    tools = {canonicalize_name(r.name) for r in declared("test", "lint", "browser", "fuzz")} - {
        canonicalize_name(r.name) for r in declared()
    }
    assert tools, "the extras declare nothing"
    assert locked & tools == set()


def test_the_installer_is_the_locked_uv() -> None:
    """pip installs only uv, from its lock; `make lock` writes that lock at UV_VERSION."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(UV):", 1)[1].split("\n\n", 1)[0]
    assert "pip install" in recipe and "--require-hashes -r requirements/uv.txt" in recipe
    version = re.search(r"^UV_VERSION \?= (\S+)$", makefile, re.MULTILINE)
    assert version is not None
    assert pins("uv.txt") == {"uv": Version(version.group(1))}
    installs = re.findall(r"^\t.*\binstall\b.*$", makefile, re.MULTILINE)
    assert [line for line in installs if "pip install" in line and "uv" not in line] == []


def test_make_run_installs_the_app_lock_and_make_test_the_dev_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(VENV)/.installed-app:", 1)[1].split("\n\n", 1)[0]
    assert "$(UV_INSTALL) --require-hashes -r requirements/app.txt" in recipe
    assert "--no-deps -e ." in recipe
    assert re.search(r"^run: load$", makefile, re.MULTILINE)
    assert re.search(r"^load: migrate$", makefile, re.MULTILINE)
    assert re.search(r"^migrate: install$", makefile, re.MULTILINE)
    assert re.search(r"^test: install-dev$", makefile, re.MULTILINE)
    dev = makefile.split("$(VENV)/.installed-dev:", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes -r requirements/dev.txt" in dev
