"""Ranking medicines against one person's wishes. No login, no personal data."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import LanguageDep, PublishedDep
from app.api.schemas import RankingIn, RankingOut, ranking_out
from app.ranking import RankingRequest, rank

router = APIRouter(prefix="/api/v1", tags=["ranking"])


@router.post("/rankings", response_model=RankingOut)
def create_ranking(body: RankingIn, published: PublishedDep, lang: LanguageDep) -> RankingOut:
    """Every medicine of the published data version, best match first, with reasons."""
    request = RankingRequest(
        avoid=tuple(body.avoid),
        helpful=tuple(body.helpful),
        must_avoid=tuple(body.must_avoid),
        formulations=tuple(body.formulations),
    )
    ranking = rank(published.dataset, request)
    return ranking_out(ranking, published.dataset, published.version, lang)
