"""Medicines taken before and the carer's turn on the tablet, in a real browser, in
English and Norwegian: with JavaScript every new page passes axe (WCAG 2.2 A/AA) and
the carer's checklist counts to five; without JavaScript the same walk works. What the
tablet sends is what staff read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from app.translations import gettext_for
from tests import loopback
from tests.browser.conftest import AxeCheck, LiveApp
from tests.browser.test_clinician_journey import log_in
from tests.browser.test_tablet_journey import (
    CODE,
    UNPROCESSABLE,
    assert_page,
    assert_targets,
    label,
    submit,
    t,
    tick,
)
from tests.builders import bundled_dataset

pytestmark = pytest.mark.browser

DATA = bundled_dataset()
PERSON = ["weight-gain", "restlessness"]
CARER = ["tiredness", "weight-gain", "tremor"]
CARER_ORDERED = ["weight-gain", "tiredness", "tremor"]  # after Up on weight-gain
STOPPED = "I could not sit still at work."
CARER_WORDS = "That they can keep studying."


def no_axe(_where: str) -> None:
    """For the walks that do not run axe (without JavaScript; already checked)."""


def walk_to_past(page: Page, base: str, lang: str, axe: Callable[[str], None] = no_axe) -> None:
    """The person's steps up to the past-experience one, each page given to `axe`
    (test_tablet_journey.py checks every state of them, in Norwegian)."""
    page.goto(f"{base}/tablet?lang={lang}")
    axe(f"start ({lang})")
    tick(page, "carer")
    submit(page, "options")
    axe(f"options ({lang})")
    submit(page, "choose")
    for item in PERSON:
        tick(page, f"c-{item}")
    axe(f"choose, five chosen ({lang})")
    submit(page, "order-from-choose")
    axe(f"order ({lang})")
    for go in ("helpful", "cannot-accept", "forms", "own-words"):
        submit(page, go)
        axe(f"{go} ({lang})")
    submit(page, "past")
    assert_page(page, lang, "Have you taken any of these medicines before?")


def walk(page: Page, base: str, lang: str, axe: Callable[[str], None], *, script: bool) -> str:
    """The past-experience step and the carer's turn; returns the hand-off code."""
    walk_to_past(page, base, lang, axe)
    axe(f"past ({lang})")
    assert_targets(page, "past")
    # Medicines are listed by name, in the person's language.
    name = str(DATA.drug("aripiprazole").name[lang])
    assert page.locator('label[for="p-aripiprazole"]').inner_text() == name
    tick(page, "p-aripiprazole")
    # Next was drawn before the tick (to the carer question); it leads to the details.
    submit(page, "carer")

    assert_page(page, lang, "How were these medicines for you?")
    assert page.locator("#helped-aripiprazole-unsure").is_checked()  # not sure, unless said
    axe(f"past details ({lang})")
    page.locator('label[for="helped-aripiprazole-no"]').click()
    page.locator(".past-medicine details summary").click()  # the side effects had
    axe(f"past details, side effects open ({lang})")
    page.locator("#had-aripiprazole-restlessness").select_option("restlessness:2")
    page.locator("#had-aripiprazole-tremor").select_option("tremor:1")
    page.locator("#stopped-aripiprazole").fill(STOPPED)
    assert_targets(page, "past details")
    submit(page, "carer")

    assert_page(page, lang, "Should your carer give their own view?")
    assert page.locator("#consent-no").is_checked()  # no, unless the person says yes
    axe(f"carer consent ({lang})")
    assert_targets(page, "carer consent")
    page.locator('label[for="consent-yes"]').click()
    submit(page, "review")  # Next, drawn before the answer: the carer's turn comes first

    assert_page(page, lang, "Carer: which side effects would you most want them to avoid?")
    for item in CARER:
        tick(page, f"cc-{item}")
    if script:  # the live count, as on the person's checklist
        count = t(lang, "Chosen: {n} of {max}").format(n=len(CARER), max=5)
        assert page.locator("[data-count]").inner_text() == count
    axe(f"carer choose ({lang})")
    assert_targets(page, "carer choose")
    submit(page, "carer-order-from-choose")

    assert_page(page, lang, "Carer: put them in order")
    assert page.locator("ol.carer-ranked .what").all_inner_texts() == [
        label(lang, i) for i in CARER
    ]
    submit(page, "carer-up:weight-gain")
    assert page.locator("ol.carer-ranked .what").all_inner_texts() == [
        label(lang, i) for i in CARER_ORDERED
    ]
    axe(f"carer order, after Up ({lang})")
    assert_targets(page, "carer order")
    submit(page, "carer-words")

    assert_page(page, lang, "Carer: what matters to you?")
    page.locator("#carer_words").fill(CARER_WORDS)
    axe(f"carer words ({lang})")
    submit(page, "review")

    assert_page(page, lang, "Check your answers")
    assert STOPPED in page.locator(".past-summary").inner_text()
    assert page.locator("ol.carer-summary li").all_inner_texts() == [
        label(lang, i) for i in CARER_ORDERED
    ]
    assert page.locator(".carer-consent").inner_text() == t(lang, "My carer gives their own view.")
    axe(f"review with past and carer ({lang})")
    submit(page, "send")
    assert_page(page, lang, "Thank you")
    return page.locator("p.code").inner_text().replace(" ", "")


def check_stored(live: LiveApp, code: str, lang: str) -> None:
    assert CODE.match(code), code
    found = loopback.get(
        f"{live.base}/api/v1/consultations/by-code/{code}?lang={lang}", headers=live.bearer("cora")
    )
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    assert body["avoid"] == PERSON
    assert body["past_medicines"] == [
        {
            "drug": "aripiprazole",
            "helped": "no",
            "side_effects": [
                {"id": "restlessness", "label": label(lang, "restlessness"), "bother": 2},
                {"id": "tremor", "label": label(lang, "tremor"), "bother": 1},
            ],
            "stopped_because": STOPPED,
        }
    ]
    assert body["carer"] == {
        "consented": True,
        "avoid": CARER_ORDERED,
        "what_matters": CARER_WORDS,
    }
    flagged = [r for r in body["ranking"]["results"] if r["past_experience"]]
    assert [r["drug"]["id"] for r in flagged] == ["aripiprazole"]
    assert flagged[0]["past_experience"]["a_lot"] == ["restlessness"]


@pytest.mark.parametrize("lang", ["en"])
def test_past_experience_and_the_carers_turn_with_javascript(
    lang: str, live: LiveApp, page: Page, axe_check: AxeCheck
) -> None:
    code = walk(page, live.base, lang, lambda where: axe_check(page, where), script=True)
    check_stored(live, code, lang)


@pytest.mark.parametrize("lang", ["nb"])
def test_past_experience_and_the_carers_turn_without_javascript(
    lang: str, live: LiveApp, new_page: Callable[..., Page]
) -> None:
    """axe needs script timers, so it runs on these pages in the test above."""
    page = new_page(java_script_enabled=False)
    code = walk(page, live.base, lang, no_axe, script=False)
    check_stored(live, code, lang)


def test_without_javascript_a_sixth_carer_choice_is_explained(
    live: LiveApp, new_page: Callable[..., Page], problems: Any
) -> None:
    page = new_page(java_script_enabled=False)
    walk_to_past(page, live.base, "nb")
    submit(page, "carer")
    page.locator('label[for="consent-yes"]').click()
    submit(page, "review")
    six = ["tiredness", "weight-gain", "tremor", "dry-mouth", "drooling", "constipation"]
    for item in six:
        tick(page, f"cc-{item}")
    problems.expect(UNPROCESSABLE)
    response = submit(page, "carer-order-from-choose")
    assert response is not None and response.status == 422
    error = str(gettext_for("nb")("Choose at most 5 for the carer. You have chosen {n}."))
    assert error.format(n=6) in page.locator(".error-summary").inner_text()
    assert page.locator('input[name="carer_chosen"]:checked').count() == 6


def test_without_consent_there_is_no_carers_turn_and_nothing_of_it_is_sent(
    live: LiveApp, page: Page
) -> None:
    walk_to_past(page, live.base, "en")
    submit(page, "carer")
    submit(page, "review")  # "No" stays ticked: straight to the review
    assert_page(page, "en", "Check your answers")
    assert page.locator("ol.carer-summary").count() == 0
    assert page.locator(".carer-consent").inner_text() == t(
        "en", "My carer does not give their own view."
    )
    submit(page, "send")
    code = page.locator("p.code").inner_text().replace(" ", "")
    found = loopback.get(
        f"{live.base}/api/v1/consultations/by-code/{code}", headers=live.bearer("cora")
    ).json()
    assert found["carer"] == {"consented": False, "avoid": [], "what_matters": ""}


@pytest.mark.parametrize("lang", ["en"])
def test_the_clinician_sees_the_marks_and_the_carers_view_accessibly(
    lang: str, live: LiveApp, new_page: Callable[..., Page], axe_check: AxeCheck
) -> None:
    """What the tablet sent, on the clinician's pages and the sheet: axe 0 violations."""
    tablet = new_page()
    code = walk(tablet, live.base, lang, no_axe, script=True)
    page = new_page()
    log_in(page, live, lang)
    page.goto(f"{live.base}/staff/consultations?code={code}&lang={lang}")
    name = str(DATA.drug("aripiprazole").name[lang])
    row = page.locator("table.ranking tbody tr", has=page.locator(f'a:text-is("{name}")'))
    assert label(lang, "restlessness") in row.locator(".past-a-lot").inner_text()
    assert page.locator("table.ranking .past-flag").count() == 1
    assert page.locator("table.carer-side tbody tr").count() == len(CARER)
    assert CARER_WORDS in page.locator(".carer-words").inner_text()
    axe_check(page, f"the ranking with past experience and the carer's view ({lang})")
    page.locator(".past-toggle button").click()
    assert page.locator("table.ranking .past-flag").count() == 0
    axe_check(page, f"the ranking with the marks left out ({lang})")
    consultation = page.url.split("/staff/consultations/")[1].split("?")[0]
    page.goto(
        f"{live.base}/staff/consultations/{consultation}/compare"
        f"?drug=aripiprazole&drug=olanzapine&lang={lang}"
    )
    assert label(lang, "restlessness") in page.locator("tr.past-row").inner_text()
    axe_check(page, f"the comparison with a medicine taken before ({lang})")
    page.goto(f"{live.base}/consultations/{consultation}/sheet?lang={lang}")
    assert STOPPED in page.locator(".past-medicines").inner_text()
    assert CARER_WORDS in page.locator(".carer-words").inner_text()
    axe_check(page, f"the sheet with past experience and the carer's view ({lang})")
