"""The diff a reviewer reads: every changed part of every drug, old beside new.

A new grade must not hide a changed note or source list; card text, monitoring, figures
and safety flags show their content, not just that something changed."""

from __future__ import annotations

from dataclasses import replace

from app.catalogue.model import Dataset, Drug, Rating, SafetyFlag
from app.catalogue.report import Change, diff
from tests.builders import make_dataset, make_drug


def with_drug(dataset: Dataset, drug: Drug) -> Dataset:
    return replace(dataset, drugs=tuple(drug if d.id == drug.id else d for d in dataset.drugs))


def base() -> tuple[Dataset, Drug]:
    dataset = make_dataset([make_drug("alphazine", {"weight-gain": 3, "tremor": 1})])
    return dataset, dataset.drugs[0]


def rated(drug: Drug, item: str, rating: Rating) -> Drug:
    return replace(drug, ratings={**drug.ratings, item: rating})


def test_an_unchanged_dataset_has_no_changes() -> None:
    dataset, _ = base()
    assert diff(dataset, dataset) == []


def test_a_note_changed_alone_shows_old_and_new() -> None:
    dataset, drug = base()
    old = drug.ratings["tremor"]
    new = with_drug(dataset, rated(drug, "tremor", replace(old, note="Seen at high doses.")))
    assert diff(dataset, new) == [
        Change("alphazine", "tremor", "note", old.note or "none", "Seen at high doses.")
    ]


def test_a_new_grade_does_not_hide_a_changed_note_or_sources() -> None:
    dataset, drug = base()
    old = drug.ratings["weight-gain"]
    changed = Rating(1, ("other-2024",), {"other-2024": "low"}, "Regraded.")
    whats = [c.what for c in diff(dataset, with_drug(dataset, rated(drug, "weight-gain", changed)))]
    assert whats == ["rating", "sources", "source values", "note"]
    assert old.value == 3  # the grade really changed, so the other lines are not alone


def test_card_text_is_shown_per_language_with_its_words() -> None:
    dataset, drug = base()
    new = with_drug(dataset, replace(drug, card={**drug.card, "nb": "Ny tekst."}))
    (change,) = diff(dataset, new)
    assert (change.what, change.after) == ("card text", "[nb] Ny tekst.")
    assert change.before == f"[nb] {drug.card['nb']}"


def test_monitoring_and_safety_flags_list_what_was_added_and_removed() -> None:
    dataset, drug = base()
    flag = SafetyFlag(
        "qt", {"en": "QT prolongation", "nb": "QT"}, {"en": "Heart", "nb": "Hjerte"}, ("s",)
    )
    new = with_drug(
        dataset,
        replace(drug, monitoring=(*drug.monitoring, {"en": "ECG", "nb": "EKG"}), safety=(flag,)),
    )
    changes = diff(dataset, new)
    assert [(c.what, c.before, c.after) for c in changes] == [
        ("monitoring", "none", "ECG / EKG"),
        ("safety flag", "none", "qt: QT prolongation [s]"),
    ]
