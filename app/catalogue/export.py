"""Writing a Dataset back out in the drugdata file format, one line per rating."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.catalogue.model import Dataset, drug_document


def _flow(value: Any) -> str:
    return yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=100_000, sort_keys=False
    ).strip()


def _block(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, width=100, sort_keys=False)


def drug_text(document: dict[str, Any]) -> str:
    head = {k: v for k, v in document.items() if k != "ratings"}
    lines = [_block(head).rstrip(), "ratings:"]
    lines += [f"  {item}: {_flow(rating)}" for item, rating in document["ratings"].items()]
    return "\n".join(lines) + "\n"


def export_dataset(dataset: Dataset, root: Path) -> list[Path]:
    """Write checklist, scoring, sources and one file per drug under `root`."""
    doc = dataset.to_document()
    (root / "drugs").mkdir(parents=True, exist_ok=True)
    (root / "sources").mkdir(parents=True, exist_ok=True)
    written = []
    files = {
        root / "checklist.yaml": _block({"groups": doc["groups"], "items": doc["checklist"]}),
        root / "scoring.yaml": _block(doc["scoring"]),
        root / "sources" / "sources.yaml": _block(doc["sources"]),
    }
    if "class_safety" in doc:
        files[root / "safety.yaml"] = _block({"class": doc["class_safety"]})
    if "options" in doc:
        files[root / "options.yaml"] = _block(doc["options"])
    for drug in dataset.drugs:
        files[root / "drugs" / f"{drug.id}.yaml"] = drug_text(drug_document(drug, dataset.item_ids))
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
