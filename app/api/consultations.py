"""Consultations: the tablet sends preferences (no login, no name); staff open them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import (
    PastEffectOut,
    RankingIn,
    StaffRankingOut,
    UtcDateTime,
    problem_responses,
    staff_ranking_out,
)
from app.consultations import service, view
from app.consultations.experience import CARER_WORDS_MAX, MAX_PAST_MEDICINES, STOPPED_MAX, CarerView
from app.consultations.past_view import item_label
from app.consultations.service import Record
from app.errors import NotFound
from app.http.auth import Admin, Clinical, client_address
from app.http.code_lookup import open_by_code
from app.http.consultations import read_consultation
from app.http.errors import problem
from app.http.language import LanguageDep
from app.http.params import Slug
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep, writing_unit
from app.ranking import RankingRequest, rank
from app.ranking.past import PastEffect, PastMedicine, past_flags

router = APIRouter(
    prefix="/api/v1/consultations",
    tags=["consultations"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
#: `?past_experience=false`: the ranking without the marks for medicines taken before.
PastToggle = Annotated[
    bool,
    Query(description="mark the medicines taken before in the ranking (default true)"),
]
#: Tablet submissions and lookups by code are rate-limited (ADR 0011).
LIMITED = problem_responses(429)


class PastEffectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Slug = Field(description="a checklist id (GET /api/v1/side-effects)")
    bother: Literal[1, 2] = Field(description="how much it bothered: 1 a little, 2 a lot")


class PastMedicineIn(BaseModel):
    """A medicine the person has taken before."""

    model_config = ConfigDict(extra="forbid")
    drug: Slug = Field(description="a drug id (GET /api/v1/drugs)")
    helped: Literal["yes", "no", "unsure"]
    side_effects: list[PastEffectIn] = Field(default_factory=list, max_length=36)
    stopped_because: str = Field(default="", max_length=STOPPED_MAX, description="own words")


class CarerIn(BaseModel):
    """A carer's own view. `avoid` and `what_matters` only with `consented` (the person
    agreed): without it they are refused (422), never stored."""

    model_config = ConfigDict(extra="forbid")
    consented: bool = False
    avoid: list[Slug] = Field(
        default_factory=list, max_length=5, description="the carer's five, priority 1 first"
    )
    what_matters: str = Field(default="", max_length=CARER_WORDS_MAX)


class ConsultationIn(RankingIn):
    """What the tablet sends: a ranking request plus the optional carer, free text and
    the options the person wants to talk about (ids from `GET /api/v1/options`), the
    medicines taken before and a carer's own view (with the person's agreement)."""

    model_config = ConfigDict(extra="forbid")
    with_carer: bool = False
    what_matters: str = Field(default="", max_length=2000)
    options: list[Slug] = Field(
        default_factory=list,
        max_length=16,
        description="ids of the options to talk about, from GET /api/v1/options",
    )
    past_medicines: list[PastMedicineIn] = Field(
        default_factory=list, max_length=MAX_PAST_MEDICINES, description="each medicine once"
    )
    carer: CarerIn = Field(default_factory=CarerIn)


class CarerOut(BaseModel):
    consented: bool
    avoid: list[str]
    what_matters: str


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
    reason: str = Field(
        default="",
        max_length=2000,
        description="why the decision is amended: required once a decision is recorded",
    )
    amends: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="the version this amends (0: none yet); if another was recorded since, 409",
    )


class DecisionVersionOut(BaseModel):
    version: int
    discussed: list[str]
    decision: str
    next_review: date | None
    context_note: str
    data_version: int
    recorded_by: str
    recorded_at: UtcDateTime
    reason: str


class PastMedicineOut(BaseModel):
    drug: str
    helped: str
    side_effects: list[PastEffectOut]
    stopped_because: str


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
    past_medicines: list[PastMedicineOut] = Field(description="medicines taken before")
    carer: CarerOut = Field(description="a carer's view: empty unless the person agreed")
    discussed: list[str] = Field(description="the newest version's, as are the fields below")
    decision: str | None
    next_review: date | None
    context_note: str
    decided_by: str | None
    decided_at: UtcDateTime | None
    data_version: int | None
    versions: list[DecisionVersionOut] = Field(
        description="every recording of the decision, oldest first; never changed"
    )
    ranking: StaffRankingOut


class ReadOut(BaseModel):
    id: int
    consultation_id: str
    read_by: str
    read_at: UtcDateTime
    view: str


def consultation_out(
    record: Record, published: Published, lang: str, *, past_marks: bool = True
) -> ConsultationOut:
    c = record.consultation
    latest = record.latest
    dataset = published.dataset
    ranking = rank(dataset, service.ranking_request(c))
    past = view.past_of(c)
    carer = view.carer_of(c)
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
            )
        },
        discussed=list(latest.discussed) if latest else [],
        decision=latest.decision if latest else None,
        next_review=latest.next_review if latest else None,
        context_note=latest.context_note if latest else "",
        decided_by=latest.recorded_by if latest else None,
        decided_at=latest.recorded_at if latest else None,
        data_version=latest.data_version if latest else None,
        versions=[
            DecisionVersionOut.model_validate(v, from_attributes=True) for v in record.versions
        ],
        past_medicines=[
            PastMedicineOut(
                drug=p.drug,
                helped=p.helped,
                side_effects=[
                    PastEffectOut(
                        id=e.side_effect,
                        label=item_label(dataset, e.side_effect, lang),
                        bother=e.bother,
                    )
                    for e in p.side_effects
                ],
                stopped_because=p.stopped_because,
            )
            for p in past
        ],
        carer=CarerOut(
            consented=carer.consented, avoid=list(carer.avoid), what_matters=carer.what_matters
        ),
        ranking=staff_ranking_out(
            ranking, dataset, published.version, lang, past_flags(past, include=past_marks)
        ),
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
        options=body.options,
        past=[
            PastMedicine(
                drug=p.drug,
                helped=p.helped,
                side_effects=tuple(PastEffect(e.id, e.bother) for e in p.side_effects),
                stopped_because=p.stopped_because.strip(),
            )
            for p in body.past_medicines
        ],
        carer=CarerView(
            consented=body.carer.consented,
            avoid=tuple(body.carer.avoid),
            what_matters=body.carer.what_matters,
        ),
    )
    return CreatedOut(id=created.id, code=created.code, code_expires_at=created.code_expires_at)


# Before "/{consultation_id}", which would take "reads" for an id.
@router.get("/reads", response_model=list[ReadOut])
def list_reads(
    session: SessionDep,
    _who: Admin,
    consultation: Annotated[str | None, Query(max_length=32, pattern="^[0-9a-f]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[ReadOut]:
    """Who read which consultation, when, through which view; newest first."""
    return [
        ReadOut.model_validate(r, from_attributes=True)
        for r in service.reads(
            session, consultation_id=consultation or None, limit=limit, before_id=before_id
        )
    ]


@router.get(
    "/by-code/{code}",
    response_model=ConsultationOut,
    responses={**problem_responses(410), **LIMITED},
)
@writing_unit
def get_by_code(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    who: Clinical,
    code: Annotated[str, Path(max_length=16)],
    past_experience: PastToggle = True,
) -> ConsultationOut | Response:
    """The preferences behind a valid hand-off code; the read is recorded. 404 for a code
    that matches nothing; after SDM_CODE_MISSES_PER_MINUTE of those in a minute, 429 (with
    Retry-After) for this user until the minute ends."""
    found = open_by_code(request, session, who, code)
    if isinstance(found, NotFound):
        return problem(found)  # answered, not raised: the miss is counted with the unit
    record = read_consultation(request, session, found.id, by=who.username, view="api-by-code")
    return consultation_out(record, published, lang, past_marks=past_experience)


@router.get("/{consultation_id}", response_model=ConsultationOut, responses=problem_responses(410))
@writing_unit
def get_consultation(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    who: Clinical,
    consultation_id: Annotated[str, Path(max_length=32)],
    past_experience: PastToggle = True,
) -> ConsultationOut:
    """One consultation with every version of its decision. The read is recorded. 410
    once its code has expired with no decision recorded, or past the retention period.
    `past_experience=false` leaves the marks for medicines taken before out of the
    ranking (its order and scores are the same either way)."""
    record = read_consultation(request, session, consultation_id, by=who.username, view="api")
    return consultation_out(record, published, lang, past_marks=past_experience)


@router.post(
    "/{consultation_id}/decision",
    response_model=ConsultationOut,
    responses=problem_responses(410),
)
def record_decision(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    lang: LanguageDep,
    who: Clinical,
    body: DecisionIn,
    consultation_id: Annotated[str, Path(max_length=32)],
) -> ConsultationOut:
    """Record the discussion as a new version of the decision; nothing earlier changes.
    An amendment (a decision is recorded already) needs a `reason` (422 without)."""
    record = read_consultation(request, session, consultation_id, by=who.username, view="api")
    service.record_decision(
        session,
        record,
        published.dataset,
        data_version=published.version.number,
        discussed=body.discussed,
        decision=body.decision,
        next_review=body.next_review,
        context_note=body.context_note,
        by=who.username,
        reason=body.reason,
        amends=body.amends,
    )
    updated = Record(record.consultation, service.versions(session, record.consultation.id))
    return consultation_out(updated, published, lang)
