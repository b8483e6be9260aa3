"""The catalogue: checklist, drug cards, sources and scoring, read and validated.

Pure: no web or database imports. `load_directory(path)` is the one way in.
"""

from __future__ import annotations

from pathlib import Path

from app.catalogue.files import read_tree
from app.catalogue.model import Dataset
from app.catalogue.validate import build_dataset


def load_directory(root: Path) -> Dataset:
    """Read and validate a drugdata directory; raises DataProblems listing every problem."""
    return build_dataset(read_tree(root))
