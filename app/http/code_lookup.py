"""Opening a person's preferences by hand-off code, throttled per staff user: the one
way the API (`GET /api/v1/consultations/by-code/{code}`) and the clinician's page
(`GET /staff/consultations?code=`) both do it, so they share one count (ADR 0011)."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session

from app.accounts.service import Principal
from app.consultations import service
from app.consultations.tables import Consultation
from app.db import session_scope
from app.errors import NotFound
from app.http.state import app_state
from app.http.unit_of_work import unit_writes
from app.limits import Count


def open_by_code(
    request: Request, session: Session, who: Principal, code: str
) -> Consultation | NotFound:
    """The consultation with this code, or the NotFound to answer for a code that
    matches nothing, counted as a miss; TooManyCodeMisses (429) is raised once the user's
    misses for this minute are used up.

    The miss is returned, not raised, so the caller answers it and its unit of work ends
    normally. In a unit that writes (the API's lookup records the read: ADR 0010) the miss
    is counted in that unit, committed with the answer; in a read (the page, which
    redirects to the consultation) it is counted in a short write of its own. Call it
    from a worker thread."""
    policy = app_state(request).consultation_limits
    service.refuse_lookup_if_throttled(session, policy, who.user_id)
    try:
        return service.by_code(session, code)
    except NotFound as miss:
        if unit_writes(request):
            counted = service.count_code_miss(
                session, policy, user_id=who.user_id, username=who.username
            )
        else:
            counted = _count_miss(request, who)
        if counted.over:  # other lookups of this user's, in other processes, got there first
            raise service.too_many_misses(counted) from None
        return miss


def _count_miss(request: Request, who: Principal) -> Count:
    state = app_state(request)
    with session_scope(state.engine, write=True) as session:
        return service.count_code_miss(
            session, state.consultation_limits, user_id=who.user_id, username=who.username
        )
