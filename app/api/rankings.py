"""Ranking medicines against one person's wishes. No login, no personal data."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import Response

from app.api.schemas import RankingIn, RankingOut, problem_responses, ranking_out
from app.http.language import LanguageDep
from app.http.published import Published, PublishedDep
from app.ranking import RankingRequest, rank

router = APIRouter(prefix="/api/v1", tags=["ranking"])


def ranking_json(published: Published, request: RankingRequest, lang: str) -> bytes:
    """The answer as JSON bytes: a pure function of the version, the wishes and the
    language, so it is kept in that version's memo (ADR 0007)."""
    # Built as a RankingOut (so it is checked once, here) and sent as it is: FastAPI would
    # otherwise validate the same model a second time against response_model.
    ranking = rank(published.dataset, request)
    out = ranking_out(ranking, published.dataset, published.version, lang)
    return out.model_dump_json().encode()


@router.post("/rankings", response_model=RankingOut, responses=problem_responses(400, 413))
async def create_ranking(body: RankingIn, published: PublishedDep, lang: LanguageDep) -> Response:
    """Every medicine of the published data version, best match first, with reasons."""
    request = RankingRequest(
        avoid=tuple(body.avoid),
        helpful=tuple(body.helpful),
        must_avoid=tuple(body.must_avoid),
        formulations=tuple(body.formulations),
    )
    key = ("ranking-json", lang, request)
    content = published.memo.peek(key)
    if content is None:  # computed in a worker thread: a few ms of CPU off the event loop
        content = await to_thread.run_sync(
            lambda: published.memo.get(key, lambda: ranking_json(published, request, lang))
        )
    return Response(content, media_type="application/json")
