"""Reading a drug's published figures and safety notes from their raw YAML.

Part of the validation in `validate.py`: problems go to `report`, nothing is raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from app.catalogue.model import LANGUAGES, PROPORTION, Figure, FigureWords, SafetyFlag, Text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
Report = Callable[[str, str | None], None]
TextReader = Callable[[Any, str, Report, str | None], Text]

#: Measures a figure may give, and the checklist item each one informs.
MEASURES: Mapping[str, str] = {
    "weight": "weight-gain",
    "bmi": "weight-gain",
    "total-cholesterol": "high-cholesterol",
    "ldl": "high-cholesterol",
    "hdl": "high-cholesterol",
    "triglycerides": "high-cholesterol",
    "glucose": "high-blood-sugar",
    "prolactin": "periods-stopping",
    "qtc": "heart-problems",
    "sedation": "daytime-sleepiness",
    "akathisia": "restlessness",
    "antiparkinson": "stiff-muscles",
}
EFFECTS = (
    "mean difference", "standardised mean difference", "odds ratio", "risk ratio", PROPORTION,
)  # fmt: skip
_FIGURE_FIELDS = {
    "measure", "side_effect", "effect", "value", "interval", "unit", "comparator",
    "time_frame", "population", "source", "as_printed", "note", "comparator_value", "words",
}  # fmt: skip
_WORDS_FIELDS = {"comparator", "time_frame", "outcome"}
_PRINTED_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _string(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def printed_numbers(text: str) -> set[float]:
    """The numbers in a quotation, whatever the source's decimal mark and minus sign."""
    plain = text.replace("·", ".").replace("−", "-").replace("–", " ")
    plain = re.sub(r"(?<=\d),(?=\d)", ".", plain)
    return {float(n) for n in _PRINTED_NUMBER.findall(plain)}


def _words(raw: Any, where: str, proportion: bool, report: Report) -> dict[str, FigureWords]:
    """A figure's plain words per language: every language, or none at all."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        report(f"{where}: words must give, per language, comparator and time_frame", None)
        return {}
    out: dict[str, FigureWords] = {}
    for lang in LANGUAGES:
        entry = raw.get(lang)
        if not isinstance(entry, dict):
            report(f"{where}: words have no '{lang}' entry", None)
            continue
        for key in sorted(set(entry) - _WORDS_FIELDS, key=str):
            report(f"{where}: words in '{lang}' have an unexpected field '{key}'", None)
        texts = {k: _string(entry, k) for k in sorted(_WORDS_FIELDS)}
        needed = (
            ("comparator", "time_frame", "outcome") if proportion else ("comparator", "time_frame")
        )
        missing = [k for k in needed if texts[k] is None]
        if missing:
            report(f"{where}: words in '{lang}' need {', '.join(missing)}", None)
            continue
        out[lang] = FigureWords(
            texts["comparator"] or "", texts["time_frame"] or "", texts["outcome"]
        )
    for extra in sorted(set(raw) - set(LANGUAGES), key=str):
        report(f"{where}: words in unsupported language '{extra}'", None)
    return out if len(out) == len(LANGUAGES) else {}


def _proportion_problems(
    where: str, value: float | None, other: float | None, unit: str | None, printed: str | None
) -> list[str]:
    """A proportion is a share of people in per cent, each number as the source prints it."""
    found = []
    if unit != "%":
        found.append(f"{where}: a proportion's unit must be '%'")
    numbers = printed_numbers(printed or "")
    for name, number in (("value", value), ("comparator_value", other)):
        if number is None:
            continue
        if not 0 <= number <= 100:
            found.append(f"{where}: a proportion's {name} must be a per cent from 0 to 100")
        if printed is not None and number not in numbers:
            found.append(
                f"{where}: the {name} {number:g} is not in as_printed "
                "(print only what the source prints)"
            )
    return found


def figures(data: Any, sources: Mapping[str, object], report: Report) -> tuple[Figure, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        report("figures must be a list", None)
        return ()
    out: list[Figure] = []
    for n, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            report(f"figure {n} must be a mapping", None)
            continue
        where = f"figure {n}"
        for key in sorted(set(entry) - _FIGURE_FIELDS, key=str):
            report(f"{where} has an unexpected field '{key}'", None)
        measure, effect = entry.get("measure"), entry.get("effect")
        if not isinstance(measure, str) or measure not in MEASURES:
            report(f"{where}: measure {measure!r} is not one of {', '.join(MEASURES)}", None)
            continue
        item = entry.get("side_effect", MEASURES[measure])
        if effect not in EFFECTS:
            report(f"{where}: effect {effect!r} is not one of {', '.join(EFFECTS)}", None)
        value = _number(entry.get("value"))
        if value is None:
            report(f"{where}: value must be the number the source prints", None)
        interval_raw = entry.get("interval")
        interval: tuple[float, float] | None = None
        if interval_raw is not None:
            bounds = [_number(v) for v in interval_raw] if isinstance(interval_raw, list) else []
            if len(bounds) != 2 or None in bounds:
                report(f"{where}: interval must be [low, high]", None)
            else:
                low, high = bounds
                assert low is not None and high is not None
                if not low <= (value if value is not None else low) <= high:
                    report(f"{where}: the value lies outside its interval", None)
                interval = (low, high)
        texts = {k: _string(entry, k) for k in ("comparator", "time_frame", "population")}
        for key, text in texts.items():
            if text is None:
                report(f"{where}: '{key}' is required (what the number is measured against)", None)
        printed = _string(entry, "as_printed")
        if printed is None:
            report(f"{where}: 'as_printed' must quote the number as the source prints it", None)
        source = entry.get("source")
        if source not in sources:
            report(f"{where}: source {source!r} has no citation in sources/", None)
        proportion = effect == PROPORTION
        other_raw = entry.get("comparator_value")
        other = _number(other_raw)
        if other_raw is not None and (other is None or not proportion):
            report(f"{where}: comparator_value is a proportion's number for the comparator", None)
        unit = _string(entry, "unit")
        shape = _proportion_problems(where, value, other, unit, printed) if proportion else []
        for problem in shape:
            report(problem, None)
        words = _words(entry.get("words"), where, proportion, report)
        if entry.get("words") is not None and not words:
            continue
        if None in (value, printed, *texts.values()) or source not in sources or shape:
            continue
        assert value is not None and printed is not None
        out.append(
            Figure(
                measure=str(measure),
                side_effect=str(item),
                effect=str(effect),
                value=value,
                comparator=texts["comparator"] or "",
                time_frame=texts["time_frame"] or "",
                population=texts["population"] or "",
                source=str(source),
                as_printed=printed,
                unit=unit,
                interval=interval,
                note=_string(entry, "note"),
                comparator_value=other if proportion else None,
                words=words,
            )
        )
    return tuple(out)


def safety_flags(
    data: Any, sources: Mapping[str, object], report: Report, text: TextReader
) -> tuple[SafetyFlag, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        report("safety must be a list of notes", None)
        return ()
    out: list[SafetyFlag] = []
    seen: set[str] = set()
    for n, entry in enumerate(data, start=1):
        entry = entry if isinstance(entry, dict) else {}
        fid = entry.get("id")
        if not isinstance(fid, str) or not SLUG.match(fid) or fid in seen:
            report(f"safety note {n} needs an id of its own (a lower-case slug)", None)
            continue
        seen.add(fid)
        keys = entry.get("sources")
        if not isinstance(keys, list) or not keys:
            report(f"safety note '{fid}' has no source", None)
            keys = []
        for key in keys:
            if key not in sources:
                report(f"safety note '{fid}': source '{key}' has no citation in sources/", None)
        flag_text = text(entry.get("text"), f"safety note '{fid}' text", report, None)
        plain = text(entry.get("plain"), f"safety note '{fid}' plain text", report, None)
        if len(flag_text) == len(plain) == len(LANGUAGES) and keys:
            out.append(SafetyFlag(fid, flag_text, plain, tuple(str(k) for k in keys)))
    return tuple(out)
