"""The service dashboard in a real browser, in English and Norwegian: axe finds no WCAG
2.2 A/AA violation, the charts are images named and described with the numbers in the
table beside them, the period form works without JavaScript; and the tablet's feedback
page passes axe too."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.clock import utcnow
from tests import loopback
from tests.browser.conftest import LiveApp
from tests.integration.staff import PASSWORD

AxeCheck = Callable[[Page, str], None]
HEADING = {"en": "Service dashboard", "nb": "Tjenesteoversikt"}
WITH_CARER = {"en": "With a carer", "nb": "Med pårørende"}
TODAY = utcnow().date()
FROM, TO = (TODAY - timedelta(days=1)).isoformat(), (TODAY + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def consultations(live: LiveApp) -> LiveApp:
    """10 consultations (the tablet's limit a minute from one client), 5 with a carer,
    each with feedback (7 of them the top score)."""
    for n in range(10):
        created = loopback.post(
            f"{live.base}/api/v1/consultations",
            json={"avoid": ["weight-gain", "tremor", "tiredness"], "with_carer": n % 2 == 0},
        )
        assert created.status_code == 201, created.text
        answers = [9, 9, 9] if n < 7 else [7, 8, 6]
        given = loopback.post(
            f"{live.base}/api/v1/feedback",
            json={"code": created.json()["code"], "collaborate": answers},
        )
        assert given.status_code == 201, given.text
    return live


def log_in(page: Page, live: LiveApp, lang: str, username: str = "lena") -> None:
    page.goto(f"{live.base}/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#totp", live.staff.code(username))
    page.locator('form[action^="/login"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/staff(\?.*)?$"))


@pytest.mark.parametrize("lang", ["nb"])
def test_the_dashboard_is_accessible_and_its_charts_have_the_numbers_in_text(
    lang: str, consultations: LiveApp, page: Page, axe_check: AxeCheck
) -> None:
    log_in(page, consultations, lang)
    page.locator('nav a[href="/staff/service"]').click()
    page.wait_for_url("**/staff/service")
    expect(page.locator("h1")).to_have_text(HEADING[lang])
    page.fill("#from", FROM)
    page.fill("#to", TO)
    page.locator('form[action="/staff/service"] button[type="submit"]').click()
    page.wait_for_url(f"**/staff/service?from={FROM}&to={TO}")
    axe_check(page, f"the service dashboard ({lang})")

    expect(page.locator("#consultations")).to_have_text("10")
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(2)
    carers = page.locator("#carers-chart-title").locator("xpath=..")
    expect(carers.locator("title")).not_to_be_empty()
    expect(carers.locator("desc")).not_to_be_empty()
    assert carers.locator("text").all_text_contents() == [WITH_CARER[lang], "5", *_other(lang)]
    row = page.locator("#carers tbody tr").first
    expect(row).to_have_text(re.compile(rf"{WITH_CARER[lang]}\s*5\s*50%"))
    expect(page.locator("#collaborate tr").nth(2)).to_contain_text("70%")  # 7 of 10


def _other(lang: str) -> list[str]:
    return ["Without a carer" if lang == "en" else "Uten pårørende", "5"]


def test_the_period_form_works_without_javascript(
    consultations: LiveApp, new_page: Callable[..., Page]
) -> None:
    page = new_page(java_script_enabled=False)
    log_in(page, consultations, "en")
    page.goto(f"{consultations.base}/staff/service?lang=en")
    page.fill("#from", FROM)
    page.fill("#to", TO)
    page.locator('form[action="/staff/service"] button[type="submit"]').click()
    page.wait_for_url(f"**/staff/service?from={FROM}&to={TO}")
    expect(page.locator("#consultations")).to_have_text("10")


@pytest.mark.parametrize("lang", ["en"])
def test_the_tablet_feedback_page_is_accessible(
    lang: str, live: LiveApp, page: Page, axe_check: AxeCheck
) -> None:
    page.goto(f"{live.base}/tablet?lang={lang}")
    page.locator(".feedback-link a").click()
    page.wait_for_url(f"**/tablet/feedback?lang={lang}")
    axe_check(page, f"the tablet's feedback page ({lang})")
