"""Ranking medicines against one person's wishes. No login, no personal data."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import LanguageDep, ReadPublishedDep
from app.api.schemas import RankingIn, RankingOut, problem_responses, ranking_out
from app.ranking import RankingRequest, rank

router = APIRouter(prefix="/api/v1", tags=["ranking"])


@router.post("/rankings", response_model=RankingOut, responses=problem_responses(400, 413))
def create_ranking(body: RankingIn, published: ReadPublishedDep, lang: LanguageDep) -> Response:
    """Every medicine of the published data version, best match first, with reasons."""
    request = RankingRequest(
        avoid=tuple(body.avoid),
        helpful=tuple(body.helpful),
        must_avoid=tuple(body.must_avoid),
        formulations=tuple(body.formulations),
    )
    ranking = rank(published.dataset, request)
    # Built as a RankingOut (so it is checked once, here) and sent as it is: FastAPI would
    # otherwise validate the same model a second time against response_model.
    out = ranking_out(ranking, published.dataset, published.version, lang)
    return Response(out.model_dump_json(), media_type="application/json")
