"""The Bokmål text, read as a Norwegian would: phrases a native reader found wrong stay
gone, from the interface catalogue and from the Norwegian text of the drug data.

The whole text is still to be reviewed by a native-speaking clinician before clinical
use (docs/safety/hazard-log.yaml, H10); this test only keeps the known faults out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

from app.catalogue.model import FORMULATIONS
from app.translations import po_path

DRUGDATA = Path(__file__).resolve().parents[2] / "drugdata"

# The wrong form, what was wrong with it, and the form that replaced it.
FOUND_WRONG = [
    ("For å verne om personvernet", "privacy said twice", "Av hensyn til personvernet"),
    ("Kan noen bivirkning ", "needs 'noen av bivirkningene'", "Kan noen av bivirkningene"),
    ("Vanskelig, eller tar mye lengre tid, å få orgasme", "an ungrammatical inserted clause",
     "Det er vanskelig å få orgasme, eller det tar mye lengre tid"),
    ("økt hormon som heter prolaktin", "reads as 'an increased hormone'",
     "økt nivå av hormonet prolaktin"),
    ("Å lage mer spytt", "too literal ('to make more saliva')", "Mer spytt i munnen"),
    ("tramper", "stamping, not tapping", "tripper"),
    ("Spør etter", "asks for the thing itself; 'spør om' asks about it", "Spør om"),
    ("Åpne ønsker", "ambiguous: 'open wishes'", "Åpne svar fra nettbrettet"),
    ("Du må unngå", "reads as an order to the reader", "Personen har sagt at"),
    ("quetiapin ", "the English spelling inside Norwegian text", "kvetiapin"),
]  # fmt: skip


def nb_texts(node: Any) -> Iterator[str]:
    """Every Norwegian string in a drug data document (`{en: ..., nb: ...}` maps)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "nb" and isinstance(value, str):
                yield value
            else:
                yield from nb_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from nb_texts(value)


@pytest.fixture(scope="module")
def norwegian() -> dict[str, str]:
    """Where each Norwegian text lives -> the text."""
    with po_path("nb").open("rb") as handle:
        catalogue = read_po(handle, locale="nb")
    texts = {f"messages.po: {m.id!r}": str(m.string) for m in catalogue if m.id and m.string}
    for path in sorted(DRUGDATA.rglob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, text in enumerate(nb_texts(document)):
            texts[f"{path.relative_to(DRUGDATA)} #{number}"] = text
    return texts


def test_the_norwegian_text_is_read_from_both_places(norwegian: dict[str, str]) -> None:
    """Guards the test itself: it sees the catalogue and the drug data's nb text."""
    where = " ".join(norwegian)
    assert "messages.po" in where and "checklist.yaml" in where and "drugs/" in where
    assert any(text == "Innlogging for ansatte" for text in norwegian.values())


@pytest.mark.parametrize(("wrong", "why", "right"), FOUND_WRONG, ids=[w for w, _, _ in FOUND_WRONG])
def test_a_phrase_found_wrong_is_gone_and_its_fix_is_there(
    norwegian: dict[str, str], wrong: str, why: str, right: str
) -> None:
    still = [where for where, text in norwegian.items() if wrong in text]
    assert not still, f"{wrong!r} ({why}) is still in: {still}"
    assert any(right in text for text in norwegian.values()), f"{right!r} is nowhere"


def test_no_english_form_id_is_left_in_norwegian_text(norwegian: dict[str, str]) -> None:
    """Form ids such as `short-acting-injection` are code, never Norwegian text."""
    left = [
        f"{where}: {form}"
        for where, text in norwegian.items()
        for form in FORMULATIONS
        if "-" in form and form in text
    ]
    assert not left, left
