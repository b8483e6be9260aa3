"""The catalogue's values: checklist, drugs, ratings, sources and scoring weights.

Plain frozen dataclasses, no web or database imports. A `Dataset` is everything one
data version holds; it is immutable once built, so it can be cached by checksum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "nb")

FORMULATIONS: tuple[str, ...] = (
    "tablet",
    "capsule",
    "orodispersible",
    "liquid",
    "sublingual",
    "inhalation",
    "short-acting-injection",
    "long-acting-injection",
)
AVAILABILITY: tuple[str, ...] = ("marketed", "not-marketed", "unknown")
GENERATIONS: tuple[str, ...] = ("first", "second")

#: The rating scale of the paper tool's information cards.
SCALE_MIN, SCALE_MAX = 0, 3
SYMBOLS: Mapping[int, str] = {0: "0", 1: "+", 2: "++", 3: "+++"}

Text = Mapping[str, str]
"""Text in each language, keyed by language code (`en`, `nb`)."""


def symbol(value: int | None) -> str:
    """The card symbol for a rating: `+`, `++`, `+++`, `0`, or `?` for unknown."""
    return "?" if value is None else SYMBOLS[value]


@dataclass(frozen=True)
class Group:
    id: str
    label: Text


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    order: int
    group: str
    label: Text
    explanation: Text


@dataclass(frozen=True)
class Rating:
    """One cell of a card. `value` is 0-3, or None when it is unknown (never 0)."""

    value: int | None
    sources: tuple[str, ...] = ()
    source_values: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Formulation:
    form: str
    uk: str
    no: str


#: What a source is. A comparative source (a table, or a network meta-analysis read as
#: one) rates many drugs on one scale and decides the grade of every item it covers
#: (drugdata/README.md, "Method"). A meta-analysis gives published figures shown beside
#: the grade; product information grades only what no comparative source covers.
SOURCE_KINDS: tuple[str, ...] = ("comparative", "meta-analysis", "product-information", "other")


#: A figure's effect that counts people: `value` (and `comparator_value`) are the share of
#: people with the outcome, in per cent, as the source prints it.
PROPORTION = "proportion"


@dataclass(frozen=True)
class FigureWords:
    """A figure's setting in plain words for the person's sheet, in one language.

    `comparator` names the group compared against as people ("on placebo (a dummy pill)",
    "taking olanzapine"); `time_frame` says over how long ("over 26 weeks"); `outcome`
    says what was counted, for a proportion ("put on at least 7% of their weight")."""

    comparator: str
    time_frame: str
    outcome: str | None = None


@dataclass(frozen=True)
class Figure:
    """A published number beside a grade, e.g. weight change against placebo.

    Only numbers read in the source go in: `as_printed` holds them as the source prints
    them; `value`, `interval` and `comparator_value` are the same numbers, never derived
    or rounded. `words` says the comparator and time frame (and, for a proportion, what
    was counted) in plain words per language; without them the person's sheet leaves
    the figure to the clinician's card."""

    measure: str
    side_effect: str
    effect: str
    value: float
    comparator: str
    time_frame: str
    population: str
    source: str
    as_printed: str
    unit: str | None = None
    interval: tuple[float, float] | None = None
    note: str | None = None
    comparator_value: float | None = None
    words: Mapping[str, FigureWords] = field(default_factory=dict)

    @property
    def is_proportion(self) -> bool:
        return self.effect == PROPORTION and self.unit == "%"


@dataclass(frozen=True)
class SafetyFlag:
    """A risk every clinician must see with the drug, outside the score.

    `text` is for the clinician; `plain` says the same for the person's sheet."""

    id: str
    text: Text
    plain: Text
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Drug:
    id: str
    name: Text
    atc: str
    generation: str
    review_by: date
    formulations: tuple[Formulation, ...]
    card: Text
    monitoring: tuple[Text, ...]
    ratings: Mapping[str, Rating]
    snomed: str | None = None
    availability_sources: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    safety: tuple[SafetyFlag, ...] = ()

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(f.form for f in self.formulations)


@dataclass(frozen=True)
class Source:
    key: str
    citation: str
    url: str
    kind: str = "other"
    accessed: date | None = None
    """The day the text was read; required for a source that an option's figure cites."""


@dataclass(frozen=True)
class OptionFigure:
    """A published number about an option, exactly as read (never derived or rounded).

    `per_100` is (with this option, with the comparator) as a natural frequency, given
    only when the source prints both as percentages: both numbers are in `as_printed`."""

    outcome: str
    as_printed: str
    time_frame: str
    comparator: str
    population: str
    source: str
    per_100: tuple[int, int] | None = None
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    """One thing known about an option, in plain words, with its sources. A number in
    the words is one the figure prints (drugdata/README.md, "Options")."""

    text: Text
    sources: tuple[str, ...]
    figure: OptionFigure | None = None


@dataclass(frozen=True)
class Option:
    """Something a person may want to talk about: one of the medicines, or another way."""

    id: str
    label: Text
    involves: Text
    known: tuple[Finding, ...]
    sources: tuple[str, ...] = ()
    """Sources for what the option involves, where it states facts (who may choose it)."""


@dataclass(frozen=True)
class AboutDecision:
    """What the person reads first: the condition, the decision, the benefits to expect."""

    condition: Text
    decision: Text
    sources: tuple[str, ...]
    benefits: tuple[Finding, ...]


@dataclass(frozen=True)
class Options:
    """drugdata/options.yaml: the decision and every option, reviewed like a drug card."""

    review_by: date
    about: AboutDecision
    options: tuple[Option, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def findings(self) -> tuple[Finding, ...]:
        return self.about.benefits + tuple(f for o in self.options for f in o.known)

    def source_keys(self) -> frozenset[str]:
        """Every source key the options cite."""
        keys = set(self.about.sources) | {k for o in self.options for k in o.sources}
        for finding in self.findings():
            keys.update(finding.sources)
            if finding.figure is not None:
                keys.add(finding.figure.source)
        return frozenset(keys)


@dataclass(frozen=True)
class Bands:
    """Score thresholds, as a percentage of the worst possible score for the request."""

    good_max_percent: int
    partial_max_percent: int


@dataclass(frozen=True)
class Scoring:
    """The ranking's weights. They belong to the data version, not to the code."""

    priority_weights: tuple[int, ...]
    unknown_assumed: int
    helpful_weight: int
    helpful_cap: int
    must_avoid_threshold: int
    bands: Bands


@dataclass(frozen=True)
class Dataset:
    groups: tuple[Group, ...]
    checklist: tuple[ChecklistItem, ...]
    drugs: tuple[Drug, ...]
    sources: Mapping[str, Source]
    scoring: Scoring
    class_safety: tuple[SafetyFlag, ...] = ()
    """Safety notes that apply to every antipsychotic (drugdata/safety.yaml)."""
    options: Options | None = None
    """The options besides the medicines and the decision (drugdata/options.yaml)."""

    @property
    def option_ids(self) -> tuple[str, ...]:
        return self.options.ids if self.options else ()

    @cached_property
    def _items_by_id(self) -> dict[str, ChecklistItem]:
        # A Dataset never changes, so neither does this index.
        return {item.id: item for item in self.checklist}

    def item(self, item_id: str) -> ChecklistItem:
        return self._items_by_id[item_id]

    def drug(self, drug_id: str) -> Drug:
        for drug in self.drugs:
            if drug.id == drug_id:
                return drug
        raise KeyError(drug_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.checklist)

    def to_document(self) -> dict[str, Any]:
        """The whole dataset as plain JSON-ready values, in the drugdata file shapes."""
        return {
            "groups": [{"id": g.id, "label": dict(g.label)} for g in self.groups],
            "checklist": [
                {
                    "id": i.id,
                    "group": i.group,
                    "label": dict(i.label),
                    "explanation": dict(i.explanation),
                }
                for i in self.checklist
            ],
            "scoring": scoring_document(self.scoring),
            "sources": {k: source_document(s) for k, s in sorted(self.sources.items())},
            "drugs": [drug_document(d, self.item_ids) for d in self.drugs],
            # Left out when empty, so versions published before safety notes existed keep
            # their checksums.
            **(
                {"class_safety": [safety_document(f) for f in self.class_safety]}
                if self.class_safety
                else {}
            ),
            # Likewise left out when absent (versions published before options existed).
            **({"options": options_document(self.options)} if self.options else {}),
        }

    def checksum(self) -> str:
        """SHA-256 of the canonical JSON document: equal content, equal checksum."""
        canonical = json.dumps(
            self.to_document(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def scoring_document(scoring: Scoring) -> dict[str, Any]:
    return {
        "priority_weights": list(scoring.priority_weights),
        "unknown_assumed": scoring.unknown_assumed,
        "helpful_weight": scoring.helpful_weight,
        "helpful_cap": scoring.helpful_cap,
        "must_avoid_threshold": scoring.must_avoid_threshold,
        "bands": {
            "good_max_percent": scoring.bands.good_max_percent,
            "partial_max_percent": scoring.bands.partial_max_percent,
        },
    }


def source_document(source: Source) -> dict[str, Any]:
    doc: dict[str, Any] = {"citation": source.citation, "url": source.url}
    if source.kind != "other":
        doc["kind"] = source.kind
    # Left out when unknown, so versions published before it was recorded keep their checksums.
    if source.accessed is not None:
        doc["accessed"] = source.accessed.isoformat()
    return doc


def _finding_document(finding: Finding) -> dict[str, Any]:
    doc: dict[str, Any] = {"text": dict(finding.text), "sources": list(finding.sources)}
    figure = finding.figure
    if figure is not None:
        fig: dict[str, Any] = {
            "outcome": figure.outcome,
            "as_printed": figure.as_printed,
            "time_frame": figure.time_frame,
            "comparator": figure.comparator,
            "population": figure.population,
            "source": figure.source,
        }
        if figure.per_100 is not None:
            fig["per_100"] = list(figure.per_100)
        if figure.note:
            fig["note"] = figure.note
        doc["figure"] = fig
    return doc


def options_document(options: Options) -> dict[str, Any]:
    """drugdata/options.yaml's shape: what the data version stores and its checksum covers."""
    about = options.about
    return {
        "review_by": options.review_by.isoformat(),
        "about": {
            "condition": dict(about.condition),
            "decision": dict(about.decision),
            "sources": list(about.sources),
            "benefits": [_finding_document(f) for f in about.benefits],
        },
        "options": [
            {
                "id": o.id,
                "label": dict(o.label),
                "involves": dict(o.involves),
                **({"sources": list(o.sources)} if o.sources else {}),
                "known": [_finding_document(f) for f in o.known],
            }
            for o in options.options
        ],
    }


def _finding_from_document(doc: Mapping[str, Any]) -> Finding:
    fig = doc.get("figure")
    figure = None
    if fig:
        per_100 = fig.get("per_100")
        figure = OptionFigure(
            outcome=fig["outcome"],
            as_printed=fig["as_printed"],
            time_frame=fig["time_frame"],
            comparator=fig["comparator"],
            population=fig["population"],
            source=fig["source"],
            per_100=(int(per_100[0]), int(per_100[1])) if per_100 else None,
            note=fig.get("note"),
        )
    return Finding(dict(doc["text"]), tuple(doc["sources"]), figure)


def options_from_document(doc: Mapping[str, Any]) -> Options:
    """The inverse of `options_document`, for a stored (already validated) version."""
    about = doc["about"]
    return Options(
        review_by=date.fromisoformat(doc["review_by"]),
        about=AboutDecision(
            condition=dict(about["condition"]),
            decision=dict(about["decision"]),
            sources=tuple(about["sources"]),
            benefits=tuple(_finding_from_document(f) for f in about["benefits"]),
        ),
        options=tuple(
            Option(
                id=o["id"],
                label=dict(o["label"]),
                involves=dict(o["involves"]),
                known=tuple(_finding_from_document(f) for f in o["known"]),
                sources=tuple(o.get("sources", ())),
            )
            for o in doc["options"]
        ),
    )


def safety_document(flag: SafetyFlag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "text": dict(flag.text),
        "plain": dict(flag.plain),
        "sources": list(flag.sources),
    }


def figure_document(figure: Figure) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "measure": figure.measure,
        "side_effect": figure.side_effect,
        "effect": figure.effect,
        "value": figure.value,
    }
    if figure.interval is not None:
        doc["interval"] = list(figure.interval)
    if figure.unit is not None:
        doc["unit"] = figure.unit
    doc |= {
        "comparator": figure.comparator,
        "time_frame": figure.time_frame,
        "population": figure.population,
        "source": figure.source,
        "as_printed": figure.as_printed,
    }
    if figure.note:
        doc["note"] = figure.note
    # Left out when empty, so versions published before them keep their checksums.
    if figure.comparator_value is not None:
        doc["comparator_value"] = figure.comparator_value
    if figure.words:
        doc["words"] = {
            lang: {
                "comparator": w.comparator,
                "time_frame": w.time_frame,
                **({"outcome": w.outcome} if w.outcome else {}),
            }
            for lang, w in sorted(figure.words.items())
        }
    return doc


def safety_from_document(doc: Mapping[str, Any]) -> SafetyFlag:
    return SafetyFlag(doc["id"], dict(doc["text"]), dict(doc["plain"]), tuple(doc["sources"]))


def figure_from_document(doc: Mapping[str, Any]) -> Figure:
    interval = doc.get("interval")
    return Figure(
        measure=doc["measure"],
        side_effect=doc["side_effect"],
        effect=doc["effect"],
        value=float(doc["value"]),
        comparator=doc["comparator"],
        time_frame=doc["time_frame"],
        population=doc["population"],
        source=doc["source"],
        as_printed=doc["as_printed"],
        unit=doc.get("unit"),
        interval=(float(interval[0]), float(interval[1])) if interval else None,
        note=doc.get("note"),
        comparator_value=float(doc["comparator_value"])
        if doc.get("comparator_value") is not None
        else None,
        words={
            lang: FigureWords(w["comparator"], w["time_frame"], w.get("outcome"))
            for lang, w in (doc.get("words") or {}).items()
        },
    )


def rating_document(rating: Rating) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "value": "unknown" if rating.value is None else rating.value,
        "sources": list(rating.sources),
    }
    if rating.source_values:
        doc["source_values"] = dict(rating.source_values)
    if rating.note:
        doc["note"] = rating.note
    return doc


def drug_document(drug: Drug, item_ids: tuple[str, ...]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": drug.id,
        "name": dict(drug.name),
        "atc": drug.atc,
        "generation": drug.generation,
        "review_by": drug.review_by.isoformat(),
        "formulations": [{"form": f.form, "uk": f.uk, "no": f.no} for f in drug.formulations],
        "card": dict(drug.card),
        "monitoring": [dict(m) for m in drug.monitoring],
        "sources_used_for_availability": list(drug.availability_sources),
        "ratings": {i: rating_document(drug.ratings[i]) for i in item_ids},
    }
    if drug.snomed:
        doc["snomed"] = drug.snomed
    if drug.figures:
        doc["figures"] = [figure_document(f) for f in drug.figures]
    if drug.safety:
        doc["safety"] = [safety_document(f) for f in drug.safety]
    return doc
