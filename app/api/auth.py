"""Bearer tokens for API clients: OAuth2 password form (plus `totp` where required)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.accounts.service import login, logout
from app.api.schemas import problem_responses
from app.http.auth import MaybePrincipal, NotAuthenticated, client_address, get_policy
from app.http.unit_of_work import SessionDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


@router.post("/token", response_model=TokenOut, responses=problem_responses(400, 401, 413, 429))
def issue_token(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    totp: Annotated[str | None, Form(max_length=16)] = None,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenOut | JSONResponse:
    policy = get_policy(request)
    outcome = login(
        session,
        username=username,
        password=password,
        totp=totp,
        client=client_address(request),
        kind="api",
        policy=policy,
    )
    if outcome.error is not None:
        # Returned, not raised: the failed attempt must be committed to count.
        return JSONResponse(
            {"detail": outcome.error.message},
            status_code=outcome.error.status_code,
            headers={"WWW-Authenticate": "Bearer", **outcome.error.headers},
        )
    assert outcome.secret is not None
    return TokenOut(
        access_token=outcome.secret, expires_in=int(policy.api_lifetime.total_seconds())
    )


@router.post("/revoke", status_code=204, responses=problem_responses(401))
def revoke_token(session: SessionDep, principal: MaybePrincipal) -> Response:
    """End the token (or session) this request came with, at once, in every process."""
    if principal is None:
        raise NotAuthenticated()
    logout(session, principal)
    return Response(status_code=204)
