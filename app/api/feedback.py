"""The person's feedback on a consultation, from the tablet (no login, no name)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import problem_responses
from app.consultations import feedback
from app.consultations.collaborate import COMMENT_MAX
from app.errors import NotFound
from app.http.auth import client_address
from app.http.errors import problem
from app.http.state import app_state
from app.http.unit_of_work import SessionDep

router = APIRouter(
    prefix="/api/v1",
    tags=["feedback"],
    responses=problem_responses(400, 404, 409, 413, 422, 429),
)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        max_length=16,
        description="the consultation's hand-off code while it is valid, or the feedback "
        "code printed on the discussion sheet",
    )
    collaborate: list[Annotated[int, Field(strict=True)]] = Field(
        max_length=10,
        description="the three CollaboRATE answers, in order, each a whole number 0-9",
    )
    comment: str = Field(
        default="",
        max_length=COMMENT_MAX * 4,
        description=f"optional; at most {COMMENT_MAX} characters",
    )


class FeedbackOut(BaseModel):
    received: bool = True


@router.post("/feedback", response_model=FeedbackOut, status_code=201)
def give_feedback(
    request: Request, body: FeedbackIn, session: SessionDep
) -> FeedbackOut | JSONResponse:
    """Store the person's CollaboRATE answers for the consultation behind `code`: 201.
    A second feedback for the same consultation: 409. An answer outside 0-9, not three
    answers, or a comment over its limit: 422. An unknown code: 404. Limited as tablet
    submissions are (SDM_TABLET_PER_CLIENT_PER_MINUTE, SDM_TABLET_OVERALL_PER_MINUTE):
    429 with Retry-After. Nothing comes back: the feedback is never shown one by one."""
    policy = feedback.feedback_limits(app_state(request).settings)
    feedback.admit(session, policy, client=client_address(request))
    try:
        feedback.give(session, code=body.code, answers=body.collaborate, comment=body.comment)
    except (NotFound, feedback.FeedbackAlreadyGiven) as refused:
        # Answered, not raised: the unit commits, so a code that matches nothing counts
        # against the limits (guessing codes is limited like sending them).
        return problem(refused)
    return FeedbackOut()
