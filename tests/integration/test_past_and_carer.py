"""Medicines taken before and a carer's view, through the API and on the staff pages:
stored as sent, echoed to staff, marked in the ranking (never moving it), shown on the
clinician's page, the compare page and the sheet; a carer's answers only with consent."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import bundled_dataset
from tests.integration.pages import soup, text
from tests.integration.staff import StaffApp, web_login
from tests.integration.test_clinic_pages import pdf_text

DATA = bundled_dataset()
AVOID = ["weight-gain", "tiredness", "restlessness"]
PAST = [
    {
        "drug": "aripiprazole",
        "helped": "no",
        "side_effects": [{"id": "restlessness", "bother": 2}, {"id": "tremor", "bother": 1}],
        "stopped_because": "I could not sit still at work",
    }
]
CARER_AVOID = ["tiredness", "weight-gain", "tremor"]
CARER: dict[str, Any] = {
    "consented": True,
    "avoid": CARER_AVOID,
    "what_matters": "That they can keep studying",
}
BODY: dict[str, Any] = {"avoid": AVOID, "past_medicines": PAST, "carer": CARER}


def create(client: TestClient, body: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    created = client.post(f"/api/v1/consultations?lang={lang}", json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def result_for(ranking: dict[str, Any], drug: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in ranking["results"] if r["drug"]["id"] == drug)
    return found


def label(item: str, lang: str = "en") -> str:
    return str(DATA.item(item).label[lang])


def test_past_experience_is_echoed_and_flags_aripiprazole_without_moving_the_ranking(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    created = create(client, BODY)
    cora = staff.headers(client, "cora")
    body = client.get(f"/api/v1/consultations/{created['id']}", headers=cora).json()
    assert body["past_medicines"] == [
        {
            "drug": "aripiprazole",
            "helped": "no",
            "side_effects": [
                {"id": "restlessness", "label": label("restlessness"), "bother": 2},
                {"id": "tremor", "label": label("tremor"), "bother": 1},
            ],
            "stopped_because": "I could not sit still at work",
        }
    ]
    aripiprazole = result_for(body["ranking"], "aripiprazole")
    flag = aripiprazole["past_experience"]
    assert flag["helped"] == "no"
    assert flag["a_lot"] == ["restlessness"]
    had = f"{label('restlessness')} (a lot), {label('tremor')} (a little)"
    assert flag["summary"] == f"taken before; helped: no; had {had}"
    by_item = {b["side_effect"]: b["had_before"] for b in aripiprazole["breakdown"]}
    assert by_item == {"weight-gain": None, "tiredness": None, "restlessness": 2}
    others = [r for r in body["ranking"]["results"] if r["drug"]["id"] != "aripiprazole"]
    assert others and all(r["past_experience"] is None for r in others)
    # The same request without past experience ranks exactly the same: flag only.
    plain = client.post("/api/v1/rankings", json={"avoid": AVOID}).json()
    assert [(r["drug"]["id"], r["score"]) for r in plain["results"]] == [
        (r["drug"]["id"], r["score"]) for r in body["ranking"]["results"]
    ]
    # The clinician can leave the marks out; the person's answers are still echoed.
    off = client.get(
        f"/api/v1/consultations/by-code/{created['code']}?past_experience=false", headers=cora
    ).json()
    assert result_for(off["ranking"], "aripiprazole")["past_experience"] is None
    assert off["past_medicines"][0]["drug"] == "aripiprazole"


def test_a_medicine_taken_before_and_left_out_by_a_must_avoid_is_still_marked(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    excluded = next(
        d.id for d in DATA.drugs if (value := d.ratings["weight-gain"].value) is None or value >= 2
    )  # rated ++ or more (or unknown) on weight gain: a must-avoid leaves it out
    past = [{"drug": excluded, "helped": "yes"}]
    body = {"avoid": ["weight-gain"], "must_avoid": ["weight-gain"], "past_medicines": past}
    created = create(client, body)
    read = client.get(
        f"/api/v1/consultations/{created['id']}", headers=staff.headers(client, "cora")
    ).json()
    left_out = {e["drug"]["id"]: e for e in read["ranking"]["excluded"]}
    assert left_out[excluded]["past_experience"]["helped"] == "yes"
    web_login(client, staff, "cora")
    page = soup(client.get(f"/staff/consultations/{created['id']}?lang=en").text)
    assert "helped: yes" in text(page.select_one("ul.excluded .past-flag"))


def test_a_side_effect_had_a_lot_is_flagged_whatever_the_drugs_rating(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    low = next(
        d.id for d in DATA.drugs if d.ratings["dry-mouth"].value in (0, 1)
    )  # rated low or not expected on dry mouth
    past = [{"drug": low, "helped": "unsure", "side_effects": [{"id": "dry-mouth", "bother": 2}]}]
    created = create(client, {"avoid": ["weight-gain"], "past_medicines": past})
    body = client.get(
        f"/api/v1/consultations/{created['id']}", headers=staff.headers(client, "cora")
    ).json()
    assert result_for(body["ranking"], low)["past_experience"]["a_lot"] == ["dry-mouth"]


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_the_flag_is_on_the_clinician_page_the_compare_page_and_the_sheet(
    staff_app: StaffApp, lang: str
) -> None:
    client, staff = staff_app
    created = create(client, BODY, lang)
    web_login(client, staff, "cora")
    name = DATA.drug("aripiprazole").name[lang]
    restless = label("restlessness", lang)
    page = soup(client.get(f"/staff/consultations/{created['id']}?lang={lang}").text)
    row = next(tr for tr in page.select("table.ranking tbody tr") if name in text(tr.find("th")))
    assert restless in text(row.select_one(".past-flag"))
    assert restless in text(row.select_one(".past-a-lot"))
    assert row.select_one(".had-before") is not None
    # No other medicine is marked.
    assert len(page.select("table.ranking .past-flag")) == 1
    assert "I could not sit still at work" in text(page.select_one(".past-medicines"))
    # Turned off: no marks, same order.
    off = soup(client.get(f"/staff/consultations/{created['id']}?lang={lang}&past=0").text)
    assert off.select("table.ranking .past-flag") == []
    order = [text(th) for th in page.select("table.ranking tbody th a")]
    assert [text(th) for th in off.select("table.ranking tbody th a")] == order

    compare = soup(
        client.get(
            f"/staff/consultations/{created['id']}/compare?drug=aripiprazole&drug=olanzapine"
            f"&lang={lang}"
        ).text
    )
    past_row = compare.select_one("tr.past-row")
    assert past_row is not None and restless in text(past_row)

    sheet = soup(client.get(f"/consultations/{created['id']}/sheet?lang={lang}").text)
    assert name in text(sheet.select_one(".past-medicines"))
    assert restless in text(sheet.select_one(".past-medicines"))
    pdf = client.get(f"/consultations/{created['id']}/sheet.pdf?lang={lang}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "I could not sit still at work" in " ".join(pdf_text(pdf.content).split())


def test_a_carers_list_with_consent_shows_beside_the_persons_and_on_the_sheet(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    created = create(client, BODY)
    cora = staff.headers(client, "cora")
    body = client.get(f"/api/v1/consultations/{created['id']}", headers=cora).json()
    assert body["carer"] == CARER
    plain = client.post("/api/v1/rankings", json={"avoid": AVOID}).json()
    assert [r["drug"]["id"] for r in body["ranking"]["results"]] == [
        r["drug"]["id"] for r in plain["results"]
    ], "the ranking follows the person's list only"
    web_login(client, staff, "cora")
    page = soup(client.get(f"/staff/consultations/{created['id']}?lang=en").text)
    rows = [
        [text(cell) for cell in tr.find_all(["th", "td"])]
        for tr in page.select("table.carer-side tbody tr")
    ]
    assert rows == [
        ["1", label("weight-gain"), label("tiredness")],
        ["2", label("tiredness"), label("weight-gain")],
        ["3", label("restlessness"), label("tremor")],
    ]
    differs = text(page.select_one(".carer-differs"))
    assert f"Only the person chose: {label('restlessness')}" in differs
    assert f"Only the carer chose: {label('tremor')}" in differs
    assert "That they can keep studying" in text(page.select_one(".carer-words"))
    sheet = soup(client.get(f"/consultations/{created['id']}/sheet?lang=en").text)
    assert "That they can keep studying" in text(sheet.select_one(".carer-words"))
    assert [text(li) for li in sheet.select(".carer-priorities li")] == [
        f"{n}. {label(i)}" for n, i in enumerate(CARER_AVOID, start=1)
    ]


def test_without_consent_a_carers_answers_are_refused_and_never_printed(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    refused = client.post(
        "/api/v1/consultations",
        json={"avoid": AVOID, "carer": {"consented": False, "avoid": ["tremor"]}},
    )
    assert refused.status_code == 422
    assert "has not agreed to a carer's view" in refused.json()["detail"][0]["msg"]
    words = client.post(
        "/api/v1/consultations",
        json={"avoid": AVOID, "carer": {"consented": False, "what_matters": "Secret words"}},
    )
    assert words.status_code == 422
    # Consent alone, nothing from the carer: stored, and nothing to show.
    created = create(client, {"avoid": AVOID, "with_carer": True})
    body = client.get(
        f"/api/v1/consultations/{created['id']}", headers=staff.headers(client, "cora")
    ).json()
    assert body["carer"] == {"consented": False, "avoid": [], "what_matters": ""}
    web_login(client, staff, "cora")
    page = soup(client.get(f"/staff/consultations/{created['id']}").text)
    assert page.select("table.carer-side") == []
    sheet = client.get(f"/consultations/{created['id']}/sheet?lang=en").text
    assert "Your carer's view" not in sheet and "Secret words" not in sheet


BAD: list[tuple[str, Any, str]] = [
    (
        "unknown drug",
        {"past_medicines": [{"drug": "aripiprazol", "helped": "no"}]},
        "did you mean 'aripiprazole'",
    ),
    (
        "unknown item",
        {
            "past_medicines": [
                {
                    "drug": "aripiprazole",
                    "helped": "no",
                    "side_effects": [{"id": "restless", "bother": 1}],
                }
            ]
        },
        "'restless' is not a checklist item",
    ),
    (
        "bother 3",
        {
            "past_medicines": [
                {
                    "drug": "aripiprazole",
                    "helped": "no",
                    "side_effects": [{"id": "tremor", "bother": 3}],
                }
            ]
        },
        "1 or 2",
    ),
    (
        "duplicate drug",
        {
            "past_medicines": [
                {"drug": "aripiprazole", "helped": "no"},
                {"drug": "aripiprazole", "helped": "yes"},
            ]
        },
        "aripiprazole is listed twice",
    ),
    (
        "duplicate item",
        {
            "past_medicines": [
                {
                    "drug": "aripiprazole",
                    "helped": "no",
                    "side_effects": [{"id": "tremor", "bother": 1}, {"id": "tremor", "bother": 2}],
                }
            ]
        },
        "tremor is listed twice",
    ),
    (
        "too many medicines",
        {"past_medicines": [{"drug": d.id, "helped": "yes"} for d in DATA.drugs[:11]]},
        "at most 10",
    ),
    (
        "text too long",
        {
            "past_medicines": [
                {"drug": "aripiprazole", "helped": "no", "stopped_because": "x" * 501}
            ]
        },
        "at most 500 characters",
    ),
    (
        "helped maybe",
        {"past_medicines": [{"drug": "aripiprazole", "helped": "maybe"}]},
        "'yes', 'no' or 'unsure'",
    ),
    (
        "carer six",
        {
            "carer": {
                "consented": True,
                "avoid": [
                    "tremor",
                    "drooling",
                    "tiredness",
                    "weight-gain",
                    "dry-mouth",
                    "constipation",
                ],
            }
        },
        "at most 5",
    ),
    (
        "carer unknown",
        {"carer": {"consented": True, "avoid": ["tremmor"]}},
        "did you mean 'tremor'",
    ),
]


@pytest.mark.parametrize(("case", "extra", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_past_or_carer_input_is_422_saying_what_to_change_and_stores_nothing(
    staff_app: StaffApp, case: str, extra: dict[str, Any], says: str
) -> None:
    client, staff = staff_app
    before = client.get("/staff/consultations", headers=staff.headers(client, "cora"))
    body = copy.deepcopy({"avoid": AVOID} | extra)
    response = client.post("/api/v1/consultations", json=body)
    assert response.status_code == 422, response.text
    messages = " | ".join(str(d["msg"]) for d in response.json()["detail"])
    assert says in messages, messages
    after = client.get("/staff/consultations", headers=staff.headers(client, "cora"))
    assert before.status_code == after.status_code == 200
    assert len(soup(after.text).select("table tbody tr")) == len(
        soup(before.text).select("table tbody tr")
    ), "nothing half-stored"
