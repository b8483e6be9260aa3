"""Small-number suppression for the service dashboard. Pure: no database, no web.

No count under `THRESHOLD` is shown, and no figure lets anyone work out one person's
answers (docs/adr/0015-feedback-and-service-dashboard.md):

- A **group** is a set of counts that split one total between answers (the decisions
  made; with or without a carer; chose a side effect or not). A count under the
  threshold is suppressed (primary suppression; 0 too, since "none of them" is also
  everyone's answer). While the total is shown and the suppressed counts add up to
  less than the threshold, the smallest count still shown is suppressed as well
  (complementary suppression): so a suppressed count is never recovered by subtracting
  the others from the total, and a count equal to the total (everyone gave the same
  answer) is never shown. A total under the threshold suppresses the whole group.
- A **proportion** is suppressed when its numerator or denominator is, and when the
  numerator equals the denominator and the numerator's category fixes each person's
  answers (everyone gave 9, 9, 9).

Suppressed values are None; callers name them in their `suppressed` list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

THRESHOLD = 5


@dataclass(frozen=True)
class Group:
    """A group after suppression: each count, or None where suppressed; the total too."""

    cells: dict[str, int | None]
    total: int | None

    @property
    def suppressed(self) -> list[str]:
        return [name for name, value in self.cells.items() if value is None]


def count(value: int, threshold: int = THRESHOLD) -> int | None:
    """A count on its own: shown from the threshold up."""
    return value if value >= threshold else None


def group(cells: Mapping[str, int], total: int, threshold: int = THRESHOLD) -> Group:
    """Suppress a group of counts that split `total` (which is shown if it can be)."""
    if sum(cells.values()) != total:
        raise ValueError(f"the counts add up to {sum(cells.values())}, not the total {total}")
    if total < threshold:
        return Group({name: None for name in cells}, None)
    hidden = {name for name, value in cells.items() if value < threshold}
    while hidden and sum(cells[n] for n in hidden) < threshold:
        shown = [name for name in cells if name not in hidden]
        if not shown:
            break
        # The smallest count still shown (the first of equals, in the group's order).
        hidden.add(min(shown, key=lambda name: cells[name]))
    return Group({n: (None if n in hidden else v) for n, v in cells.items()}, total)


def proportion(
    numerator: int | None,
    denominator: int | None,
    *,
    everyone_reveals_answers: bool = True,
    places: int = 3,
) -> float | None:
    """numerator / denominator, rounded, unless either is suppressed (None), the
    denominator is 0, or every one of them is in the numerator and that fixes their
    answers (`everyone_reveals_answers`)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if everyone_reveals_answers and numerator == denominator:
        return None
    return round(numerator / denominator, places)


def guarded_numerator(
    numerator: int, denominator: int | None, *, threshold: int = THRESHOLD
) -> int | None:
    """A proportion's numerator: shown from the threshold up, and never when it is the
    whole denominator (everyone in it: each one's answer would be known)."""
    if denominator is None or numerator < threshold or numerator == denominator:
        return None
    return numerator
