"""The discussion sheet: one template, read in the browser (print CSS) or as a PDF.

The sheet is in the language the person chose on the tablet unless `?lang=` asks for
another, so a clinician working in English can give a Norwegian sheet. Once a decision
is recorded the sheet uses the data version of that decision, so what was discussed and
what is printed come from the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.service import Principal
from app.consultations import options_view, view
from app.http.auth import CLINICAL, staff_unit
from app.http.consultations import Record, read_consultation
from app.http.params import Id
from app.http.published import Published, PublishedDep, published_for
from app.http.unit_of_work import writing_unit
from app.i18n import normalise
from app.ranking.explain import forms_text
from app.translations import available_languages, gettext_for
from app.web import pdf
from app.web.charts import icon_array
from app.web.render import LANGUAGE_NAMES, no_store, templates

router = APIRouter(prefix="/consultations", include_in_schema=False)
Lang = Annotated[str | None, Query(max_length=16, description="en or nb (no, nb-NO)")]
Large = Annotated[int, Query(ge=0, le=1, description="1 for large print (16 pt)")]
BABEL_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


def sheet_html(
    request: Request,
    record: Record,
    data: Published,
    lang: str | None,
    large: bool,
    *,
    for_pdf: bool,
) -> str:
    """The sheet of `record`, from `data`: the version the decision was made with
    (`published_for`), which needs the database, so the caller finds it in its unit of
    work; this only renders."""
    consultation, decided = record.consultation, record.latest
    chosen = normalise(lang) or consultation.lang
    chosen = chosen if chosen in available_languages() else "en"
    shown = view.for_consultation(consultation, data, chosen, decision=decided)
    locale = BABEL_LOCALES.get(chosen, "en_GB")
    base = f"/consultations/{consultation.id}/sheet"
    context = {
        "request": request,
        "_": gettext_for(chosen),
        "lang": chosen,
        "v": shown,
        "large": large,
        "for_pdf": for_pdf,
        "icons": lambda figure, label_id: icon_array(figure, large=large, label_id=label_id),
        "other_options": [
            o for o in options_view.options(data.dataset, chosen) if o.id != "medicine"
        ],
        "every": shown.class_safety_plain,
        "forms_text": forms_text,
        "today": format_date(
            decided.recorded_at if decided else consultation.created_at, "long", locale
        ),
        "published": format_date(shown.data_published, "long", locale),
        "next_review": format_date(shown.next_review, "long", locale)
        if shown.next_review
        else None,
        "lang_links": [
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "href": f"{base}?lang={code}&large={int(large)}",
                "current": code == chosen,
            }
            for code in available_languages()
        ],
        "pdf_href": f"{base}.pdf?lang={chosen}&large={int(large)}",
        "other_size_href": f"{base}?lang={chosen}&large={int(not large)}",
        # The person's code for "tell us how it went" (app/web/feedback.py); None for
        # consultations made before feedback codes existed.
        "feedback_code": consultation.feedback_code,
    }
    return templates.get_template("sheet/sheet.html").render(context)


def sheet_pdf_bytes(
    request: Request,
    session: Any,
    record: Record,
    published: Published,
    lang: str | None = None,
    large: bool = False,
) -> bytes:
    """The sheet as a PDF: what `/sheet.pdf` answers, and what the FHIR export attaches
    (handed to the API by `create_app` as `AppState.sheet_pdf`)."""
    data = published_for(request, session, record, published)
    html = sheet_html(request, record, data, lang, large, for_pdf=True)
    return pdf.render(html, base_url=pdf.BASE_URL)


def _reading(
    request: Request, published: Published, consultation_id: str, *, view: str
) -> Callable[[Session, Principal], tuple[Record, Published]]:
    """What a sheet reads in its unit of work: the consultation (the read recorded, as
    `view`) and the data version its decision was made with."""

    def load(session: Session, who: Principal) -> tuple[Record, Published]:
        record = read_consultation(request, session, consultation_id, by=who.username, view=view)
        return record, published_for(request, session, record, published)

    return load


@router.get("/{consultation_id}/sheet")
@writing_unit
async def sheet(
    request: Request,
    published: PublishedDep,
    consultation_id: Id,
    lang: Lang = None,
    large: Large = 0,
) -> Response:
    """The sheet in the browser (print CSS): the read recorded and the page rendered in
    one worker-thread hop (`staff_unit`)."""
    load = _reading(request, published, consultation_id, view="sheet")

    def answer(loaded: tuple[Record, Published], _who: Principal) -> str:
        return sheet_html(request, *loaded, lang, bool(large), for_pdf=False)

    html = await staff_unit(request, CLINICAL, load, answer)
    return no_store(Response(html, media_type="text/html; charset=utf-8"))


@router.get("/{consultation_id}/sheet.pdf")
@writing_unit
async def sheet_pdf(
    request: Request,
    published: PublishedDep,
    consultation_id: Id,
    lang: Lang = None,
    large: Large = 0,
) -> Response:
    """The sheet as a PDF, in the same one hop: the read is recorded and committed, then
    the sheet laid out, holding no transaction and, on SQLite, no write lock while
    WeasyPrint works. Nothing is answered unless the read was recorded."""
    load = _reading(request, published, consultation_id, view="pdf")

    def answer(loaded: tuple[Record, Published], _who: Principal) -> bytes:
        html = sheet_html(request, *loaded, lang, bool(large), for_pdf=True)
        return pdf.render(html, base_url=pdf.BASE_URL)

    document = await staff_unit(request, CLINICAL, load, answer)
    return no_store(
        Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="discussion-sheet.pdf"'},
        )
    )
