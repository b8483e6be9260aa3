"""What a consultation looks like to people: one typed view, built once, shown three ways.

The clinician's page, the discussion sheet in the browser and the sheet as PDF all read
a `ConsultationView`, so what is on the screen and what is printed cannot disagree.
Plain Python: no web or database imports. Text is in one language, chosen by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import cast

from app.catalogue.model import Dataset, Drug
from app.consultations import options_view
from app.consultations.evidence import (
    FigureLine,
    PlainFigure,
    SafetyNote,
    figure_line,
    plain_figure,
    safety_notes,
)
from app.consultations.experience import NO_CARER, CarerView, past_from_json
from app.consultations.options_view import AboutView, OptionView
from app.consultations.past_view import CarerSide, PastLine, carer_side, past_lines
from app.consultations.ranking_view import Cell, Excluded, Match, cell, excluded, matches
from app.consultations.tables import Consultation, DecisionVersion
from app.ranking import RankingRequest, rank
from app.ranking.past import PastMedicine
from app.store.current import Published
from app.translations import N_, gettext_for

TOP_MATCHES = 3

DOMAIN_LABELS = {
    "sedation": N_("sedation"),
    "akathisia": N_("akathisia, an inner restlessness"),
    "parkinsonism": N_("parkinsonism, movement slowing and stiffness"),
    "prolactin-menstrual": N_("raised prolactin and periods"),
    "sexual-dysfunction": N_("sexual side effects"),
}
DECISIONS_OTHER = ("undecided", "no-medication")


DECISION_LABELS = {
    "undecided": N_("Not decided yet"),
    "no-medication": N_("Chose not to take medication for now"),
}
FORM_LABELS = {
    "tablet": N_("Tablet"),
    "capsule": N_("Capsule"),
    "orodispersible": N_("Tablet that melts in the mouth"),
    "liquid": N_("Liquid"),
    "sublingual": N_("Tablet under the tongue"),
    "inhalation": N_("Inhaler"),
    "short-acting-injection": N_("Short-acting injection"),
    "long-acting-injection": N_("Long-acting injection (every few weeks)"),
}
#: The least rating that makes a side effect outside the person's priorities worth
#: naming on the sheet, as the paper card names `++` and `+++`.
NOTABLE_MIN_RATING = 2
AVAILABILITY_LABELS = {
    "marketed": N_("available"),
    "not-marketed": N_("not available"),
    "unknown": N_("not known"),
}


@dataclass(frozen=True)
class Priority:
    item: str
    priority: int
    label: str
    explanation: str
    must_avoid: bool


@dataclass(frozen=True)
class CardRow:
    """One side effect on a medicine's card: the clinician's card page shows it, and the
    JSON API's card (app/api/schemas.py) gives the same rows as data."""

    item: str
    label: str
    group: str
    cell: Cell
    note: str | None
    sources: tuple[tuple[str, str], ...]  # (citation, url)
    source_keys: tuple[str, ...]
    source_values: tuple[tuple[str, str], ...]  # (source key, what it said: "+", "++"...)


@dataclass(frozen=True)
class Card:
    drug_id: str
    name: str
    atc: str
    generation: str
    text: str
    monitoring: tuple[str, ...]
    formulations: tuple[tuple[str, str, str], ...]  # (form label, UK, Norway)
    forms: tuple[str, ...]  # the form ids
    rows: tuple[CardRow, ...]
    review_by: date
    safety: tuple[SafetyNote, ...] = ()
    figures: tuple[FigureLine, ...] = ()
    plain_figures: tuple[PlainFigure, ...] = ()
    """The figures the person's sheet can say in words in this language."""


@dataclass(frozen=True)
class Notable:
    """A side effect outside the person's priorities that a medicine is rated `++` or
    `+++` for: what the paper card lists."""

    item: str
    label: str
    cell: Cell
    helpful: bool  # the person said it could help them


@dataclass(frozen=True)
class SheetLine:
    """One medicine in the sheet's table: a top match, or one discussed."""

    drug_id: str
    name: str
    place: str | None  # "1", "=2"; None when the ranking left it out
    band_label: str | None
    discussed: bool
    cells: tuple[Cell, ...]  # one per priority


@dataclass(frozen=True)
class Ranked:
    """The part of a view that depends only on the data, the wishes and the language:
    the same for every consultation with the same wishes, so callers may keep it."""

    priorities: tuple[Priority, ...]
    helpful: tuple[str, ...]
    formulations: tuple[str, ...]
    matches: tuple[Match, ...]
    excluded: tuple[Excluded, ...]
    max_score: int
    shared_domains: tuple[str, ...]
    """One sentence per domain that two or more of the person's priorities rest on."""
    class_safety: tuple[str, ...]
    """Safety notes for every antipsychotic, for the clinician, shown once."""
    class_safety_plain: tuple[str, ...]
    """The same notes in plain words, for the person's sheet."""

    @property
    def past_by_drug(self) -> dict[str, PastLine]:
        """Marks for the medicines taken before, by drug id: none on a ranking alone
        (`ConsultationView` gives a consultation's)."""
        return {}


@dataclass(frozen=True)
class ConsultationView(Ranked):
    """One consultation as the page, the sheet and the PDF show it: the ranked part
    (inherited from `Ranked`) plus what this consultation alone holds."""

    lang: str
    data_version: int
    data_checksum: str
    data_published: datetime
    created_at: datetime
    with_carer: bool
    what_matters: str
    discussed: tuple[Card, ...]
    decision: str | None
    decision_label: str | None
    next_review: date | None
    context_note: str
    about: AboutView | None = None
    """The condition, the decision and the benefits to expect (None without options data)."""
    options: tuple[OptionView, ...] = ()
    """The options the person wants to talk about, each with what is known, in the data's
    order (`templates/_partials/options.html` shows them)."""
    past: tuple[PastLine, ...] = ()
    """The medicines the person has taken before, in the order they gave them."""
    past_marks: bool = True
    """Whether the ranking marks the medicines taken before (the clinician's toggle)."""
    carer: CarerSide | None = None
    """The carer's view beside the person's: only with the person's agreement."""

    @property
    def past_by_drug(self) -> dict[str, PastLine]:
        """The marks for the ranking, by drug id ({} when the clinician left them out)."""
        return {p.drug_id: p for p in self.past} if self.past_marks else {}

    @property
    def top(self) -> tuple[Match, ...]:
        """The best matches for the sheet, never cut inside a tie: a tie at the cut is
        shown whole when that adds at most TOP_MATCHES more; else `more_tied` says so."""
        if len(self.matches) <= TOP_MATCHES:
            return self.matches
        last = self.matches[TOP_MATCHES - 1].position
        group_end = TOP_MATCHES
        while group_end < len(self.matches) and self.matches[group_end].position == last:
            group_end += 1
        return self.matches[: group_end if group_end - TOP_MATCHES <= TOP_MATCHES else TOP_MATCHES]

    @property
    def sheet_lines(self) -> tuple[SheetLine, ...]:
        """The sheet's one table: the top matches, then each discussed medicine not among
        them, each with its rating for every priority."""
        talked = {c.drug_id for c in self.discussed}
        by_id = {m.drug_id: m for m in self.matches}
        lines = [
            SheetLine(m.drug_id, m.name, m.place, m.band_label, m.drug_id in talked, m.cells)
            for m in self.top
        ]
        shown = {m.drug_id for m in self.top}
        for card in self.discussed:
            if card.drug_id in shown:
                continue
            rows = {r.item: r.cell for r in card.rows}
            match = by_id.get(card.drug_id)
            lines.append(
                SheetLine(
                    card.drug_id,
                    card.name,
                    match.place if match else None,
                    match.band_label if match else None,
                    True,
                    tuple(rows[p.item] for p in self.priorities),
                )
            )
        return tuple(lines)

    def figures_for(self, card: Card) -> tuple[PlainFigure, ...]:
        """The card's figures that the person's sheet says in words, for the person's
        priorities, most important first."""
        order = {p.item: p.priority for p in self.priorities}
        return tuple(
            sorted(
                (f for f in card.plain_figures if f.side_effect in order),
                key=lambda f: order[f.side_effect],
            )
        )

    def notable(self, card: Card) -> tuple[Notable, ...]:
        """Side effects beyond the person's priorities rated `++` or `+++`, the highest
        first (checklist order within a rating)."""
        mine = {p.item for p in self.priorities}
        helpful = set(self.helpful)
        rows = [
            r
            for r in card.rows
            if r.item not in mine
            and r.cell.value is not None
            and r.cell.value >= NOTABLE_MIN_RATING
        ]
        rows.sort(key=lambda r: -(r.cell.value or 0))
        return tuple(Notable(r.item, r.label, r.cell, r.label in helpful) for r in rows)

    @property
    def more_tied(self) -> int:
        """How many more medicines share the last place shown on the sheet but are not on it."""
        top = self.top
        if not top:
            return 0
        return sum(1 for m in self.matches[len(top) :] if m.position == top[-1].position)


def card_rows(dataset: Dataset, drug: Drug, lang: str) -> tuple[CardRow, ...]:
    """Every checklist item's rating of `drug`, in the checklist's order, with its note
    and sources."""
    groups = {g.id: g.label[lang] for g in dataset.groups}
    rows = []
    for item in dataset.checklist:
        rating = drug.ratings[item.id]
        rows.append(
            CardRow(
                item=item.id,
                label=item.label[lang],
                group=groups.get(item.group, item.group),
                cell=cell(rating.value, lang),
                note=rating.note,
                sources=tuple(
                    (dataset.sources[k].citation, dataset.sources[k].url)
                    for k in rating.sources
                    if k in dataset.sources
                ),
                source_keys=tuple(rating.sources),
                source_values=tuple(rating.source_values.items()),
            )
        )
    return tuple(rows)


def card(dataset: Dataset, drug: Drug, lang: str) -> Card:
    """The full information card: every item, with its note and sources."""
    _ = gettext_for(lang)
    return Card(
        drug_id=drug.id,
        name=drug.name[lang],
        atc=drug.atc,
        generation=drug.generation,
        text=drug.card[lang],
        monitoring=tuple(m[lang] for m in drug.monitoring),
        formulations=tuple(
            (
                _(FORM_LABELS[f.form]),
                _(AVAILABILITY_LABELS.get(f.uk, f.uk)),
                _(AVAILABILITY_LABELS.get(f.no, f.no)),
            )
            for f in drug.formulations
        ),
        forms=tuple(f.form for f in drug.formulations),
        rows=card_rows(dataset, drug, lang),
        review_by=drug.review_by,
        safety=safety_notes(dataset, drug, lang),
        figures=tuple(figure_line(f, dataset, lang) for f in drug.figures),
        plain_figures=tuple(
            shown
            for f in drug.figures
            if (shown := plain_figure(f, drug.name[lang], dataset, lang)) is not None
        ),
    )


def decision_label(decision: str | None, dataset: Dataset, lang: str) -> str | None:
    if decision is None:
        return None
    if decision in DECISION_LABELS:
        return gettext_for(lang)(DECISION_LABELS[decision])
    try:
        return dataset.drug(decision).name[lang]
    except KeyError:
        return decision


@dataclass(frozen=True)
class Preferences:
    """The person's choices as the consultation row holds them."""

    avoid: Sequence[str]
    helpful: Sequence[str]
    must_avoid: Sequence[str]
    formulations: Sequence[str]


def ranked(
    dataset: Dataset,
    lang: str,
    preferences: Preferences,
    formulations: Sequence[str] | None = None,
) -> Ranked:
    """Rank the person's preferences against `dataset` and describe it in `lang`.

    `formulations` overrides the person's own formulation wishes (the clinician's filter).
    """
    _ = gettext_for(lang)
    forms = tuple(preferences.formulations if formulations is None else formulations)
    ranking = rank(
        dataset,
        RankingRequest(
            tuple(preferences.avoid),
            tuple(preferences.helpful),
            tuple(preferences.must_avoid),
            forms,
        ),
    )
    return Ranked(
        priorities=tuple(
            Priority(
                item=i,
                priority=n,
                label=dataset.item(i).label[lang],
                explanation=dataset.item(i).explanation[lang],
                must_avoid=i in preferences.must_avoid,
            )
            for n, i in enumerate(preferences.avoid, start=1)
        ),
        helpful=tuple(dataset.item(i).label[lang] for i in preferences.helpful),
        formulations=tuple(_(FORM_LABELS[f]) for f in forms),
        matches=matches(ranking, dataset, lang),
        excluded=excluded(ranking, dataset, lang),
        max_score=ranking.max_score,
        shared_domains=tuple(
            _(
                "{items} rest on one effect ({domain}): a medicine rated high for it counts once "
                "for each of them."
            ).format(
                items=", ".join(f"“{dataset.item(i).label[lang]}”" for i in items),
                domain=_(DOMAIN_LABELS[domain]),
            )
            for domain, items in ranking.shared_domains
        ),
        class_safety=tuple(f.text[lang] for f in dataset.class_safety),
        class_safety_plain=tuple(f.plain[lang] for f in dataset.class_safety),
    )


def build(
    dataset: Dataset,
    *,
    lang: str,
    version: tuple[int, str, datetime],
    preferences: Preferences,
    created_at: datetime,
    with_carer: bool,
    what_matters: str,
    discussed: Sequence[str] = (),
    decision: str | None = None,
    next_review: date | None = None,
    context_note: str = "",
    ranked_part: Ranked,
    card_of: Callable[[str], Card],
    options: Sequence[str] = (),
    past: Sequence[PastMedicine] = (),
    past_marks: bool = True,
    carer: CarerView = NO_CARER,
) -> ConsultationView:
    """The whole view of one consultation in `lang`. `ranked_part` is
    `ranked(dataset, lang, preferences, formulations)` and `card_of(drug_id)` is
    `card(dataset, dataset.drug(drug_id), lang)`, both as the caller keeps them."""
    drug_ids = {d.id for d in dataset.drugs}
    number, checksum, published = version
    return ConsultationView(
        lang=lang,
        data_version=number,
        data_checksum=checksum,
        data_published=published,
        created_at=created_at,
        with_carer=with_carer,
        what_matters=what_matters,
        **{f.name: getattr(ranked_part, f.name) for f in fields(Ranked)},
        discussed=tuple(card_of(d) for d in discussed if d in drug_ids),
        decision=decision,
        decision_label=decision_label(decision, dataset, lang),
        next_review=next_review,
        context_note=context_note,
        about=options_view.about(dataset, lang),
        options=options_view.options(dataset, lang, options),
        past=past_lines(past, dataset, lang),
        past_marks=past_marks,
        carer=carer_side(preferences.avoid, carer, dataset, lang),
    )


def past_of(consultation: Consultation) -> tuple[PastMedicine, ...]:
    return past_from_json(consultation.past_medicines)


def carer_of(consultation: Consultation) -> CarerView:
    """The carer's view as stored: empty unless the person agreed (never shown else)."""
    if not consultation.carer_consented:
        return CarerView()
    return CarerView(
        consented=True,
        avoid=tuple(consultation.carer_avoid),
        what_matters=consultation.carer_what_matters,
    )


@dataclass(frozen=True)
class CompareRow:
    item: str
    label: str
    priority: int | None
    cells: tuple[Cell, ...]


def compare(
    dataset: Dataset, drug_ids: Sequence[str], avoid: Sequence[str], lang: str
) -> tuple[tuple[str, ...], tuple[CompareRow, ...]]:
    """Drug x item table: the person's items in priority order, then every other item
    where any of the picked drugs is rated `++` or worse."""
    drugs = [dataset.drug(d) for d in drug_ids]
    rows = [
        CompareRow(
            i,
            dataset.item(i).label[lang],
            n,
            tuple(cell(d.ratings[i].value, lang) for d in drugs),
        )
        for n, i in enumerate(avoid, start=1)
    ]
    for item in dataset.checklist:
        if item.id in avoid:
            continue
        values = [d.ratings[item.id].value for d in drugs]
        if any(v is not None and v >= 2 for v in values):
            rows.append(
                CompareRow(item.id, item.label[lang], None, tuple(cell(v, lang) for v in values))
            )
    return tuple(d.name[lang] for d in drugs), tuple(rows)


def preferences_of(consultation: Consultation) -> Preferences:
    """The person's wishes as a hashable value: a key for the version's memo."""
    return Preferences(
        tuple(consultation.avoid),
        tuple(consultation.helpful),
        tuple(consultation.must_avoid),
        tuple(consultation.formulations),
    )


def for_consultation(
    consultation: Consultation,
    published: Published,
    lang: str,
    formulations: list[str] | None = None,
    decision: DecisionVersion | None = None,
    past_marks: bool = True,
) -> ConsultationView:
    """The view of one consultation, from the version's memo where it can be;
    `decision` is the decision as it stands (the newest version), if any; `past_marks`
    whether the ranking marks the medicines taken before."""
    version = published.version
    preferences = preferences_of(consultation)
    forms = None if formulations is None else tuple(formulations)
    # The ranked part depends only on the version, the wishes and the language: it is
    # kept in the version's memo (ADR 0007). What the person wrote is never kept there.
    part = published.memo.get(
        ("ranked", lang, preferences, forms),
        lambda: ranked(published.dataset, lang, preferences, forms),
    )
    return build(
        published.dataset,
        lang=lang,
        version=(version.number, version.checksum, version.created_at),
        preferences=preferences,
        created_at=consultation.created_at,
        with_carer=consultation.with_carer,
        what_matters=consultation.what_matters,
        discussed=decision.discussed if decision else (),
        decision=decision.decision if decision else None,
        next_review=decision.next_review if decision else None,
        context_note=decision.context_note if decision else "",
        ranked_part=part,
        options=consultation.options,
        past=past_of(consultation),
        past_marks=past_marks,
        carer=carer_of(consultation),
        card_of=lambda drug_id: kept_card(published, drug_id, lang),
    )


def kept_card(published: Published, drug_id: str, lang: str) -> Card:
    """`card` of one medicine, made once per version and language and kept in the
    version's memo (ADR 0007): a card holds the version's words only."""
    dataset = published.dataset
    return cast(
        Card,
        published.memo.get(
            ("card", lang, drug_id), lambda: card(dataset, dataset.drug(drug_id), lang)
        ),
    )


@dataclass(frozen=True)
class DecisionEntry:
    """One version of the decision as the clinician's page lists it: who, when, why, what."""

    version: int
    recorded_by: str
    recorded_at: datetime
    reason: str
    decision_label: str
    discussed: tuple[str, ...]  # medicine names
    next_review: date | None
    context_note: str
    data_version: int


def history(
    versions: Sequence[DecisionVersion], dataset: Dataset, lang: str
) -> tuple[DecisionEntry, ...]:
    """Every version, oldest first, in `lang`. A medicine no longer in `dataset` is
    shown by its id."""

    def name(drug_id: str) -> str:
        try:
            return dataset.drug(drug_id).name[lang]
        except KeyError:
            return drug_id

    return tuple(
        DecisionEntry(
            version=v.version,
            recorded_by=v.recorded_by,
            recorded_at=v.recorded_at,
            reason=v.reason,
            decision_label=decision_label(v.decision, dataset, lang) or v.decision,
            discussed=tuple(name(d) for d in v.discussed),
            next_review=v.next_review,
            context_note=v.context_note,
            data_version=v.data_version,
        )
        for v in versions
    )
