"""The tablet in a real browser, in English and Norwegian: every page and state passes
axe (WCAG 2.2 A/AA) under the app's strict CSP, the whole journey works with the
keyboard alone, touch targets are big enough, the hand-off code opens the person's
answers, and nothing personal is left in the browser afterwards."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from app.consultations.service import CODE_ALPHABET
from app.translations import gettext_for
from tests import loopback
from tests.browser.conftest import AxeCheck, LiveApp, Problems
from tests.browser.helpers import focus_problem, focus_state, small_targets
from tests.builders import bundled_dataset

pytestmark = pytest.mark.browser

CHECKLIST = {item.id: item for item in bundled_dataset().checklist}
# Five priorities, listed in the order the checklist shows them (so also the order the
# form sends them); a sixth to try going over the limit of five.
PICKS = ["tiredness", "weight-gain", "dry-mouth", "restlessness", "tremor"]
SIXTH = "constipation"
# After "Up" on dry-mouth and then "Down" on tiredness:
RANKED = ["dry-mouth", "tiredness", "weight-gain", "restlessness", "tremor"]
HELPFUL, MUST_AVOID, FORM = "sleepy-at-night", "weight-gain", "tablet"
# The options to talk about (drugdata/options.yaml), in the order the page shows them.
_options = bundled_dataset().options
assert _options is not None
OPTIONS = {o.id: o for o in _options.options}
TICKED = ["lower-dose", "no-antipsychotic"]
WHAT_MATTERS = "Keep working; be able to drive."

UNPROCESSABLE = "status of 422"  # Chromium logs a page that answers 422 as an error
CODE = re.compile(rf"^[{CODE_ALPHABET}]{{6}}$")


def t(lang: str, message: str) -> str:
    """The text the page must show; for Norwegian it must really be translated."""
    translated = str(gettext_for(lang)(message))
    if lang != "en":
        assert translated != message, f"{message!r} has no {lang} translation"
    return translated


def label(lang: str, item: str) -> str:
    """Checklist labels come in every language from the drug data itself."""
    return str(CHECKLIST[item].label[lang])


def assert_page(page: Page, lang: str, heading: str) -> None:
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == t(lang, heading)


def assert_targets(page: Page, where: str) -> None:
    small = small_targets(page)
    assert not small, f"touch targets under 44x44 CSS px on {where}: {small}"


def submit(page: Page, go: str) -> Response | None:
    """Press the button that posts `go` (by its value, whatever the language)."""
    with page.expect_navigation() as navigation:
        page.locator(f'button[name="go"][value="{go}"]').click()
    return refused_check(navigation.value)


def refused_check(response: Response | None) -> Response | None:
    """A 403 here means the app refused its own form as cross-site."""
    if response is not None and response.status == 403:
        origin = response.request.all_headers().get("origin")
        pytest.fail(
            f"the tablet refused its own form post as cross-site (403); the browser sent "
            f"Origin: {origin}. Under Referrer-Policy: no-referrer browsers send "
            "'Origin: null' on every form POST, so refuse_cross_site must not compare a "
            "null Origin with the site (trust Sec-Fetch-Site when the browser sends it).",
            pytrace=False,
        )
    return response


def tick(page: Page, checkbox_id: str) -> None:
    """Tap the label, as a finger on the tablet would."""
    page.locator(f'label[for="{checkbox_id}"]').click()


def settled_content(page: Page) -> str:
    """The page's HTML once it has stopped navigating (e.g. to Chromium's error page)."""
    for _ in range(50):
        page.wait_for_load_state()
        try:
            return page.content()
        except PlaywrightError as exc:
            if "navigating" not in exc.message:
                raise
            page.wait_for_timeout(100)
    pytest.fail("the page never stopped navigating")


def option_label(lang: str, option: str) -> str:
    """Option labels come in every language from the drug data itself."""
    return str(OPTIONS[option].label[lang])


def ranked(page: Page) -> list[str]:
    return page.locator("ol.ranked .what").all_inner_texts()


@pytest.mark.parametrize("lang", ["nb"])
def test_the_tablet_journey_is_accessible_and_gives_a_working_code(
    lang: str, live: LiveApp, page: Page, axe_check: AxeCheck, problems: Problems
) -> None:
    responses: list[Response] = []
    page.on(
        "response", lambda r: responses.append(r) if r.request.resource_type == "document" else None
    )

    # 1. Start
    page.goto(f"{live.base}/tablet?lang={lang}")
    assert_page(page, lang, "Choosing a medicine together")
    axe_check(page, f"start ({lang})")
    assert_targets(page, "start")
    options = bundled_dataset().options
    assert options is not None
    assert (
        page.locator(".about-decision p")
        .first.inner_text()
        .startswith(str(options.about.condition[lang])[:20])
    )
    page.locator(".about-decision summary").click()  # what the medicines can do
    axe_check(page, f"start, what the medicines can do open ({lang})")
    tick(page, "carer")
    assert page.locator("#carer").is_checked()
    submit(page, "options")

    # 1b. The options to talk about, the medication-free one among them
    assert_page(page, lang, "What would you like to talk about?")
    boxes = page.locator('input[name="options"]')
    assert [boxes.nth(i).get_attribute("value") for i in range(boxes.count())] == list(OPTIONS)
    assert page.locator('label[for="o-no-antipsychotic"]').inner_text() == option_label(
        lang, "no-antipsychotic"
    )
    axe_check(page, f"options ({lang})")
    assert_targets(page, "options")
    for option in TICKED:
        tick(page, f"o-{option}")
    page.locator("#o-no-antipsychotic ~ details summary").click()
    assert page.locator("#o-no-antipsychotic ~ details ul.known").is_visible()
    axe_check(page, f"options, two ticked and what is known open ({lang})")
    submit(page, "choose")

    # 2. Choose: empty, the error for none chosen, five chosen (the rest disabled)
    assert_page(page, lang, "Which side effects do you most want to avoid?")
    assert page.locator("fieldset").count() >= 5
    assert page.locator('input[name="chosen"]').count() == len(CHECKLIST)
    count_text = t(lang, "Chosen: {n} of {max}")
    assert page.locator("[data-count]").inner_text() == count_text.format(n=0, max=5)
    axe_check(page, f"choose ({lang})")
    assert_targets(page, "choose")
    problems.expect(UNPROCESSABLE)
    response = submit(page, "order-from-choose")
    assert response is not None and response.status == 422
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert t(lang, "Choose at least 1 side effect you want to avoid.") in summary.inner_text()
    axe_check(page, f"choose, error: none chosen ({lang})")
    for item in PICKS:
        tick(page, f"c-{item}")
    assert page.locator("[data-count]").inner_text() == count_text.format(n=5, max=5)
    sixth = page.locator(f"#c-{SIXTH}")
    assert sixth.is_disabled(), "the script should stop a sixth choice"
    axe_check(page, f"choose, five chosen and the rest disabled ({lang})")
    # Six chosen (as from a browser whose script has not run): the server explains.
    sixth.evaluate("box => { box.disabled = false; }")
    tick(page, f"c-{SIXTH}")
    problems.expect(UNPROCESSABLE)
    response = submit(page, "order-from-choose")
    assert response is not None and response.status == 422
    error = t(lang, "Choose at most 5. You have chosen {n}.").format(n=6)
    assert error in page.locator(".error-summary").inner_text()
    assert page.locator('input[name="chosen"]:checked').count() == 6
    axe_check(page, f"choose, error: six chosen ({lang})")
    assert_targets(page, "choose, six chosen")
    tick(page, f"c-{SIXTH}")
    assert page.locator("[data-count]").inner_text() == count_text.format(n=5, max=5)
    submit(page, "order-from-choose")

    # 3. Order: Up, then Down
    assert_page(page, lang, "Put them in order")
    assert ranked(page) == [label(lang, i) for i in PICKS]
    axe_check(page, f"order ({lang})")
    assert_targets(page, "order")
    submit(page, "up:dry-mouth")
    assert ranked(page)[:3] == [label(lang, i) for i in ("tiredness", "dry-mouth", "weight-gain")]
    assert page.locator("ol.ranked li.moved .what").inner_text() == label(lang, "dry-mouth")
    axe_check(page, f"order, after Up ({lang})")
    submit(page, "down:tiredness")
    assert ranked(page) == [label(lang, i) for i in RANKED]
    assert page.locator('button[value="up:dry-mouth"]').is_disabled()
    assert page.locator('button[value="down:tremor"]').is_disabled()
    axe_check(page, f"order, after Down ({lang})")
    submit(page, "helpful")

    # 4. One question per page: helpful (a short list), could not accept, forms, words
    assert_page(page, lang, "Could a side effect help you?")
    helpful_boxes = page.locator('input[name="helpful"]')
    assert [helpful_boxes.nth(i).get_attribute("value") for i in range(helpful_boxes.count())] == [
        "sleepy-at-night",
        "weight-loss",
    ]
    axe_check(page, f"helpful ({lang})")
    assert_targets(page, "helpful")
    tick(page, f"h-{HELPFUL}")
    submit(page, "cannot-accept")
    assert_page(page, lang, "Is there one you could not accept at all?")
    axe_check(page, f"cannot accept ({lang})")
    assert_targets(page, "cannot accept")
    tick(page, f"m-{MUST_AVOID}")
    submit(page, "forms")
    assert_page(page, lang, "How would you like to take it?")
    axe_check(page, f"forms ({lang})")
    assert_targets(page, "forms")
    tick(page, f"f-{FORM}")
    submit(page, "own-words")
    assert_page(page, lang, "What matters to you?")
    axe_check(page, f"own words ({lang})")
    assert_targets(page, "own words")
    page.locator("#what_matters").fill(WHAT_MATTERS)
    axe_check(page, f"own words, filled in ({lang})")
    submit(page, "past")
    # Medicines taken before (optional: none ticked here), then, with a carer, whether
    # the carer gives their own view (no, the default)
    assert_page(page, lang, "Have you taken any of these medicines before?")
    submit(page, "carer")
    assert_page(page, lang, "Should your carer give their own view?")
    assert page.locator("#consent-no").is_checked()
    submit(page, "review")

    # 5. Review
    assert_page(page, lang, "Check your answers")
    assert page.locator("ul.summary").first.locator("li").all_inner_texts() == [
        option_label(lang, o) for o in TICKED
    ]
    cannot = t(lang, "could not accept at all")
    assert page.locator("ol.summary").first.locator("li").all_inner_texts() == [
        label(lang, i) + (f" ({cannot})" if i == MUST_AVOID else "") for i in RANKED
    ]
    assert page.locator(".quote").inner_text() == WHAT_MATTERS
    assert page.locator(".carer-answer").inner_text() == t(
        lang, "I filled this in together with a carer or someone close to me."
    )
    axe_check(page, f"review ({lang})")
    assert_targets(page, "review")
    submit(page, "send")

    # 6. Done: the hand-off code
    assert_page(page, lang, "Thank you")
    shown = page.locator("p.code")
    assert shown.is_visible()
    code = shown.inner_text().replace(" ", "")
    assert CODE.match(code), f"{code!r} is not 6 characters of {CODE_ALPHABET}"
    axe_check(page, f"done ({lang})")
    assert_targets(page, "done")

    # Every page said no-store.
    for r in responses:
        assert r.headers.get("cache-control") == "no-store", r.url

    # The code opens the person's answers, in their order.
    found = loopback.get(
        f"{live.base}/api/v1/consultations/by-code/{code}", headers=live.bearer("cora")
    )
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["avoid"] == RANKED
    assert body["must_avoid"] == [MUST_AVOID]
    assert body["helpful"] == [HELPFUL]
    assert body["formulations"] == [FORM]
    assert body["what_matters"] == WHAT_MATTERS
    assert body["with_carer"] is True
    assert body["lang"] == lang
    assert body["options"] == TICKED

    # Back from the code page: the answers are gone from the tablet, so the review page
    # is not shown again (it starts afresh) and nothing is sent again.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.go_back()
    assert posts == [], "pressing Back sent the answers again"
    assert_page(page, lang, "Choosing a medicine together")
    shown_after_back = settled_content(page)
    for item in RANKED:
        assert label(lang, item) not in shown_after_back, f"Back shows {item}"
    assert WHAT_MATTERS not in shown_after_back
    # Nothing personal is left in the browser.
    assert page.context.cookies() == []
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]


@pytest.mark.parametrize("lang", ["en"])
def test_back_mid_flow_shows_the_step_again_without_asking_to_resend(
    lang: str, live: LiveApp, page: Page, problems: Problems
) -> None:
    page.goto(f"{live.base}/tablet?lang={lang}")
    submit(page, "options")
    submit(page, "choose")
    for item in PICKS[:2]:
        tick(page, f"c-{item}")
    submit(page, "order-from-choose")
    submit(page, "helpful")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    response = page.go_back()  # a GET page: no "Confirm form resubmission"
    assert response is not None and response.status == 200
    assert posts == []
    assert_page(page, lang, "Put them in order")
    assert ranked(page) == [label(lang, i) for i in PICKS[:2]]
    page.go_back()
    assert_page(page, lang, "Which side effects do you most want to avoid?")
    assert page.locator('input[name="chosen"]:checked').count() == 2
    page.go_forward()
    assert_page(page, lang, "Put them in order")
    assert posts == []


def test_switching_language_mid_flow_keeps_every_answer(live: LiveApp, page: Page) -> None:
    page.goto(f"{live.base}/tablet?lang=en")
    tick(page, "carer")
    submit(page, "options")
    tick(page, "o-lower-dose")
    submit(page, "choose")
    for item in PICKS[:3]:
        tick(page, f"c-{item}")
    submit(page, "lang:nb")  # ticks on this page not yet sent go along
    assert_page(page, "nb", "Which side effects do you most want to avoid?")
    assert page.title().startswith("Trinn 2 av ")
    assert page.locator('input[name="chosen"]:checked').count() == 3
    submit(page, "order-from-choose")
    assert ranked(page) == [label("nb", i) for i in PICKS[:3]]
    submit(page, "lang:en")
    assert_page(page, "en", "Put them in order")
    assert ranked(page) == [label("en", i) for i in PICKS[:3]]
    for go in ("helpful", "cannot-accept", "forms", "own-words", "past", "carer", "review"):
        submit(page, go)
    assert page.locator("ul.summary").first.inner_text() == option_label("en", "lower-dose")
    assert "together with a carer" in page.locator(".carer-answer").inner_text()


def test_after_up_or_down_focus_stays_on_the_moved_item(
    live: LiveApp, new_page: Callable[..., Page]
) -> None:
    """Without JavaScript too: the redirect's fragment and autofocus do it."""
    for script in (True, False):
        page = new_page(java_script_enabled=script)
        page.goto(f"{live.base}/tablet?lang=en")
        submit(page, "options")
        submit(page, "choose")
        for item in PICKS:
            tick(page, f"c-{item}")
        submit(page, "order-from-choose")
        submit(page, "down:dry-mouth")
        assert page.url.endswith("/tablet/order#down-dry-mouth")
        focused = page.evaluate("() => document.activeElement.value")
        assert focused == "down:dry-mouth", (script, focused)
        assert focus_problem(focus_state(page)) is None
        submit(page, "up:weight-gain")  # now at the top: Up is disabled, so Down has focus
        focused = page.evaluate("() => document.activeElement.value")
        assert focused == "down:weight-gain", (script, focused)
        assert focus_problem(focus_state(page)) is None


@pytest.mark.parametrize("lang", ["en"])
def test_without_javascript_a_sixth_choice_is_explained(
    lang: str, live: LiveApp, new_page: Callable[..., Page], problems: Problems
) -> None:
    """The pages work without the script; then nothing stops a sixth tick, and the
    server explains the limit. (axe needs script timers, so it runs on this state in
    the journey above, not here.)"""
    page = new_page(java_script_enabled=False)
    page.goto(f"{live.base}/tablet?lang={lang}")
    submit(page, "options")
    tick(page, "o-no-antipsychotic")
    submit(page, "choose")
    for item in [*PICKS, SIXTH]:
        tick(page, f"c-{item}")
    problems.expect(UNPROCESSABLE)
    response = submit(page, "order-from-choose")
    assert response is not None and response.status == 422
    assert_page(page, lang, "Which side effects do you most want to avoid?")
    error = t(lang, "Choose at most 5. You have chosen {n}.").format(n=6)
    assert error in page.locator(".error-summary").inner_text()
    assert page.locator('input[name="chosen"]:checked').count() == 6
    assert_targets(page, "choose with six chosen, no JavaScript")
    tick(page, f"c-{SIXTH}")
    submit(page, "order-from-choose")
    assert ranked(page) == [label(lang, i) for i in PICKS]
    for go in ("helpful", "cannot-accept", "forms", "own-words", "past", "review", "send"):
        submit(page, go)
    assert CODE.match(page.locator("p.code").inner_text().replace(" ", ""))


def test_an_idle_tablet_warns_then_clears_itself(
    live: LiveApp, page: Page, axe_check: AxeCheck
) -> None:
    page.clock.install()
    page.goto(f"{live.base}/tablet?lang=en")
    submit(page, "options")
    submit(page, "choose")
    for item in PICKS[:2]:
        tick(page, f"c-{item}")
    warning = page.locator("#timeout-warning")
    page.clock.fast_forward("04:01")
    assert warning.is_visible()
    assert page.evaluate("() => document.activeElement.id") == "still-here"
    assert focus_problem(focus_state(page)) is None
    axe_check(page, "choose, inactivity warning")
    assert_targets(page, "inactivity warning")
    page.keyboard.press("Enter")  # "I am still here"
    assert warning.is_hidden()
    assert page.locator('input[name="chosen"]:checked').count() == 2
    page.clock.fast_forward("04:01")
    assert warning.is_visible()
    page.clock.fast_forward("01:01")
    page.wait_for_url(f"{live.base}/tablet?lang=en")
    assert_page(page, "en", "Choosing a medicine together")
    assert label("en", PICKS[0]) not in page.content()


# --- keyboard only ---------------------------------------------------------------------


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 150) -> None:
    """Press Tab (or Shift+Tab) until `selector` has focus; every stop must show focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        problem = focus_problem(focus_state(page))
        assert problem is None, f"after {key} on {page.url}: {problem}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} never got focus after {limit} presses of {key}")


def press_enter(page: Page) -> None:
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    refused_check(navigation.value)


def test_the_whole_journey_works_with_the_keyboard_alone(
    live: LiveApp, page: Page, axe_check: AxeCheck
) -> None:
    """Tab, Shift+Tab, Space and Enter (and typing in the text box): no mouse, no taps."""
    page.goto(f"{live.base}/tablet?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    assert focus_problem(focus_state(page)) is None, "the skip link must show when focused"
    tab_to(page, "#carer")
    page.keyboard.press("Space")
    assert page.locator("#carer").is_checked()
    tab_to(page, 'button[value="options"]')
    press_enter(page)

    assert_page(page, "en", "What would you like to talk about?")
    tab_to(page, "#o-no-antipsychotic")
    page.keyboard.press("Space")
    assert page.locator("#o-no-antipsychotic").is_checked()
    tab_to(page, "#o-no-antipsychotic ~ details summary")
    page.keyboard.press("Enter")  # what is known opens
    assert page.locator("#o-no-antipsychotic ~ details").get_attribute("open") is not None
    tab_to(page, 'button[value="choose"]')
    press_enter(page)

    assert_page(page, "en", "Which side effects do you most want to avoid?")
    for item in PICKS:
        tab_to(page, f"#c-{item}")
        page.keyboard.press("Space")
    assert page.locator('input[name="chosen"]:checked').count() == 5
    tab_to(page, 'button[value="order-from-choose"]')
    # Back up the list to change a choice, then forward again.
    tab_to(page, f"#c-{PICKS[0]}", backwards=True)
    page.keyboard.press("Space")
    assert not page.locator(f"#c-{PICKS[0]}").is_checked()
    page.keyboard.press("Space")
    assert page.locator(f"#c-{PICKS[0]}").is_checked()
    tab_to(page, 'button[value="order-from-choose"]')
    press_enter(page)

    assert_page(page, "en", "Put them in order")
    tab_to(page, 'button[value="up:dry-mouth"]')
    press_enter(page)
    # focus stays on the moved item, so the item above is a Shift+Tab or two away
    assert page.evaluate("() => document.activeElement.value") == "up:dry-mouth"
    tab_to(page, 'button[value="down:tiredness"]', backwards=True)
    press_enter(page)
    assert ranked(page) == [label("en", i) for i in RANKED]
    tab_to(page, 'button[value="helpful"]')
    tab_to(page, 'button[value="choose"]', backwards=True)
    tab_to(page, 'button[value="helpful"]')
    press_enter(page)

    for box, go in (
        (f"#h-{HELPFUL}", "cannot-accept"),
        (f"#m-{MUST_AVOID}", "forms"),
        (f"#f-{FORM}", "own-words"),
    ):
        tab_to(page, box)
        page.keyboard.press("Space")
        assert page.locator(box).is_checked()
        tab_to(page, f'button[value="{go}"]')
        press_enter(page)
    assert_page(page, "en", "What matters to you?")
    tab_to(page, "#what_matters")
    page.keyboard.type(WHAT_MATTERS)
    tab_to(page, 'button[value="past"]')
    press_enter(page)
    assert_page(page, "en", "Have you taken any of these medicines before?")
    tab_to(page, 'button[value="carer"]')
    press_enter(page)
    assert_page(page, "en", "Should your carer give their own view?")
    tab_to(page, 'button[value="review"]')
    press_enter(page)

    assert_page(page, "en", "Check your answers")
    assert page.locator(".quote").inner_text() == WHAT_MATTERS
    tab_to(page, 'button[value="send"]')
    press_enter(page)

    assert_page(page, "en", "Thank you")
    code = page.locator("p.code").inner_text().replace(" ", "")
    assert CODE.match(code), code
    tab_to(page, "a.button.primary")  # Finish: the next person starts afresh
    press_enter(page)
    assert_page(page, "en", "Choosing a medicine together")
    assert not page.locator("#carer").is_checked()
