"""The FHIR export through the HTTP API: a consultation's Bundle as a clinician or a
pharmacist gets it (the library reads it back without error; the person's five
priorities in order; the sheet's PDF and the decision), the read recorded like every
staff read, and the checklist's Questionnaire for anyone."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from tests.builders import bundled_dataset
from tests.integration.conftest import client_for, publish
from tests.integration.pages import soup
from tests.integration.pages import text as text_of
from tests.integration.staff import StaffApp, web_login
from tests.integration.test_clinical_records import api_decide, expire_code, reads_in_db

FIVE = ["restlessness", "weight-gain", "less-sex-drive", "tremor", "daytime-sleepiness"]
BODY = {
    "avoid": FIVE,
    "helpful": ["sleepy-at-night"],
    "must_avoid": ["weight-gain"],
    "formulations": ["tablet"],
    "options": ["medicine"],
    "with_carer": False,
    "what_matters": "Keeping my job",
}
FHIR_JSON = "application/fhir+json"
DATA = bundled_dataset()


def entries(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_clinician_gets_the_consultation_as_a_bundle_the_library_reads(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations?lang=nb", json=BODY)
    assert created.status_code == 201, created.text
    consultation = created.json()["id"]
    cora = staff.headers(client, "cora")
    decided = api_decide(
        client,
        cora,
        consultation,
        discussed=["aripiprazole", "olanzapine"],
        decision="aripiprazole",
        next_review="2027-02-01",
    )
    assert decided.status_code == 200, decided.text

    response = client.get(f"/api/v1/consultations/{consultation}/fhir", headers=cora)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    assert response.headers["cache-control"] == "no-store"
    parsed: Any = get_fhir_model_class("Bundle").model_validate_json(response.text)
    assert parsed.type == "collection"
    bundle = response.json()

    (answers,) = entries(bundle, "QuestionnaireResponse")
    avoid = next(i for i in answers["item"] if i["linkId"] == "avoid")
    assert [i["answer"][0]["valueCoding"]["code"] for i in avoid["item"]] == [
        "restlessness",
        "weight-gain",
        "less-sex-drive",
        "tremor",
        "daytime-sleepiness",
    ]
    assert "subject" not in answers and "author" not in answers
    version = client.get("/api/v1/data-version").json()["number"]
    assert answers["questionnaire"].endswith(f"/Questionnaire/choosewell-checklist|{version}")

    (sheet,) = entries(bundle, "DocumentReference")
    attachment = sheet["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    pdf = base64.b64decode(attachment["data"])
    assert pdf.startswith(b"%PDF")
    assert attachment["size"] == len(pdf)
    assert attachment["language"] == "nb"  # the sheet in the person's language
    assert sheet["docStatus"] == "final"
    assert sheet["description"].startswith("Beslutning: Aripiprazol.")
    # aripiprazole.yaml: snomed "406784005"
    assert sheet["context"]["event"][0]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "406784005",
        "display": "Aripiprazole",
    }

    (questionnaire,) = entries(bundle, "Questionnaire")
    assert questionnaire["version"] == str(version)
    assert reads_in_db(staff.url, consultation)[-1] == ("cora", "fhir")


def test_the_export_follows_the_consultations_rules(staff_app: StaffApp) -> None:
    """A pharmacist may export too; an unknown id is 404; once the code expired with no
    decision, 410 and no read recorded. The admin sees the export among the reads."""
    client, staff = staff_app
    consultation = client.post("/api/v1/consultations", json=BODY).json()["id"]
    phil = staff.headers(client, "phil")
    undecided = client.get(f"/api/v1/consultations/{consultation}/fhir", headers=phil)
    assert undecided.status_code == 200
    (sheet,) = entries(undecided.json(), "DocumentReference")
    assert sheet["docStatus"] == "preliminary"
    assert reads_in_db(staff.url, consultation) == [("phil", "fhir")]
    assert client.get(f"/api/v1/consultations/{'0' * 32}/fhir", headers=phil).status_code == 404
    expire_code(staff.url, consultation)
    gone = client.get(f"/api/v1/consultations/{consultation}/fhir", headers=phil)
    assert gone.status_code == 410
    assert reads_in_db(staff.url, consultation) == [("phil", "fhir")]
    web_login(client, staff, "ada")
    for lang, words in (("en", "FHIR export"), ("nb", "FHIR-eksport")):
        page = client.get(f"/staff/reads?consultation={consultation}&lang={lang}")
        (row,) = soup(page.text).select("table.reads tbody tr")
        assert words in text_of(row)


def test_the_questionnaire_is_public_and_names_the_data_version(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = client.get("/api/v1/fhir/Questionnaire/choosewell-checklist")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    parsed: Any = get_fhir_model_class("Questionnaire").model_validate_json(response.text)
    assert parsed.id == "choosewell-checklist"
    document = json.loads(response.text)
    version = client.get("/api/v1/data-version").json()["number"]
    assert document["version"] == str(version)
    assert document["url"] == "https://choosewell.invalid/fhir/Questionnaire/choosewell-checklist"
    side_effects = [s["id"] for s in client.get("/api/v1/side-effects").json()]
    assert [i["code"][0]["code"] for i in document["item"][0]["item"]] == side_effects


def test_the_canonical_url_comes_from_sdm_fhir_base(staff_app: StaffApp) -> None:
    _, staff = staff_app
    with client_for(staff.url, fhir_base="https://fhir.example.org/sdm") as client:
        document = client.get("/api/v1/fhir/Questionnaire/choosewell-checklist").json()
    assert document["url"] == "https://fhir.example.org/sdm/Questionnaire/choosewell-checklist"
    checklist_system = document["item"][0]["item"][0]["code"][0]["system"]
    assert checklist_system == "https://fhir.example.org/sdm/CodeSystem/choosewell-checklist"


def test_an_export_uses_the_data_version_its_decision_was_made_with(staff_app: StaffApp) -> None:
    """As the sheet does: after a newer version is published, the consultation's
    Questionnaire and answers still name the version of its decision, while the public
    Questionnaire is the newest."""
    client, staff = staff_app
    consultation = client.post("/api/v1/consultations", json=BODY).json()["id"]
    cora = staff.headers(client, "cora")
    assert api_decide(client, cora, consultation, decision="olanzapine").status_code == 200
    first = client.get("/api/v1/data-version").json()["number"]
    drugs = tuple(
        replace(d, card={**d.card, "en": d.card["en"] + " Reviewed."})
        if d.id == "olanzapine"
        else d
        for d in DATA.drugs
    )
    newer = publish(staff.url, replace(DATA, drugs=drugs))
    assert newer == first + 1
    with client_for(staff.url, version_max_age=0) as fresh:
        bundle = fresh.get(
            f"/api/v1/consultations/{consultation}/fhir", headers=staff.headers(fresh, "cora")
        ).json()
        public = fresh.get("/api/v1/fhir/Questionnaire/choosewell-checklist").json()
    (questionnaire,) = entries(bundle, "Questionnaire")
    (answers,) = entries(bundle, "QuestionnaireResponse")
    assert questionnaire["version"] == str(first)
    assert answers["questionnaire"].endswith(f"|{first}")
    assert public["version"] == str(newer)
