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
from app.http.auth import Clinical, client_address
from app.http.code_lookup import open_by_code
from app.http.language import LanguageDep
from app.http.published import PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.ranking import RankingRequest, rank

router = APIRouter(
    prefix="/api/v1/consultations",
    tags=["consultations"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
#: Tablet submissions and lookups by code are rate-limited (ADR 0011).
LIMITED = problem_responses(429)


class ConsultationIn(RankingIn):
    """What the tablet sends: a ranking request plus the optional carer and free text."""

    model_config = ConfigDict(extra="forbid")
    with_carer: bool = False
    what_matters: str = Field(default="", max_length=2000)


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


@router.post("", response_model=CreatedOut, status_code=201, responses=LIMITED)
def create_consultation(
    request: Request,
    body: ConsultationIn,
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
) -> CreatedOut:
    """Store a person's choices from the tablet and give the hand-off code. No login.

    Limited per client address and overall (SDM_TABLET_PER_CLIENT_PER_MINUTE,
    SDM_TABLET_OVERALL_PER_MINUTE): beyond either, 429 with Retry-After."""
    state = app_state(request)
    service.admit_submission(session, state.consultation_limits, client=client_address(request))
    created = service.create(
        session,
        published.dataset,
        request=RankingRequest(
            tuple(body.avoid), tuple(body.helpful), tuple(body.must_avoid), tuple(body.formulations)
        ),
        lang=lang,
        with_carer=body.with_carer,
        what_matters=body.what_matters,
        code_ttl=timedelta(minutes=state.settings.code_ttl_minutes),
    )
    return CreatedOut(id=created.id, code=created.code, code_expires_at=created.code_expires_at)


@router.get("/by-code/{code}", response_model=ConsultationOut, responses=LIMITED)
def get_by_code(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    who: Clinical,
    code: Annotated[str, Path(max_length=16)],
) -> ConsultationOut:
    """404 for a code that matches nothing; after SDM_CODE_MISSES_PER_MINUTE of those
    in a minute, 429 (with Retry-After) for this user until the minute ends."""
    return consultation_out(open_by_code(request, session, who, code), published, lang)


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
