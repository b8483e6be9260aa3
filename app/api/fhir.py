"""FHIR R4B for the health record (ADR 0016, docs/fhir.md).

`GET /api/v1/consultations/{id}/fhir` (clinician, pharmacist): the consultation as a
Bundle of type `collection` (the checklist Questionnaire, the person's
QuestionnaireResponse, the discussion sheet's DocumentReference with the PDF). The read is
recorded like every staff read (view "fhir"); the same rules say when it may be opened.

`GET /api/v1/fhir/Questionnaire/choosewell-checklist` (anyone, like the checklist it
restates at `GET /api/v1/side-effects`): the Questionnaire of the newest data version.
It holds no personal data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app import fhir
from app.api.schemas import problem_responses
from app.clock import as_utc, utcnow
from app.http.auth import Clinical
from app.http.consultations import read_consultation
from app.http.published import PublishedDep, published_for
from app.http.state import app_state
from app.http.unit_of_work import SessionDep, writing_unit
from app.translations import available_languages

router = APIRouter(prefix="/api/v1", tags=["fhir"])
MEDIA_TYPE = "application/fhir+json"


def _fhir_json(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {MEDIA_TYPE: {"schema": {"type": "object"}}},
        }
    }


def _base(request: Request) -> fhir.FhirBase:
    return fhir.FhirBase(app_state(request).settings.fhir_base)


@router.get(
    "/consultations/{consultation_id}/fhir",
    response_class=Response,
    responses={
        **_fhir_json("a FHIR R4B Bundle (collection)"),
        **problem_responses(401, 403, 404, 410),
    },
)
@writing_unit
def consultation_bundle(
    request: Request,
    session: SessionDep,
    published: PublishedDep,
    who: Clinical,
    consultation_id: Annotated[str, Path(max_length=32)],
) -> Response:
    """The consultation for the health record: a Bundle with the checklist
    Questionnaire, the person's answers (QuestionnaireResponse: no subject, no
    identifier) and the discussion sheet (DocumentReference: the PDF in the person's
    language, the decision as it stands). The read is recorded. 410 as for the
    consultation itself."""
    record = read_consultation(request, session, consultation_id, by=who.username, view="fhir")
    data = published_for(request, session, record, published)
    make_pdf = app_state(request).sheet_pdf
    if make_pdf is None:
        raise RuntimeError("create_app hands the sheet's PDF maker to AppState.sheet_pdf")
    consultation = record.consultation
    lang = consultation.lang if consultation.lang in available_languages() else "en"
    bundle = fhir.consultation_bundle(
        _base(request),
        data.dataset,
        consultation,
        record.latest,
        data_version=data.version.number,
        published_at=as_utc(data.version.created_at),
        pdf=make_pdf(request, session, record, published),
        lang=lang,
        at=utcnow(),
    )
    return Response(
        bundle.model_dump_json(),
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    f"/fhir/Questionnaire/{fhir.QUESTIONNAIRE_ID}",
    response_class=Response,
    responses=_fhir_json("a FHIR R4B Questionnaire"),
)
def checklist_questionnaire(request: Request, published: PublishedDep) -> Response:
    """The checklist as a FHIR Questionnaire, version = the newest data version: one
    group per checklist item in the paper tool's order, then the questions the tablet
    asks. No login: it holds no personal data."""
    questionnaire = fhir.checklist_questionnaire(
        _base(request),
        published.dataset,
        data_version=published.version.number,
        published_at=as_utc(published.version.created_at),
    )
    return Response(questionnaire.model_dump_json(), media_type=MEDIA_TYPE)
