"""The FHIR export's resources: each one, written out as JSON, parses and validates with
the FHIR model library (the class found by its resourceType), and says what the record
holds: the checklist in drugdata/checklist.yaml's order, the five priorities in order,
the sheet's PDF and the decision, coded by the drug data's SNOMED CT codes."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from app.config import ROOT
from app.consultations.tables import Consultation, DecisionVersion
from app.fhir import (
    FhirBase,
    answers_response,
    checklist_questionnaire,
    consultation_bundle,
    sheet_reference,
)
from tests.builders import bundled_dataset

DATA = bundled_dataset()
BASE = FhirBase("https://fhir.example.org/choosewell")
CHECKLIST_SYSTEM = "https://fhir.example.org/choosewell/CodeSystem/choosewell-checklist"
PUBLISHED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n% a sheet\n%%EOF\n"
ID = "0123456789abcdef0123456789abcdef"
PRIORITIES = ["weight-gain", "tremor", "tiredness", "less-sex-drive", "high-blood-sugar"]


def parsed(resource: Any) -> tuple[Any, dict[str, Any]]:
    """The resource written out as JSON, then read back by the library's class for its
    resourceType (not the class that built it), and the JSON as plain values."""
    text = resource.model_dump_json()
    document = json.loads(text)
    return get_fhir_model_class(document["resourceType"]).model_validate_json(text), document


def consultation(**changes: Any) -> Consultation:
    values: dict[str, Any] = {
        "id": ID,
        "code": "ACDEFG",
        "code_expires_at": datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        "created_at": datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        "lang": "en",
        "avoid": PRIORITIES,
        "helpful": ["sleepy-at-night"],
        "must_avoid": ["weight-gain"],
        "formulations": ["tablet", "long-acting-injection"],
        "options": ["medicine", "lower-dose"],
        "with_carer": True,
        "what_matters": "I drive to work",
    }
    return Consultation(**{**values, **changes})


def decision(version: int = 1, chosen: str = "olanzapine") -> DecisionVersion:
    return DecisionVersion(
        consultation_id=ID,
        version=version,
        discussed=["olanzapine", "asenapine"],
        decision=chosen,
        next_review=date(2027, 1, 15),
        context_note="",
        data_version=4,
        recorded_by="cora",
        recorded_at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    )


def checklist_ids_from_the_file() -> list[str]:
    document = yaml.safe_load((ROOT / "drugdata" / "checklist.yaml").read_text())
    return [item["id"] for item in document["items"]]


def codes(document: Any, system: str) -> list[str]:
    """Every code of `system` anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(document, dict):
        if document.get("system") == system:
            found.append(document["code"])
        for value in document.values():
            found += codes(value, system)
    elif isinstance(document, list):
        for value in document:
            found += codes(value, system)
    return found


# --- Questionnaire --------------------------------------------------------------------


def test_the_questionnaire_parses_and_lists_the_checklist_in_its_files_order() -> None:
    resource, document = parsed(
        checklist_questionnaire(BASE, DATA, data_version=4, published_at=PUBLISHED)
    )
    assert resource.get_resource_type() == "Questionnaire"
    assert (
        document["url"] == "https://fhir.example.org/choosewell/Questionnaire/choosewell-checklist"
    )
    assert document["version"] == "4"
    assert document["status"] == "active"
    assert [i["linkId"] for i in document["item"]] == [
        "checklist",
        "avoid",
        "helpful",
        "must-avoid",
        "formulations",
        "options",
        "with-carer",
        "what-matters",
    ]
    checklist = document["item"][0]["item"]
    expected = checklist_ids_from_the_file()
    assert len(expected) == 36
    assert [i["code"][0]["code"] for i in checklist] == expected
    assert {i["code"][0]["system"] for i in checklist} == {CHECKLIST_SYSTEM}
    assert [i["prefix"] for i in checklist] == [str(n) for n in range(1, 37)]
    assert all(i["type"] == "group" and i["item"][0]["type"] == "display" for i in checklist)
    weight = checklist[expected.index("weight-gain")]
    assert weight["text"] == "Weight gain"
    translation = weight["_text"]["extension"][0]
    assert translation["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    assert {
        e["url"]: next(v for k, v in e.items() if k.startswith("value"))
        for e in translation["extension"]
    } == {"lang": "nb", "content": "Vektøkning"}


def test_the_questionnaire_asks_five_priorities_each_from_the_whole_checklist() -> None:
    _, document = parsed(
        checklist_questionnaire(BASE, DATA, data_version=4, published_at=PUBLISHED)
    )
    avoid = document["item"][1]
    assert [i["linkId"] for i in avoid["item"]] == [f"priority-{n}" for n in range(1, 6)]
    assert [i.get("required", False) for i in avoid["item"]] == [True, False, False, False, False]
    for item in avoid["item"]:
        assert item["type"] == "choice"
        assert [o["valueCoding"]["code"] for o in item["answerOption"]] == (
            checklist_ids_from_the_file()
        )
    forms = document["item"][4]["answerOption"]
    assert [o["valueCoding"]["code"] for o in forms] == [
        "tablet",
        "capsule",
        "orodispersible",
        "liquid",
        "sublingual",
        "inhalation",
        "short-acting-injection",
        "long-acting-injection",
    ]
    options = document["item"][5]["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == [
        "medicine",
        "stay-on-current",
        "lower-dose",
        "no-antipsychotic",
    ]


def test_the_questionnaire_makes_up_no_snomed_code_for_a_checklist_item() -> None:
    _, document = parsed(
        checklist_questionnaire(BASE, DATA, data_version=4, published_at=PUBLISHED)
    )
    assert codes(document, "http://snomed.info/sct") == []
    assert "snomed" not in json.dumps(document).lower()


# --- QuestionnaireResponse ------------------------------------------------------------


def test_the_response_parses_and_gives_the_priorities_in_order() -> None:
    resource, document = parsed(answers_response(BASE, DATA, consultation(), data_version=4))
    assert resource.get_resource_type() == "QuestionnaireResponse"
    assert document["questionnaire"] == (
        "https://fhir.example.org/choosewell/Questionnaire/choosewell-checklist|4"
    )
    assert document["status"] == "completed"
    assert document["authored"] == "2026-12-01T10:00:00Z"
    avoid = document["item"][0]
    assert [i["linkId"] for i in avoid["item"]] == [f"priority-{n}" for n in range(1, 6)]
    assert [i["answer"][0]["valueCoding"]["code"] for i in avoid["item"]] == [
        "weight-gain",
        "tremor",
        "tiredness",
        "less-sex-drive",
        "high-blood-sugar",
    ]
    assert avoid["item"][0]["answer"][0]["valueCoding"]["display"] == "Weight gain"
    answers = {i["linkId"]: i.get("answer") for i in document["item"][1:]}
    assert [a["valueCoding"]["code"] for a in answers["helpful"]] == ["sleepy-at-night"]
    assert [a["valueCoding"]["code"] for a in answers["must-avoid"]] == ["weight-gain"]
    assert [a["valueCoding"]["code"] for a in answers["formulations"]] == [
        "tablet",
        "long-acting-injection",
    ]
    assert [a["valueCoding"]["code"] for a in answers["options"]] == ["medicine", "lower-dose"]
    assert answers["with-carer"] == [{"valueBoolean": True}]
    assert answers["what-matters"] == [{"valueString": "I drive to work"}]


def test_the_response_names_nobody() -> None:
    _, document = parsed(answers_response(BASE, DATA, consultation(), data_version=4))
    for element in ("subject", "author", "source", "identifier", "encounter", "basedOn"):
        assert element not in document


def test_questions_left_unanswered_are_left_out() -> None:
    quiet = consultation(
        avoid=["tremor"], helpful=[], must_avoid=[], formulations=[], options=[], what_matters=" "
    )
    _, document = parsed(answers_response(BASE, DATA, quiet, data_version=4))
    assert [i["linkId"] for i in document["item"]] == ["avoid", "with-carer"]
    assert [i["linkId"] for i in document["item"][0]["item"]] == ["priority-1"]


def test_an_item_this_data_version_no_longer_has_keeps_its_code_without_a_label() -> None:
    older = consultation(avoid=["weight-gain", "an-item-since-removed"])
    _, document = parsed(answers_response(BASE, DATA, older, data_version=4))
    second = document["item"][0]["item"][1]["answer"][0]["valueCoding"]
    assert second == {"system": CHECKLIST_SYSTEM, "code": "an-item-since-removed"}


# --- DocumentReference ----------------------------------------------------------------


def sheet(decided: DecisionVersion | None, lang: str = "en") -> dict[str, Any]:
    resource = sheet_reference(
        BASE, DATA, consultation(), decided, pdf=PDF, lang=lang, answers="urn:uuid:answers"
    )
    parsed_back, document = parsed(resource)
    assert parsed_back.get_resource_type() == "DocumentReference"
    return document


def test_the_sheet_is_attached_whole_with_its_size_and_hash() -> None:
    document = sheet(decision())
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == PDF
    assert attachment["size"] == len(PDF)
    assert base64.b64decode(attachment["hash"]) == hashlib.sha1(PDF).digest()
    assert attachment["language"] == "en"
    assert "subject" not in document and "author" not in document
    assert document["context"]["related"] == [
        {"reference": "urn:uuid:answers", "type": "QuestionnaireResponse"}
    ]


def test_the_decision_is_said_and_coded_with_the_drug_datas_snomed_code() -> None:
    document = sheet(decision())
    assert document["docStatus"] == "final"
    assert document["description"] == (
        "Decision: Olanzapine. Medicines discussed: Olanzapine and Asenapine. "
        "Next review: 15 January 2027. Recorded with data version 4."
    )
    event = document["context"]["event"][0]
    # olanzapine.yaml: snomed "386849001", atc N05AH03
    assert [(c["system"], c["code"]) for c in event["coding"]] == [
        ("http://snomed.info/sct", "386849001"),
        ("http://www.whocc.no/atc", "N05AH03"),
    ]


def test_a_medicine_without_a_verified_snomed_code_gets_its_atc_code_alone() -> None:
    document = sheet(decision(chosen="asenapine"))
    event = document["context"]["event"][0]
    # asenapine.yaml holds no snomed code; its ATC code is N05AH05
    assert [(c["system"], c["code"]) for c in event["coding"]] == [
        ("http://www.whocc.no/atc", "N05AH05")
    ]


def test_a_decision_that_is_no_medicine_has_the_services_own_code_and_norwegian_words() -> None:
    document = sheet(decision(version=2, chosen="no-medication"), lang="nb")
    assert document["docStatus"] == "amended"
    event = document["context"]["event"][0]
    assert event["coding"][0]["system"] == (
        "https://fhir.example.org/choosewell/CodeSystem/choosewell-decision"
    )
    assert event["coding"][0]["code"] == "no-medication"
    assert document["description"].startswith("Beslutning: ")
    assert document["description"].endswith("Endret (versjon 2) med dataversjon 4.")
    assert document["content"][0]["attachment"]["language"] == "nb"


def test_before_a_decision_the_sheet_is_preliminary_and_says_so() -> None:
    document = sheet(None)
    assert document["docStatus"] == "preliminary"
    assert document["description"] == "No decision has been recorded yet."
    assert "event" not in document["context"]


# --- Bundle ---------------------------------------------------------------------------


@cache  # the same bundle for every test: fhir.resources takes about 0.4 s to write it
def bundle_json() -> str:
    bundle = consultation_bundle(
        BASE,
        DATA,
        consultation(),
        decision(),
        data_version=4,
        published_at=PUBLISHED,
        pdf=PDF,
        lang="en",
        at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
    )
    return str(bundle.model_dump_json())


def test_the_bundle_is_a_collection_of_the_three_that_the_library_reads_back() -> None:
    text = bundle_json()
    bundle: Any = get_fhir_model_class("Bundle").model_validate_json(text)
    assert bundle.type == "collection"
    assert [e.resource.get_resource_type() for e in bundle.entry] == [
        "Questionnaire",
        "QuestionnaireResponse",
        "DocumentReference",
    ]
    document = json.loads(text)
    questionnaire, answers, sheet_entry = document["entry"]
    assert questionnaire["fullUrl"] == (
        "https://fhir.example.org/choosewell/Questionnaire/choosewell-checklist"
    )
    assert answers["fullUrl"].startswith("urn:uuid:")
    related = sheet_entry["resource"]["context"]["related"][0]["reference"]
    assert related == answers["fullUrl"]
    assert document["timestamp"] == "2026-12-02T08:00:00Z"
    assert bundle_json() == text  # the same resources, the same names, on every export


def test_the_library_refuses_a_bundle_that_breaks_the_rules() -> None:
    """The parse in these tests can fail: a Bundle without its type, or with an element
    FHIR does not have, is refused."""
    document = json.loads(bundle_json())
    del document["type"]
    with pytest.raises(ValidationError, match="type"):
        get_fhir_model_class("Bundle").model_validate(document)
    document = json.loads(bundle_json())
    document["entry"][1]["resource"]["patientName"] = "x"
    with pytest.raises(ValidationError, match="patientName"):
        get_fhir_model_class("Bundle").model_validate(document)
