"""The follow-up in a real browser, in English and Norwegian, with and without
JavaScript: the person enters the code a clinician issued, reports on the one page and
is thanked; every page and state passes axe (WCAG 2.2 A/AA) under the app's strict CSP;
the report reaches the staff API; and the clinician's follow-up page passes axe."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page

from app.consultations.follow_up import ANSWER_ONE, UNKNOWN_CODE
from app.translations import gettext_for
from tests import loopback
from tests.browser.conftest import AxeCheck, LiveApp, Problems, live_database
from tests.browser.helpers import small_targets
from tests.browser.test_clinician_journey import log_in
from tests.conftest import Databases
from tests.integration.live import live_server
from tests.integration.staff import Staff

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(databases: Databases, live_template: Staff) -> Iterator[LiveApp]:
    """As tests/browser/conftest.py's, with the tablet's submission limits lifted: this
    module sends more follow-ups in a minute than one tablet would (the limits have
    their own tests, tests/integration/test_follow_ups_api.py)."""
    staff = live_database(databases, live_template)
    unlimited = {
        "SDM_TABLET_PER_CLIENT_PER_MINUTE": "100000",
        "SDM_TABLET_OVERALL_PER_MINUTE": "100000",
    }
    with live_server(staff.url, **unlimited) as base:
        yield LiveApp(base, staff)


AVOID = ["weight-gain", "restlessness", "tremor"]
NOT_FOUND = "status of 404"  # Chromium logs a page that answers 404 as an error
UNPROCESSABLE = "status of 422"


def t(lang: str, message: str) -> str:
    """The text the page must show; for Norwegian it must really be translated."""
    translated = str(gettext_for(lang)(message))
    if lang != "en":
        assert translated != message, f"{message!r} has no {lang} translation"
    return translated


def decided_consultation(live: LiveApp) -> str:
    made = loopback.post(f"{live.base}/api/v1/consultations", json={"avoid": AVOID})
    assert made.status_code == 201, made.text
    cid = str(made.json()["id"])
    review = (date.today() + timedelta(days=42)).isoformat()
    decided = loopback.post(
        f"{live.base}/api/v1/consultations/{cid}/decision",
        headers=live.bearer(),
        json={"discussed": ["aripiprazole"], "decision": "aripiprazole", "next_review": review},
    )
    assert decided.status_code == 200, decided.text
    return cid


def follow_up_code(live: LiveApp, cid: str) -> str:
    issued = loopback.post(
        f"{live.base}/api/v1/consultations/{cid}/follow-up-codes", headers=live.bearer()
    )
    assert issued.status_code == 201, issued.text
    return str(issued.json()["code"])


def assert_heading(page: Page, lang: str, heading: str) -> None:
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == t(lang, heading)


def answer(page: Page, item: str, value: int) -> None:
    """Tap the answer's label, as a finger on the tablet would."""
    page.locator(f'label[for="b-{item}-{value}"]').click()


@pytest.mark.parametrize(
    ("lang", "script"), [("en", True), ("nb", False)], ids=["en-javascript", "nb-no-javascript"]
)
def test_a_follow_up_on_the_tablet(
    lang: str,
    script: bool,
    live: LiveApp,
    new_page: Callable[..., Page],
    axe_check: AxeCheck,
    problems: Problems,
) -> None:
    cid = decided_consultation(live)
    code = follow_up_code(live, cid)
    page = new_page(java_script_enabled=script)
    where = f"({lang}, {'with' if script else 'without'} JavaScript)"

    def check(page: Page, label: str) -> None:
        """axe with JavaScript; without it axe cannot run (it needs script timers), so
        the same pages and states are checked by axe in the JavaScript walk, and here
        for console errors and CSP violations only."""
        if script:
            axe_check(page, label)
        else:
            problems.assert_none(label)

    page.goto(f"{live.base}/tablet?lang={lang}")
    page.locator("p.follow-up-link a").click()
    page.wait_for_url(re.compile(r"/tablet/follow-up\?"))
    assert_heading(page, lang, "Follow-up")
    check(page, f"the follow-up code page {where}")
    assert not small_targets(page), small_targets(page)

    # A code that matches nothing: said kindly, the code kept in its field.
    problems.expect(NOT_FOUND)
    page.fill("#code", "AAAAAA")
    page.locator('button[name="go"][value="open"]').click()
    page.wait_for_load_state()
    alert = page.locator(".error-summary")
    assert t(lang, UNKNOWN_CODE) in alert.inner_text()
    assert page.input_value("#code") == "AAAAAA"
    check(page, f"the follow-up code page with an unknown code {where}")

    page.fill("#code", code.lower())
    page.locator('button[name="go"][value="open"]').click()
    page.wait_for_url(re.compile(r"/tablet/follow-up/report$"))
    assert_heading(page, lang, "How has your medicine been?")
    assert page.locator("#drug").input_value() == "aripiprazole"  # the decision's medicine
    check(page, f"the follow-up report page {where}")
    assert not small_targets(page), small_targets(page)

    # Sent with nothing answered: what to do, the medicine kept.
    problems.expect(UNPROCESSABLE)
    page.locator('button[name="go"][value="send"]').click()
    page.wait_for_load_state()
    assert t(lang, ANSWER_ONE) in page.locator(".error-summary").inner_text()
    assert page.locator("#drug").input_value() == "aripiprazole"
    check(page, f"the follow-up report page with a problem {where}")

    answer(page, "restlessness", 3)
    answer(page, "weight-gain", 0)
    answer(page, "feeling-sick", 2)
    page.locator('button[name="go"][value="send"]').click()
    page.wait_for_url(re.compile(r"/tablet/follow-up/done"))
    assert_heading(page, lang, "Thank you")
    check(page, f"the follow-up thank-you page {where}")

    reports = loopback.get(
        f"{live.base}/api/v1/consultations/{cid}/follow-ups", headers=live.bearer()
    ).json()
    assert [r["bother"] for r in reports] == [
        {"weight-gain": 0, "feeling-sick": 2, "restlessness": 3}
    ]
    assert [r["drug"] for r in reports] == ["aripiprazole"]

    # Nothing of the follow-up is left in the browser; Finish starts afresh.
    assert [c["name"] for c in page.context.cookies() if c["name"] == "sdm_follow_up"] == []
    page.locator("a.button.primary").click()
    page.wait_for_url(re.compile(r"/tablet\?"))
    assert page.locator("html").get_attribute("lang") == lang


@pytest.mark.parametrize("lang", ["nb"])
def test_the_clinician_follow_up_page_passes_axe(
    lang: str, live: LiveApp, new_page: Callable[..., Page], axe_check: AxeCheck
) -> None:
    cid = decided_consultation(live)
    for bother in ({"restlessness": 1, "tremor": 0}, {"restlessness": 3, "feeling-sick": 2}):
        sent = loopback.post(
            f"{live.base}/api/v1/follow-ups",
            json={"code": follow_up_code(live, cid), "drug": "aripiprazole", "bother": bother},
        )
        assert sent.status_code == 201, sent.text
    page = new_page()
    log_in(page, live, lang)
    page.goto(f"{live.base}/staff/consultations/{cid}?lang={lang}")
    page.locator(f'a[href="/staff/consultations/{cid}/follow-up"]').click()
    page.wait_for_url(re.compile(r"/follow-up$"))
    assert page.locator("h1").inner_text() == t(lang, "Follow-up")
    highlighted = page.locator("table.follow-up tr.bothers")
    assert highlighted.count() == 1  # restlessness, "very much" now
    assert page.locator("svg.bother-chart").count() >= len(AVOID)
    axe_check(page, f"the clinician's follow-up page ({lang})")

    page.locator(f'form[action="/staff/consultations/{cid}/follow-up-codes"] button').click()
    page.wait_for_load_state()
    assert re.fullmatch(
        r"[34679ACDEFGHJKMNPQRTUVWXY]{3} [34679ACDEFGHJKMNPQRTUVWXY]{3}",
        page.locator("p.code").inner_text(),
    )
    axe_check(page, f"the clinician's follow-up page with a new code ({lang})")

    page.locator(
        "a.button", has_text=t(lang, "Rank the medicines again, adding what bothers them now")
    ).click()
    page.wait_for_load_state()
    assert page.locator("table.ranking").count() == 1
    axe_check(page, f"the switch discussion's ranking ({lang})")

    page.goto(f"{live.base}/consultations/{cid}/follow-up-sheet?lang={lang}")
    axe_check(page, f"the follow-up sheet ({lang})")
