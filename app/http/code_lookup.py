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
from app.limits import Count


def open_by_code(request: Request, session: Session, who: Principal, code: str) -> Consultation:
    """The consultation with this code; NotFound for a code that matches nothing, and
    TooManyCodeMisses (429) once the user's misses for this minute are used up.

    Call it from a worker thread: a miss is counted in a short write of its own, since
    a lookup is a read (a GET) whose own transaction must not turn into a write."""
    policy = app_state(request).consultation_limits
    service.refuse_lookup_if_throttled(session, policy, who.user_id)
    try:
        return service.by_code(session, code)
    except NotFound:
        counted = _count_miss(request, who)
        if counted.over:  # other lookups of this user's, in other processes, got there first
            raise service.too_many_misses(counted) from None
        raise


def _count_miss(request: Request, who: Principal) -> Count:
    state = app_state(request)
    with session_scope(state.engine, write=True) as session:
        return service.count_code_miss(
            session, state.consultation_limits, user_id=who.user_id, username=who.username
        )
