"""CollaboRATE: the person's three answers about the consultation, checked and scored.

Pure: no database, no web. CollaboRATE (Elwyn G et al., Patient Educ Couns
2013;93(1):102-7; psychometrics and scoring: Barr PJ et al., J Med Internet Res
2014;16(1):e2) asks three questions, each answered on a 0-9 scale from "no effort was
made" to "every effort was made". Its published "top score" counts a consultation
when all three answers are 9 (docs/adr/0015-feedback-and-service-dashboard.md).

The English questions are the published wording; the Norwegian ones are this project's
own translation (no published Norwegian version was found), not a validated one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.translations import N_

SCALE = range(0, 10)
TOP = 9
#: The keys the three answers are stored under, in the questionnaire's order.
KEYS = ("understand", "listen", "include")
#: The questions, in the questionnaire's order (English msgids; pages translate them).
QUESTIONS = (
    N_("How much effort was made to help you understand your health issues?"),
    N_(
        "How much effort was made to listen to the things that matter most to you about "
        "your health issues?"
    ),
    N_("How much effort was made to include what matters most to you in choosing what to do next?"),
)
LOWEST = N_("No effort was made")
HIGHEST = N_("Every effort was made")
#: The optional comment's limit, in characters.
COMMENT_MAX = 1000


@dataclass(frozen=True)
class Problem:
    """What is wrong with the feedback: a msgid, the question it is about (1-3, or 0
    for the feedback as a whole) and the values to format it with."""

    message: str
    question: int = 0
    params: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.message.format(**dict(self.params))


@dataclass(frozen=True)
class Answers:
    understand: int
    listen: int
    include: int

    @property
    def top_score(self) -> bool:
        """All three answers are 9: CollaboRATE's top score."""
        return self.understand == self.listen == self.include == TOP


MISSING = N_("Choose a number from 0 to 9 for question {n}.")
OUT_OF_RANGE = N_("The answer to question {n} must be a number from 0 to 9.")
WRONG_COUNT = N_("Give three answers, one for each question (there were {count}).")
COMMENT_TOO_LONG = N_(
    "The comment is {length} characters long; it can be at most {max} characters."
)


def problems(answers: Sequence[object], comment: str = "") -> list[Problem]:
    """Every problem with three answers and a comment; [] if they may be stored.

    An answer is a whole number from 0 to 9 (not a bool, not a float); a form's empty
    answer is None."""
    found: list[Problem] = []
    if len(answers) != len(QUESTIONS):
        found.append(Problem(WRONG_COUNT, 0, (("count", len(answers)),)))
    else:
        for n, value in enumerate(answers, start=1):
            if value is None or value == "":
                found.append(Problem(MISSING, n, (("n", n),)))
            elif isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
                found.append(Problem(OUT_OF_RANGE, n, (("n", n),)))
    if len(comment) > COMMENT_MAX:
        found.append(Problem(COMMENT_TOO_LONG, 0, (("length", len(comment)), ("max", COMMENT_MAX))))
    return found


def answers_from(values: Sequence[int]) -> Answers:
    """Three checked answers (call `problems` first)."""
    understand, listen, include = values
    return Answers(understand, listen, include)


def parse_form_answer(raw: str | None) -> int | str | None:
    """A form's answer: the number if it is one, else the text as sent (so it is
    reported as out of range), None when nothing was chosen."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) <= 2 else text
