"""The JSON shapes of the API, and the functions that build them from core values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.catalogue.method import figure_grade
from app.catalogue.model import Dataset, Drug, Finding, Source
from app.clock import as_utc
from app.consultations.past_view import item_label, past_summary
from app.consultations.ranking_view import Match, excluded, matches
from app.consultations.view import card_rows
from app.http.params import Slug
from app.ranking import Ranking
from app.ranking.past import PastMedicine
from app.store.tables import DataVersion

#: A moment in UTC, always sent with its offset as the schema's date-time requires
#: (SQLite gives stored timestamps back naive).
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]


class ValidationProblemOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None
    #: Only on a last entry of type `too_many_problems`: how many more problems there
    #: were (a 422 lists at most 20).
    more: int | None = None


class ProblemOut(BaseModel):
    """Every error answer: a message, or (422) a list saying which field and what."""

    detail: str | list[ValidationProblemOut]


_PROBLEMS = {
    400: "the body cannot be parsed",
    401: "not logged in, or the token has expired or was revoked",
    403: "this role may not do this",
    404: "no such thing",
    409: "not possible in the current state",
    410: "it was here but may no longer be opened; detail says why",
    412: "the ETag is stale",
    413: "the body is too large",
    422: "the request is not valid; detail says which field and why",
    428: "If-Match is missing",
    429: "too many requests (failed logins, tablet submissions, codes that match nothing): "
    "wait the seconds Retry-After gives",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the error answers a route can give."""
    return {code: {"model": ProblemOut, "description": _PROBLEMS[code]} for code in codes}


class DataVersionOut(BaseModel):
    number: int
    checksum: str
    created_at: UtcDateTime
    created_by: str


class SideEffectOut(BaseModel):
    id: str
    label: str
    group: str
    group_label: str
    order: int
    explanation: str


class DrugSummaryOut(BaseModel):
    id: str
    name: str
    atc: str
    generation: str
    formulations: list[str]


class FormulationOut(BaseModel):
    form: str
    uk: str
    no: str


class RatingOut(BaseModel):
    side_effect: str
    label: str
    value: int | None = Field(description="0-3, or null when unknown (never 0 for unknown)")
    symbol: str = Field(description="0, +, ++, +++ or ? for unknown")
    sources: list[str]
    source_values: dict[str, str]
    note: str | None


class SourceOut(BaseModel):
    citation: str
    url: str
    kind: str = Field(description="comparative, meta-analysis, product-information or other")
    accessed: date | None = Field(
        default=None, description="when it was read at the URL, if recorded"
    )


class FigureOut(BaseModel):
    """A published number beside a grade, as the source prints it."""

    measure: str = Field(description="weight, bmi, total-cholesterol, prolactin, qtc, ...")
    side_effect: str = Field(description="the checklist item the figure informs")
    effect: str = Field(description="mean difference, odds ratio, proportion, ...")
    value: float = Field(description="for a proportion: per cent of people with the outcome")
    comparator_value: float | None = Field(
        description="for a proportion: per cent of people in the comparator group, if printed"
    )
    interval: list[float] | None = Field(description="95% interval [low, high], if printed")
    unit: str | None
    comparator: str
    time_frame: str
    population: str
    source: str
    as_printed: str = Field(description="the words and numbers as the source prints them")
    grade: int | None = Field(description="the grade the threshold table gives, if any")
    note: str | None
    words: dict[str, dict[str, str]] = Field(
        description="per language: comparator, time_frame (and outcome for a proportion) "
        "in plain words for the person's sheet; empty when not given"
    )


class SafetyOut(BaseModel):
    """A risk shown with the drug that does not change the score."""

    id: str
    scope: str = Field(description="'drug' for this medicine, 'class' for every antipsychotic")
    text: dict[str, str] = Field(description="for the clinician, in en and nb")
    plain: dict[str, str] = Field(description="the same in plain words, in en and nb")
    sources: list[str]


class DrugCardOut(BaseModel):
    id: str
    name: str
    atc: str
    snomed: str | None
    generation: str
    formulations: list[FormulationOut]
    notes: str
    monitoring: list[str]
    review_by: date
    ratings: list[RatingOut]
    figures: list[FigureOut]
    safety: list[SafetyOut]
    sources: dict[str, SourceOut]
    data_version: DataVersionOut


class RankingIn(BaseModel):
    """A ranking request. It holds no personal data."""

    model_config = ConfigDict(extra="forbid")

    avoid: list[Slug] = Field(
        max_length=36, description="1 to 5 checklist ids, priority 1 (most want to avoid) first"
    )
    helpful: list[Slug] = Field(default_factory=list, max_length=36)
    must_avoid: list[Slug] = Field(
        default_factory=list,
        max_length=36,
        description="avoid items that exclude drugs rated ++ or +++ on them, or unknown",
    )
    formulations: list[Slug] = Field(
        default_factory=list, max_length=16, description="acceptable formulations; empty = any"
    )


class DrugRefOut(BaseModel):
    id: str
    name: str


class BreakdownOut(BaseModel):
    side_effect: str
    label: str
    priority: int
    rating: int | None
    symbol: str
    weight: int
    counted_as: int
    contribution: int


class HelpfulOut(BaseModel):
    side_effect: str
    label: str
    rating: int
    symbol: str


class PastEffectOut(BaseModel):
    id: str
    label: str
    bother: int = Field(description="1 a little, 2 a lot")


class PastExperienceOut(BaseModel):
    helped: str = Field(description="yes, no or unsure")
    side_effects: list[PastEffectOut]
    a_lot: list[str] = Field(
        description="side effects the person had a lot on it: flagged whatever the rating"
    )
    summary: str = Field(description="the mark in words, as the clinician's page shows it")


class ResultOut(BaseModel):
    drug: DrugRefOut
    position: int = Field(description="equal scores share a position; the next one skips")
    tied: bool = Field(description="another result has the same score (shown as =3)")
    score: int
    base_score: int
    helpful_bonus: int
    band: str
    why: str
    breakdown: list[BreakdownOut]
    unknown: list[str]
    helpful: list[HelpfulOut]


class StaffBreakdownOut(BreakdownOut):
    had_before: int | None = Field(
        description="how much the person said this bothered them on this medicine before "
        "(1 a little, 2 a lot); null: not had, not taken, or past experience left out",
    )


class StaffResultOut(ResultOut):
    breakdown: list[StaffBreakdownOut]  # type: ignore[assignment]
    past_experience: PastExperienceOut | None = Field(
        description="the person took this medicine before (null: not taken, or left out "
        "with past_experience=false); it never changes the score (docs/ranking.md)",
    )


class ExcludedOut(BaseModel):
    drug: DrugRefOut
    reason: str
    side_effect: str | None
    message: str


class StaffExcludedOut(ExcludedOut):
    past_experience: PastExperienceOut | None = Field(
        description="as on a ranked result: the person took this one before"
    )


class SharedDomainOut(BaseModel):
    domain: str
    side_effects: list[str] = Field(description="the person's items resting on this domain")


class RankingOut(BaseModel):
    data_version: DataVersionOut
    max_score: int
    results: list[ResultOut]
    excluded: list[ExcludedOut]
    shared_domains: list[SharedDomainOut] = Field(
        description="domains that two or more priorities rest on (docs/ranking.md)"
    )


class StaffRankingOut(RankingOut):
    """A consultation's ranking as staff read it: with the marks for medicines taken
    before (app/ranking/past.py), which never change a score."""

    results: list[StaffResultOut]  # type: ignore[assignment]
    excluded: list[StaffExcludedOut]  # type: ignore[assignment]


def data_version_out(version: DataVersion) -> DataVersionOut:
    return DataVersionOut(
        number=version.number,
        checksum=version.checksum,
        created_at=version.created_at,
        created_by=version.created_by,
    )


def side_effects_out(dataset: Dataset, lang: str) -> list[SideEffectOut]:
    groups = {g.id: g.label[lang] for g in dataset.groups}
    return [
        SideEffectOut(
            id=i.id,
            label=i.label[lang],
            group=i.group,
            group_label=groups[i.group],
            order=i.order,
            explanation=i.explanation[lang],
        )
        for i in dataset.checklist
    ]


def drug_summary_out(drug: Drug, lang: str) -> DrugSummaryOut:
    return DrugSummaryOut(
        id=drug.id,
        name=drug.name[lang],
        atc=drug.atc,
        generation=drug.generation,
        formulations=[f.form for f in drug.formulations],
    )


def drug_card_out(drug: Drug, dataset: Dataset, version: DataVersion, lang: str) -> DrugCardOut:
    flags = [("drug", f) for f in drug.safety] + [("class", f) for f in dataset.class_safety]
    used = (
        {key for r in drug.ratings.values() for key in r.sources}
        | set(drug.availability_sources)
        | {f.source for f in drug.figures}
        | {key for _, f in flags for key in f.sources}
    )
    return DrugCardOut(
        id=drug.id,
        name=drug.name[lang],
        atc=drug.atc,
        snomed=drug.snomed,
        generation=drug.generation,
        formulations=[FormulationOut(form=f.form, uk=f.uk, no=f.no) for f in drug.formulations],
        notes=drug.card[lang],
        monitoring=[m[lang] for m in drug.monitoring],
        review_by=drug.review_by,
        ratings=[
            RatingOut(
                side_effect=row.item,
                label=row.label,
                value=row.cell.value,
                symbol=row.cell.symbol,
                sources=list(row.source_keys),
                source_values=dict(row.source_values),
                note=row.note,
            )
            for row in card_rows(dataset, drug, lang)
        ],
        figures=[
            FigureOut(
                measure=f.measure,
                side_effect=f.side_effect,
                effect=f.effect,
                value=f.value,
                interval=list(f.interval) if f.interval else None,
                unit=f.unit,
                comparator=f.comparator,
                time_frame=f.time_frame,
                population=f.population,
                source=f.source,
                as_printed=f.as_printed,
                grade=figure_grade(f),
                note=f.note,
                comparator_value=f.comparator_value,
                words={
                    lang: {k: v for k, v in asdict(w).items() if v is not None}
                    for lang, w in f.words.items()
                },
            )
            for f in drug.figures
        ],
        safety=[
            SafetyOut(
                id=f.id,
                scope=scope,
                text=dict(f.text),
                plain=dict(f.plain),
                sources=list(f.sources),
            )
            for scope, f in flags
        ],
        sources={k: source_out(dataset.sources[k]) for k in sorted(used)},
        data_version=data_version_out(version),
    )


def source_out(source: Source) -> SourceOut:
    return SourceOut(
        citation=source.citation, url=source.url, kind=source.kind, accessed=source.accessed
    )


class OptionFigureOut(BaseModel):
    """A published number about an option, exactly as the source prints it."""

    outcome: str
    per_100: list[int] | None = Field(
        description="[with this option, with the comparator] in 100 people, when printed"
    )
    as_printed: str = Field(description="the words and numbers as the source prints them")
    time_frame: str
    comparator: str
    population: str
    source: str
    note: str | None


class KnownOut(BaseModel):
    """One thing known, in plain words, with its sources and the figure it rests on."""

    text: str
    sources: list[str]
    figure: OptionFigureOut | None


class OptionOut(BaseModel):
    id: str = Field(description="what POST /api/v1/consultations takes in 'options'")
    label: str
    involves: str = Field(description="what the option involves")
    involves_sources: list[str] = Field(description="sources for what it involves, if any")
    known: list[KnownOut] = Field(description="what is known about it")


class AboutDecisionOut(BaseModel):
    condition: str = Field(description="the condition, in plain words")
    decision: str = Field(description="the decision and the options, in plain words")
    sources: list[str]
    benefits: list[KnownOut] = Field(description="the benefits to expect from the medicines")


class OptionsOut(BaseModel):
    """Every option a person may discuss (the medicines and the other ways), and the
    decision, from the data version in use. Empty for a version without options."""

    review_by: date | None
    about: AboutDecisionOut | None
    options: list[OptionOut]
    sources: dict[str, SourceOut]
    data_version: DataVersionOut


def known_out(finding: Finding, lang: str) -> KnownOut:
    figure = finding.figure
    return KnownOut(
        text=finding.text[lang],
        sources=list(finding.sources),
        figure=None
        if figure is None
        else OptionFigureOut(
            outcome=figure.outcome,
            per_100=list(figure.per_100) if figure.per_100 else None,
            as_printed=figure.as_printed,
            time_frame=figure.time_frame,
            comparator=figure.comparator,
            population=figure.population,
            source=figure.source,
            note=figure.note,
        ),
    )


def options_out(dataset: Dataset, version: DataVersion, lang: str) -> OptionsOut:
    options = dataset.options
    if options is None:
        return OptionsOut(
            review_by=None,
            about=None,
            options=[],
            sources={},
            data_version=data_version_out(version),
        )
    about = options.about
    return OptionsOut(
        review_by=options.review_by,
        about=AboutDecisionOut(
            condition=about.condition[lang],
            decision=about.decision[lang],
            sources=list(about.sources),
            benefits=[known_out(f, lang) for f in about.benefits],
        ),
        options=[
            OptionOut(
                id=o.id,
                label=o.label[lang],
                involves=o.involves[lang],
                involves_sources=list(o.sources),
                known=[known_out(f, lang) for f in o.known],
            )
            for o in options.options
        ],
        sources={k: source_out(dataset.sources[k]) for k in sorted(options.source_keys())},
        data_version=data_version_out(version),
    )


def past_experience_out(past: PastMedicine, dataset: Dataset, lang: str) -> PastExperienceOut:
    return PastExperienceOut(
        helped=past.helped,
        side_effects=[
            PastEffectOut(
                id=e.side_effect, label=item_label(dataset, e.side_effect, lang), bother=e.bother
            )
            for e in past.side_effects
        ],
        a_lot=list(past.a_lot),
        summary=past_summary(past, dataset, lang),
    )


def ranking_out(ranking: Ranking, dataset: Dataset, version: DataVersion, lang: str) -> RankingOut:
    """The ranking as the JSON API gives it: the same `Match`es and `Excluded`s the
    clinician's page and the sheet show (app/consultations/ranking_view.py), as JSON."""
    return RankingOut(
        data_version=data_version_out(version),
        max_score=ranking.max_score,
        results=[result_out(m) for m in matches(ranking, dataset, lang)],
        excluded=[
            ExcludedOut(
                drug=DrugRefOut(id=e.drug_id, name=e.name),
                reason=e.reason,
                side_effect=e.side_effect,
                message=e.message,
            )
            for e in excluded(ranking, dataset, lang)
        ],
        shared_domains=[
            SharedDomainOut(domain=d, side_effects=list(items))
            for d, items in ranking.shared_domains
        ],
    )


def result_out(match: Match) -> ResultOut:
    return ResultOut(
        drug=DrugRefOut(id=match.drug_id, name=match.name),
        position=match.position,
        tied=match.tied,
        score=match.score,
        base_score=match.base_score,
        helpful_bonus=match.helpful_bonus,
        band=match.band,
        why=match.why,
        breakdown=[
            BreakdownOut(
                side_effect=line.side_effect,
                label=line.label,
                priority=line.priority,
                rating=line.cell.value,
                symbol=line.cell.symbol,
                weight=line.weight,
                counted_as=line.counted_as,
                contribution=line.contribution,
            )
            for line in match.breakdown
        ],
        unknown=list(match.unknown),
        helpful=[
            HelpfulOut(
                side_effect=h.side_effect, label=h.label, rating=h.rating, symbol=h.cell.symbol
            )
            for h in match.helpful
        ],
    )


def staff_ranking_out(
    ranking: Ranking,
    dataset: Dataset,
    version: DataVersion,
    lang: str,
    past: Mapping[str, PastMedicine],
) -> StaffRankingOut:
    """`ranking_out` with each medicine taken before marked (`past`: by drug id, {} when
    the clinician left the marks out)."""
    data = ranking_out(ranking, dataset, version, lang).model_dump()

    def mark(drug_id: str) -> dict[str, Any] | None:
        taken = past.get(drug_id)
        return past_experience_out(taken, dataset, lang).model_dump() if taken else None

    for result in data["results"]:
        taken = past.get(result["drug"]["id"])
        result["past_experience"] = mark(result["drug"]["id"])
        for line in result["breakdown"]:
            line["had_before"] = taken.bother(line["side_effect"]) if taken else None
    for left_out in data["excluded"]:
        left_out["past_experience"] = mark(left_out["drug"]["id"])
    return StaffRankingOut.model_validate(data)
