"""The layers hold: `.importlinter`'s contracts pass on the code and fail on a breach, and
no module imports another module's private names."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def copy_of_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "app", root / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", root / ".importlinter")
    return root


def test_the_contracts_hold_on_the_code(copy_of_app: Path) -> None:
    result = lint_imports(copy_of_app)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("app/curation/drafts.py", "import app.http.auth", "HTTP plumbing"),
        ("app/consultations/service.py", "import fastapi", "no web framework"),
        ("app/ranking/engine.py", "import app.store.tables", "the domain, then the core"),
        ("app/catalogue/model.py", "import sqlmodel", "imports no storage"),
        ("app/web/sheet.py", "import app.web.clinic", "One page module"),
        ("app/api/rankings.py", "import app.web.render", "independent of each other"),
        ("app/fhir/bundle.py", "import app.store.datasets", "FHIR export reads no storage"),
        ("app/fhir/response.py", "import app.http.state", "HTTP plumbing"),
    ],
)
def test_a_breach_of_each_contract_fails_the_check(
    copy_of_app: Path, module: str, line: str, broken: str
) -> None:
    path = copy_of_app / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # noqa\n")
    try:
        result = lint_imports(copy_of_app)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert broken in result.stdout.replace("\n", " ")


def private_imports(root: Path) -> list[str]:
    """`from app.x import _name`: a name private to another module, imported."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app"):
                found += [
                    f"{path.relative_to(root)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    assert private_imports(ROOT / "app") + private_imports(ROOT / "tests") == []


def test_the_private_name_check_sees_one(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("from app.curation.drafts import _secret, public\n")
    assert private_imports(tmp_path) == ["m.py: app.curation.drafts._secret"]
