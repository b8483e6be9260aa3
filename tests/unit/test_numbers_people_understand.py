"""Published figures on the person's sheet: a proportion as people out of 100 (with an
icon array), a mean difference in words with its unit, nothing computed that the source
does not print, and a figure the validator refuses when its numbers are not printed."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from app.catalogue import load_directory
from app.catalogue.model import Figure, FigureWords, figure_document, figure_from_document
from app.consultations.evidence import plain_figure
from app.web.charts import icon_array
from tests.builders import bundled_dataset
from tests.unit.test_validate import drug_doc, problems_of, write_tree

DATA = bundled_dataset()
PLACEBO = {
    "en": FigureWords("on placebo (a dummy pill)", "over 6 weeks", "put on 7% of their weight"),
    "nb": FigureWords("som fikk placebo", "over 6 uker", "la på seg 7 % av vekten"),
}


def proportion(value: float, other: float | None = 5, printed: str = "") -> Figure:
    return Figure(
        measure="weight",
        side_effect="weight-gain",
        effect="proportion",
        value=value,
        comparator="placebo",
        time_frame="6 weeks",
        population="adults",
        source="pillinger-2020",
        as_printed=printed or f"{value:g}% against {other or 0:g}%",
        unit="%",
        comparator_value=other,
        words=PLACEBO,
    )


def mean_difference(value: float, interval: tuple[float, float]) -> Figure:
    return Figure(
        measure="weight",
        side_effect="weight-gain",
        effect="mean difference",
        value=value,
        comparator="placebo",
        time_frame="6 weeks",
        population="adults",
        source="pillinger-2020",
        as_printed=f"{value:g} kg",
        unit="kg",
        interval=interval,
        words=PLACEBO,
    )


def test_a_proportion_is_said_as_people_in_100_with_time_frame_and_comparator() -> None:
    shown = plain_figure(proportion(18, 5), "Testazine", DATA, "en")
    assert shown is not None
    assert shown.sentence == (
        "18 in 100 people taking testazine put on 7% of their weight over 6 weeks, "
        "against 5 in 100 on placebo (a dummy pill)."
    )
    assert (shown.per_100, shown.comparator_per_100) == (18, 5)
    norwegian = plain_figure(proportion(18, 5), "Testazin", DATA, "nb")
    assert norwegian is not None
    assert norwegian.sentence == (
        "18 av 100 som brukte testazin, la på seg 7 % av vekten over 6 uker, "
        "mot 5 av 100 som fikk placebo."
    )


def test_a_printed_per_cent_that_is_not_a_whole_person_says_about() -> None:
    shown = plain_figure(proportion(22.2, None), "Testazine", DATA, "en")
    assert shown is not None
    assert shown.sentence.startswith("about 22 in 100 people taking testazine")
    assert "against" not in shown.sentence  # no comparator number printed, none shown
    assert (shown.per_100, shown.comparator_per_100) == (22, None)


def test_a_mean_difference_keeps_its_number_and_unit_and_gets_no_icons() -> None:
    more = plain_figure(mean_difference(3.01, (1.78, 4.24)), "Testazine", DATA, "en")
    assert more is not None and more.per_100 is None
    assert more.sentence == (
        "Weight was on average 3.01 kg higher with testazine than in people on placebo "
        "(a dummy pill), over 6 weeks."
    )
    less = plain_figure(mean_difference(-0.23, (-0.83, 0.36)), "Testazine", DATA, "nb")
    assert less is not None
    assert less.sentence.startswith("Vekten var i gjennomsnitt 0,23 kg lavere med testazin")
    assert less.sentence.endswith("Resultatene passer også med at det ikke er noen forskjell.")
    assert "in 100" not in more.sentence and "av 100" not in less.sentence


def test_no_plain_words_or_no_plain_effect_means_no_sentence_for_the_person() -> None:
    assert plain_figure(replace(proportion(18), words={}), "Testazine", DATA, "en") is None
    odds = replace(mean_difference(1.5, (1.1, 2.0)), effect="odds ratio", unit=None)
    assert plain_figure(odds, "Testazine", DATA, "en") is None


def test_every_bundled_figure_the_sheet_says_uses_only_printed_numbers() -> None:
    """A number in a sentence for the person is a number the source prints (or the
    whole people out of 100 that its per cent rounds to, said with 'about')."""
    for drug in DATA.drugs:
        for figure in drug.figures:
            for lang in ("en", "nb"):
                shown = plain_figure(figure, drug.name[lang], DATA, lang)
                if shown is None:
                    continue
                words = figure.words[lang]
                said = shown.sentence.replace(",", ".")
                for phrase in (words.comparator, words.time_frame, words.outcome or ""):
                    said = said.replace(phrase.replace(",", "."), "")
                numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", said)}
                printed = {
                    abs(figure.value),
                    *([figure.comparator_value] if figure.comparator_value is not None else []),
                }
                allowed = printed | {round(n) for n in printed} | {100}  # the one denominator
                assert numbers <= allowed, (drug.id, shown.sentence)


def test_the_icon_array_fills_one_square_per_person_and_names_its_sentence() -> None:
    shown = plain_figure(proportion(18, 5), "Testazine", DATA, "en")
    assert shown is not None
    svg = str(icon_array(shown, label_id="f-1"))
    assert 'role="img"' in svg and 'aria-labelledby="f-1"' in svg
    paths = re.findall(r'<path d="([^"]*)" fill="([^"]*)"', svg)
    assert [(fill, d.count("z")) for d, fill in paths] == [
        ("#0b5394", 18), ("none", 82), ("#0b5394", 5), ("none", 95),
    ]  # fmt: skip
    assert "Testazine" in svg and "18 in 100" in svg and "On placebo (a dummy pill)" in svg
    large = str(icon_array(shown, large=True, label_id="f-1"))
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', large)]
    assert min(sizes) * 0.75 >= 16  # px to pt: large print stays at 16 pt


def test_a_figure_round_trips_through_its_document() -> None:
    for figure in (proportion(18, 5), mean_difference(3.01, (1.78, 4.24))):
        assert figure_from_document(figure_document(figure)) == figure
    plain = replace(mean_difference(3.01, (1.78, 4.24)), words={})
    assert "words" not in figure_document(plain) and "comparator_value" not in figure_document(
        plain
    )


def figure_entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "measure": "weight", "effect": "proportion", "value": 13, "comparator_value": 33,
        "unit": "%", "comparator": "olanzapine", "time_frame": "26 weeks",
        "population": "adults", "source": "pillinger-2020",
        "as_printed": "on testazine (13% of evaluable patients), compared to olanzapine (33%)",
        "words": {
            "en": {"comparator": "taking olanzapine", "time_frame": "within 26 weeks",
                   "outcome": "put on at least 7% of their weight"},
            "nb": {"comparator": "som brukte olanzapin", "time_frame": "i løpet av 26 uker",
                   "outcome": "la på seg minst 7 % av vekten"},
        },
    }  # fmt: skip
    entry.update(changes)
    return entry


def test_a_valid_proportion_loads(tmp_path: Path) -> None:
    dataset = load_directory(write_tree(tmp_path, [drug_doc(figures=[figure_entry()])]))
    [figure] = dataset.drugs[0].figures
    assert figure.is_proportion and figure.comparator_value == 33
    assert figure.words["nb"].outcome == "la på seg minst 7 % av vekten"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"value": 18}, "the value 18 is not in as_printed"),
        ({"comparator_value": 5}, "the comparator_value 5 is not in as_printed"),
        ({"unit": "people"}, "a proportion's unit must be '%'"),
        ({"value": 130, "as_printed": "130% and 33%"}, "must be a per cent from 0 to 100"),
        ({"effect": "mean difference", "unit": "kg"}, "comparator_value is a proportion's"),
        ({"words": {"en": {"comparator": "x", "time_frame": "y"}}}, "words have no 'nb' entry"),
        (
            {"words": {lang: {"comparator": "x", "time_frame": "y"} for lang in ("en", "nb")}},
            "words in 'en' need outcome",
        ),
    ],
)
def test_a_proportion_that_is_not_as_printed_is_refused(
    tmp_path: Path, changes: dict[str, object], problem: str
) -> None:
    found = problems_of(write_tree(tmp_path, [drug_doc(figures=[figure_entry(**changes)])]))
    assert any(problem in p for p in found), found
