"""The discussion sheet as a DocumentReference: the PDF itself, and the decision in it.

The PDF is the one the sheet's route makes (app/web/sheet.py), handed in as bytes; it
goes in whole (base64), with its size and SHA-1 hash as FHIR's Attachment asks. The
decision as it stands is said in `description` and coded in `context.event` (a medicine
by its SNOMED CT and ATC codes, else this service's decision code); `docStatus` says
whether it is the first recording ("final"), an amendment ("amended") or not yet made
("preliminary"). `context.related` points at the person's answers in the same Bundle.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from babel.dates import format_date
from babel.lists import format_list
from fhir.resources.R4B.attachment import Attachment
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.documentreference import (
    DocumentReference,
    DocumentReferenceContent,
    DocumentReferenceContext,
)
from fhir.resources.R4B.reference import Reference

from app.catalogue.model import Dataset
from app.clock import as_utc
from app.consultations.tables import Consultation, DecisionVersion
from app.consultations.view import DECISION_LABELS, decision_label
from app.fhir.questionnaire import words
from app.fhir.terms import LANGUAGE, FhirBase, coding, medicine_concept
from app.translations import N_, gettext_for

SHEET_TITLE = N_("Discussion sheet")
NO_DECISION = N_("No decision has been recorded yet.")
DECIDED = N_("Decision: {decision}.")
DISCUSSED = N_("Medicines discussed: {medicines}.")
NEXT_REVIEW = N_("Next review: {date}.")
RECORDED = N_("Recorded with data version {number}.")
AMENDED = N_("Amended (version {version}) with data version {number}.")
DOCUMENT_TYPE = N_("Shared decision-making discussion sheet")
PDF = "application/pdf"
LOCALES = {"en": "en_GB", "nb": "nb_NO"}


def decision_concept(base: FhirBase, dataset: Dataset, decision: str) -> CodeableConcept:
    if decision in DECISION_LABELS:
        label = words(DECISION_LABELS[decision])
        return CodeableConcept(
            coding=[coding(base.decision, decision, label)], text=label[LANGUAGE]
        )
    return medicine_concept(dataset, decision)


def describe(dataset: Dataset, decided: DecisionVersion | None, lang: str) -> str:
    """The decision in a few sentences in the sheet's language, for the record's list of
    documents: the decision, the medicines discussed, the next review, which version."""
    _, locale = gettext_for(lang), LOCALES.get(lang, "en_GB")
    if decided is None:
        return _(NO_DECISION)

    def name(drug: str) -> str:
        return decision_label(drug, dataset, lang) or drug

    parts = [_(DECIDED).format(decision=name(decided.decision))]
    if decided.discussed:
        medicines = format_list([name(d) for d in decided.discussed], locale=locale)
        parts.append(_(DISCUSSED).format(medicines=medicines))
    if decided.next_review:
        parts.append(_(NEXT_REVIEW).format(date=format_date(decided.next_review, "long", locale)))
    if decided.version == 1:
        parts.append(_(RECORDED).format(number=decided.data_version))
    else:
        parts.append(_(AMENDED).format(version=decided.version, number=decided.data_version))
    return " ".join(parts)


def sheet_reference(
    base: FhirBase,
    dataset: Dataset,
    consultation: Consultation,
    decided: DecisionVersion | None,
    *,
    pdf: bytes,
    lang: str,
    answers: str,
) -> DocumentReference:
    """`answers` is the reference (a Bundle entry's fullUrl) of the QuestionnaireResponse."""
    moment: datetime = as_utc(decided.recorded_at if decided else consultation.created_at)
    title = gettext_for(lang)(SHEET_TITLE)
    status = "preliminary" if decided is None else ("final" if decided.version == 1 else "amended")
    return DocumentReference(
        id=f"{consultation.id}-sheet",
        status="current",
        docStatus=status,
        type=CodeableConcept(text=gettext_for(lang)(DOCUMENT_TYPE)),
        date=moment,
        description=describe(dataset, decided, lang),
        content=[
            DocumentReferenceContent(
                attachment=Attachment(
                    contentType=PDF,
                    language=lang,
                    data=base64.b64encode(pdf),
                    size=len(pdf),
                    hash=base64.b64encode(hashlib.sha1(pdf).digest()),  # noqa: S324  FHIR's choice
                    title=title,
                    creation=moment,
                )
            )
        ],
        context=DocumentReferenceContext(
            event=[decision_concept(base, dataset, decided.decision)] if decided else None,
            related=[Reference(reference=answers, type="QuestionnaireResponse")],
        ),
    )
