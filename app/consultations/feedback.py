"""The person's feedback on a consultation: found by its hand-off code or the feedback
code on the sheet, stored once, read by nobody but the service dashboard's counts.

Feedback is anonymous to the clinician: it is linked only to the consultation, no staff
page or staff API reads it, and nothing about it is logged or audited (an audit event
would tie its time to the consultation for anyone reading the trail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import limits
from app.config import Settings
from app.consultations import collaborate
from app.consultations.service import (
    CODE_LENGTH,
    FEEDBACK_CODE_LENGTH,
    by_code,
    normalise_code,
)
from app.consultations.tables import Consultation, ConsultationFeedback
from app.errors import DomainError, NotFound
from app.limits import Limit, RateLimited
from app.translations import N_

NO_SUCH_CODE = N_(
    "No consultation has this code. Check the code on your discussion sheet and try again."
)
ALREADY_GIVEN = N_("Feedback on this consultation has already been given. Thank you.")
TOO_MANY = N_(
    "Too many answers were sent from this tablet in the last minute, so yours were not "
    "stored. Wait {seconds} seconds and send them again."
)


class InvalidFeedback(DomainError):
    status_code = 422
    code = "invalid_feedback"

    def __init__(self, found: Sequence[collaborate.Problem]) -> None:
        self.problems = tuple(found)
        super().__init__("; ".join(p.text() for p in found))


class FeedbackAlreadyGiven(DomainError):
    status_code = 409
    code = "feedback_already_given"

    def __init__(self) -> None:
        super().__init__(ALREADY_GIVEN)


class TooMuchFeedback(RateLimited):
    code = "too_much_feedback"


@dataclass(frozen=True)
class FeedbackLimits:
    """The same numbers as tablet submissions (SDM_TABLET_*), counted on their own."""

    per_client: Limit
    overall: Limit


def feedback_limits(settings: Settings) -> FeedbackLimits:
    minute = timedelta(minutes=1)
    return FeedbackLimits(
        per_client=Limit("feedback.client", settings.tablet_per_client_per_minute, minute),
        overall=Limit("feedback.all", settings.tablet_overall_per_minute, minute),
    )


def admit(session: Session, policy: FeedbackLimits, *, client: str) -> None:
    """Count one feedback submission against the limits; TooMuchFeedback (429) if over."""
    refused = limits.take(
        session, [(policy.per_client, limits.client_key(client)), (policy.overall, "*")]
    )
    if refused is not None:
        raise TooMuchFeedback(
            TOO_MANY.format(seconds=refused.retry_after),
            limit=refused.limit,
            retry_after=refused.retry_after,
        )


def normalise(code: str) -> str:
    """What a person types: spaces, dashes and case don't matter."""
    return "".join(c for c in code.upper() if c.isalnum())[:FEEDBACK_CODE_LENGTH]


def consultation_for(session: Session, code: str) -> Consultation:
    """The consultation behind a feedback code (8 characters, kept as long as the
    consultation) or a hand-off code still valid (6); NotFound (404) else."""
    typed = normalise(code)
    if len(typed) == FEEDBACK_CODE_LENGTH:
        found = session.exec(
            select(Consultation).where(col(Consultation.feedback_code) == typed)
        ).first()
        if found is not None:
            return found
    elif len(typed) == CODE_LENGTH:
        try:
            return by_code(session, normalise_code(typed))
        except NotFound:
            pass
    raise NotFound(NO_SUCH_CODE)


def give(
    session: Session, *, code: str, answers: Sequence[object], comment: str = ""
) -> ConsultationFeedback:
    """Check and store the feedback for the consultation behind `code`: 422 for answers
    outside 0-9 (or not three of them) or a comment too long, 404 for an unknown code,
    409 if this consultation has feedback already."""
    comment = comment.strip()
    found = collaborate.problems(answers, comment)
    if found:
        raise InvalidFeedback(found)
    consultation = consultation_for(session, code)
    if session.get(ConsultationFeedback, consultation.id) is not None:
        raise FeedbackAlreadyGiven()
    checked = collaborate.answers_from([int(a) for a in answers])  # type: ignore[call-overload]
    row = ConsultationFeedback(
        consultation_id=consultation.id,
        understand=checked.understand,
        listen=checked.listen,
        include=checked.include,
        comment=comment,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # another request gave it first
        raise FeedbackAlreadyGiven() from exc
    return row
