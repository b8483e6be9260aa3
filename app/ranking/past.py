"""Past experience of a medicine, as the person reports it, and the flag it puts on
that medicine in a ranking.

The rule (docs/ranking.md, "Past experience"): past experience never changes a score
or an order. Each medicine the person has taken before is marked with what they said
(did it help; the side effects they had and how much each bothered them), and a side
effect they had "a lot" on it is flagged on that medicine whatever its rating in the
data. The clinician can leave the marks out (`include=False`); the ranking is the
same either way. Pure: no storage, no web.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Did the medicine help? As the tablet and the API say it.
HELPED = ("yes", "no", "unsure")
#: How much a side effect bothered the person: 1 a little, 2 a lot.
A_LITTLE, A_LOT = 1, 2
BOTHER = (A_LITTLE, A_LOT)


@dataclass(frozen=True)
class PastEffect:
    side_effect: str
    bother: int


@dataclass(frozen=True)
class PastMedicine:
    """One medicine the person has taken before, in their words."""

    drug: str
    helped: str
    side_effects: tuple[PastEffect, ...] = ()
    stopped_because: str = ""

    @property
    def a_lot(self) -> tuple[str, ...]:
        """The side effects the person had "a lot" on it, in the order they gave them."""
        return tuple(e.side_effect for e in self.side_effects if e.bother == A_LOT)

    def bother(self, side_effect: str) -> int | None:
        """How much `side_effect` bothered the person on it (None: not had)."""
        return next((e.bother for e in self.side_effects if e.side_effect == side_effect), None)


def past_flags(past: Sequence[PastMedicine], *, include: bool = True) -> dict[str, PastMedicine]:
    """The mark for each medicine taken before, by drug id ({} when left out)."""
    if not include:
        return {}
    return {p.drug: p for p in past}
