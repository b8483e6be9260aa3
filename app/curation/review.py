"""Reviewing a draft: who may approve it (four eyes).

Pure: no database. `app.curation.drafts` reads the draft's edits and calls these."""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import DomainError
from app.translations import N_


class SelfApproval(DomainError):
    status_code = 403
    code = "self_approval"

    def __init__(self) -> None:
        super().__init__(
            N_("A pharmacist who did not open, change or submit this draft must approve it.")
        )


def involved(
    *, created_by: str, submitted_by: str | None, editors: Iterable[str]
) -> frozenset[str]:
    """Everyone who changed the draft: its creator, its submitter and every editor."""
    return frozenset({created_by, *editors} | ({submitted_by} if submitted_by else set()))


def check_approver(approver: str, people: frozenset[str]) -> None:
    """Four eyes: the approver must be none of the people who changed the draft."""
    if approver in people:
        raise SelfApproval()
