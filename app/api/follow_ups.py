"""Follow-ups: staff issue a code at the review, the tablet reports with it, staff read
each report against the person's priorities (docs/adr/0014-follow-ups.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import UtcDateTime, problem_responses
from app.consultations import follow_up, follow_ups, service
from app.errors import NotFound
from app.http.auth import Clinical, client_address
from app.http.consultations import open_consultation
from app.http.errors import problem
from app.http.follow_ups import read_follow_ups
from app.http.params import Slug
from app.http.published import PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep, writing_unit

router = APIRouter(
    prefix="/api/v1",
    tags=["follow-ups"],
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
ConsultationId = Annotated[str, Path(max_length=32)]


class FollowUpCodeOut(BaseModel):
    code: str
    expires_at: UtcDateTime


class FollowUpIn(BaseModel):
    """What the tablet sends: the live follow-up code, the medicine the person is on and
    how much each checklist item bothered them in the past week. An item left out is
    "not answered", never 0."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=16)
    drug: Slug
    bother: dict[Slug, int] = Field(
        max_length=64,
        description="checklist id → 0 not at all, 1 a little, 2 quite a lot, 3 very much",
    )


class FollowUpCreatedOut(BaseModel):
    id: int


class PriorityOut(BaseModel):
    side_effect: str
    priority: int = Field(description="1 = the item the person most wanted to avoid")
    predicted: int | None = Field(
        description="the data version's grade for the medicine and item, 0-3; null when "
        "unknown (never 0 for unknown)"
    )
    reported: int | None = Field(description="0-3 as the person reported it; null: not answered")


class FollowUpOut(BaseModel):
    id: int
    created_at: UtcDateTime
    drug: str
    data_version: int
    bother: dict[str, int]
    bothersome: list[str] = Field(description="items reported 'quite a lot' (2) or more")
    priorities: list[PriorityOut]


@router.post(
    "/consultations/{consultation_id}/follow-up-codes",
    response_model=FollowUpCodeOut,
    status_code=201,
    responses=problem_responses(410),
)
def issue_follow_up_code(
    request: Request, session: SessionDep, who: Clinical, consultation_id: ConsultationId
) -> FollowUpCodeOut:
    """A follow-up code for the consultation (the person enters it on the tablet at the
    review): valid for SDM_CODE_TTL_MINUTES and usable once. Audited."""
    record = open_consultation(request, session, consultation_id)
    ttl = timedelta(minutes=app_state(request).settings.code_ttl_minutes)
    issued = follow_ups.issue_code(session, record, by=who.username, ttl=ttl)
    return FollowUpCodeOut(code=issued.code, expires_at=issued.expires_at)


@router.post(
    "/follow-ups",
    response_model=FollowUpCreatedOut,
    status_code=201,
    responses=problem_responses(429),
)
def create_follow_up(
    request: Request, body: FollowUpIn, session: SessionDep, published: PublishedDep
) -> FollowUpCreatedOut | Response:
    """Store a follow-up with a live code (no login). A code never issued, expired or
    already used: 404, one message for all three. Limited as tablet submissions are."""
    state = app_state(request)
    service.admit_submission(session, state.consultation_limits, client=client_address(request))
    try:
        stored = follow_ups.submit(
            session,
            published.dataset,
            data_version=published.version.number,
            code=body.code,
            drug=body.drug,
            bother=body.bother,
        )
    except NotFound as miss:
        # Answered, not raised: the unit commits, so a code that matches nothing counts
        # against the submission limits and codes cannot be guessed without limit.
        return problem(miss)
    assert stored.id is not None
    return FollowUpCreatedOut(id=stored.id)


@router.get(
    "/consultations/{consultation_id}/follow-ups",
    response_model=list[FollowUpOut],
    responses=problem_responses(410),
)
@writing_unit
def list_follow_ups(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    who: Clinical,
    consultation_id: ConsultationId,
) -> list[FollowUpOut]:
    """Each follow-up, oldest first, with the person's priorities: what the data version
    it was sent under predicted for the medicine, and what the person reports. The read
    is recorded."""
    found = read_follow_ups(
        request, session, consultation_id, published, by=who.username, view="api-follow-ups"
    )
    avoid = found.record.consultation.avoid
    answers = []
    for report in found.reports:
        dataset = found.datasets.get(report.data_version)
        predicted = follow_up.grades(dataset, report.drug)
        rows = follow_up.against_priorities(avoid, report.bother, predicted)
        answers.append(
            FollowUpOut(
                id=report.id or 0,
                created_at=report.created_at,
                drug=report.drug,
                data_version=report.data_version,
                bother=dict(report.bother),
                bothersome=list(
                    follow_up.bothersome(
                        report.bother, dataset.item_ids if dataset else list(report.bother)
                    )
                ),
                priorities=[
                    PriorityOut(
                        side_effect=r.side_effect,
                        priority=r.priority,
                        predicted=r.predicted,
                        reported=r.reported,
                    )
                    for r in rows
                ],
            )
        )
    return answers
