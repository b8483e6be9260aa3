"""Follow-ups linked to the decision: a clinician issues a code at the review, the person
reports on the tablet with it, staff read the reports (docs/adr/0014-follow-ups.md).

Codes are made and expire as hand-off codes do (`service.new_code`, SDM_CODE_TTL_MINUTES)
and work once: the report claims its code with one conditional UPDATE, so of two
reports sent with one code exactly one is stored. The rules for what a report holds are
in `app/consultations/follow_up.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.catalogue.model import Dataset
from app.clock import utcnow
from app.consultations.follow_up import UNKNOWN_CODE, check_report
from app.consultations.service import Record, code_in_use, new_code, normalise_code
from app.consultations.tables import FollowUp, FollowUpCode
from app.errors import NotFound
from app.ranking import InvalidRequest


def _live(code: str, now: datetime):  # type: ignore[no-untyped-def]
    """This code, not expired, not used: the index (code, expires_at) answers the first two."""
    return (
        col(FollowUpCode.code) == code,
        col(FollowUpCode.expires_at) > now,
        col(FollowUpCode.used_at).is_(None),
    )


def _taken(session: Session, code: str, now: datetime) -> bool:
    """In use as a hand-off code or as an unexpired follow-up code."""
    if code_in_use(session, code, now):
        return True
    found = session.exec(
        select(FollowUpCode.id)
        .where(col(FollowUpCode.code) == code, col(FollowUpCode.expires_at) > now)
        .limit(1)
    ).first()
    return found is not None


def issue_code(session: Session, record: Record, *, by: str, ttl: timedelta) -> FollowUpCode:
    """A follow-up code for the consultation, valid for `ttl` and usable once. The audit
    event names the consultation and when the code expires, never the code."""
    now = utcnow()
    code = new_code()
    while _taken(session, code, now):
        code = new_code()
    issued = FollowUpCode(
        consultation_id=record.consultation.id,
        code=code,
        issued_by=by,
        issued_at=now,
        expires_at=now + ttl,
    )
    session.add(issued)
    session.flush()
    audit.record(
        session,
        by=by,
        action="consultation.follow_up_code",
        target=f"consultation/{record.consultation.id}",
        after={"expires_at": issued.expires_at.isoformat()},
    )
    return issued


def live_code(session: Session, code: str) -> FollowUpCode:
    """The follow-up code, if it may still be used; else NotFound with one message for
    codes never issued, expired and used alike."""
    found = session.exec(select(FollowUpCode).where(*_live(normalise_code(code), utcnow()))).first()
    if found is None:
        raise NotFound(UNKNOWN_CODE)
    return found


def submit(
    session: Session,
    dataset: Dataset,
    *,
    data_version: int,
    code: str,
    drug: str,
    bother: dict[str, int],
) -> FollowUp:
    """Store a report made with a live code and use the code up, in the caller's
    transaction. A code that is not live: NotFound (404). A report that is not valid:
    InvalidRequest (422), nothing stored and the code still usable."""
    issued = live_code(session, code)
    problems = check_report(
        drug, bother, drug_ids={d.id for d in dataset.drugs}, item_ids=dataset.item_ids
    )
    if problems:
        raise InvalidRequest(problems)
    now = utcnow()
    claimed = session.execute(
        update(FollowUpCode)
        .where(col(FollowUpCode.id) == issued.id, *_live(issued.code, now))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(UNKNOWN_CODE)  # another report took it first
    order = {item: n for n, item in enumerate(dataset.item_ids)}
    report = FollowUp(
        consultation_id=issued.consultation_id,
        created_at=now,
        drug=drug,
        bother={item: bother[item] for item in sorted(bother, key=order.__getitem__)},
        data_version=data_version,
    )
    session.add(report)
    session.flush()
    return report


def of_consultation(session: Session, consultation_id: str) -> list[FollowUp]:
    """The consultation's follow-ups, oldest first."""
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.consultation_id == consultation_id)
            .order_by(col(FollowUp.created_at), col(FollowUp.id))
        ).all()
    )
