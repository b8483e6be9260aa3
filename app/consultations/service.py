"""Creating consultations from the tablet, finding them by code, recording decisions;
and the limits on both that keep one client (or one staff user) from flooding them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import audit, limits
from app.catalogue.model import Dataset
from app.clock import utcnow
from app.config import Settings
from app.consultations.tables import Consultation
from app.consultations.view import DECISIONS_OTHER
from app.errors import DomainError, NotFound
from app.limits import Count, Limit, RateLimited
from app.ranking import RankingRequest, check_request

#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and to type on a tablet.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6


class InvalidDecision(DomainError):
    status_code = 422
    code = "invalid_decision"


class TooManySubmissions(RateLimited):
    code = "too_many_submissions"


class TooManyCodeMisses(RateLimited):
    code = "too_many_code_misses"


@dataclass(frozen=True)
class ConsultationLimits:
    """Tablet submissions per client address and overall; codes that match nothing per
    staff user. Counted in the database, so they hold across app processes (ADR 0011)."""

    per_client: Limit
    overall: Limit
    code_misses: Limit


def consultation_limits(settings: Settings) -> ConsultationLimits:
    minute = timedelta(minutes=1)
    return ConsultationLimits(
        per_client=Limit("tablet.client", settings.tablet_per_client_per_minute, minute),
        overall=Limit("tablet.all", settings.tablet_overall_per_minute, minute),
        code_misses=Limit("code.misses", settings.code_misses_per_minute, minute),
    )


def admit_submission(session: Session, policy: ConsultationLimits, *, client: str) -> None:
    """Count one tablet submission against its client address's limit and the overall
    one, in the caller's transaction; raise TooManySubmissions if either is used up.
    Call it before `create`: a refused submission costs two reads and stores nothing."""
    refused = limits.take(
        session, [(policy.per_client, limits.client_key(client)), (policy.overall, "*")]
    )
    if refused is not None:
        raise TooManySubmissions(
            "Too many preference sets were sent in the last minute, so this one was not "
            f"stored. Wait {refused.retry_after} seconds and send it again.",
            limit=refused.limit,
            retry_after=refused.retry_after,
        )


def refuse_lookup_if_throttled(session: Session, policy: ConsultationLimits, user_id: int) -> None:
    """Before a lookup by code: raise TooManyCodeMisses if this staff user has used up
    their misses for this minute (a read; misses are counted by `count_code_miss`)."""
    seen = limits.peek(session, policy.code_misses, str(user_id))
    if seen.full:
        raise too_many_misses(seen)


def count_code_miss(
    session: Session, policy: ConsultationLimits, *, user_id: int, username: str
) -> Count:
    """Count a code that matched nothing. The miss that uses up the user's allowance
    is audited, once per window: a staff user guessing codes is worth seeing."""
    counted = limits.hit(session, policy.code_misses, str(user_id))
    if counted.hits == policy.code_misses.hits:
        audit.record(
            session,
            by=username,
            action="consultation.code_misses",
            target="consultation/*",
            after={"misses": counted.hits, "window_seconds": policy.code_misses.seconds},
        )
    return counted


def too_many_misses(count: Count) -> TooManyCodeMisses:
    """The refusal once a user's misses are used up (before a lookup, or by its miss)."""
    return TooManyCodeMisses(
        f"{count.limit.hits} codes in the last minute matched nothing. Check the code with "
        f"the person and try again in {count.retry_after} seconds.",
        limit=count.limit,
        retry_after=count.retry_after,
    )


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _active(code: str, now: datetime):  # type: ignore[no-untyped-def]
    """The condition for a code in use: this code, not expired. It matches the index
    ix_consultation_code_expires (code, code_expires_at) column for column."""
    return (col(Consultation.code) == code, col(Consultation.code_expires_at) > now)


def code_in_use(session: Session, code: str, now: datetime) -> bool:
    taken = session.exec(select(Consultation.id).where(*_active(code, now)).limit(1)).first()
    return taken is not None


def normalise_code(code: str) -> str:
    """What a person types: spaces and case don't matter."""
    return "".join(code.split()).upper()[:CODE_LENGTH]


def create(
    session: Session,
    dataset: Dataset,
    *,
    request: RankingRequest,
    lang: str,
    with_carer: bool,
    what_matters: str,
    code_ttl: timedelta,
) -> Consultation:
    """Store a tablet submission. The request is checked exactly as a ranking request."""
    check_request(request, dataset.item_ids)
    now = utcnow()
    code = new_code()
    while code_in_use(session, code, now):  # one index probe each, not a scan of all codes
        code = new_code()
    consultation = Consultation(
        id=secrets.token_hex(16),
        code=code,
        code_expires_at=now + code_ttl,
        created_at=now,
        lang=lang,
        avoid=list(request.avoid),
        helpful=list(request.helpful),
        must_avoid=list(request.must_avoid),
        formulations=list(request.formulations),
        with_carer=with_carer,
        what_matters=what_matters.strip()[:2000],
    )
    session.add(consultation)
    session.flush()
    return consultation


def by_code(session: Session, code: str) -> Consultation:
    code = normalise_code(code)
    found = session.exec(
        select(Consultation)
        .where(*_active(code, utcnow()))
        .order_by(col(Consultation.created_at).desc())
    ).first()
    if found is None:
        raise NotFound(f"No preferences have the code {code}, or the code has expired.")
    return found


def by_id(session: Session, consultation_id: str) -> Consultation:
    found = session.get(Consultation, consultation_id[:32])
    if found is None:
        raise NotFound("There is no such consultation.")
    return found


def ranking_request(
    consultation: Consultation, formulations: list[str] | None = None
) -> RankingRequest:
    return RankingRequest(
        avoid=tuple(consultation.avoid),
        helpful=tuple(consultation.helpful),
        must_avoid=tuple(consultation.must_avoid),
        formulations=tuple(formulations if formulations is not None else consultation.formulations),
    )


def record_decision(
    session: Session,
    consultation: Consultation,
    dataset: Dataset,
    *,
    data_version: int,
    discussed: list[str],
    decision: str,
    next_review: date | None,
    context_note: str,
    by: str,
) -> Consultation:
    drug_ids = {d.id for d in dataset.drugs}
    unknown = [d for d in discussed if d not in drug_ids]
    if unknown:
        raise InvalidDecision(f"Not medicines in data version {data_version}: {', '.join(unknown)}")
    if decision not in drug_ids and decision not in DECISIONS_OTHER:
        raise InvalidDecision("The decision must be a medicine, 'undecided' or 'no-medication'.")
    consultation.discussed = sorted(set(discussed))
    consultation.decision = decision
    consultation.next_review = next_review
    consultation.context_note = context_note.strip()[:2000]
    consultation.decided_by = by
    consultation.decided_at = utcnow()
    consultation.data_version = data_version
    session.add(consultation)
    # The audit event names the consultation, never its contents.
    audit.record(
        session,
        by=by,
        action="consultation.decision",
        target=f"consultation/{consultation.id}",
        after={"data_version": data_version},
    )
    return consultation


def purge(session: Session, *, older_than: timedelta, by: str) -> int:
    cutoff = utcnow() - older_than
    result = session.execute(delete(Consultation).where(col(Consultation.created_at) < cutoff))
    count = int(result.rowcount)  # type: ignore[attr-defined]
    audit.record(
        session,
        by=by,
        action="consultation.purge",
        target="consultation/*",
        after={"deleted": count, "older_than_days": older_than.days},
    )
    return count
