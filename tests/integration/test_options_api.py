"""The options besides the medicines, through HTTP: `GET /api/v1/options` in both
languages, and the options a person ticks, stored with the consultation and echoed to
staff (the API, the clinician's page)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.catalogue.options import numbers_in
from tests.builders import bundled_dataset
from tests.integration.staff import StaffApp, web_login

IDS = ["medicine", "stay-on-current", "lower-dose", "no-antipsychotic"]
BODY = {"avoid": ["weight-gain", "tremor"], "options": ["no-antipsychotic", "lower-dose"]}


def test_every_option_has_an_id_a_label_and_what_is_known_with_sources(
    bundled_client: TestClient,
) -> None:
    response = bundled_client.get("/api/v1/options")
    assert response.status_code == 200
    body = response.json()
    assert [o["id"] for o in body["options"]] == IDS
    options = {o["id"]: o for o in body["options"]}
    assert options["no-antipsychotic"]["label"] == "No antipsychotic for now, with other support"
    assert "medication-free" in options["no-antipsychotic"]["involves"]
    assert options["no-antipsychotic"]["involves_sources"] == ["oedegaard-2022"]
    assert "medication-free care" in body["sources"]["oedegaard-2022"]["citation"]
    for option in body["options"]:
        assert option["label"] and option["involves"] and option["known"], option["id"]
        for known in option["known"]:
            assert known["sources"], known["text"]
            for key in known["sources"]:
                assert body["sources"][key]["citation"] and body["sources"][key]["url"]
    assert body["data_version"]["number"] == 1
    assert body["review_by"] == "2027-12-06"


def test_every_number_shown_is_one_a_dated_source_prints(bundled_client: TestClient) -> None:
    body = bundled_client.get("/api/v1/options").json()
    statements = body["about"]["benefits"] + [k for o in body["options"] for k in o["known"]]
    figures = [k for k in statements if k["figure"]]
    assert len(figures) >= 5
    for known in statements:
        numbers = numbers_in(known["text"]) - {"100"}
        if not known["figure"]:
            assert not numbers, known["text"]
            continue
        figure = known["figure"]
        assert figure["source"] in known["sources"]
        assert body["sources"][figure["source"]]["accessed"], figure["source"]
        assert numbers <= numbers_in(figure["as_printed"]) | numbers_in(figure["time_frame"])
        assert figure["comparator"] and figure["population"] and figure["time_frame"]


def test_relapse_on_and_off_medicine_reads_as_a_natural_frequency(
    bundled_client: TestClient,
) -> None:
    body = bundled_client.get("/api/v1/options").json()
    stay = next(o for o in body["options"] if o["id"] == "stay-on-current")
    relapse = next(k for k in stay["known"] if k["figure"] and k["figure"]["outcome"] == "relapse")
    assert relapse["figure"]["per_100"] == [24, 61]
    assert "About 24 in 100 people" in relapse["text"]
    assert "61 in 100" in relapse["text"] and "within a year" in relapse["text"]
    assert relapse["figure"]["as_printed"].startswith("drug 24% versus placebo 61%")
    assert "Cochrane" in body["sources"]["ceraso-2020"]["citation"]


def test_the_options_in_norwegian_by_query_or_header(bundled_client: TestClient) -> None:
    nb = bundled_client.get("/api/v1/options?lang=nb").json()
    by_header = bundled_client.get("/api/v1/options", headers={"Accept-Language": "nb-NO"}).json()
    assert nb == by_header
    options = bundled_dataset().options
    assert options is not None
    assert [o["label"] for o in nb["options"]] == [o.label["nb"] for o in options.options]
    free = next(o for o in nb["options"] if o["id"] == "no-antipsychotic")
    assert free["label"] == "Ingen antipsykotisk medisin nå, med annen støtte"
    assert "medisinfri behandling" in free["involves"]
    assert nb["about"]["condition"].startswith("Psykose betyr")
    assert "61 av 100" in free["known"][0]["text"]


def test_the_decision_is_described_with_the_benefits_to_expect(bundled_client: TestClient) -> None:
    about = bundled_client.get("/api/v1/options").json()["about"]
    assert about["condition"].startswith("Psychosis means")
    assert "decide together" in about["decision"]
    texts = " ".join(b["text"] for b in about["benefits"])
    assert "24 in 100" in texts and "Clozapine" in texts
    assert "huhn-2019" in {s for b in about["benefits"] for s in b["sources"]}


def test_a_version_without_options_lists_none(small_client: TestClient) -> None:
    body = small_client.get("/api/v1/options").json()
    assert (body["options"], body["about"], body["review_by"]) == ([], None, None)
    assert body["data_version"]["number"] == 1


def test_the_options_a_person_ticks_are_stored_and_echoed_to_staff(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY)
    assert created.status_code == 201, created.text
    cora = staff.headers(client, "cora")
    by_code = client.get(f"/api/v1/consultations/by-code/{created.json()['code']}", headers=cora)
    assert by_code.json()["options"] == ["no-antipsychotic", "lower-dose"]
    by_id = client.get(f"/api/v1/consultations/{created.json()['id']}", headers=cora)
    assert by_id.json()["options"] == ["no-antipsychotic", "lower-dose"]
    decided = client.post(
        f"/api/v1/consultations/{created.json()['id']}/decision",
        headers=cora,
        json={"decision": "undecided"},
    )
    assert decided.json()["options"] == ["no-antipsychotic", "lower-dose"]


def test_no_options_is_an_empty_list(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json={"avoid": ["tremor"]}).json()
    got = client.get(
        f"/api/v1/consultations/{created['id']}", headers=staff.headers(client, "cora")
    )
    assert got.json()["options"] == []


def test_an_unknown_option_is_422_naming_the_options(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = client.post(
        "/api/v1/consultations",
        json={"avoid": ["tremor"], "options": ["lower-dose", "homeopathy", "lower-dose"]},
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "options", 1]
    assert detail[0]["msg"] == (
        "'homeopathy' is not an option; the options are medicine, stay-on-current, "
        "lower-dose, no-antipsychotic"
    )
    assert detail[1]["msg"] == "options lists lower-dose twice"


def test_option_and_ranking_problems_are_reported_together(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = client.post(
        "/api/v1/consultations", json={"avoid": ["tremor", "tremor"], "options": ["nope"]}
    )
    assert response.status_code == 422
    messages = [p["msg"] for p in response.json()["detail"]]
    assert "priority 2 repeats tremor (already priority 1)" in messages[0]
    assert messages[1].startswith("'nope' is not an option")


def test_the_clinician_page_shows_the_options_with_what_is_known(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY).json()
    web_login(client, staff, "cora")
    page = client.get(f"/staff/consultations/{created['id']}?lang=en")
    assert page.status_code == 200
    html = page.text
    wants = re.search(r"<dt>Wants to talk about</dt><dd>([^<]*)</dd>", html)
    assert (
        wants
        and wants.group(1)
        == "A lower dose of my medicine, No antipsychotic for now, with other support"
    )
    section = html[html.index('id="options-h"') : html.index('id="ranking-h"')]
    assert "about every 15 people on a low dose" in section
    assert "Psychiatry Advisor" in section  # the source, cited
    assert "NHH]=15" in section  # the figure as printed, for the clinician
    assert "Staying on the medicine I take now" not in section  # not ticked
    nb = client.get(f"/staff/consultations/{created['id']}?lang=nb").text
    assert "Valgene personen vil snakke om" in nb
    assert "Ingen antipsykotisk medisin nå, med annen støtte" in nb
