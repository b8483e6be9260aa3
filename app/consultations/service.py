"""Creating consultations from the tablet, finding them by code, recording decisions;
and the limits on both that keep one client (or one staff user) from flooding them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from app import audit, limits
from app.catalogue.model import Dataset
from app.clock import as_utc, utcnow
from app.config import Settings
from app.consultations import experience
from app.consultations.experience import NO_CARER, CarerView
from app.consultations.tables import (
    READ_VIEWS,
    Consultation,
    ConsultationFeedback,
    ConsultationRead,
    DecisionVersion,
    FollowUp,
    FollowUpCode,
)
from app.consultations.view import DECISIONS_OTHER
from app.errors import DomainError, NotFound
from app.limits import Count, Limit, RateLimited
from app.ranking import InvalidRequest, RankingRequest, RequestProblem, check_request
from app.ranking.past import PastMedicine
from app.translations import N_

#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and to type on a tablet.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6
#: The feedback code printed on the sheet: longer than the hand-off code, never confused.
FEEDBACK_CODE_LENGTH = 8


#: Why a consultation can no longer be opened (English msgids: pages translate them).
CODE_EXPIRED = N_(
    "The hand-off code of this consultation expired before a decision was recorded, so it "
    "can no longer be opened. The person can fill in the tablet again."
)
PAST_RETENTION = N_(
    "This consultation is older than the service keeps consultations, so it can no longer "
    "be opened."
)
PURGED = N_("This consultation was deleted at the end of the time the service keeps them.")
AMENDMENT_NEEDS_REASON = N_("Give the reason for the amendment.")


class InvalidDecision(DomainError):
    status_code = 422
    code = "invalid_decision"


class Gone(DomainError):
    """The consultation existed but may no longer be opened (README, "The consultation")."""

    status_code = 410
    code = "gone"


class DecisionChanged(DomainError):
    """Someone recorded a newer version than the one the amendment was made from."""

    status_code = 409
    code = "decision_changed"

    def __init__(self, newest: int) -> None:
        self.newest = newest
        super().__init__(
            f"Version {newest} of the decision was recorded meanwhile; read it, then amend."
        )


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


def new_feedback_code(session: Session) -> str:
    """A feedback code (for the sheet's "tell us how it went") that no consultation has."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(FEEDBACK_CODE_LENGTH))
        taken = session.exec(
            select(Consultation.id).where(col(Consultation.feedback_code) == code).limit(1)
        ).first()
        if taken is None:
            return code


def code_in_use(session: Session, code: str, now: datetime) -> bool:
    taken = session.exec(select(Consultation.id).where(*_active(code, now)).limit(1)).first()
    return taken is not None


@dataclass(frozen=True)
class Recent:
    """A consultation as staff find it without its code: when and on which tablet."""

    id: str
    created_at: datetime
    tablet: str


def recent(session: Session, *, within: timedelta, limit: int = 50) -> list[Recent]:
    """The consultations made in the last `within`, newest first: no preferences, only
    the time and the tablet's name (opening one records the read, as by code)."""
    since = utcnow() - within
    rows = session.exec(
        select(Consultation.id, Consultation.created_at, Consultation.tablet)
        .where(col(Consultation.created_at) >= since)
        .order_by(col(Consultation.created_at).desc())
        .limit(limit)
    ).all()
    return [Recent(id=i, created_at=as_utc(at), tablet=tablet) for i, at, tablet in rows]


def normalise_code(code: str) -> str:
    """What a person types: spaces and case don't matter."""
    return "".join(code.split()).upper()[:CODE_LENGTH]


def option_problems(options: Sequence[str], dataset: Dataset) -> list[RequestProblem]:
    """Each option id that the data version does not hold, or that is given twice."""
    known = dataset.option_ids
    problems = []
    seen: set[str] = set()
    for index, option in enumerate(options):
        if option not in known:
            choose = ", ".join(known) if known else "none: this data version holds no options"
            message = f"'{option}' is not an option; the options are {choose}"
            problems.append(RequestProblem("options", index, message))
        elif option in seen:
            problems.append(RequestProblem("options", index, f"options lists {option} twice"))
        seen.add(option)
    return problems


def create(
    session: Session,
    dataset: Dataset,
    *,
    request: RankingRequest,
    lang: str,
    with_carer: bool,
    what_matters: str,
    code_ttl: timedelta,
    options: Sequence[str] = (),
    tablet: str = "",
    past: Sequence[PastMedicine] = (),
    carer: CarerView = NO_CARER,
) -> Consultation:
    """Store a tablet submission. The request is checked exactly as a ranking request;
    `options` are ids of the data version's options (the ones to talk about); `tablet`
    is the name of the tablet it came from (a place, never a person), or "". `past`
    are the medicines taken before; `carer` a carer's own view, refused (422) unless
    the person agreed to it. Any problem anywhere: nothing is stored."""
    drug_ids = [d.id for d in dataset.drugs]
    problems = (
        option_problems(options, dataset)
        + experience.past_problems(past, drug_ids, dataset.item_ids)
        + experience.carer_problems(carer, dataset.item_ids)
    )
    try:
        check_request(request, dataset.item_ids)
    except InvalidRequest as exc:
        problems = exc.problems + problems
    if problems:
        raise InvalidRequest(problems)
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
        options=list(options),
        tablet=tablet[:40],
        feedback_code=new_feedback_code(session),
        past_medicines=experience.past_to_json(past),
        carer_consented=carer.consented,
        carer_avoid=list(carer.avoid) if carer.consented else [],
        carer_what_matters=carer.what_matters.strip() if carer.consented else "",
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


@dataclass(frozen=True)
class Record:
    """A consultation with every version of its decision, oldest first."""

    consultation: Consultation
    versions: tuple[DecisionVersion, ...]

    @property
    def latest(self) -> DecisionVersion | None:
        """The decision as it stands: the newest version."""
        return self.versions[-1] if self.versions else None


def versions(session: Session, consultation_id: str) -> tuple[DecisionVersion, ...]:
    return tuple(
        session.exec(
            select(DecisionVersion)
            .where(DecisionVersion.consultation_id == consultation_id)
            .order_by(col(DecisionVersion.version))
        ).all()
    )


def unavailable(record: Record, *, now: datetime, retention: timedelta | None) -> str | None:
    """Why the consultation may no longer be opened (an English msgid), or None.

    The rule the README states: a consultation opens by id while its hand-off code is
    valid; once a decision is recorded it stays open after the code expires; nothing
    opens once it is older than the retention period (SDM_RETENTION_DAYS, if set)."""
    consultation = record.consultation
    if retention is not None and as_utc(consultation.created_at) <= now - retention:
        return PAST_RETENTION
    if as_utc(consultation.code_expires_at) <= now and record.latest is None:
        return CODE_EXPIRED
    return None


def open_record(session: Session, consultation_id: str, *, retention: timedelta | None) -> Record:
    """A consultation by id, for staff, if the rules let it be opened: else `Gone`
    (410) with the reason, or `NotFound` (404) for an id never seen."""
    consultation_id = consultation_id[:32]
    # The consultation and its decision's versions in one statement: the busiest staff
    # pages open one on every request, and each ORM statement costs more than its query.
    rows = session.exec(
        select(Consultation, DecisionVersion)
        .outerjoin(DecisionVersion, col(DecisionVersion.consultation_id) == Consultation.id)
        .where(Consultation.id == consultation_id)
        .order_by(col(DecisionVersion.version))
    ).all()
    if not rows:
        # A purged consultation leaves its read records behind: those say it existed.
        read_before = session.exec(
            select(ConsultationRead.id)
            .where(ConsultationRead.consultation_id == consultation_id)
            .limit(1)
        ).first()
        if read_before is not None:
            raise Gone(PURGED)
        raise NotFound("There is no such consultation.")
    record = Record(rows[0][0], tuple(version for _, version in rows if version is not None))
    reason = unavailable(record, now=utcnow(), retention=retention)
    if reason is not None:
        raise Gone(reason)
    return record


def record_read(session: Session, consultation: Consultation, *, by: str, view: str) -> None:
    """A staff member read the consultation, in the caller's unit of work (which must be
    a writing one: app/http/unit_of_work.py `writing_unit`)."""
    if view not in READ_VIEWS:
        raise ValueError(f"unknown view {view!r}")
    # One INSERT on the unit's connection, no ORM object and no ORM bulk path: the
    # busiest staff pages make it on every request, and the ORM's flush cost more than
    # the page's rendering (docs/performance.md).
    session.connection().execute(
        RECORD_READ,
        {"consultation_id": consultation.id, "read_by": by, "read_at": utcnow(), "view": view},
    )


#: Built once: a statement made per call is compiled (or looked up) again each time.
RECORD_READ = insert(ConsultationRead)


def reads(
    session: Session,
    *,
    consultation_id: str | None = None,
    limit: int = 500,
    before_id: int | None = None,
) -> list[ConsultationRead]:
    """Newest first; of one consultation if `consultation_id` is given."""
    query = select(ConsultationRead)
    if consultation_id:
        query = query.where(ConsultationRead.consultation_id == consultation_id[:32])
    if before_id is not None:
        query = query.where(col(ConsultationRead.id) < before_id)
    return list(session.exec(query.order_by(col(ConsultationRead.id).desc()).limit(limit)).all())


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
    record: Record,
    dataset: Dataset,
    *,
    data_version: int,
    discussed: list[str],
    decision: str,
    next_review: date | None,
    context_note: str,
    by: str,
    reason: str = "",
    amends: int | None = None,
) -> DecisionVersion:
    """Record the discussion as a new version; earlier versions are never changed.

    The first recording may give a reason; an amendment must. `amends`, if given, is
    the version the clinician was looking at: if a colleague has recorded another since,
    nothing is written (409), so no one supersedes a version they have not seen."""
    consultation = record.consultation
    drug_ids = {d.id for d in dataset.drugs}
    unknown = [d for d in discussed if d not in drug_ids]
    if unknown:
        raise InvalidDecision(f"Not medicines in data version {data_version}: {', '.join(unknown)}")
    if decision not in drug_ids and decision not in DECISIONS_OTHER:
        raise InvalidDecision("The decision must be a medicine, 'undecided' or 'no-medication'.")
    if next_review is not None and next_review < utcnow().date():
        raise InvalidDecision("The next review date is in the past: give today or a later date.")
    reason = reason.strip()[:2000]
    # Amendments one at a time: on PostgreSQL the consultation row is locked (to commit)
    # before the newest version is read; SQLite's writer is single already.
    session.exec(
        select(Consultation.id).where(Consultation.id == consultation.id).with_for_update()
    ).one()
    current = versions(session, consultation.id)
    newest = current[-1].version if current else 0
    if amends is not None and amends != newest:
        raise DecisionChanged(newest)
    if newest and not reason:
        raise InvalidDecision(AMENDMENT_NEEDS_REASON)
    version = DecisionVersion(
        consultation_id=consultation.id,
        version=newest + 1,
        discussed=sorted(set(discussed)),
        decision=decision,
        next_review=next_review,
        context_note=context_note.strip()[:2000],
        data_version=data_version,
        recorded_by=by,
        recorded_at=utcnow(),
        reason=reason,
    )
    session.add(version)
    session.flush()
    # The audit event names the consultation and the version, never their contents.
    audit.record(
        session,
        by=by,
        action="consultation.decision" if newest == 0 else "consultation.decision.amend",
        target=f"consultation/{consultation.id}",
        before={"version": newest} if newest else None,
        after={"version": version.version, "data_version": data_version},
    )
    return version


def purge(session: Session, *, older_than: timedelta, by: str) -> int:
    """Delete the consultations older than `older_than`, with their decision versions and
    follow-ups (which the database lets go only once their consultation is gone), the
    follow-up codes and the person's feedback on them. Read records
    stay: they hold nothing of what the person said, and say the consultation existed."""
    cutoff = utcnow() - older_than
    result = session.execute(delete(Consultation).where(col(Consultation.created_at) < cutoff))
    count = int(result.rowcount)  # type: ignore[attr-defined]
    session.execute(
        delete(DecisionVersion).where(
            col(DecisionVersion.consultation_id).not_in(select(Consultation.id))
        )
    )
    session.execute(
        delete(ConsultationFeedback).where(
            col(ConsultationFeedback.consultation_id).not_in(select(Consultation.id))
        )
    )
    # Follow-ups and their codes go with their consultation (ADR 0014).
    session.execute(
        delete(FollowUp).where(col(FollowUp.consultation_id).not_in(select(Consultation.id)))
    )
    session.execute(
        delete(FollowUpCode).where(
            col(FollowUpCode.consultation_id).not_in(select(Consultation.id))
        )
    )
    audit.record(
        session,
        by=by,
        action="consultation.purge",
        target="consultation/*",
        after={"deleted": count, "older_than_days": older_than.days},
    )
    return count
