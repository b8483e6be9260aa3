"""The reading-age measure itself: what counts as visible text, how units become
sentences, and that it tells plain text from clinical text (so the page tests can fail)."""

from __future__ import annotations

from tests.builders import bundled_dataset
from tests.readability import MAX_GRADE, as_prose, grade, visible_units

DATA = bundled_dataset()


def test_only_visible_text_is_read_one_unit_per_block_and_line() -> None:
    page = """<html><head><title>Not read</title><style>p {}</style></head><body>
      <nav class="langs"><a>English</a><a>Norsk (bokmål)</a></nav>
      <h1>Your <em>sheet</em></h1>
      <p>First line<br>second line</p>
      <span class="visually-hidden">For screen readers</span>
      <span aria-hidden="true">+++</span>
      <div hidden>Hidden</div><script>var x = "code";</script>
      <label>Weight gain</label><input value="typed"><textarea>own words</textarea>
      <ul><li>One</li><li>Two <strong>three</strong></li></ul>
    </body></html>"""
    assert visible_units(page) == [
        "Your sheet",
        "First line",
        "second line",
        "Weight gain",
        "One",
        "Two three",
    ]


def test_each_unit_ends_a_sentence_and_medicine_names_are_one_short_word() -> None:
    prose = as_prose(["Weight gain", "Is it ok?", "Take olanzapine at night."], ["Olanzapine"])
    assert prose == "Weight gain. Is it ok? Take Drug at night."


def test_the_measure_tells_plain_text_from_clinical_text() -> None:
    names = [drug.name["en"] for drug in DATA.drugs]
    plain = as_prose([item.explanation["en"] for item in DATA.checklist], names)
    clinical = as_prose([note.text["en"] for drug in DATA.drugs for note in drug.safety], names)
    assert grade(plain) <= MAX_GRADE < grade(clinical)
