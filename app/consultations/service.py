"""Creating consultations from the tablet, finding them by code, recording decisions."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import audit
from app.catalogue.model import Dataset
from app.clock import utcnow
from app.consultations.tables import Consultation
from app.consultations.view import DECISIONS_OTHER
from app.errors import DomainError, NotFound
from app.ranking import RankingRequest, check_request

#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and to type on a tablet.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6


class InvalidDecision(DomainError):
    status_code = 422
    code = "invalid_decision"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


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
    active = {
        c
        for c in session.exec(
            select(Consultation.code).where(col(Consultation.code_expires_at) > now)
        ).all()
    }
    code = new_code()
    while code in active:
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
        .where(Consultation.code == code, col(Consultation.code_expires_at) > utcnow())
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
    if next_review is not None and next_review < utcnow().date():
        raise InvalidDecision("The next review date is in the past: give today or a later date.")
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
