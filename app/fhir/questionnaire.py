"""The checklist as a FHIR Questionnaire: what the tablet asks, for one data version.

One group per checklist item, in drugdata/checklist.yaml's order (its label, its order as
the prefix, its explanation), then the questions the person answers: priorities 1 to 5,
side effects that would help, those they could not accept at all, the forms they would
take, the options they want to talk about, whether a carer took part and what matters to
them. Every choice lists its answers as codings (terms.py). English, with the Norwegian
of each text as a translation extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
)

from app.catalogue.model import FORMULATIONS, Dataset
from app.clock import as_utc
from app.consultations.tablet_flow import WHAT_MATTERS_MAX
from app.consultations.view import FORM_LABELS
from app.fhir.terms import (
    LANGUAGE,
    TRANSLATED,
    FhirBase,
    checklist_coding,
    coding,
    translated,
)
from app.ranking.request import MAX_AVOID
from app.translations import N_, gettext_for

QUESTIONNAIRE_ID = "choosewell-checklist"
NAME = "ChoosewellChecklist"

TITLE = N_("Choosewell: the side effects that matter in choosing an antipsychotic")
CHECKLIST = N_("The side effects on the checklist")
AVOID = N_("The side effects the person most wants to avoid, most important first")
PRIORITY = N_("Priority {n}")
HELPFUL = N_("Side effects that would help")
MUST_AVOID = N_("Side effects the person could not accept at all")
FORMULATIONS_TEXT = N_("Forms of medicine the person would take")
OPTIONS = N_("What the person wants to talk about")
WITH_CARER = N_("Filled in with a carer")
WHAT_MATTERS = N_("What matters to this person")


def url(base: FhirBase) -> str:
    """The Questionnaire's canonical URL."""
    return f"{base.url}/Questionnaire/{QUESTIONNAIRE_ID}"


def canonical(base: FhirBase, data_version: int) -> str:
    """The canonical URL with the version: what a QuestionnaireResponse answers."""
    return f"{url(base)}|{data_version}"


def words(msgid: str, **values: object) -> dict[str, str]:
    """An interface text in English and Norwegian."""
    return {lang: gettext_for(lang)(msgid).format(**values) for lang in (LANGUAGE, TRANSLATED)}


def _item(link_id: str, kind: str, text: Mapping[str, str], **more: Any) -> QuestionnaireItem:
    return QuestionnaireItem(
        linkId=link_id, type=kind, text=text[LANGUAGE], _text=translated(text), **more
    )


def _choices(codings: list[Coding]) -> list[QuestionnaireItemAnswerOption]:
    return [QuestionnaireItemAnswerOption(valueCoding=c) for c in codings]


def formulation_codings(base: FhirBase) -> list[Coding]:
    return [coding(base.formulation, f, words(FORM_LABELS[f])) for f in FORMULATIONS]


def option_codings(base: FhirBase, dataset: Dataset) -> list[Coding]:
    options = dataset.options.options if dataset.options else ()
    return [coding(base.option, o.id, o.label) for o in options]


def checklist_questionnaire(
    base: FhirBase, dataset: Dataset, *, data_version: int, published_at: datetime
) -> Questionnaire:
    items = [checklist_coding(base, dataset, i.id) for i in dataset.checklist]
    checklist = [
        _item(
            f"checklist.{i.id}",
            "group",
            i.label,
            prefix=str(i.order),
            code=[checklist_coding(base, dataset, i.id)],
            item=[_item(f"checklist.{i.id}.explanation", "display", i.explanation)],
        )
        for i in dataset.checklist
    ]
    priorities = [
        _item(
            f"priority-{n}",
            "choice",
            words(PRIORITY, n=n),
            required=n == 1,
            answerOption=_choices(items),
        )
        for n in range(1, MAX_AVOID + 1)
    ]
    questions = [
        _item("checklist", "group", words(CHECKLIST), item=checklist),
        _item("avoid", "group", words(AVOID), required=True, item=priorities),
        _item("helpful", "choice", words(HELPFUL), repeats=True, answerOption=_choices(items)),
        _item(
            "must-avoid", "choice", words(MUST_AVOID), repeats=True, answerOption=_choices(items)
        ),
        _item(
            "formulations",
            "choice",
            words(FORMULATIONS_TEXT),
            repeats=True,
            answerOption=_choices(formulation_codings(base)),
        ),
    ]
    if options := option_codings(base, dataset):
        questions.append(
            _item("options", "choice", words(OPTIONS), repeats=True, answerOption=_choices(options))
        )
    questions += [
        _item("with-carer", "boolean", words(WITH_CARER)),
        _item("what-matters", "text", words(WHAT_MATTERS), maxLength=WHAT_MATTERS_MAX),
    ]
    title = words(TITLE)
    return Questionnaire(
        id=QUESTIONNAIRE_ID,
        url=url(base),
        version=str(data_version),
        name=NAME,
        title=title[LANGUAGE],
        _title=translated(title),
        status="active",
        experimental=False,
        subjectType=["Patient"],
        date=as_utc(published_at),
        publisher="Choosewell",
        language=LANGUAGE,
        item=questions,
    )
