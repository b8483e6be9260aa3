"""Consultations: the tablet sends preferences (no login, no name); staff open them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import (
    RankingIn,
    RankingOut,
    UtcDateTime,
    problem_responses,
    ranking_out,
)
from app.consultations import service
from app.consultations.tables import Consultation
from app.http.auth import Clinical
from app.http.language import LanguageDep
from app.http.params import Slug
from app.http.published import PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.ranking import RankingRequest, rank

router = APIRouter(
    prefix="/api/v1/consultations",
    tags=["consultations"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)


class ConsultationIn(RankingIn):
    """What the tablet sends: a ranking request plus the optional carer, free text and
    the options the person wants to talk about (ids from `GET /api/v1/options`)."""

    model_config = ConfigDict(extra="forbid")
    with_carer: bool = False
    what_matters: str = Field(default="", max_length=2000)
    options: list[Slug] = Field(
        default_factory=list,
        max_length=16,
        description="ids of the options to talk about, from GET /api/v1/options",
    )


class CreatedOut(BaseModel):
    id: str
    code: str
    code_expires_at: UtcDateTime


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    discussed: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=40
    )
    decision: str = Field(max_length=64, description="a drug id, 'undecided' or 'no-medication'")
    next_review: date | None = None
    context_note: str = Field(default="", max_length=2000)


class ConsultationOut(BaseModel):
    id: str
    code: str
    created_at: UtcDateTime
    lang: str
    avoid: list[str]
    helpful: list[str]
    must_avoid: list[str]
    formulations: list[str]
    with_carer: bool
    what_matters: str
    options: list[str] = Field(description="the options the person wants to talk about")
    discussed: list[str]
    decision: str | None
    next_review: date | None
    context_note: str
    decided_by: str | None
    data_version: int | None
    ranking: RankingOut


def consultation_out(c: Consultation, published, lang: str) -> ConsultationOut:  # type: ignore[no-untyped-def]
    ranking = rank(published.dataset, service.ranking_request(c))
    return ConsultationOut(
        **{
            k: getattr(c, k)
            for k in (
                "id",
                "code",
                "created_at",
                "lang",
                "avoid",
                "helpful",
                "must_avoid",
                "formulations",
                "with_carer",
                "what_matters",
                "options",
                "discussed",
                "decision",
                "next_review",
                "context_note",
                "decided_by",
                "data_version",
            )
        },
        ranking=ranking_out(ranking, published.dataset, published.version, lang),
    )


@router.post("", response_model=CreatedOut, status_code=201)
def create_consultation(
    request: Request,
    body: ConsultationIn,
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
) -> CreatedOut:
    """Store a person's choices from the tablet and give the hand-off code. No login."""
    created = service.create(
        session,
        published.dataset,
        request=RankingRequest(
            tuple(body.avoid), tuple(body.helpful), tuple(body.must_avoid), tuple(body.formulations)
        ),
        lang=lang,
        with_carer=body.with_carer,
        what_matters=body.what_matters,
        code_ttl=timedelta(minutes=app_state(request).settings.code_ttl_minutes),
        options=body.options,
    )
    return CreatedOut(id=created.id, code=created.code, code_expires_at=created.code_expires_at)


@router.get("/by-code/{code}", response_model=ConsultationOut)
def get_by_code(
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    _who: Clinical,
    code: Annotated[str, Path(max_length=16)],
) -> ConsultationOut:
    return consultation_out(service.by_code(session, code), published, lang)


@router.get("/{consultation_id}", response_model=ConsultationOut)
def get_consultation(
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    _who: Clinical,
    consultation_id: Annotated[str, Path(max_length=32)],
) -> ConsultationOut:
    return consultation_out(service.by_id(session, consultation_id), published, lang)


@router.post("/{consultation_id}/decision", response_model=ConsultationOut)
def record_decision(
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    who: Clinical,
    body: DecisionIn,
    consultation_id: Annotated[str, Path(max_length=32)],
) -> ConsultationOut:
    consultation = service.by_id(session, consultation_id)
    service.record_decision(
        session,
        consultation,
        published.dataset,
        data_version=published.version.number,
        discussed=body.discussed,
        decision=body.decision,
        next_review=body.next_review,
        context_note=body.context_note,
        by=who.username,
    )
    return consultation_out(consultation, published, lang)
