"""What the person says about medicines taken before, and a carer's own view: the checks
that make them valid, and their stored form (JSON on the consultation row).

Every message names the field and says what to change. Nothing here imports the web or
the database; the tablet, the API and the service all use it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.ranking import RequestProblem
from app.ranking.past import BOTHER, HELPED, PastEffect, PastMedicine
from app.ranking.request import MAX_AVOID

#: At most this many medicines taken before, each once.
MAX_PAST_MEDICINES = 10
#: "Why I stopped", in the person's words.
STOPPED_MAX = 500
#: What matters to the carer, in their words (as long as the person's may be).
CARER_WORDS_MAX = 2000


@dataclass(frozen=True)
class CarerView:
    """A carer's own five side effects to avoid (priority 1 first) and what matters to
    them. Stored only with the person's agreement (`consented`)."""

    consented: bool = False
    avoid: tuple[str, ...] = ()
    what_matters: str = ""

    @property
    def given(self) -> bool:
        return bool(self.avoid or self.what_matters.strip())


#: No carer's view: the default everywhere.
NO_CARER = CarerView()


def _guess(value: str, known: Iterable[str], what: str) -> str:
    guess = difflib.get_close_matches(value, list(known), n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"'{value}' is not {what}{hint}"


def past_problems(
    past: Sequence[PastMedicine], drug_ids: Sequence[str], item_ids: Sequence[str]
) -> list[RequestProblem]:
    """Every problem with the medicines taken before (none: an empty list)."""
    problems: list[RequestProblem] = []

    def add(index: int | None, message: str) -> None:
        problems.append(RequestProblem("past_medicines", index, message))

    if len(past) > MAX_PAST_MEDICINES:
        add(
            None,
            f"give at most {MAX_PAST_MEDICINES} medicines taken before (there are {len(past)})",
        )
    drugs, items = set(drug_ids), set(item_ids)
    seen: set[str] = set()
    for index, medicine in enumerate(past):
        where = f"past_medicines {index + 1}"
        if medicine.drug not in drugs:
            add(index, f"{where}: {_guess(medicine.drug, drug_ids, 'a medicine')}")
        elif medicine.drug in seen:
            add(index, f"{where}: {medicine.drug} is listed twice; give each medicine once")
        seen.add(medicine.drug)
        if medicine.helped not in HELPED:
            add(index, f"{where}: helped must be one of {', '.join(HELPED)}")
        if len(medicine.side_effects) > len(items):
            add(index, f"{where}: give at most {len(items)} side effects")
        had: set[str] = set()
        for effect in medicine.side_effects:
            if effect.side_effect not in items:
                add(index, f"{where}: {_guess(effect.side_effect, item_ids, 'a checklist item')}")
            elif effect.side_effect in had:
                add(index, f"{where}: {effect.side_effect} is listed twice; give it once")
            had.add(effect.side_effect)
            if effect.bother not in BOTHER:
                add(
                    index,
                    f"{where}: bother for {effect.side_effect} must be 1 (a little) or 2 "
                    f"(a lot), not {effect.bother}",
                )
        if len(medicine.stopped_because) > STOPPED_MAX:
            add(
                index,
                f"{where}: stopped_because has {len(medicine.stopped_because)} characters; "
                f"shorten it to {STOPPED_MAX}",
            )
    return problems


def carer_problems(carer: CarerView, item_ids: Sequence[str]) -> list[RequestProblem]:
    """Every problem with the carer's view. Without the person's agreement a carer's
    answers are refused, not dropped: the sender learns they were not stored."""
    problems: list[RequestProblem] = []

    def add(index: int | None, message: str) -> None:
        problems.append(RequestProblem("carer", index, message))

    if not carer.consented and carer.given:
        add(
            None,
            "carer: the person has not agreed to a carer's view (consented is false), so "
            "send no avoid list or what_matters for the carer",
        )
        return problems
    if len(carer.avoid) > MAX_AVOID:
        add(
            None,
            f"carer: choose at most {MAX_AVOID} side effects to avoid "
            + f"(there are {len(carer.avoid)})",
        )
    known = set(item_ids)
    seen: set[str] = set()
    for index, item in enumerate(carer.avoid):
        if item not in known:
            add(index, f"carer priority {index + 1}: {_guess(item, item_ids, 'a checklist item')}")
        elif item in seen:
            add(index, f"carer priority {index + 1} repeats {item}")
        seen.add(item)
    if len(carer.what_matters) > CARER_WORDS_MAX:
        add(None, f"carer: what_matters is longer than {CARER_WORDS_MAX} characters; shorten it")
    return problems


# --- stored form: JSON on the consultation row ----------------------------------------


def past_to_json(past: Sequence[PastMedicine]) -> list[dict[str, Any]]:
    return [
        {
            "drug": p.drug,
            "helped": p.helped,
            "side_effects": [{"id": e.side_effect, "bother": e.bother} for e in p.side_effects],
            "stopped_because": p.stopped_because,
        }
        for p in past
    ]


def past_from_json(rows: Any) -> tuple[PastMedicine, ...]:
    """The stored list back (anything malformed is left out: it was checked on the way in)."""
    if not isinstance(rows, list):
        return ()
    past = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        effects = row.get("side_effects")
        past.append(
            PastMedicine(
                drug=str(row.get("drug", "")),
                helped=str(row.get("helped", "unsure")),
                side_effects=tuple(
                    PastEffect(str(e.get("id", "")), int(e.get("bother", 0)))
                    for e in (effects if isinstance(effects, list) else [])
                    if isinstance(e, dict)
                ),
                stopped_because=str(row.get("stopped_because", "")),
            )
        )
    return tuple(past)


@dataclass(frozen=True)
class Difference:
    """Where the carer's list differs from the person's: items only one of them chose,
    and items both chose at different priorities (item, person's, carer's)."""

    only_person: tuple[str, ...]
    only_carer: tuple[str, ...]
    moved: tuple[tuple[str, int, int], ...]

    @property
    def none(self) -> bool:
        return not (self.only_person or self.only_carer or self.moved)


def difference(person: Sequence[str], carer: Sequence[str]) -> Difference:
    return Difference(
        only_person=tuple(i for i in person if i not in carer),
        only_carer=tuple(i for i in carer if i not in person),
        moved=tuple(
            (i, n, carer.index(i) + 1)
            for n, i in enumerate(person, start=1)
            if i in carer and carer.index(i) + 1 != n
        ),
    )
