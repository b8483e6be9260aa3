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


def test_sources_name_and_availability_are_in_the_version_diff() -> None:
    from datetime import date

    from app.catalogue.model import Source
    from app.catalogue.report import SOURCES

    dataset, drug = base()
    source = dataset.sources["test-source"]
    read = replace(source, kind="meta-analysis", accessed=date(2026, 11, 2))
    new = replace(
        with_drug(dataset, replace(drug, name={"en": "Alfazine", "nb": "Alfazin"})),
        sources={"test-source": read, "new-one": Source("new-one", "A fixture.", "https://x.org/")},
    )
    changes = diff(dataset, new)
    assert [(c.drug, c.what, c.after) for c in changes] == [
        ("alphazine", "name", "Alfazine / Alfazin"),
        (SOURCES, "source", "A fixture. <https://x.org/>"),
        (
            SOURCES,
            "source",
            f"{source.citation} <{source.url}> (meta-analysis; accessed 2026-11-02)",
        ),
    ]
    assert [c.sources for c in changes[1:]] == [("new-one",), ("test-source",)]
    assert changes[1].before == "absent"


def test_the_command_line_reads_by_name_grouped_by_drug() -> None:
    from app.catalogue.report import Names, readable

    dataset, drug = base()
    other = make_drug("betazine", {"tremor": 2})
    dataset = replace(dataset, drugs=(drug, other))
    old = drug.ratings["tremor"]
    new = replace(
        dataset,
        drugs=(
            rated(drug, "tremor", replace(old, note="Seen at high doses.")),
            replace(other, card={**other.card, "en": "New card."}),
        ),
    )
    tremor = dataset.item("tremor").label["en"]
    assert readable(diff(dataset, new), Names.of(dataset, new)) == [
        "Alphazine (alphazine)",
        f"  {tremor}: note: none -> Seen at high doses.",
        "Betazine (betazine)",
        f"  card text: [en] {other.card['en']} -> [en] New card.",
    ]
