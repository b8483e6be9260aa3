"""drugdata/options.yaml: the options besides the medicines, and what is known about them,
validated like the drug files. Nothing is invented: a statement without a source, a
number without the figure that prints it, or a figure whose source has no reading date
is refused, with the file and the option named."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.catalogue import load_directory
from app.catalogue.files import load_yaml
from app.catalogue.model import options_document, options_from_document
from app.catalogue.options import numbers_in
from tests.builders import DRUGDATA, bundled_dataset
from tests.unit.test_validate import drug_doc, problems_of, write_tree

OPTIONS: dict[str, Any] = load_yaml((DRUGDATA / "options.yaml").read_text(encoding="utf-8"))


def tree_with_options(tmp_path: Path, options: dict[str, Any] | None) -> Path:
    """A one-drug tree with the real options sources, and `options` as options.yaml."""
    root = write_tree(tmp_path, [drug_doc()])
    for name in ("options.yaml", "clozapine.yaml"):
        shutil.copy(DRUGDATA / "sources" / name, root / "sources" / name)
    if options is not None:
        (root / "options.yaml").write_text(
            yaml.safe_dump(options, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return root


def option(doc: dict[str, Any], option_id: str) -> dict[str, Any]:
    return next(o for o in doc["options"] if o["id"] == option_id)


def test_the_bundled_options_are_every_option_with_what_is_known_in_both_languages() -> None:
    options = bundled_dataset().options
    assert options is not None
    assert options.ids == ("medicine", "stay-on-current", "lower-dose", "no-antipsychotic")
    for o in options.options:
        assert set(o.label) == set(o.involves) == {"en", "nb"}, o.id
        assert o.known, o.id
        assert all(f.sources for f in o.known), o.id
    assert "medication-free" in options.option("no-antipsychotic").involves["en"]
    assert "medisinfri" in options.option("no-antipsychotic").involves["nb"]
    assert options.about.benefits and options.about.condition["nb"]


def test_every_figure_is_dated_and_every_number_in_the_words_is_one_it_prints() -> None:
    dataset = bundled_dataset()
    assert dataset.options is not None
    figures = [f for f in dataset.options.findings() if f.figure is not None]
    assert {f.figure.source for f in figures if f.figure} >= {"ceraso-2020"}
    for finding in figures:
        figure = finding.figure
        assert figure is not None
        assert dataset.sources[figure.source].accessed is not None
        printed = numbers_in(figure.as_printed) | numbers_in(figure.time_frame) | {"100"}
        for lang, words in finding.text.items():
            assert numbers_in(words) <= printed, (lang, words)
            if figure.per_100:
                assert {str(n) for n in figure.per_100} <= numbers_in(words), words


def test_relapse_within_a_year_is_said_as_a_natural_frequency_from_ceraso() -> None:
    options = bundled_dataset().options
    assert options is not None
    [relapse] = [
        f
        for f in options.option("no-antipsychotic").known
        if f.figure and f.figure.outcome == "relapse"
    ]
    assert relapse.figure is not None and relapse.figure.per_100 == (61, 24)
    assert "61 in 100" in relapse.text["en"] and "24 in 100" in relapse.text["en"]
    assert "61 av 100" in relapse.text["nb"]
    assert relapse.figure.source == "ceraso-2020"


def test_options_survive_the_document_round_trip_and_change_the_checksum() -> None:
    dataset = bundled_dataset()
    assert dataset.options is not None
    assert options_from_document(options_document(dataset.options)) == dataset.options
    from dataclasses import replace

    without = replace(dataset, options=None)
    assert "options" not in without.to_document()  # older versions keep their checksums
    assert without.checksum() != dataset.checksum()


def test_the_bundled_options_validate_in_a_small_tree(tmp_path: Path) -> None:
    dataset = load_directory(tree_with_options(tmp_path, OPTIONS))
    assert dataset.option_ids == bundled_dataset().option_ids


def test_a_tree_without_options_has_none(tmp_path: Path) -> None:
    dataset = load_directory(tree_with_options(tmp_path, None))
    assert dataset.options is None and dataset.option_ids == ()


def test_a_statement_without_a_source_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    option(doc, "no-antipsychotic")["known"][3]["sources"] = []
    assert problems_of(tree_with_options(tmp_path, doc)) == [
        "options.yaml: option 'no-antipsychotic', statement 4 has no source"
    ]


def test_a_statement_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    option(doc, "lower-dose")["known"][2]["sources"] = ["a-blog"]
    [problem] = problems_of(tree_with_options(tmp_path, doc))
    assert "option 'lower-dose', statement 3: source 'a-blog' has no citation" in problem


def test_what_an_option_involves_may_cite_only_known_sources(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    option(doc, "no-antipsychotic")["sources"] = ["oedegaard-2022", "a-forum-post"]
    assert problems_of(tree_with_options(tmp_path, doc)) == [
        "options.yaml: option 'no-antipsychotic': what it involves: "
        "source 'a-forum-post' has no citation in sources/"
    ]


@pytest.mark.parametrize("where", ["label", "involves"])
def test_missing_norwegian_text_is_refused(tmp_path: Path, where: str) -> None:
    doc = copy.deepcopy(OPTIONS)
    del option(doc, "stay-on-current")[where]["nb"]
    [problem] = problems_of(tree_with_options(tmp_path, doc))
    assert "option 'stay-on-current'" in problem and "has no 'nb' text" in problem


def test_a_statement_missing_norwegian_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    del doc["about"]["benefits"][1]["text"]["nb"]
    assert problems_of(tree_with_options(tmp_path, doc)) == [
        "options.yaml: about: benefits, statement 2 has no 'nb' text"
    ]


def test_a_figure_without_a_source_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    del option(doc, "no-antipsychotic")["known"][0]["figure"]["source"]
    [problem] = problems_of(tree_with_options(tmp_path, doc))
    assert "option 'no-antipsychotic', statement 1: the figure has no source" in problem


def test_a_figure_whose_source_has_no_reading_date_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    finding = option(doc, "no-antipsychotic")["known"][0]
    finding["sources"] = ["huhn-2019"]
    finding["figure"]["source"] = "huhn-2019"  # a real source, but no 'accessed'
    [problem] = problems_of(tree_with_options(tmp_path, doc))
    assert "the figure's source 'huhn-2019' must say when it was read" in problem


def test_a_number_without_a_figure_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    option(doc, "lower-dose")["known"][2]["text"]["en"] = (
        "About 30 in 100 people have fewer side effects."
    )
    assert problems_of(tree_with_options(tmp_path, doc)) == [
        "options.yaml: option 'lower-dose', statement 3 (en) gives the number 30 but has no "
        "figure: a number needs a figure with its source"
    ]


def test_a_number_the_figure_does_not_print_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    finding = option(doc, "stay-on-current")["known"][0]
    finding["text"]["nb"] = finding["text"]["nb"].replace("24 av 100", "25 av 100")
    problems = problems_of(tree_with_options(tmp_path, doc))
    assert any("statement 1 (nb) gives 25, which its figure does not print" in p for p in problems)
    assert any("statement 1 (nb) must say the natural frequency 24 in 100" in p for p in problems)


def test_a_natural_frequency_the_source_does_not_print_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    option(doc, "stay-on-current")["known"][1]["figure"]["per_100"] = [7, 19]
    problems = problems_of(tree_with_options(tmp_path, doc))
    assert any("per_100 gives 19, which the figure's as_printed does not" in p for p in problems)


def test_options_need_ids_of_their_own_and_known_fields(tmp_path: Path) -> None:
    doc = copy.deepcopy(OPTIONS)
    doc["options"][1]["id"] = "medicine"
    doc["options"][2]["effect"] = "fewer side effects"
    problems = problems_of(tree_with_options(tmp_path, doc))
    assert "options.yaml: option 2 needs an id of its own (a lower-case slug)" in problems
    assert "options.yaml: option 'lower-dose' has an unexpected field 'effect'" in problems


def test_a_source_reading_date_must_be_a_date(tmp_path: Path) -> None:
    root = tree_with_options(tmp_path, OPTIONS)
    sources = root / "sources" / "options.yaml"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace("accessed: 2026-12-06", "accessed: lately", 1),
        encoding="utf-8",
    )
    problems = problems_of(root)
    assert (
        "sources/options.yaml: source 'ceraso-2020': accessed must be a date such as 2026-12-06"
        in problems
    )
