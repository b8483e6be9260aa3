"""How the decision and the options read, in one language, for every page that shows them.

The tablet, the clinician's page and the discussion sheet all read these values (through
the partials `templates/_partials/about_decision.html` and `_partials/options.html`), so
what the person reads and what the clinician reads cannot disagree. Plain Python: no
web or database imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.catalogue.model import Dataset, Finding


@dataclass(frozen=True)
class SourceRef:
    key: str
    citation: str
    url: str
    accessed: date | None


@dataclass(frozen=True)
class FigureFacts:
    """The figure behind a statement, for the clinician and an icon array on the sheet:
    `per_100` is (with this option, with the comparator) in 100 people, or None."""

    outcome: str
    per_100: tuple[int, int] | None
    as_printed: str
    time_frame: str
    comparator: str
    population: str
    source: SourceRef
    note: str | None


@dataclass(frozen=True)
class Known:
    """One thing known, in plain words, with its sources (and its figure, if any)."""

    text: str
    sources: tuple[SourceRef, ...]
    figure: FigureFacts | None


@dataclass(frozen=True)
class OptionView:
    id: str
    label: str
    involves: str
    known: tuple[Known, ...]
    sources: tuple[SourceRef, ...] = ()  # for what it involves


@dataclass(frozen=True)
class AboutView:
    condition: str
    decision: str
    sources: tuple[SourceRef, ...]
    benefits: tuple[Known, ...]
    review_by: date


def _source(dataset: Dataset, key: str) -> SourceRef:
    source = dataset.sources[key]
    return SourceRef(key, source.citation, source.url, source.accessed)


def _known(dataset: Dataset, finding: Finding, lang: str) -> Known:
    figure = finding.figure
    return Known(
        text=finding.text[lang],
        sources=tuple(_source(dataset, k) for k in finding.sources),
        figure=None
        if figure is None
        else FigureFacts(
            outcome=figure.outcome,
            per_100=figure.per_100,
            as_printed=figure.as_printed,
            time_frame=figure.time_frame,
            comparator=figure.comparator,
            population=figure.population,
            source=_source(dataset, figure.source),
            note=figure.note,
        ),
    )


def options(
    dataset: Dataset, lang: str, ids: Sequence[str] | None = None
) -> tuple[OptionView, ...]:
    """The options in the data's order: all of them, or only those in `ids` (ids the
    version does not hold are left out)."""
    if dataset.options is None:
        return ()
    wanted = None if ids is None else set(ids)
    return tuple(
        OptionView(
            id=o.id,
            label=o.label[lang],
            involves=o.involves[lang],
            known=tuple(_known(dataset, f, lang) for f in o.known),
            sources=tuple(_source(dataset, k) for k in o.sources),
        )
        for o in dataset.options.options
        if wanted is None or o.id in wanted
    )


def about(dataset: Dataset, lang: str) -> AboutView | None:
    """The condition, the decision and the benefits to expect; None without options data."""
    if dataset.options is None:
        return None
    about = dataset.options.about
    return AboutView(
        condition=about.condition[lang],
        decision=about.decision[lang],
        sources=tuple(_source(dataset, k) for k in about.sources),
        benefits=tuple(_known(dataset, f, lang) for f in about.benefits),
        review_by=dataset.options.review_by,
    )
