"""What the person reads stays at a reading age a 12-year-old manages, in English: every
page of the tablet as rendered, and the discussion sheet they take home
(Flesch-Kincaid grade at most 7, tests/readability.py; docs/ipdas.md, criterion 3.6.1).

The tablet is walked the way a person would go through it, pressing each page's main
button, so a page added to the journey is read too."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.config import Settings
from app.consultations.service import consultation_limits
from app.http.state import install, of_app
from tests.builders import bundled_dataset
from tests.integration.conftest import app_of
from tests.integration.staff import StaffApp, web_login
from tests.readability import MAX_GRADE, as_prose, grade, visible_units

# Runs on SQLite only (marker `backend_neutral`): measures the words of rendered
# pages; storing the answers runs on PostgreSQL in test_tablet and
# test_consultations_api.
pytestmark = pytest.mark.backend_neutral

DATA = bundled_dataset()
NAMES = [drug.name["en"] for drug in DATA.drugs]
PRIORITIES = ["weight-gain", "tiredness", "restlessness", "tremor", "less-sex-drive"]


def tablet_pages(client: TestClient, chosen: list[str]) -> list[tuple[str, str]]:
    """(the page's heading, its HTML) for every page from the start to the code."""
    page = client.get("/tablet?lang=en")
    pages = []
    for _ in range(12):
        assert page.status_code == 200, page.text
        soup = BeautifulSoup(page.text, "html.parser")
        heading = soup.find("h1")
        pages.append((heading.get_text(strip=True) if heading else "?", page.text))
        form = soup.find("form", attrs={"action": "/tablet"})
        if not isinstance(form, Tag):
            return pages
        data = [
            (str(i["name"]), str(i.get("value", ""))) for i in form.find_all("input", type="hidden")
        ]
        if form.find("input", attrs={"name": "chosen"}):
            data += [("chosen", item) for item in chosen]
        button = form.find("button", class_="primary")
        assert isinstance(button, Tag), "a tablet page with a form but no main button"
        data.append((str(button["name"]), str(button["value"])))
        page = client.post(
            "/tablet",
            content=urlencode(data),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    pytest.fail("the tablet journey did not end within 12 pages")


def test_every_tablet_page_reads_at_grade_7_or_below(staff_app: StaffApp) -> None:
    client, _ = staff_app
    pages = tablet_pages(client, PRIORITIES[:3])
    last = BeautifulSoup(pages[-1][1], "html.parser")
    assert last.find(class_="code"), "the walk did not reach the hand-off code"
    assert len(pages) >= 5
    graded = {title: grade(as_prose(visible_units(html))) for title, html in pages}
    too_hard = {title: g for title, g in graded.items() if g > MAX_GRADE}
    assert not too_hard, f"above grade {MAX_GRADE}: {too_hard}"
    whole = grade(as_prose(unit for _, html in pages for unit in visible_units(html)))
    assert whole <= MAX_GRADE, f"the whole journey reads at grade {whole:.1f}"


def sheet_for(client: TestClient, csrf: str, discussed: list[str]) -> str:
    created = client.post(
        "/api/v1/consultations?lang=en",
        json={"avoid": PRIORITIES, "helpful": ["sleepy-at-night"], "with_carer": True},
    )
    assert created.status_code == 201, created.text
    consultation = created.json()["id"]
    decided = client.post(
        f"/staff/consultations/{consultation}/decision",
        data={
            "discussed": discussed,
            "decision": discussed[0],
            "next_review": "2030-01-15",
            "context_note": "We will talk again in six weeks.",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    sheet = client.get(f"/consultations/{consultation}/sheet?lang=en")
    assert sheet.status_code == 200
    return sheet.text


def test_the_sheet_the_person_takes_home_reads_at_grade_7_or_below(staff_app: StaffApp) -> None:
    """Weight gain first, olanzapine and aripiprazole discussed; then a sheet for each
    medicine discussed on its own, so every medicine's text for the person is read."""
    client, staff = staff_app
    # One person's sheet per medicine: more submissions than one tablet may send in a
    # minute (ADR 0011), so this app's submission limits are lifted.
    app = app_of(client)
    unlimited = Settings(tablet_per_client_per_minute=10**6, tablet_overall_per_minute=10**6)
    install(app, replace(of_app(app), consultation_limits=consultation_limits(unlimited)))
    csrf = web_login(client, staff, "cora")
    sheets = {
        "olanzapine and aripiprazole": sheet_for(client, csrf, ["olanzapine", "aripiprazole"])
    }
    sheets |= {drug.id: sheet_for(client, csrf, [drug.id]) for drug in DATA.drugs}
    for name, html in sheets.items():
        assert name.split()[0] in html.lower() or name in html, f"{name} is not on its sheet"
    graded = {name: grade(as_prose(visible_units(html), NAMES)) for name, html in sheets.items()}
    too_hard = {name: round(g, 1) for name, g in graded.items() if g > MAX_GRADE}
    assert not too_hard, f"sheets above grade {MAX_GRADE}: {too_hard}"
