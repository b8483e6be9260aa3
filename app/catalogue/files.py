"""Reading a drugdata directory into raw YAML documents, ready for validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.catalogue.problems import Problem

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: the same values, about 10 times slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


def yaml_12_loader(base: type[Any]) -> type[Any]:
    """`base` (a safe PyYAML loader) reading booleans as YAML 1.2 does: only true/false.
    In YAML 1.1 `no: marketed` (Norway) would be a bool."""

    class Loader(base):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return Loader


#: libyaml's parser (PyYAML's C binding, in its wheels) when there is one: the bundled
#: files parse in about 50 ms against 470 ms with PyYAML's own, and every `sdm data
#: load`, app start and test that reads them pays that. The resolver, and so the
#: booleans, is the same Python code for either parser.
LOADER = yaml_12_loader(_SafeLoader)


def load_yaml(text: str, loader: type[Any] = LOADER) -> Any:
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader (yaml_12_loader)


@dataclass
class RawFile:
    """One parsed YAML file; `path` is relative to the drugdata root, for messages."""

    path: str
    data: Any


@dataclass
class RawTree:
    checklist: RawFile | None = None
    scoring: RawFile | None = None
    safety: RawFile | None = None  # safety notes for every antipsychotic; optional
    options: RawFile | None = None  # the options besides the medicines; optional
    sources: list[RawFile] = field(default_factory=list)
    drugs: list[RawFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _load(root: Path, path: Path, tree: RawTree) -> RawFile | None:
    rel = str(path.relative_to(root))
    try:
        with path.open(encoding="utf-8") as handle:
            return RawFile(rel, load_yaml(handle.read()))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        tree.problems.append(Problem(rel, None, None, f"not valid YAML{where}: {exc}"))
    except (OSError, UnicodeDecodeError) as exc:
        tree.problems.append(Problem(rel, None, None, f"cannot be read: {exc}"))
    return None


def read_tree(root: Path) -> RawTree:
    """Parse every file of a drugdata directory. Problems are collected, never raised."""
    tree = RawTree()
    if not root.is_dir():
        tree.problems.append(Problem(str(root), None, None, "is not a directory"))
        return tree
    for name, attr in (("checklist.yaml", "checklist"), ("scoring.yaml", "scoring")):
        path = root / name
        if path.is_file():
            setattr(tree, attr, _load(root, path, tree))
        else:
            tree.problems.append(Problem(name, None, None, "file is missing"))
    if (root / "safety.yaml").is_file():
        tree.safety = _load(root, root / "safety.yaml", tree)
    if (root / "options.yaml").is_file():
        tree.options = _load(root, root / "options.yaml", tree)
    for path in sorted((root / "sources").glob("*.yaml")):
        if (raw := _load(root, path, tree)) is not None:
            tree.sources.append(raw)
    for path in sorted((root / "drugs").glob("*.yaml")):
        if (raw := _load(root, path, tree)) is not None:
            tree.drugs.append(raw)
    if not tree.drugs and not any(p.file.startswith("drugs/") for p in tree.problems):
        tree.problems.append(Problem("drugs/", None, None, "no drug files found"))
    return tree
