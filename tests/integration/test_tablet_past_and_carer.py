"""The tablet's medicines-taken-before step and the carer's turn, posted as a browser
posts them (without JavaScript): what is sent is what staff read."""

from __future__ import annotations

from typing import Any

import httpx2
from bs4 import BeautifulSoup

from tests.builders import bundled_dataset
from tests.integration.staff import StaffApp
from tests.integration.test_tablet_navigation import form_of, post

Client = Any
DATA = bundled_dataset()


def label(item: str) -> str:
    return str(DATA.item(item).label["en"])


def h1(page: httpx2.Response) -> str:
    heading = BeautifulSoup(page.text, "html.parser").h1
    assert heading is not None
    return heading.get_text()


def walk_to_past(client: Client, *, carer: bool) -> httpx2.Response:
    start = client.get("/tablet?lang=en")
    page = post(client, form_of(start.text, go="options", **({"carer": "yes"} if carer else {})))
    page = post(client, form_of(page.text, go="choose"))
    page = post(
        client,
        form_of(page.text, chosen=["weight-gain", "restlessness"], go="order-from-choose"),
    )
    for go in ("helpful", "cannot-accept", "forms", "own-words", "past"):
        page = post(client, form_of(page.text, go=go))
    assert h1(page) == "Have you taken any of these medicines before?"
    return page


def code_of(page: httpx2.Response) -> str:
    shown = BeautifulSoup(page.text, "html.parser").select_one("p.code")
    assert shown is not None, page.text
    return shown.get_text().replace(" ", "")


def opened(client: Client, staff: Any, code: str) -> dict[str, Any]:
    found = client.get(
        f"/api/v1/consultations/by-code/{code}", headers=staff.headers(client, "cora")
    )
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


def test_past_experience_and_the_carers_turn_are_sent_from_the_tablet(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    page = walk_to_past(client, carer=True)
    page = post(client, form_of(page.text, past="aripiprazole", go="past-details"))
    assert h1(page) == "How were these medicines for you?"
    answers: dict[str, str | list[str]] = {
        "helped-aripiprazole": "no",
        "had-aripiprazole": ["restlessness:2", "", "tremor:1"],
        "stopped-aripiprazole": "I could not sit still",
    }
    page = post(client, form_of(page.text, go="carer", **answers))
    assert h1(page) == "Should your carer give their own view?"
    no_by_default = BeautifulSoup(page.text, "html.parser").select_one("#consent-no")
    assert no_by_default is not None and no_by_default.has_attr("checked")
    page = post(client, form_of(page.text, carer_consented="yes", go="carer-choose"))
    page = post(
        client,
        form_of(
            page.text,
            carer_chosen=["tiredness", "weight-gain"],
            go="carer-order-from-choose",
        ),
    )
    assert h1(page) == "Carer: put them in order"
    page = post(client, form_of(page.text, go="carer-up:weight-gain"))
    page = post(client, form_of(page.text, go="carer-words"))
    page = post(client, form_of(page.text, carer_words="Sleep matters", go="review"))
    soup = BeautifulSoup(page.text, "html.parser")
    assert [li.get_text() for li in soup.select("ol.carer-summary li")] == [
        label("weight-gain"),
        label("tiredness"),
    ]
    assert "I could not sit still" in soup.select_one(".past-summary").get_text()  # type: ignore[union-attr]
    body = opened(client, staff, code_of(post(client, form_of(page.text, go="send"))))
    assert body["past_medicines"] == [
        {
            "drug": "aripiprazole",
            "helped": "no",
            "side_effects": [
                {"id": "restlessness", "label": label("restlessness"), "bother": 2},
                {"id": "tremor", "label": label("tremor"), "bother": 1},
            ],
            "stopped_because": "I could not sit still",
        }
    ]
    assert body["carer"] == {
        "consented": True,
        "avoid": ["weight-gain", "tiredness"],
        "what_matters": "Sleep matters",
    }
    assert body["avoid"] == ["weight-gain", "restlessness"]  # the person's own list


def test_without_consent_the_carers_answers_are_not_stored_even_if_posted(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    page = walk_to_past(client, carer=True)
    page = post(client, form_of(page.text, go="carer"))
    assert h1(page) == "Should your carer give their own view?"
    # "No" (the default) skips the carer's turn ...
    review = post(client, form_of(page.text, carer_consented="no", go="carer-choose"))
    assert h1(review) == "Check your answers"
    # ... and a post that adds a carer's answers without the agreement keeps none of them.
    forged = form_of(review.text, carer_order="tremor", carer_words="Forged words", go="send")
    body = opened(client, staff, code_of(post(client, forged)))
    assert body["carer"] == {"consented": False, "avoid": [], "what_matters": ""}


def test_a_too_long_reason_for_stopping_comes_back_whole_with_a_message(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    page = walk_to_past(client, carer=False)
    page = post(client, form_of(page.text, past="olanzapine", go="past-details"))
    long = "w" * 520
    again = post(client, form_of(page.text, go="review", **{"stopped-olanzapine": long}))
    assert again.status_code == 422
    assert h1(again) == "How were these medicines for you?"
    soup = BeautifulSoup(again.text, "html.parser")
    assert "Shorten it to 500" in soup.select_one(".error-summary").get_text()  # type: ignore[union-attr]
    box = soup.select_one("#stopped-olanzapine")
    assert box is not None and box.get_text() == long
