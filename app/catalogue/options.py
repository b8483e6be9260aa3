"""Reading drugdata/options.yaml: the decision, and every option besides the medicines.

Part of the validation in `validate.py`: problems are collected, nothing is raised, and
nothing half-valid comes out. What is known about an option is never invented: every
statement cites sources, and a number in its words must be one its figure prints, from a
source that says when it was read (drugdata/README.md, "Options").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.catalogue.files import RawFile
from app.catalogue.model import (
    LANGUAGES,
    AboutDecision,
    Finding,
    Option,
    OptionFigure,
    Options,
    Source,
    Text,
)
from app.catalogue.problems import Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: The one number words may give without a figure: the "in 100" of a natural frequency.
DENOMINATOR = "100"
_TOP = {"review_by", "about", "options"}
_ABOUT = {"condition", "decision", "sources", "benefits"}
_OPTION = {"id", "label", "involves", "sources", "known"}
_FINDING = {"text", "sources", "figure"}
_FIGURE = {
    "outcome", "as_printed", "time_frame", "comparator", "population", "source", "per_100", "note",
}  # fmt: skip
_FIGURE_TEXTS = ("outcome", "as_printed", "time_frame", "comparator", "population")


class Say:
    """Collects problems for one file: `say(message)`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def __call__(self, message: str) -> None:
        self.problems.append(Problem(self.path, None, None, message))


def numbers_in(text: str) -> set[str]:
    """The numbers a text gives, with a decimal comma read as a point ("1,44" is "1.44")."""
    return {n.replace(",", ".") for n in NUMBER.findall(text)}


def _text(value: Any, what: str, say: Say) -> Text:
    if not isinstance(value, dict):
        say(f"{what} must give the text in each of {', '.join(LANGUAGES)}")
        return {}
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            say(f"{what} has no '{lang}' text")
        else:
            out[lang] = " ".join(text.split())
    for extra in sorted(set(value) - set(LANGUAGES), key=str):
        say(f"{what} has text in unsupported language '{extra}'")
    return out


def _unexpected(entry: dict[str, Any], allowed: set[str], what: str, say: Say) -> None:
    for key in sorted(set(entry) - allowed, key=str):
        say(f"{what} has an unexpected field '{key}'")


def _source_keys(value: Any, what: str, sources: Mapping[str, Source], say: Say) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        say(f"{what} has no source")
        return ()
    keys = []
    for key in value:
        if not isinstance(key, str) or key not in sources:
            say(f"{what}: source {key!r} has no citation in sources/")
        else:
            keys.append(key)
    return tuple(keys)


def _string(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _figure(
    value: Any, what: str, cited: tuple[str, ...], sources: Mapping[str, Source], say: Say
) -> OptionFigure | None:
    if not isinstance(value, dict):
        say(f"{what}: the figure must be a mapping")
        return None
    _unexpected(value, _FIGURE, f"{what}: the figure", say)
    texts = {key: _string(value, key) for key in _FIGURE_TEXTS}
    for key, text in texts.items():
        if text is None:
            say(f"{what}: the figure needs '{key}' (the number with what it is measured against)")
    source = value.get("source")
    if not isinstance(source, str) or source not in sources:
        say(f"{what}: the figure has no source with a citation in sources/ (it names {source!r})")
        source = None
    elif sources[source].accessed is None:
        say(f"{what}: the figure's source '{source}' must say when it was read ('accessed')")
    elif source not in cited:
        say(f"{what}: the figure's source '{source}' must be one of the statement's sources")
    per_100: tuple[int, int] | None = None
    raw = value.get("per_100")
    if raw is not None:
        if (
            not isinstance(raw, list)
            or len(raw) != 2
            or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100 for n in raw
            )
        ):
            say(f"{what}: per_100 must be [with this option, with the comparator], 0 to 100")
        else:
            per_100 = (raw[0], raw[1])
            printed = numbers_in(texts["as_printed"] or "")
            for n in per_100:
                if str(n) not in printed:
                    say(f"{what}: per_100 gives {n}, which the figure's as_printed does not")
    if None in texts.values() or source is None:
        return None
    return OptionFigure(
        outcome=texts["outcome"] or "",
        as_printed=texts["as_printed"] or "",
        time_frame=texts["time_frame"] or "",
        comparator=texts["comparator"] or "",
        population=texts["population"] or "",
        source=source,
        per_100=per_100,
        note=_string(value, "note"),
    )


def _finding(value: Any, what: str, sources: Mapping[str, Source], say: Say) -> Finding | None:
    if not isinstance(value, dict):
        say(f"{what} must be a mapping with text and sources")
        return None
    before = len(say.problems)
    _unexpected(value, _FINDING, what, say)
    text = _text(value.get("text"), what, say)
    cited = _source_keys(value.get("sources"), what, sources, say)
    given = value.get("figure") is not None
    figure = _figure(value["figure"], what, cited, sources, say) if given else None
    if given and figure is None:  # its problems are reported; its numbers cannot be checked
        return None
    allowed = {DENOMINATOR}
    if figure is not None:
        allowed |= numbers_in(figure.as_printed) | numbers_in(figure.time_frame)
    for lang, words in text.items():
        extra = ", ".join(sorted(numbers_in(words) - allowed))
        if extra and figure is None:
            say(
                f"{what} ({lang}) gives the number {extra} but has no figure: "
                "a number needs a figure with its source"
            )
        elif extra:
            say(f"{what} ({lang}) gives {extra}, which its figure does not print")
        if figure is not None and figure.per_100 is not None:
            for n in figure.per_100:
                if str(n) not in numbers_in(words):
                    say(f"{what} ({lang}) must say the natural frequency {n} in 100")
    if len(say.problems) != before:
        return None
    return Finding(text, cited, figure)


def _findings(
    value: Any, what: str, sources: Mapping[str, Source], say: Say
) -> tuple[Finding, ...]:
    if not isinstance(value, list) or not value:
        say(f"{what} needs at least one statement of what is known")
        return ()
    found = [
        _finding(entry, f"{what}, statement {n}", sources, say) for n, entry in enumerate(value, 1)
    ]
    return tuple(f for f in found if f is not None)


def _date(value: Any, say: Say) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date):
        say("review_by must be a date such as 2027-11-23")
        return date.min
    return value


def validate_options(
    raw: RawFile, sources: Mapping[str, Source], problems: list[Problem]
) -> Options | None:
    """options.yaml as `Options`, or None with every problem added to `problems`."""
    say = Say(raw.path)
    data = raw.data if isinstance(raw.data, dict) else {}
    if not isinstance(raw.data, dict):
        say("must be a mapping with 'review_by', 'about' and 'options'")
    _unexpected(data, _TOP, "the file", say)
    review_by = _date(data.get("review_by"), say)
    about_raw: dict[str, Any] = data["about"] if isinstance(data.get("about"), dict) else {}
    if not about_raw:
        say("'about' must describe the condition and the decision")
    _unexpected(about_raw, _ABOUT, "'about'", say)
    about = AboutDecision(
        condition=_text(about_raw.get("condition"), "about: the condition", say),
        decision=_text(about_raw.get("decision"), "about: the decision", say),
        sources=_source_keys(about_raw.get("sources"), "about", sources, say),
        benefits=_findings(about_raw.get("benefits"), "about: benefits", sources, say),
    )
    options: list[Option] = []
    seen: set[str] = set()
    entries = data.get("options")
    if not isinstance(entries, list) or not entries:
        say("'options' must list at least one option")
        entries = []
    for n, entry in enumerate(entries, start=1):
        entry = entry if isinstance(entry, dict) else {}
        oid = entry.get("id")
        if not isinstance(oid, str) or not SLUG.match(oid) or oid in seen:
            say(f"option {n} needs an id of its own (a lower-case slug)")
            continue
        seen.add(oid)
        what = f"option '{oid}'"
        _unexpected(entry, _OPTION, what, say)
        options.append(
            Option(
                id=oid,
                label=_text(entry.get("label"), f"{what} label", say),
                involves=_text(entry.get("involves"), f"{what}: what it involves", say),
                known=_findings(entry.get("known"), what, sources, say),
                sources=_source_keys(entry["sources"], f"{what}: what it involves", sources, say)
                if "sources" in entry
                else (),
            )
        )
    problems.extend(say.problems)
    if say.problems:
        return None
    return Options(review_by=review_by, about=about, options=tuple(options))
