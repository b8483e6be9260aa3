"""The clinician's follow-up pages: issue a follow-up code at the review; for the chosen
medicine, what the person feared, what the data predicted and what they report now,
with each item's answers over time; a fresh ranking for the switch discussion; and the
printable follow-up sheet (HTML and PDF). Every view of a consultation is a recorded
read (ADR 0010); issuing a code is audited (docs/adr/0014-follow-ups.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session

from app.accounts.service import Principal
from app.consultations import follow_up, follow_up_view, follow_ups, view
from app.consultations.tables import FollowUpCode
from app.http.auth import CLINICAL, Clinical, staff_unit
from app.http.consultations import open_consultation
from app.http.follow_ups import FollowUps, read_follow_ups
from app.http.language import PageLanguageDep
from app.http.params import Id
from app.http.published import Published, PublishedDep
from app.http.state import app_state
from app.http.unit_of_work import SessionDep, writing_unit
from app.i18n import normalise
from app.translations import available_languages, gettext_for
from app.web import pdf
from app.web.charts import bother_chart
from app.web.render import LANGUAGE_NAMES, no_store, render, templates

router = APIRouter(include_in_schema=False)
Drug = Annotated[str | None, Query(max_length=64)]
BABEL_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


def _view(
    found: FollowUps, published: Published, lang: str, drug: str | None
) -> follow_up_view.FollowUpView:
    reports = [
        follow_up_view.Report(r.id or 0, r.created_at, r.drug, r.bother, r.data_version)
        for r in found.reports
    ]
    return follow_up_view.build(
        reports,
        found.record.consultation.avoid,
        found.datasets,
        published.dataset,
        lang,
        drug,
    )


def _charts(shown: follow_up_view.FollowUpView) -> dict[str, Markup]:
    return {
        t.item: bother_chart([p.value for p in t.points], label_id=f"trend-{t.item}")
        for t in shown.trends
    }


def _page(
    request: Request,
    found: FollowUps,
    published: Published,
    who: object,
    lang: str,
    drug: str | None,
    *,
    issued: FollowUpCode | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(lang)
    consultation, latest = found.record.consultation, found.record.latest
    shown = _view(found, published, lang, drug)
    return render(
        request,
        "clinic/follow_up.html",
        {
            "page_title": _("Follow-up"),
            "principal": who,
            "c": consultation,
            "f": shown,
            "charts": _charts(shown),
            "decision_label": view.decision_label(latest.decision, published.dataset, lang)
            if latest
            else None,
            "next_review": latest.next_review if latest else None,
            "issued": issued,
            "data_version": published.version,
            "languages": [(c, LANGUAGE_NAMES.get(c, c)) for c in available_languages()],
        },
        status_code,
    )


@router.get("/staff/consultations/{consultation_id}/follow-up")
@writing_unit
def follow_up_page(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Clinical,
    published: PublishedDep,
    consultation_id: Id,
    drug: Drug = None,
) -> Response:
    """The follow-ups of a consultation for the chosen medicine. The read is recorded."""
    found = read_follow_ups(
        request, session, consultation_id, published, by=who.username, view="follow-up"
    )
    return _page(request, found, published, who, page.code, drug)


@router.post("/staff/consultations/{consultation_id}/follow-up-codes")
def issue_code(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Clinical,
    published: PublishedDep,
    consultation_id: Id,
) -> Response:
    """Issue a follow-up code and show it on the follow-up page (audited). The page is
    the answer itself, not a redirect: the code never goes into an address."""
    record = open_consultation(request, session, consultation_id)
    ttl = timedelta(minutes=app_state(request).settings.code_ttl_minutes)
    issued = follow_ups.issue_code(session, record, by=who.username, ttl=ttl)
    found = read_follow_ups(
        request, session, record.consultation.id, published, by=who.username, view="follow-up"
    )
    response = _page(request, found, published, who, page.code, None, issued=issued)
    no_store(response)
    return response


@router.get("/staff/consultations/{consultation_id}/follow-up/switch")
@writing_unit
def switch_page(
    request: Request,
    page: PageLanguageDep,
    session: SessionDep,
    who: Clinical,
    published: PublishedDep,
    consultation_id: Id,
    drug: Drug = None,
) -> Response:
    """A fresh ranking for the switch discussion: the newest follow-up's items that
    bother the person quite a lot or more, added to the items to avoid (docs/ranking.md,
    "The switch discussion"). The ranking engine is the same; the read is recorded."""
    found = read_follow_ups(
        request, session, consultation_id, published, by=who.username, view="follow-up"
    )
    lang, _ = page.code, page._
    shown = _view(found, published, lang, drug)
    consultation = found.record.consultation
    latest = next(
        (r for r in reversed(found.reports) if shown.latest and r.id == shown.latest.id), None
    )
    dataset = published.dataset
    wishes = follow_up.switch(
        consultation.avoid,
        consultation.helpful,
        consultation.must_avoid,
        latest.bother if latest else {},
        dataset.item_ids,
    )
    ranked = view.ranked(
        dataset,
        lang,
        view.Preferences(
            wishes.avoid, wishes.helpful, wishes.must_avoid, consultation.formulations
        ),
    )
    ranking_html = Markup(  # noqa: S704 - Jinja's autoescaped output
        templates.get_template("clinic/_ranking.html").render(
            {"_": _, "v": ranked, "consultation_id": consultation.id}
        )
    )
    return render(
        request,
        "clinic/follow_up_switch.html",
        {
            "page_title": _("Switch discussion: a fresh ranking"),
            "principal": who,
            "c": consultation,
            "f": shown,
            "v": ranked,
            "added": [dataset.item(i).label[lang] for i in wishes.added],
            "dropped": [dataset.item(i).label[lang] for i in wishes.dropped],
            "ranking_html": ranking_html,
            "data_version": published.version,
        },
    )


def sheet_html(
    request: Request,
    found: FollowUps,
    published: Published,
    lang: str | None,
    drug: str | None,
    *,
    for_pdf: bool,
) -> str:
    consultation = found.record.consultation
    chosen = normalise(lang) or consultation.lang
    chosen = chosen if chosen in available_languages() else "en"
    shown = _view(found, published, chosen, drug)
    locale = BABEL_LOCALES.get(chosen, "en_GB")
    base = f"/consultations/{consultation.id}/follow-up-sheet"
    query = f"&drug={shown.drug}" if shown.drug else ""
    return templates.get_template("sheet/follow_up.html").render(
        {
            "request": request,
            "_": gettext_for(chosen),
            "lang": chosen,
            "f": shown,
            "charts": _charts(shown),
            "for_pdf": for_pdf,
            "data_version": published.version.number,
            "today": format_date(
                shown.latest.created_at if shown.latest else consultation.created_at,
                "long",
                locale,
            ),
            "lang_links": [
                {
                    "code": code,
                    "name": LANGUAGE_NAMES.get(code, code),
                    "href": f"{base}?lang={code}{query}",
                    "current": code == chosen,
                }
                for code in available_languages()
            ],
            "pdf_href": f"{base}.pdf?lang={chosen}{query}",
        }
    )


Lang = Annotated[str | None, Query(max_length=16, description="en or nb (no, nb-NO)")]


def _reading(
    request: Request, published: Published, consultation_id: str, *, view: str
) -> Callable[[Session, Principal], FollowUps]:
    """What a follow-up sheet reads in its unit of work: the consultation (the read
    recorded, as `view`), its follow-ups and the data versions they were made with."""

    def load(session: Session, who: Principal) -> FollowUps:
        return read_follow_ups(
            request, session, consultation_id, published, by=who.username, view=view
        )

    return load


@router.get("/consultations/{consultation_id}/follow-up-sheet")
@writing_unit
async def follow_up_sheet(
    request: Request,
    published: PublishedDep,
    consultation_id: Id,
    lang: Lang = None,
    drug: Drug = None,
) -> Response:
    """The follow-up sheet in the browser, in one worker-thread hop (`staff_unit`), as
    the discussion sheet is: the read recorded and committed, then the page rendered."""
    load = _reading(request, published, consultation_id, view="follow-up-sheet")

    def answer(found: FollowUps, _who: Principal) -> str:
        return sheet_html(request, found, published, lang, drug, for_pdf=False)

    html = await staff_unit(request, CLINICAL, load, answer)
    return no_store(Response(html, media_type="text/html; charset=utf-8"))


@router.get("/consultations/{consultation_id}/follow-up-sheet.pdf")
@writing_unit
async def follow_up_sheet_pdf(
    request: Request,
    published: PublishedDep,
    consultation_id: Id,
    lang: Lang = None,
    drug: Drug = None,
) -> Response:
    """The follow-up sheet as a PDF: laid out once the read is committed, so WeasyPrint
    works holding no transaction and, on SQLite, no write lock."""
    load = _reading(request, published, consultation_id, view="follow-up-pdf")

    def answer(found: FollowUps, _who: Principal) -> bytes:
        html = sheet_html(request, found, published, lang, drug, for_pdf=True)
        return pdf.render(html, base_url=pdf.BASE_URL)

    document = await staff_unit(request, CLINICAL, load, answer)
    return no_store(
        Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="follow-up-sheet.pdf"'},
        )
    )
