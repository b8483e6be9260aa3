"""The follow-up through the pages, without JavaScript: the clinician issues a code with
the form, the person reports on the tablet's one page (bad input keeps every answer; a
used code is refused like an unknown one), and the clinician's follow-up page shows
feared, predicted and reported, what bothers them, the switch ranking and the sheet."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import httpx2
import pytest
from bs4 import Tag
from fastapi.testclient import TestClient

from app.clock import utcnow
from app.consultations.follow_up import UNKNOWN_CODE
from tests.builders import bundled_dataset
from tests.integration.pages import ranking_rows, soup
from tests.integration.pages import text as text_of
from tests.integration.staff import StaffApp, web_login
from tests.integration.test_clinic_pages import pdf_text
from tests.lookup import one
from tests.readability import MAX_GRADE, as_prose, grade, visible_units

# Runs on SQLite only (marker `backend_neutral`): draws the follow-up pages and the
# sheet; issuing, using and reading follow-ups (the same app.consultations.follow_ups
# functions) run on PostgreSQL in test_follow_ups_api.
pytestmark = pytest.mark.backend_neutral

DATA = bundled_dataset()
AVOID = ["weight-gain", "restlessness", "sun-sensitivity", "tremor", "dry-mouth"]


def label(item: str, lang: str = "en") -> str:
    return str(DATA.item(item).label[lang])


def decided(client: TestClient, staff_app: StaffApp) -> tuple[str, str]:
    """A consultation with quetiapine decided, and cora's web session (CSRF token)."""
    _client, staff = staff_app
    cid = client.post("/api/v1/consultations", json={"avoid": AVOID}).json()["id"]
    review = (utcnow().date() + timedelta(days=42)).isoformat()
    csrf = web_login(client, staff, "cora")
    saved = client.post(
        f"/staff/consultations/{cid}/decision",
        data={"decision": "quetiapine", "next_review": review, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    return cid, csrf


def issue(client: TestClient, cid: str, csrf: str) -> str:
    without = client.post(f"/staff/consultations/{cid}/follow-up-codes")
    assert without.status_code == 403  # CSRF: the form's token is needed
    page = client.post(f"/staff/consultations/{cid}/follow-up-codes", data={"csrf_token": csrf})
    assert page.status_code == 200, page.text
    code = text_of(one(soup(page.text), "p.code")).replace(" ", "")
    assert len(code) == 6
    return code


def report_form(page: str) -> list[tuple[str, str]]:
    """The report form's fields as the browser sends them: the hidden ones, the chosen
    medicine and every checked radio."""
    form = one(soup(page), "form#step-form")
    fields = [(str(i["name"]), str(i["value"])) for i in form.find_all("input", type="hidden")]
    select = one(form, 'select[name="drug"]')
    chosen = select.find("option", selected=True)
    fields.append(("drug", str(chosen["value"]) if isinstance(chosen, Tag) else ""))
    fields += [
        (str(r["name"]), str(r["value"]))
        for r in form.find_all("input", type="radio", checked=True)
    ]
    return fields


def send(client: TestClient, fields: list[tuple[str, str]]) -> httpx2.Response:
    """Post the report form as the browser does (repeated and ordered fields)."""
    return client.post(
        "/tablet/follow-up/report",
        content=urlencode(fields),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def answered(fields: list[tuple[str, str]], **bother: int) -> list[tuple[str, str]]:
    names = {f"bother-{item.replace('_', '-')}": str(v) for item, v in bother.items()}
    return [(k, names.get(k, v)) for k, v in fields]


def test_a_follow_up_on_the_tablet_reaches_the_clinician_page(staff_app: StaffApp) -> None:
    client, _staff = staff_app
    cid, csrf = decided(client, staff_app)
    code = issue(client, cid, csrf)

    start = client.get("/tablet?lang=en")
    link = one(soup(start.text), "p.follow-up-link a")
    assert link["href"] == "/tablet/follow-up?lang=en"
    entry = client.get("/tablet/follow-up?lang=en")
    assert entry.status_code == 200 and entry.headers["cache-control"] == "no-store"

    wrong = client.post("/tablet/follow-up", data={"code": "AAAAAA", "lang": "en"})
    assert wrong.status_code == 404
    assert UNKNOWN_CODE in text_of(soup(wrong.text).find("div", class_="error-summary"))
    assert one(soup(wrong.text), "input#code")["value"] == "AAAAAA"  # kept

    opened = client.post("/tablet/follow-up", data={"code": code.lower(), "lang": "en"})
    assert opened.status_code == 200 and opened.url.path == "/tablet/follow-up/report"
    assert code not in str(opened.url)  # never in an address
    form = report_form(opened.text)
    assert ("drug", "quetiapine") in form  # the decision's medicine, preselected
    # Nothing answered yet: every row starts at "No answer", never at 0.
    assert {v for k, v in form if k.startswith("bother-")} == {""}

    # Nothing answered: the page says so, keeps the medicine, stores nothing.
    empty = send(client, [*form, ("go", "send")])
    assert empty.status_code == 422
    assert "Answer at least one side effect" in text_of(soup(empty.text).find("div", role="alert"))

    mine = answered(form, restlessness=3, feeling_sick=2, weight_gain=0)
    # Another language keeps every answer.
    norsk = send(client, [*mine, ("go", "lang:nb")])
    assert norsk.status_code == 200 and one(soup(norsk.text), "html")["lang"] == "nb"
    assert dict(report_form(norsk.text))["bother-restlessness"] == "3"
    sent = send(client, [*report_form(norsk.text), ("go", "send")])
    assert sent.status_code == 200 and sent.url.path == "/tablet/follow-up/done"
    assert one(soup(sent.text), "html")["lang"] == "nb"
    # Back after sending: the answers are gone.
    back = client.get("/tablet/follow-up/report")
    assert back.url.path == "/tablet/follow-up"

    # The code worked once.
    again = client.post("/tablet/follow-up", data={"code": code, "lang": "en"})
    assert again.status_code == 404
    assert UNKNOWN_CODE in again.text

    page = client.get(f"/staff/consultations/{cid}/follow-up?lang=en")
    assert page.status_code == 200, page.text
    html = soup(page.text)
    rows = one(html, "table.follow-up").select("tbody tr")
    assert [text_of(r.find("th")) for r in rows] == [label(i) for i in AVOID]
    restless = rows[1]
    assert "bothers" in (restless.get_attribute_list("class") or [])
    assert "very much (3)" in text_of(restless)
    # Quetiapine's sun sensitivity is not known in the data: shown as not known.
    assert DATA.drug("quetiapine").ratings["sun-sensitivity"].value is None
    assert "not known" in text_of(rows[2]).lower()
    assert "not answered" in text_of(rows[3])
    bothersome = text_of(one(html, "ul.bothersome"))
    assert label("restlessness") in bothersome and label("feeling-sick") in bothersome
    assert label("weight-gain") not in bothersome
    # One chart per item, each labelled by the numbers in text beside it.
    for chart in html.find_all("svg", class_="bother-chart"):
        target = one(html, "ol#" + str(chart["aria-labelledby"]))
        assert text_of(target)

    switch_link = one(html, "a.button")
    switch = client.get(str(switch_link["href"]))
    assert switch.status_code == 200
    # The fresh ranking avoids what newly bothers them first (restlessness was already a
    # priority), then their own list, five in all.
    wishes = [text_of(li) for li in one(soup(switch.text), "ol.priorities")("li")]
    assert wishes == [label(i) for i in ["feeling-sick", *AVOID[:4]]]
    assert ranking_rows(switch.text)

    sheet = client.get(f"/consultations/{cid}/follow-up-sheet?lang=nb")
    assert sheet.status_code == 200
    assert label("restlessness", "nb") in sheet.text
    assert one(soup(sheet.text), "html")["lang"] == "nb"


def test_the_follow_up_page_without_follow_ups_offers_the_code(staff_app: StaffApp) -> None:
    client, _staff = staff_app
    cid, _csrf = decided(client, staff_app)
    page = client.get(f"/staff/consultations/{cid}/follow-up?lang=nb")
    assert page.status_code == 200
    form = one(soup(page.text), f'form[action="/staff/consultations/{cid}/follow-up-codes"]')
    assert form.find("input", attrs={"name": "csrf_token"}) is not None
    consultation = client.get(f"/staff/consultations/{cid}")
    assert f'href="/staff/consultations/{cid}/follow-up"' in consultation.text


def test_the_follow_up_sheet_prints_as_a_pdf_in_the_persons_words(staff_app: StaffApp) -> None:
    client, staff = staff_app
    cid, _csrf = decided(client, staff_app)
    for bother in ({"restlessness": 1}, {"restlessness": 3, "feeling-sick": 2}):
        issued = client.post(
            f"/api/v1/consultations/{cid}/follow-up-codes", headers=staff.headers(client, "cora")
        )
        code = issued.json()["code"]
        sent = client.post(
            "/api/v1/follow-ups", json={"code": code, "drug": "quetiapine", "bother": bother}
        )
        assert sent.status_code == 201
    response = client.get(f"/consultations/{cid}/follow-up-sheet.pdf?lang=nb")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    printed = " ".join(pdf_text(response.content).split())
    assert "Dette er ikke en resept." in printed
    assert DATA.drug("quetiapine").name["nb"] in printed
    for n, item in enumerate(AVOID, start=1):
        assert f"{n}. {label(item, 'nb')}" in printed
    # Both follow-ups, over time, in words.
    assert "svært mye (3)" in printed and "litt (1)" in printed


def test_what_the_person_reads_at_follow_up_is_at_grade_7_or_below(staff_app: StaffApp) -> None:
    """The tablet's three follow-up pages and the follow-up sheet, in English
    (tests/readability.py, as the tablet's journey and the discussion sheet are read)."""
    client, _staff = staff_app
    cid, csrf = decided(client, staff_app)
    code = issue(client, cid, csrf)
    entry = client.get("/tablet/follow-up?lang=en")
    report = client.post("/tablet/follow-up", data={"code": code, "lang": "en"})
    done = send(client, [*answered(report_form(report.text), restlessness=3), ("go", "send")])
    sheet = client.get(f"/consultations/{cid}/follow-up-sheet?lang=en")
    names = [drug.name["en"] for drug in DATA.drugs]
    pages = {"code": entry, "report": report, "done": done, "sheet": sheet}
    graded = {}
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.text)
        graded[name] = grade(as_prose(visible_units(page.text), names))
    too_hard = {name: round(g, 1) for name, g in graded.items() if g > MAX_GRADE}
    assert not too_hard, f"above grade {MAX_GRADE}: {too_hard}"
