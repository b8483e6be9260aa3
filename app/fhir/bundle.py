"""The consultation for the health record: one Bundle of type `collection` holding the
checklist Questionnaire, the person's QuestionnaireResponse and the DocumentReference of
the discussion sheet. Entries are named by `urn:uuid:` from the consultation's own
128-bit random id (never a name or other identifier); the Questionnaire by its canonical
URL. Built with the library's models, then read back through `Bundle.model_validate_json`,
so what goes out is what the library accepts."""

from __future__ import annotations

import uuid
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle, BundleEntry

from app.catalogue.model import Dataset
from app.clock import as_utc
from app.consultations.tables import Consultation, DecisionVersion
from app.fhir.document import sheet_reference
from app.fhir.questionnaire import checklist_questionnaire, url
from app.fhir.response import answers_response
from app.fhir.terms import FhirBase


def urn(consultation_id: str, kind: str) -> str:
    """A stable `urn:uuid:` per resource of one consultation (the same on every export)."""
    return uuid.uuid5(uuid.UUID(hex=consultation_id), kind).urn


def consultation_bundle(
    base: FhirBase,
    dataset: Dataset,
    consultation: Consultation,
    decided: DecisionVersion | None,
    *,
    data_version: int,
    published_at: datetime,
    pdf: bytes,
    lang: str,
    at: datetime,
) -> Bundle:
    """`dataset` is data version `data_version` (the decision's, else the newest: the
    sheet's); `pdf` the sheet in `lang`; `at` when the export is made."""
    answers_urn = urn(consultation.id, "QuestionnaireResponse")
    entries = [
        BundleEntry(
            fullUrl=url(base),
            resource=checklist_questionnaire(
                base, dataset, data_version=data_version, published_at=published_at
            ),
        ),
        BundleEntry(
            fullUrl=answers_urn,
            resource=answers_response(base, dataset, consultation, data_version=data_version),
        ),
        BundleEntry(
            fullUrl=urn(consultation.id, "DocumentReference"),
            resource=sheet_reference(
                base, dataset, consultation, decided, pdf=pdf, lang=lang, answers=answers_urn
            ),
        ),
    ]
    built = Bundle(
        id=urn(consultation.id, "Bundle").removeprefix("urn:uuid:"),
        type="collection",
        timestamp=as_utc(at),
        entry=entries,
    )
    return Bundle.model_validate_json(built.model_dump_json())
