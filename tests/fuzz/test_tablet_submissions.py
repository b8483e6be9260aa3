"""Tablet submissions a person could really send, generated from the checklist.

Schemathesis (test_api_schema.py) cannot make one: a valid submission needs checklist
ids and forms, which only the published data lists, so every body it invents is
refused with 422. Here Hypothesis builds valid preference sets from the bundled
checklist (1 to 5 items to avoid in order, helpful ones among the rest, "could not
accept" ones among those to avoid, forms, carer, free text) and sends each, as the API
and as the tablet page's last step. Every one must be accepted, and open by its code
exactly as sent. Sets that break one rule must be refused (422) naming the field.
Never a server error.

The counts go into the fuzzing summary (tests/fuzz/conftest.py). FUZZ_EXAMPLES sets the
examples per test (25; `make fuzz` 1,000, with a random seed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalogue.model import FORMULATIONS
from app.consultations.tablet_flow import HELPFUL_SHORTLIST
from app.ranking.request import MAX_AVOID
from tests.builders import bundled_dataset
from tests.fuzz.test_api_schema import EXAMPLES, RANDOM, STATS, Target

ITEM_IDS: list[str] = list(bundled_dataset().item_ids)
CODE = re.compile(r'<p class="code"[^>]*>(\w{3}) (\w{3})</p>')
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: What a person might type: any printable text, line breaks included, up to the limit.
WHAT_MATTERS = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t"), max_size=2000
)


@st.composite
def preferences(draw: st.DrawFn) -> dict[str, Any]:
    """A valid preference set, as the API takes it (the tablet page keeps only the
    short-listed helpful items: tablet_flow.HELPFUL_SHORTLIST)."""
    avoid = draw(st.lists(st.sampled_from(ITEM_IDS), min_size=1, max_size=MAX_AVOID, unique=True))
    others = [i for i in ITEM_IDS if i not in avoid]
    return {
        "avoid": avoid,
        "helpful": draw(st.lists(st.sampled_from(others), max_size=8, unique=True)),
        "must_avoid": draw(st.lists(st.sampled_from(avoid), unique=True)),
        "formulations": draw(st.lists(st.sampled_from(FORMULATIONS), unique=True)),
        "with_carer": draw(st.booleans()),
        "what_matters": draw(WHAT_MATTERS),
    }


NOT_AN_ITEM = st.text(min_size=1, max_size=64).filter(lambda s: s not in ITEM_IDS)
NOT_A_FORM = st.text(min_size=1, max_size=64).filter(lambda s: s not in FORMULATIONS)


@st.composite
def one_rule_broken(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid set with exactly one rule broken; returns (the field at fault, the set)."""
    chosen = draw(preferences())
    avoid = chosen["avoid"]
    rule = draw(
        st.sampled_from(["six", "repeat", "unknown", "helpful-avoided", "must-not-avoided", "form"])
    )
    if rule == "six":
        six = draw(st.lists(st.sampled_from(ITEM_IDS), min_size=6, max_size=12, unique=True))
        chosen.update(avoid=six, helpful=[], must_avoid=[])
        return "avoid", chosen
    if rule == "repeat":
        chosen["avoid"] = [*avoid, draw(st.sampled_from(avoid))]
        return "avoid", chosen
    if rule == "unknown":
        chosen["avoid"] = [*avoid[:4], draw(NOT_AN_ITEM)]
        return "avoid", chosen
    if rule == "helpful-avoided":
        chosen["helpful"] = [*chosen["helpful"], draw(st.sampled_from(avoid))]
        return "helpful", chosen
    if rule == "must-not-avoided":
        outside = draw(st.sampled_from([i for i in ITEM_IDS if i not in avoid]))
        chosen["must_avoid"] = [*chosen["must_avoid"], outside]
        return "must_avoid", chosen
    chosen["formulations"] = [*chosen["formulations"], draw(NOT_A_FORM)]
    return "formulations", chosen


def count(label: str, status: int) -> None:
    statuses = STATS.setdefault(label, {})
    statuses[status] = statuses.get(status, 0) + 1


@pytest.fixture(scope="module")
def client(target: Target) -> Iterator[TestClient]:
    yield TestClient(target.app, base_url="https://testserver")


def opened(client: TestClient, target: Target, code: str) -> dict[str, Any]:
    """The consultation as the clinician opens it by its code."""
    response = client.get(
        f"/api/v1/consultations/by-code/{code}",
        headers={"Authorization": f"Bearer {target.tokens['phil']}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def as_sent(chosen: dict[str, Any]) -> dict[str, Any]:
    """What the clinician must see: the set as sent, the free text trimmed."""
    return {**chosen, "what_matters": chosen["what_matters"].strip()}


FIELDS = ("avoid", "helpful", "must_avoid", "formulations", "with_carer", "what_matters")


@FUZZ
@given(chosen=preferences(), lang=st.sampled_from(["en", "nb"]))
def test_every_valid_preference_set_is_accepted_by_the_api(
    client: TestClient, target: Target, chosen: dict[str, Any], lang: str
) -> None:
    response = client.post(f"/api/v1/consultations?lang={lang}", json=chosen)
    count("(tablet, valid preferences) POST /api/v1/consultations", response.status_code)
    assert response.status_code == 201, response.text
    seen = opened(client, target, response.json()["code"])
    assert {k: seen[k] for k in FIELDS} == as_sent(chosen)
    assert seen["lang"] == lang


@FUZZ
@given(chosen=preferences(), lang=st.sampled_from(["en", "nb"]))
def test_every_valid_preference_set_is_accepted_from_the_tablet_page(
    client: TestClient, target: Target, chosen: dict[str, Any], lang: str
) -> None:
    form = [("lang", lang)]
    form += [("carer", "yes")] if chosen["with_carer"] else []
    form += [("order", i) for i in chosen["avoid"]]
    form += [("helpful", i) for i in chosen["helpful"]]
    form += [("must_avoid", i) for i in chosen["must_avoid"]]
    form += [("forms", f) for f in chosen["formulations"]]
    form += [("what_matters", chosen["what_matters"]), ("go", "send")]
    response = client.post(
        "/tablet",
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    count("(tablet, valid preferences) POST /tablet, send", response.status_code)
    assert response.status_code == 200, response.text
    code = CODE.search(response.text)
    assert code, "no hand-off code on the page"
    seen = opened(client, target, code.group(1) + code.group(2))
    # The tablet offers only the short list of helpful items; any other is dropped.
    helpful = [i for i in chosen["helpful"] if i in HELPFUL_SHORTLIST]
    assert {k: seen[k] for k in FIELDS} == as_sent({**chosen, "helpful": helpful})
    assert seen["lang"] == lang


@FUZZ
@given(broken=one_rule_broken())
def test_a_set_with_one_rule_broken_is_refused_naming_the_field(
    client: TestClient, broken: tuple[str, dict[str, Any]]
) -> None:
    field, chosen = broken
    response = client.post("/api/v1/consultations", json=chosen)
    count("(tablet, one rule broken) POST /api/v1/consultations", response.status_code)
    assert response.status_code == 422, response.text
    assert field in {problem["loc"][1] for problem in response.json()["detail"]}
