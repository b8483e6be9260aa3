"""Turning raw drugdata files into a `Dataset`, reporting every problem at once.

`build_dataset(tree)` either returns a complete, consistent Dataset or raises
`DataProblems` listing each problem with its file, drug and item. Nothing half-valid
ever comes out, so nothing half-valid can be published.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from itertools import pairwise
from typing import Any

from app.catalogue.evidence import figures, safety_flags
from app.catalogue.files import RawFile, RawTree
from app.catalogue.model import (
    AVAILABILITY,
    FORMULATIONS,
    GENERATIONS,
    LANGUAGES,
    SCALE_MAX,
    SCALE_MIN,
    SOURCE_KINDS,
    Bands,
    ChecklistItem,
    Dataset,
    Drug,
    Formulation,
    Group,
    Rating,
    SafetyFlag,
    Scoring,
    Source,
    Text,
)
from app.catalogue.options import validate_options
from app.catalogue.problems import DataProblems, Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ATC = re.compile(r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")
SNOMED = re.compile(r"^[0-9]{6,18}$")
CHECKLIST_SIZE = 36
PRIORITIES = 5

Report = Callable[[str, str | None], None]
"""report(message, item=None) for the file and drug being checked."""


def _reporter(problems: list[Problem], file: str, drug: str | None) -> Report:
    def report(message: str, item: str | None = None) -> None:
        problems.append(Problem(file, drug, item, message))

    return report


def _text(value: Any, what: str, report: Report, item: str | None = None) -> Text:
    """A mapping with a non-empty string for every language."""
    if not isinstance(value, dict):
        report(f"{what} must give the text in each of {', '.join(LANGUAGES)}", item)
        return {}
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            report(f"{what} has no '{lang}' text", item)
        else:
            out[lang] = text.strip()
    for extra in sorted(set(value) - set(LANGUAGES), key=str):
        report(f"{what} has text in unsupported language '{extra}'", item)
    return out


def validate_checklist(
    raw: RawFile, problems: list[Problem]
) -> tuple[list[Group], list[ChecklistItem]]:
    report = _reporter(problems, raw.path, None)
    data = raw.data if isinstance(raw.data, dict) else {}
    if not isinstance(raw.data, dict):
        report("must be a mapping with 'groups' and 'items'", None)
    groups: list[Group] = []
    for entry in data.get("groups") or []:
        gid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(gid, str) or not SLUG.match(gid):
            report(f"group id {gid!r} is not a lower-case slug", None)
            continue
        groups.append(Group(gid, _text(entry.get("label"), f"group {gid} label", report)))
    group_ids = {g.id for g in groups}
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for order, entry in enumerate(data.get("items") or [], start=1):
        iid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(iid, str) or not SLUG.match(iid):
            report(f"item {order} has id {iid!r}, which is not a lower-case slug", None)
            continue
        if iid in seen:
            report("item id is used twice", iid)
            continue
        seen.add(iid)
        group = entry.get("group")
        if group not in group_ids:
            report(f"group {group!r} is not one of the groups", iid)
        items.append(
            ChecklistItem(
                id=iid,
                order=order,
                group=str(group),
                label=_text(entry.get("label"), "label", report, iid),
                explanation=_text(entry.get("explanation"), "explanation", report, iid),
            )
        )
    if len(items) != CHECKLIST_SIZE and not problems:
        report(f"has {len(items)} items; the paper tool's checklist has {CHECKLIST_SIZE}", None)
    return groups, items


def _int(data: dict[str, Any], key: str, report: Report, lo: int, hi: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        report(f"'{key}' must be a whole number from {lo} to {hi}, not {value!r}", None)
        return lo
    return value


def validate_scoring(raw: RawFile, problems: list[Problem]) -> Scoring:
    report = _reporter(problems, raw.path, None)
    data: dict[str, Any] = raw.data if isinstance(raw.data, dict) else {}
    given = data.get("priority_weights")
    weights: list[int] = [1] * PRIORITIES
    if (
        isinstance(given, list)
        and len(given) == PRIORITIES
        and all(isinstance(w, int) and not isinstance(w, bool) and 0 < w <= 100 for w in given)
    ):
        weights = given
    else:
        report(f"'priority_weights' must be {PRIORITIES} whole numbers from 1 to 100", None)
    if any(a < b for a, b in pairwise(weights)):
        report("'priority_weights' must never increase: priority 1 weighs the most", None)
    unknown_assumed = _int(data, "unknown_assumed", report, 1, SCALE_MAX)
    helpful_weight = _int(data, "helpful_weight", report, 0, 100)
    helpful_cap = _int(data, "helpful_cap", report, 0, 1000)
    if helpful_cap >= SCALE_MAX * weights[0]:
        report(
            f"'helpful_cap' must be below {SCALE_MAX * weights[0]} (a +++ on priority 1) so "
            "helpful ticks never lift a drug above one it trails by that much",
            None,
        )
    threshold = _int(data, "must_avoid_threshold", report, 1, SCALE_MAX)
    bands: dict[str, Any] = data["bands"] if isinstance(data.get("bands"), dict) else {}
    good = _int(bands, "good_max_percent", report, 0, 100)
    partial = _int(bands, "partial_max_percent", report, 0, 100)
    if good >= partial:
        report("'bands': good_max_percent must be below partial_max_percent", None)
    return Scoring(
        priority_weights=tuple(weights),
        unknown_assumed=unknown_assumed,
        helpful_weight=helpful_weight,
        helpful_cap=helpful_cap,
        must_avoid_threshold=threshold,
        bands=Bands(good, partial),
    )


SOURCE_FIELDS = frozenset({"citation", "url", "kind", "accessed"})


def _date(value: Any) -> tuple[bool, date | None]:
    """(valid, the date) from YAML (a date) or JSON (an ISO string); absent is valid."""
    if value is None:
        return True, None
    if isinstance(value, date):
        return True, value
    if isinstance(value, str):
        try:
            return True, date.fromisoformat(value)
        except ValueError:
            return False, None
    return False, None


def check_source(key: Any, entry: Any, report: Report) -> Source | None:
    """One entry of the source list: problems go to `report`; the Source, or None."""
    if not isinstance(key, str) or not SLUG.match(key):
        report(f"source key {key!r} is not a lower-case slug", None)
        return None
    entry = entry if isinstance(entry, dict) else {}
    citation, url = entry.get("citation"), entry.get("url")
    if not isinstance(citation, str) or not citation.strip():
        report(f"source '{key}' has no citation", None)
        return None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        report(f"source '{key}' needs a URL starting with https://", None)
        return None
    kind = entry.get("kind", "other")
    if kind not in SOURCE_KINDS:
        report(f"source '{key}': kind must be one of {', '.join(SOURCE_KINDS)}", None)
        return None
    valid, accessed = _date(entry.get("accessed"))
    if not valid:
        report(f"source '{key}': accessed must be a date such as 2026-12-06", None)
        return None
    extras = sorted(set(entry) - SOURCE_FIELDS, key=str)
    for extra in extras:
        report(f"source '{key}' has an unexpected field '{extra}'", None)
    if extras:
        return None
    return Source(key, " ".join(citation.split()), url.strip(), str(kind), accessed)


def _sources(raws: list[RawFile], problems: list[Problem]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    where: dict[str, str] = {}
    for raw in raws:
        report = _reporter(problems, raw.path, None)
        if not isinstance(raw.data, dict):
            report("must map source keys to {citation, url}", None)
            continue
        for key, entry in raw.data.items():
            if key in sources:
                report(f"source key '{key}' is also defined in {where[key]}", None)
                continue
            if (source := check_source(key, entry, report)) is not None:
                sources[key] = source
                where[key] = raw.path
    return sources


def check_rating(
    entry: Any, item: str, sources: Mapping[str, object], report: Report
) -> Rating | None:
    """One rating cell: problems go to `report`; returns the Rating, or None if unusable."""
    if not isinstance(entry, dict):
        report("rating must be a mapping with value, sources and note", item)
        return None
    unknown_keys = set(entry) - {"value", "sources", "source_values", "note"}
    for key in sorted(unknown_keys, key=str):
        report(f"rating has an unexpected field '{key}'", item)
    raw_value = entry.get("value")
    note = entry.get("note")
    note = note.strip() if isinstance(note, str) and note.strip() else None
    keys = entry.get("sources") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        report("'sources' must be a list of source keys", item)
        keys = []
    for key in keys:
        if key not in sources:
            report(f"source '{key}' has no citation in sources/", item)
    source_values = entry.get("source_values") or {}
    if not isinstance(source_values, dict):
        report("'source_values' must map source keys to what each source says", item)
        source_values = {}
    for key in source_values:
        if key not in keys:
            report(f"source_values names '{key}', which is not in this rating's sources", item)
    value: int | None
    if raw_value == "unknown":
        value = None
        if note is None:
            report("an unknown rating needs a note saying why it is unknown", item)
    elif (
        isinstance(raw_value, int)
        and not isinstance(raw_value, bool)
        and SCALE_MIN <= raw_value <= SCALE_MAX
    ):
        value = raw_value
        if not keys:
            report(f"rating {raw_value} has no source", item)
    else:
        report(f"value {raw_value!r} is outside the scale (0, 1, 2, 3 or unknown)", item)
        return None
    return Rating(
        value=value,
        sources=tuple(keys),
        source_values={str(k): str(v) for k, v in source_values.items()},
        note=note,
    )


def _formulations(data: Any, report: Report) -> tuple[Formulation, ...]:
    out: list[Formulation] = []
    if not isinstance(data, list) or not data:
        report("needs at least one formulation", None)
        return ()
    for entry in data:
        entry = entry if isinstance(entry, dict) else {}
        form, uk, no = entry.get("form"), entry.get("uk", "unknown"), entry.get("no", "unknown")
        if form not in FORMULATIONS:
            report(f"formulation {form!r} is not one of {', '.join(FORMULATIONS)}", None)
            continue
        for market, status in (("uk", uk), ("no", no)):
            if status not in AVAILABILITY:
                report(f"{form} availability '{market}' must be one of {AVAILABILITY}", None)
        out.append(Formulation(str(form), str(uk), str(no)))
    return tuple(out)


def validate_drug(
    raw: RawFile, item_ids: list[str], sources: Mapping[str, object], problems: list[Problem]
) -> Drug | None:
    data = raw.data if isinstance(raw.data, dict) else {}
    stem = raw.path.rsplit("/", 1)[-1].removesuffix(".yaml")
    drug_id = data.get("id")
    report = _reporter(problems, raw.path, drug_id if isinstance(drug_id, str) else stem)
    before = len(problems)
    if drug_id != stem:
        report(f"id {drug_id!r} must equal the file name '{stem}'", None)
    atc = data.get("atc")
    if not isinstance(atc, str) or not ATC.match(atc):
        report(f"ATC code {atc!r} is missing or not of the form N05AH03", None)
    snomed = data.get("snomed")
    if snomed is not None and not SNOMED.match(str(snomed)):
        report(f"SNOMED CT code {snomed!r} is not a concept id", None)
    if data.get("generation") not in GENERATIONS:
        report(f"generation must be one of {', '.join(GENERATIONS)}", None)
    review_by = data.get("review_by")
    if isinstance(review_by, str):
        try:
            review_by = date.fromisoformat(review_by)
        except ValueError:
            review_by = None
    if not isinstance(review_by, date):
        report("review_by must be a date such as 2027-11-23", None)
        review_by = date.min
    monitoring = data.get("monitoring") or []
    if not isinstance(monitoring, list):
        report("monitoring must be a list of texts", None)
        monitoring = []
    avail = data.get("sources_used_for_availability") or []
    for key in avail:
        if key not in sources:
            report(f"availability source '{key}' has no citation in sources/", None)
    ratings_raw = data.get("ratings")
    ratings: dict[str, Rating] = {}
    if not isinstance(ratings_raw, dict):
        report("ratings are missing", None)
        ratings_raw = {}
    for item in item_ids:
        if item not in ratings_raw:
            report("rating is missing (give a value or 'unknown' with a note)", item)
        elif (rating := check_rating(ratings_raw[item], item, sources, report)) is not None:
            ratings[item] = rating
    for extra in ratings_raw:
        if extra not in item_ids:
            report(f"'{extra}' is not a checklist item", str(extra))
    drug = Drug(
        id=str(drug_id),
        name=_text(data.get("name"), "name", report),
        atc=str(atc),
        generation=str(data.get("generation")),
        review_by=review_by,
        formulations=_formulations(data.get("formulations"), report),
        card=_text(data.get("card"), "card text", report),
        monitoring=tuple(_text(m, "monitoring point", report) for m in monitoring),
        ratings=ratings,
        snomed=str(snomed) if snomed is not None else None,
        availability_sources=tuple(avail),
        figures=figures(data.get("figures"), sources, report),
        safety=safety_flags(data.get("safety"), sources, report, _text),
    )
    return drug if len(problems) == before else None


def build_dataset(tree: RawTree) -> Dataset:
    """Validate a parsed drugdata tree. Returns the Dataset or raises DataProblems."""
    problems = list(tree.problems)
    groups, items = validate_checklist(tree.checklist, problems) if tree.checklist else ([], [])
    scoring = validate_scoring(tree.scoring, problems) if tree.scoring else None
    sources = _sources(tree.sources, problems)
    item_ids = [i.id for i in items]
    drugs: list[Drug] = []
    seen: set[str] = set()
    for raw in tree.drugs:
        drug = validate_drug(raw, item_ids, sources, problems)
        if drug is not None:
            if drug.id in seen:
                problems.append(Problem(raw.path, drug.id, None, "drug id is used twice"))
            seen.add(drug.id)
            drugs.append(drug)
    class_safety = _class_safety(tree.safety, sources, problems) if tree.safety else ()
    options = validate_options(tree.options, sources, problems) if tree.options else None
    if problems or scoring is None:
        raise DataProblems(problems)
    return Dataset(
        groups=tuple(groups),
        checklist=tuple(items),
        drugs=tuple(sorted(drugs, key=lambda d: d.id)),
        sources=sources,
        scoring=scoring,
        class_safety=class_safety,
        options=options,
    )


def _class_safety(
    raw: RawFile, sources: Mapping[str, object], problems: list[Problem]
) -> tuple[SafetyFlag, ...]:
    report = _reporter(problems, raw.path, None)
    data = raw.data if isinstance(raw.data, dict) else {}
    if not isinstance(raw.data, dict):
        report("must be a mapping with 'class': a list of safety notes", None)
    return safety_flags(data.get("class"), sources, report, _text)
