"""A consultation's view keeps the cards of the medicines talked about in the data
version's memo (ADR 0007): a card is the version's words only, made once per medicine
and language, never anything the person or the clinician wrote."""

from __future__ import annotations

from datetime import UTC, datetime

from app.consultations import view
from app.consultations.tables import Consultation, DecisionVersion
from app.store.current import Published
from app.store.tables import DataVersion
from tests.builders import bundled_dataset

WHEN = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TALKED_ABOUT = ["olanzapine", "aripiprazole", "no-such-medicine"]


def published() -> Published:
    version = DataVersion(
        number=1, checksum="c" * 64, created_at=WHEN, created_by="test", scoring={}, groups=[]
    )
    return Published(version=version, dataset=bundled_dataset())


def consultation(note: str = "") -> tuple[Consultation, DecisionVersion]:
    person = Consultation(
        id="c1",
        code="ABCD1234",
        code_expires_at=WHEN,
        created_at=WHEN,
        lang="en",
        avoid=["weight-gain", "tremor"],
        helpful=[],
        must_avoid=[],
        formulations=[],
        what_matters="my own words",
    )
    decided = DecisionVersion(
        consultation_id="c1",
        version=1,
        discussed=TALKED_ABOUT,
        decision="aripiprazole",
        context_note=note,
        data_version=1,
        recorded_by="clin",
        recorded_at=WHEN,
    )
    return person, decided


def test_each_card_is_made_once_per_version_and_language_and_is_the_same_card() -> None:
    data = published()
    person, decided = consultation()
    first = view.for_consultation(person, data, "en", decision=decided)
    other, other_decided = consultation(note="another person's note")
    again = view.for_consultation(other, data, "en", decision=other_decided)

    assert [c.drug_id for c in first.discussed] == ["olanzapine", "aripiprazole"]
    assert all(kept is made for kept, made in zip(again.discussed, first.discussed, strict=True))
    fresh = tuple(
        view.card(data.dataset, data.dataset.drug(d), "en") for d in ("olanzapine", "aripiprazole")
    )
    assert first.discussed == fresh
    assert again.context_note == "another person's note" != first.context_note


def test_another_language_or_version_gets_cards_of_its_own() -> None:
    data = published()
    person, decided = consultation()
    english = view.for_consultation(person, data, "en", decision=decided)
    norwegian = view.for_consultation(person, data, "nb", decision=decided)
    assert norwegian.discussed == tuple(
        view.card(data.dataset, data.dataset.drug(d), "nb") for d in ("olanzapine", "aripiprazole")
    )
    assert norwegian.discussed != english.discussed
    newer = view.for_consultation(person, published(), "en", decision=decided)
    assert newer.discussed == english.discussed
    assert all(a is not b for a, b in zip(newer.discussed, english.discussed, strict=True))


def test_the_memo_keeps_cards_and_the_ranking_but_nothing_anyone_wrote() -> None:
    data = published()
    person, decided = consultation(note="a note the clinician wrote")
    shown = view.for_consultation(person, data, "en", decision=decided)
    kept = [
        data.memo.peek(("ranked", "en", view.preferences_of(person), None)),
        data.memo.peek(("card", "en", "olanzapine")),
        data.memo.peek(("card", "en", "aripiprazole")),
    ]
    assert len(data.memo) == len(kept)  # these three, and nothing else
    assert kept[1:] == list(shown.discussed)
    assert all(k is not None for k in kept)
    assert not any("my own words" in repr(k) or "a note" in repr(k) for k in kept)
    assert "my own words" in repr(shown) and "a note" in repr(shown)
