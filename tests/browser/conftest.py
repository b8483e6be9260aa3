"""Browser tests: Debian's chromium (its headless shell), driven by Playwright, against a
real app process.

One app process per module, on a fresh database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set) holding the bundled drug data and four staff users. One
chromium for the session; a fresh context (no cookies, no storage) for every test.
Any console error, uncaught page error or Content-Security-Policy violation fails the
test: the pages run under the app's real, strict CSP (never bypass_csp).

Each test runs in one language, English or Norwegian: a walk made with and without
JavaScript takes one language each way, and the journeys alternate, so every module
drives both. axe checks a page in the language of its test (the tablet's steps in
both). A language changes a page's words, which tests/integration/
test_translated_pages.py and tests/unit/test_translations.py check in both; every
browser test in both languages cost a third of the CI run's CPU (docs/performance.md,
"The CI run").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, sync_playwright

from tests.browser.helpers import (
    axe_violations,
    chromium_args,
    chromium_executable,
    format_violations,
)
from tests.builders import bundled_dataset
from tests.conftest import Databases, migrate
from tests.integration.conftest import publish
from tests.integration.live import live_server
from tests.integration.staff import Staff, add_staff
from tests.integration.webclient import bearer

HERE = Path(__file__).resolve().parent
VIEWPORT: ViewportSize = {"width": 1024, "height": 768}

# Chromium reports CSP violations on the console; this makes sure of it, whatever the
# browser version. Init scripts run over DevTools, so the CSP does not block them.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", e => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the browser tests `browser`, and `no_cover` (pytest-cov): the app they
    drive runs in a uvicorn process of its own, which coverage does not measure, and
    the test process runs Playwright; measuring that covered nothing in app/ and cost
    about 20 s of CPU (tests/browser -n 2: 122 s user+sys with --cov, 99 s without)."""
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.no_cover)


@dataclass
class LiveApp:
    base: str
    staff: Staff

    def bearer(self, username: str = "cora") -> dict[str, str]:
        return bearer(self.base, self.staff, username)


@pytest.fixture(scope="session")
def live_template(databases: Databases) -> Staff:
    """Migrated, the bundled data published, four staff users: built once per test
    process, copied for each module's app (`live_database`)."""
    url = databases.empty()
    migrate(url)
    publish(url, bundled_dataset(), by="browser-tests")
    return add_staff(url)


def live_database(databases: Databases, template: Staff) -> Staff:
    """A new database with the template's content; its staff users' TOTP secrets."""
    return replace(template, url=databases.copy(template.url))


@pytest.fixture(scope="module")
def live(databases: Databases, live_template: Staff) -> Iterator[LiveApp]:
    """The app in its own uvicorn process over the bundled drug data, on a database of
    the module's own."""
    staff = live_database(databases, live_template)
    with live_server(staff.url) as base:
        yield LiveApp(base, staff)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    missing = ""
    try:
        executable = chromium_executable()
    except FileNotFoundError as exc:
        missing = str(exc)
    if missing:  # fail, never skip: the browser tests are part of the suite
        pytest.fail(missing, pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=chromium_args(), headless=True
        )
        yield browser
        browser.close()


@dataclass
class Problems:
    """Console errors, page errors and CSP violations seen by one test's pages."""

    messages: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect(self, text: str) -> None:
        """One console error containing `text` is expected (e.g. a page answered 422)."""
        self.expected.append(text)

    def console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        # The browser's own favicon request (the app has none) is not the page's error.
        if message.type != "error" or where.endswith("/favicon.ico"):
            return
        for text in self.expected:
            if text in message.text:
                self.expected.remove(text)
                return
        self.messages.append(f"console error: {message.text} ({where})")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"uncaught error in the page: {error}")

    def assert_none(self, when: str) -> None:
        if self.messages:
            found, self.messages = self.messages, []
            pytest.fail(f"{when}:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def new_page(browser: Browser, problems: Problems) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts (1024x768, a tablet in landscape); extra options go to
    new_context, e.g. java_script_enabled=False. All are checked for console errors."""
    contexts = []

    def make(**options: Any) -> Page:
        context = browser.new_context(viewport=VIEWPORT, **options)
        context.add_init_script(REPORT_CSP)
        contexts.append(context)
        page = context.new_page()
        page.on("console", problems.console)
        page.on("pageerror", problems.page_error)
        return page

    yield make
    for context in contexts:
        context.close()
    problems.assert_none("the pages logged errors")


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


#: The `axe_check` fixture: `axe_check(page, label)`.
AxeCheck = Callable[[Page, str], None]


@pytest.fixture
def axe_check(problems: Problems) -> AxeCheck:
    """`axe_check(page, label)`: no WCAG 2.0/2.1/2.2 A or AA violations, and no console
    errors so far."""

    def check(page: Page, label: str) -> None:
        problems.assert_none(f"errors in the browser before or on {label}")
        violations = axe_violations(page)
        if violations:
            pytest.fail(format_violations(label, violations), pytrace=False)

    return check
