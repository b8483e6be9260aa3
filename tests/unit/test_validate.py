"""`sdm data validate`: every problem, with file, drug and item, all reported at once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.catalogue import load_directory
from app.catalogue.files import load_yaml, yaml_12_loader
from app.catalogue.problems import DataProblems
from tests.builders import DRUGDATA

ITEMS = [i["id"] for i in yaml.safe_load((DRUGDATA / "checklist.yaml").read_text())["items"]]


def drug_doc(drug_id: str = "testazine", **overrides: object) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": drug_id,
        "name": {"en": "Testazine", "nb": "Testazin"},
        "atc": "N05AX99",
        "generation": "second",
        "review_by": "2030-01-01",
        "formulations": [{"form": "tablet", "uk": "marketed", "no": "unknown"}],
        "card": {"en": "Taken once a day.", "nb": "Tas en gang om dagen."},
        "monitoring": [{"en": "Weight.", "nb": "Vekt."}],
        "ratings": {i: {"value": 1, "sources": ["s3-2020"]} for i in ITEMS},
    }
    doc.update(overrides)
    return doc


def write_tree(tmp_path: Path, drugs: list[dict[str, Any]]) -> Path:
    root = tmp_path / "drugdata"
    (root / "drugs").mkdir(parents=True)
    (root / "sources").mkdir()
    shutil.copy(DRUGDATA / "checklist.yaml", root / "checklist.yaml")
    shutil.copy(DRUGDATA / "scoring.yaml", root / "scoring.yaml")
    shutil.copy(DRUGDATA / "sources" / "comparative.yaml", root / "sources" / "comparative.yaml")
    for doc in drugs:
        text = yaml.safe_dump(doc, allow_unicode=True).replace("'2030-01-01'", "2030-01-01")
        (root / "drugs" / f"{doc['id']}.yaml").write_text(text)
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DataProblems) as caught:
        load_directory(root)
    return [str(p) for p in caught.value.problems]


def test_valid_tree_builds_a_dataset(tmp_path: Path) -> None:
    dataset = load_directory(write_tree(tmp_path, [drug_doc()]))
    assert [d.id for d in dataset.drugs] == ["testazine"]
    assert len(dataset.checklist) == 36
    assert dataset.drugs[0].ratings["weight-gain"].value == 1


def test_missing_item_is_reported_with_drug_and_item(tmp_path: Path) -> None:
    doc = drug_doc()
    del doc["ratings"]["weight-gain"]
    assert problems_of(write_tree(tmp_path, [doc])) == [
        "drugs/testazine.yaml: drug testazine: item weight-gain: "
        "rating is missing (give a value or 'unknown' with a note)"
    ]


@pytest.mark.parametrize("bad", [4, -1, "++", True, 1.5, None])
def test_value_outside_the_scale_is_reported(tmp_path: Path, bad: object) -> None:
    doc = drug_doc()
    doc["ratings"]["dry-mouth"] = {"value": bad, "sources": ["s3-2020"]}
    [problem] = problems_of(write_tree(tmp_path, [doc]))
    assert "item dry-mouth" in problem
    assert "outside the scale" in problem


def test_rating_without_source_is_reported(tmp_path: Path) -> None:
    doc = drug_doc()
    doc["ratings"]["tremor"] = {"value": 2, "sources": []}
    assert problems_of(write_tree(tmp_path, [doc])) == [
        "drugs/testazine.yaml: drug testazine: item tremor: rating 2 has no source"
    ]


def test_source_key_without_citation_is_reported(tmp_path: Path) -> None:
    doc = drug_doc()
    doc["ratings"]["tremor"] = {"value": 2, "sources": ["nowhere-2024"]}
    [problem] = problems_of(write_tree(tmp_path, [doc]))
    assert "item tremor: source 'nowhere-2024' has no citation" in problem


def test_drug_without_atc_code_is_reported(tmp_path: Path) -> None:
    doc = drug_doc()
    del doc["atc"]
    [problem] = problems_of(write_tree(tmp_path, [doc]))
    assert "drug testazine: ATC code None is missing" in problem


def test_unknown_needs_a_note_and_is_never_zero(tmp_path: Path) -> None:
    doc = drug_doc()
    doc["ratings"]["tension"] = {"value": "unknown", "sources": []}
    [problem] = problems_of(write_tree(tmp_path, [doc]))
    assert "item tension: an unknown rating needs a note" in problem

    doc["ratings"]["tension"]["note"] = "no source reports it"
    dataset = load_directory(write_tree(tmp_path / "again", [doc]))
    rating = dataset.drugs[0].ratings["tension"]
    assert rating.value is None
    assert not rating.known


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    one, two = drug_doc("alphazine"), drug_doc("betazine")
    one["ratings"]["dry-mouth"]["value"] = 7
    del two["ratings"]["constipation"]
    two["ratings"]["weight-gian"] = {"value": 1, "sources": ["s3-2020"]}
    found = problems_of(write_tree(tmp_path, [one, two]))
    assert len(found) == 3
    assert any("alphazine" in p and "dry-mouth" in p for p in found)
    assert any("betazine" in p and "constipation" in p for p in found)
    assert any("'weight-gian' is not a checklist item" in p for p in found)


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    (root / "drugs" / "broken.yaml").write_text("id: broken\nratings: [unclosed\n")
    [problem] = problems_of(root)
    assert problem.startswith("drugs/broken.yaml: not valid YAML at line")


def test_norway_key_is_not_read_as_false(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    path = root / "drugs" / "testazine.yaml"
    path.write_text(path.read_text().replace("'no': unknown", "no: not-marketed"))
    dataset = load_directory(root)
    assert dataset.drugs[0].formulations[0].no == "not-marketed"


def test_helpful_cap_must_stay_below_a_priority_one_triple_plus(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    scoring = root / "scoring.yaml"
    scoring.write_text(scoring.read_text().replace("helpful_cap: 10", "helpful_cap: 15"))
    [problem] = problems_of(root)
    assert "'helpful_cap' must be below 15" in problem


def test_weights_must_not_increase_with_lower_priority(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    scoring = root / "scoring.yaml"
    scoring.write_text(scoring.read_text().replace("[5, 4, 3, 2, 1]", "[5, 4, 3, 4, 1]"))
    assert any("must never increase" in p for p in problems_of(root))


def test_checksum_depends_on_content_only(tmp_path: Path) -> None:
    a = load_directory(write_tree(tmp_path / "a", [drug_doc()]))
    b = load_directory(write_tree(tmp_path / "b", [drug_doc()]))
    doc = drug_doc()
    doc["ratings"]["tremor"]["value"] = 2
    c = load_directory(write_tree(tmp_path / "c", [doc]))
    assert a.checksum() == b.checksum()
    assert a.checksum() != c.checksum()


def test_problems_without_drug_or_item_sort_with_the_others(tmp_path: Path) -> None:
    doc = drug_doc()
    del doc["ratings"]["tremor"]
    root = write_tree(tmp_path, [doc])
    (root / "drugs" / "broken.yaml").write_text("id: [\n")
    found = problems_of(root)
    assert len(found) == 2
    assert found[0].startswith("drugs/broken.yaml")


def test_card_text_is_needed_in_both_languages(tmp_path: Path) -> None:
    doc = drug_doc(card={"en": "Taken once a day."})
    [problem] = problems_of(write_tree(tmp_path, [doc]))
    assert "drug testazine" in problem
    assert "card text" in problem
    assert "nb" in problem


def test_a_drug_needs_at_least_one_formulation(tmp_path: Path) -> None:
    [problem] = problems_of(write_tree(tmp_path, [drug_doc(formulations=[])]))
    assert "drug testazine: needs at least one formulation" in problem


def test_a_source_needs_a_web_address(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    path = root / "sources" / "comparative.yaml"
    sources = yaml.safe_load(path.read_text())
    sources["s3-2020"]["url"] = "file:///etc/passwd"
    path.write_text(yaml.safe_dump(sources, allow_unicode=True))
    problems = problems_of(root)
    assert any("s3-2020" in p and "url" in p.lower() for p in problems), problems


def test_a_source_keeps_when_it_was_read_and_a_bad_date_is_reported(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    extra = root / "sources" / "extra.yaml"
    extra.write_text(
        "test-meta:\n  kind: meta-analysis\n  citation: A test fixture.\n"
        "  url: https://example.org/\n  accessed: 2026-11-02\n"
    )
    source = load_directory(root).sources["test-meta"]
    assert (source.kind, str(source.accessed)) == ("meta-analysis", "2026-11-02")
    extra.write_text(
        "test-meta:\n  citation: A test fixture.\n  url: https://example.org/\n"
        "  accessed: last week\n  read_by: me\n"
    )
    problems = problems_of(root)
    assert any("test-meta" in p and "accessed must be a date" in p for p in problems), problems


def test_an_unexpected_field_of_a_source_is_reported(tmp_path: Path) -> None:
    root = write_tree(tmp_path, [drug_doc()])
    (root / "sources" / "extra.yaml").write_text(
        "test-other:\n  citation: A test fixture.\n  url: https://example.org/\n  read_by: me\n"
    )
    problems = problems_of(root)
    assert any("unexpected field 'read_by'" in p for p in problems), problems


def test_the_bundled_files_read_the_same_with_pyyamls_own_parser() -> None:
    """The catalogue reads YAML with libyaml's parser when PyYAML has it, and PyYAML's
    own otherwise: every bundled file gives the same values either way."""
    python_parser = yaml_12_loader(yaml.SafeLoader)
    paths = sorted(DRUGDATA.rglob("*.yaml"))
    assert len(paths) > 40
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == load_yaml(text, python_parser), path
    assert load_yaml("no: marketed\nuk: true\n", python_parser) == {"no": "marketed", "uk": True}
