"""The tablet's navigation (docs/adr/0012-tablet-navigation.md): every post answers
with a redirect to the next step's page, so Back and Reload never ask to send a form
again; another language keeps every answer; the state never appears in an address;
the code page waits longer; staff find a consultation by time and tablet name."""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

import httpx2
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.web.tablet import STATE_COOKIE
from tests.integration.staff import StaffApp, web_login

FORM = {"content-type": "application/x-www-form-urlencoded"}


def post(
    client: TestClient, data: list[tuple[str, str]], *, follow: bool = True
) -> httpx2.Response:
    return client.post("/tablet", content=urlencode(data), headers=FORM, follow_redirects=follow)


def form_of(html: str, **answers: str | list[str]) -> list[tuple[str, str]]:
    """The step form's hidden state plus this page's answers, as a browser sends it."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form", id="step-form")
    assert isinstance(form, Tag), "the page has no step form"
    data = [
        (str(i["name"]), str(i.get("value", ""))) for i in form.find_all("input", type="hidden")
    ]
    for name, value in answers.items():
        data += [(name, v) for v in ([value] if isinstance(value, str) else value)]
    return data


def walk_to_cannot_accept(client: TestClient, lang: str = "en") -> httpx2.Response:
    start = client.get(f"/tablet?lang={lang}")
    options = post(client, form_of(start.text, carer="yes", go="options"))
    choose = post(client, form_of(options.text, options="lower-dose", go="choose"))
    order = post(
        client, form_of(choose.text, chosen=["weight-gain", "tremor"], go="order-from-choose")
    )
    helpful = post(client, form_of(order.text, go="helpful"))
    return post(client, form_of(helpful.text, helpful="sleepy-at-night", go="cannot-accept"))


def checked(html: str, name: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [str(i["value"]) for i in soup.find_all("input", attrs={"name": name, "checked": True})]


def hidden(html: str, name: str) -> list[str]:
    return [v for k, v in form_of(html) if k == name]


# --- 1. another language keeps every answer ------------------------------------------------


def test_switching_language_mid_flow_keeps_every_answer_and_this_pages_ticks(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    page = walk_to_cannot_accept(client)
    soup = BeautifulSoup(page.text, "html.parser")
    switch = soup.select_one('nav.langs button[value="lang:nb"]')
    assert switch is not None and switch["form"] == "step-form", "the switch must send the form"
    assert not soup.select('nav.langs a[href*="lang=nb"]'), "a link would lose the answers"
    # a tick on this page not yet sent goes with the language button
    switched = post(client, form_of(page.text, must_avoid="tremor", go="lang:nb"))
    assert switched.status_code == 200
    assert switched.url.path == "/tablet/cannot-accept"
    assert '<html lang="nb">' in switched.text
    assert checked(switched.text, "must_avoid") == ["tremor"]
    assert hidden(switched.text, "order") == ["weight-gain", "tremor"]
    assert hidden(switched.text, "helpful") == ["sleepy-at-night"]
    assert hidden(switched.text, "options") == ["lower-dose"]
    assert hidden(switched.text, "carer") == ["yes"]


# --- 2. Post/Redirect/Get -----------------------------------------------------------------


def test_every_step_post_redirects_to_a_page_the_browser_can_go_back_to(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    page = walk_to_cannot_accept(client)
    answer = post(client, form_of(page.text, must_avoid="tremor", go="forms"), follow=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/tablet/forms"
    assert answer.headers["cache-control"] == "no-store"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/tablet" in cookie
    # Back: the earlier step's page again (a GET), with the answers as they are now
    back = client.get("/tablet/cannot-accept")
    assert back.status_code == 200
    assert back.headers["cache-control"] == "no-store"
    assert checked(back.text, "must_avoid") == ["tremor"]
    # and Reload of the page the post led to
    again = client.get("/tablet/forms")
    assert again.status_code == 200
    assert hidden(again.text, "must_avoid") == ["tremor"]


def test_no_address_on_the_way_holds_an_answer(staff_app: StaffApp) -> None:
    client, _ = staff_app
    seen: list[str] = []
    client.event_hooks["request"] = [lambda request: seen.append(str(request.url))]
    page = walk_to_cannot_accept(client)
    post(client, form_of(page.text, must_avoid="tremor", go="forms"))
    assert any("/tablet/forms" in url for url in seen)
    for url in seen:
        for answer in ("weight-gain", "tremor", "sleepy-at-night", "lower-dose", "yes"):
            assert answer not in url.replace("/tablet", ""), url


def test_back_after_sending_starts_afresh_and_never_shows_the_answers(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    page = walk_to_cannot_accept(client)
    forms = post(client, form_of(page.text, go="forms"))
    words = post(client, form_of(forms.text, go="own-words"))
    review = post(client, form_of(words.text, what_matters="keep driving", go="review"))
    done = post(client, form_of(review.text, go="send"))
    assert done.url.path == "/tablet/done"
    code = done.text.split('<p class="code"', 1)[1]
    assert "keep driving" not in done.text
    # Reload of the code page shows the code again, and sends nothing again
    assert client.get("/tablet/done").text.split('<p class="code"', 1)[1] == code
    for step in ("review", "own-words", "choose", "order"):
        back = client.get(f"/tablet/{step}", follow_redirects=False)
        assert back.status_code == 303, step
        assert back.headers["location"] == "/tablet?lang=en", step
    # Finish (the start page) forgets the code too
    finish = client.get("/tablet?lang=en", follow_redirects=False)
    assert f'{STATE_COOKIE}=""' in finish.headers.get("set-cookie", "")
    assert client.get("/tablet/done").url.path == "/tablet"
    assert client.cookies.get(STATE_COOKIE) is None


def test_a_step_page_without_a_state_starts_afresh(staff_app: StaffApp) -> None:
    client, _ = staff_app
    answer = client.get("/tablet/review?lang=nb", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/tablet?lang=nb"
    assert client.get("/tablet/nowhere").status_code == 404


def test_errors_survive_the_redirect_with_their_status(staff_app: StaffApp) -> None:
    client, _ = staff_app
    start = client.get("/tablet?lang=en")
    choose = post(client, form_of(start.text, go="choose"))
    refused = post(client, form_of(choose.text, go="order-from-choose"))
    assert refused.url.path == "/tablet/choose"
    assert refused.status_code == 422
    assert "Choose at least 1 side effect" in refused.text


# --- 3. one question per page, a short list of helpful items -------------------------------


def test_helpful_offers_only_the_short_list_each_with_its_explanation(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    start = client.get("/tablet?lang=en")
    choose = post(client, form_of(start.text, go="choose"))
    order = post(client, form_of(choose.text, chosen=["tremor"], go="order-from-choose"))
    helpful = post(client, form_of(order.text, go="helpful"))
    soup = BeautifulSoup(helpful.text, "html.parser")
    boxes = soup.find_all("input", attrs={"name": "helpful", "type": "checkbox"})
    assert [b["value"] for b in boxes] == ["sleepy-at-night", "weight-loss"]
    for box in boxes:
        explained = soup.find(id=box["aria-describedby"])
        assert explained is not None and "this can help" in explained.get_text()
    # one question on this page: nothing else to tick or type
    assert not soup.find_all(
        "input", attrs={"name": re.compile("must_avoid|forms")}, type="checkbox"
    )
    assert not soup.find("textarea")


# --- 4. the carer answer on the review page ------------------------------------------------


def test_the_review_page_shows_the_carer_answer(staff_app: StaffApp) -> None:
    client, _ = staff_app
    for carer, said in (("yes", "together with a carer"), ("", "without a carer")):
        data = [("lang", "en"), ("order", "tremor"), ("go", "review")]
        review = post(client, data + ([("carer", carer)] if carer else []))
        answer = BeautifulSoup(review.text, "html.parser").select_one(".carer-answer")
        assert answer is not None and said in answer.get_text()


# --- 5. the code page waits longer; staff find a consultation by time and tablet -----------


def test_the_code_page_waits_ten_minutes_before_it_clears(staff_app: StaffApp) -> None:
    client, _ = staff_app
    done = post(client, [("lang", "en"), ("order", "tremor"), ("go", "send")])
    assert done.url.path == "/tablet/done"
    soup = BeautifulSoup(done.text, "html.parser")
    refresh = soup.find("noscript")
    assert refresh is not None and 'content="600;' in str(refresh)
    body = soup.find("body")
    assert isinstance(body, Tag) and body["data-idle-seconds"] == "540"


def test_staff_find_a_recent_consultation_by_time_and_tablet_name(staff_app: StaffApp) -> None:
    client, staff = staff_app
    start = client.get("/tablet?lang=en&tablet=Ward 3")
    assert hidden(start.text, "tablet") == ["Ward 3"]
    done = post(client, [*form_of(start.text), ("order", "tremor"), ("go", "send")])
    finish = BeautifulSoup(done.text, "html.parser").select_one("a.button.primary")
    assert finish is not None and finish["href"] == "/tablet?lang=en&tablet=Ward+3"
    web_login(client, staff, "cora")
    page = client.get("/staff/consultations")
    rows = BeautifulSoup(page.text, "html.parser").select("table.recent tbody tr")
    assert len(rows) == 1
    cells = [td.get_text(strip=True) for td in rows[0].find_all("td")]
    assert cells[1] == "Ward 3"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cells[0])
    link = rows[0].find("a")
    assert isinstance(link, Tag)
    opened = client.get(str(link["href"]))
    assert opened.status_code == 200
    reads = client.get("/api/v1/consultations/reads", headers=staff.headers(client, "ada"))
    assert [(r["read_by"], r["view"]) for r in reads.json()] == [("cora", "page")]


# --- 6. focus stays on the moved item ------------------------------------------------------


def test_after_up_the_page_opens_at_the_moved_item_with_focus_on_its_button(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    data = [("lang", "en"), ("order", "tremor"), ("order", "weight-gain"), ("order", "dry-mouth")]
    moved = post(client, [*data, ("here", "order"), ("go", "up:dry-mouth")], follow=False)
    assert moved.headers["location"] == "/tablet/order#up-dry-mouth"
    page = BeautifulSoup(client.get("/tablet/order").text, "html.parser")
    row = page.find(id="item-dry-mouth")
    assert isinstance(row, Tag)
    assert [b["value"] for b in page.select("button[autofocus]")] == ["up:dry-mouth"]
    # moved to the top, Up is disabled: focus goes to Down
    top = post(client, [*data, ("here", "order"), ("go", "up:weight-gain")], follow=False)
    assert top.headers["location"] == "/tablet/order#down-weight-gain"
    page = BeautifulSoup(client.get("/tablet/order").text, "html.parser")
    assert [b["value"] for b in page.select("button[autofocus]")] == ["down:weight-gain"]


# --- 7. a title per step -------------------------------------------------------------------


def test_every_step_has_its_own_title_in_both_languages(staff_app: StaffApp) -> None:
    client, _ = staff_app
    for lang, step_word in (("en", "Step"), ("nb", "Trinn")):
        titles = []
        page = client.get(f"/tablet?lang={lang}")
        for go, extra in (
            ("options", {}),
            ("choose", {}),
            ("order-from-choose", {"chosen": "tremor"}),
            ("helpful", {}),
            ("cannot-accept", {}),
            ("forms", {}),
            ("own-words", {}),
            ("past", {}),
            ("review", {}),
        ):
            page = post(client, form_of(page.text, go=go, **extra))
            title = BeautifulSoup(page.text, "html.parser").title
            assert title is not None
            titles.append(title.get_text())
        assert len(set(titles)) == len(titles), titles
        assert titles[0].startswith(f"{step_word} 1 ") and titles[0].endswith(" · Choosewell")
        # Without a medicine taken before or a carer, the optional steps after "past"
        # are skipped: review is step 9.
        assert titles[-1].startswith(f"{step_word} 9 ")


def test_a_state_too_big_for_a_cookie_is_answered_in_place(staff_app: StaffApp) -> None:
    """A very long "what matters" in many-byte characters does not fit a cookie: the
    post answers with the page itself, as before Post/Redirect/Get, and nothing is lost."""
    client, _ = staff_app
    draw = random.Random(13)
    words = "".join(chr(draw.randrange(0x4E00, 0x9FFF)) for _ in range(2000))
    data = [("lang", "en"), ("order", "tremor"), ("here", "own-words")]
    answer = post(client, [*data, ("what_matters", words), ("go", "review")], follow=False)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert words in answer.text
    assert f"{STATE_COOKIE}=" not in answer.headers.get("set-cookie", "").replace(
        f'{STATE_COOKIE}=""', ""
    )
