"""The grading method's rules (app/catalogue/method.py), on small drugdata trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalogue import load_directory
from app.catalogue.method import COMPARATIVE_DEPARTURE, figure_grade, method_problems, table_grade
from app.catalogue.model import Figure
from tests.builders import bundled_dataset
from tests.unit.test_validate import drug_doc, problems_of, write_tree


def s3(value: int, symbol: str) -> dict[str, object]:
    return {"value": value, "sources": ["s3-2020"], "source_values": {"s3-2020": symbol}}


def problems(tmp_path: Path, doc: dict[str, object]) -> list[str]:
    return [str(p) for p in method_problems(load_directory(write_tree(tmp_path, [doc])))]


@pytest.mark.parametrize(
    ("text", "grade"),
    [("0", 0), ("0/+", 1), ("+", 1), ("+/++", 2), ("++²", 2), ("+++", 3), ("- (very low)", 1),
     ("akathisia ++", 2), ("+++ (prolactin elevation)", 3), ("MD 2.1 kg", None), ("?", None)],
)  # fmt: skip
def test_table_symbols_turn_into_grades(text: str, grade: int | None) -> None:
    assert table_grade(text) == grade


def test_product_information_never_moves_a_comparative_grade(tmp_path: Path) -> None:
    doc = drug_doc()
    # +++ from a label's "very common", against S3's + for the same drug
    doc["ratings"]["tremor"] = s3(3, "+")
    doc["ratings"]["stiff-muscles"] = doc["ratings"]["slowed-movements"] = s3(3, "+++")
    [problem] = problems(tmp_path, doc)
    assert "item tremor: grade +++ but the comparative sources decide: s3-2020 gives +" in problem


def test_a_departure_with_its_reason_is_allowed(tmp_path: Path) -> None:
    doc = drug_doc()
    doc["ratings"]["heart-problems"] = {
        **s3(2, "+"),
        "note": f"{COMPARATIVE_DEPARTURE} the item also names myocarditis.",
    }
    assert problems(tmp_path, doc) == []


def test_items_of_one_domain_share_a_grade(tmp_path: Path) -> None:
    doc = drug_doc()
    doc["ratings"]["restlessness"] = {"value": 2, "sources": ["s3-2020"]}
    [problem] = problems(tmp_path, doc)
    assert "the akathisia items must share one grade" in problem
    assert "restlessness ++" in problem


def test_a_figure_disagreeing_with_its_grade_needs_a_note(tmp_path: Path) -> None:
    figure = {
        "measure": "weight", "effect": "mean difference", "value": 3.01,
        "interval": [1.78, 4.24], "unit": "kg", "comparator": "placebo",
        "time_frame": "6 weeks", "population": "adults", "source": "pillinger-2020",
        "as_printed": "3·01 kg (1·78 to 4·24)",
    }  # fmt: skip
    doc = drug_doc(figures=[figure])
    [problem] = problems(tmp_path, doc)
    assert "the weight figure 3·01 kg (1·78 to 4·24) gives +++" in problem
    figure["note"] = "The comparative table decides; the figure is shown beside it."
    assert problems(tmp_path / "noted", drug_doc(figures=[figure])) == []


def test_a_figure_without_comparator_or_source_is_refused(tmp_path: Path) -> None:
    figure = {"measure": "weight", "effect": "mean difference", "value": 1.0,
              "source": "nowhere", "as_printed": "1.0 kg"}  # fmt: skip
    found = problems_of(write_tree(tmp_path, [drug_doc(figures=[figure])]))
    assert any("'comparator' is required" in p for p in found)
    assert any("source 'nowhere' has no citation" in p for p in found)


def test_a_safety_note_needs_both_languages_and_a_source(tmp_path: Path) -> None:
    note = {"id": "blood-tests", "text": {"en": "Weekly blood counts."}, "plain": {"en": "x"}}
    found = problems_of(write_tree(tmp_path, [drug_doc(safety=[note])]))
    assert any("safety note 'blood-tests' has no source" in p for p in found)
    assert any("safety note 'blood-tests' text has no 'nb' text" in p for p in found)


@pytest.mark.parametrize(
    ("value", "grade"), [(-0.23, 0), (0.2, 0), (0.21, 1), (1.0, 2), (1.99, 2), (2.0, 3)]
)
def test_weight_thresholds(value: float, grade: int) -> None:
    figure = Figure("weight", "weight-gain", "mean difference", value, "placebo", "6 weeks",
                    "adults", "pillinger-2020", str(value), unit="kg")  # fmt: skip
    assert figure_grade(figure) == grade


def test_the_bundled_data_follows_the_method() -> None:
    assert method_problems(bundled_dataset()) == []
