"""The consultation as FHIR R4B resources for the health record (ADR 0016, docs/fhir.md).

Built from the stored record and the data version with the `fhir.resources` models, which
validate every element as it is made: no dictionary reaches the answer unchecked. No web
or database code here; the API (app/api/fhir.py) reads the record and hands it in.
"""

from app.fhir.bundle import consultation_bundle
from app.fhir.document import sheet_reference
from app.fhir.questionnaire import QUESTIONNAIRE_ID, checklist_questionnaire
from app.fhir.response import answers_response
from app.fhir.terms import FhirBase

__all__ = [
    "QUESTIONNAIRE_ID",
    "FhirBase",
    "answers_response",
    "checklist_questionnaire",
    "consultation_bundle",
    "sheet_reference",
]
