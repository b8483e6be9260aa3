"""The ranking: pure functions from a Dataset and a RankingRequest to a Ranking."""

from app.ranking.engine import Exclusion, HelpfulItem, ItemScore, RankedDrug, Ranking, rank
from app.ranking.request import InvalidRequest, RankingRequest, RequestProblem, check_request

__all__ = [
    "Exclusion",
    "HelpfulItem",
    "InvalidRequest",
    "ItemScore",
    "RankedDrug",
    "Ranking",
    "RankingRequest",
    "RequestProblem",
    "check_request",
    "rank",
]
