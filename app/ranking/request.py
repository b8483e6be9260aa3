"""What a person asks for, and the checks that make it a valid ranking request.

Every message is written for the person or clinician who sent the request: it names
the position and the item, and says what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from app.catalogue.model import FORMULATIONS

MAX_AVOID = 5


@dataclass(frozen=True)
class RankingRequest:
    """Items to avoid in priority order (index 0 = priority 1), and the options."""

    avoid: tuple[str, ...]
    helpful: tuple[str, ...] = ()
    must_avoid: tuple[str, ...] = ()
    formulations: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestProblem:
    field: str
    index: int | None
    message: str


class InvalidRequest(ValueError):
    def __init__(self, problems: list[RequestProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def _not_an_item(value: str, item_ids: Sequence[str]) -> str:
    guess = difflib.get_close_matches(value, item_ids, n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"'{value}' is not a checklist item{hint}"


def check_request(request: RankingRequest, item_ids: Sequence[str]) -> None:
    """Raise InvalidRequest listing every problem with the request, or return None."""
    problems: list[RequestProblem] = []
    known = set(item_ids)

    def add(field: str, index: int | None, message: str) -> None:
        problems.append(RequestProblem(field, index, message))

    if not request.avoid:
        add("avoid", None, "choose at least 1 side effect to avoid")
    if len(request.avoid) > MAX_AVOID:
        add(
            "avoid",
            None,
            f"choose at most {MAX_AVOID} side effects to avoid (there are {len(request.avoid)})",
        )
    first_at: dict[str, int] = {}
    for index, item in enumerate(request.avoid):
        if item not in known:
            add("avoid", index, f"priority {index + 1}: {_not_an_item(item, item_ids)}")
        elif item in first_at:
            add(
                "avoid",
                index,
                f"priority {index + 1} repeats {item} (already priority {first_at[item] + 1})",
            )
        else:
            first_at[item] = index
    seen: set[str] = set()
    for index, item in enumerate(request.helpful):
        if item not in known:
            add("helpful", index, f"helpful: {_not_an_item(item, item_ids)}")
        elif item in seen:
            add("helpful", index, f"helpful lists {item} twice")
        elif item in first_at:
            add("helpful", index, f"{item} cannot be both a side effect to avoid and a helpful one")
        seen.add(item)
    seen = set()
    for index, item in enumerate(request.must_avoid):
        if item in seen:
            add("must_avoid", index, f"must_avoid lists {item} twice")
        elif item not in first_at:
            add(
                "must_avoid",
                index,
                f"must_avoid: '{item}' must also be one of the side effects to avoid",
            )
        seen.add(item)
    seen = set()
    for index, form in enumerate(request.formulations):
        if form not in FORMULATIONS:
            add(
                "formulations",
                index,
                f"'{form}' is not a formulation; choose from {', '.join(FORMULATIONS)}",
            )
        elif form in seen:
            add("formulations", index, f"formulations lists {form} twice")
        seen.add(form)
    if problems:
        raise InvalidRequest(problems)
