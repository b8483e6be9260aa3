"""The person's answers as a QuestionnaireResponse to the checklist of one data version.

The priorities come in their order (priority-1 first), then the side effects that would
help, those they could not accept at all, the forms, the options, the carer and what
matters in their own words. No subject and no author: a consultation holds no name or
other identifier, and neither does its export. A question left unanswered is left out.
"""

from __future__ import annotations

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)

from app.catalogue.model import Dataset
from app.clock import as_utc
from app.consultations.tables import Consultation
from app.consultations.view import FORM_LABELS
from app.fhir.questionnaire import (
    AVOID,
    FORMULATIONS_TEXT,
    HELPFUL,
    MUST_AVOID,
    OPTIONS,
    PRIORITY,
    WHAT_MATTERS,
    WITH_CARER,
    canonical,
    words,
)
from app.fhir.terms import LANGUAGE, FhirBase, checklist_coding, coding


def _codings(link_id: str, text: str, codings: list[Coding]) -> list[QuestionnaireResponseItem]:
    if not codings:
        return []
    answers = [QuestionnaireResponseItemAnswer(valueCoding=c) for c in codings]
    return [QuestionnaireResponseItem(linkId=link_id, text=text, answer=answers)]


def answers_response(
    base: FhirBase, dataset: Dataset, consultation: Consultation, *, data_version: int
) -> QuestionnaireResponse:
    c = consultation

    def items(ids: list[str]) -> list[Coding]:
        return [checklist_coding(base, dataset, i) for i in ids]

    options = dataset.options
    chosen_options = [
        coding(base.option, o, options.option(o).label)
        for o in c.options
        if options is not None and o in options.ids
    ]
    priorities = [
        QuestionnaireResponseItem(
            linkId=f"priority-{n}",
            text=words(PRIORITY, n=n)[LANGUAGE],
            answer=[QuestionnaireResponseItemAnswer(valueCoding=answer)],
        )
        for n, answer in enumerate(items(c.avoid), start=1)
    ]
    answered = [
        QuestionnaireResponseItem(linkId="avoid", text=words(AVOID)[LANGUAGE], item=priorities),
        *_codings("helpful", words(HELPFUL)[LANGUAGE], items(c.helpful)),
        *_codings("must-avoid", words(MUST_AVOID)[LANGUAGE], items(c.must_avoid)),
        *_codings(
            "formulations",
            words(FORMULATIONS_TEXT)[LANGUAGE],
            [coding(base.formulation, f, words(FORM_LABELS[f])) for f in c.formulations],
        ),
        *_codings("options", words(OPTIONS)[LANGUAGE], chosen_options),
        QuestionnaireResponseItem(
            linkId="with-carer",
            text=words(WITH_CARER)[LANGUAGE],
            answer=[QuestionnaireResponseItemAnswer(valueBoolean=c.with_carer)],
        ),
    ]
    if c.what_matters.strip():
        answered.append(
            QuestionnaireResponseItem(
                linkId="what-matters",
                text=words(WHAT_MATTERS)[LANGUAGE],
                answer=[QuestionnaireResponseItemAnswer(valueString=c.what_matters)],
            )
        )
    return QuestionnaireResponse(
        id=c.id,
        questionnaire=canonical(base, data_version),
        status="completed",
        authored=as_utc(c.created_at),
        item=answered,
    )
