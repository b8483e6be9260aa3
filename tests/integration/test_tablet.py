"""The tablet journey without JavaScript: choose, order, extras, review, code, clear."""

from __future__ import annotations

import re

import httpx2
import pytest
from fastapi.testclient import TestClient

from tests.builders import bundled_dataset
from tests.integration.staff import StaffApp


def post(client: TestClient, data: list[tuple[str, str]]) -> httpx2.Response:
    return client.post(
        "/tablet",
        content="&".join(f"{k}={v}" for k, v in data),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def hidden_state(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html)


def on(html: str, **answers: str | list[str]) -> list[tuple[str, str]]:
    """A page's hidden state with this page's own answers added, as its form sends it."""
    data = hidden_state(html)
    for name, value in answers.items():
        data += [(name, v) for v in ([value] if isinstance(value, str) else value)]
    return data


def test_the_whole_tablet_journey_gives_a_code_the_clinician_can_open(staff_app: StaffApp) -> None:
    client, staff = staff_app
    start = client.get("/tablet?lang=en")
    assert start.status_code == 200
    assert start.headers["cache-control"] == "no-store"
    assert "set-cookie" not in start.headers
    options = post(client, on(start.text, carer="yes", go="options"))
    choose = post(client, on(options.text, go="choose"))
    assert "Chosen: 0 of 5" in choose.text
    picked = ["weight-gain", "tiredness", "restlessness"]
    order = post(client, on(choose.text, chosen=picked, go="order-from-choose"))
    assert order.status_code == 200
    state = hidden_state(order.text)
    assert [v for k, v in state if k == "order"] == picked
    moved = post(client, [*state, ("go", "up:restlessness")])
    state = hidden_state(moved.text)
    assert [v for k, v in state if k == "order"] == ["weight-gain", "restlessness", "tiredness"]
    helpful = post(client, [*state, ("go", "helpful")])
    cannot = post(client, on(helpful.text, helpful="sleepy-at-night", go="cannot-accept"))
    forms = post(client, on(cannot.text, must_avoid="weight-gain", go="forms"))
    words = post(client, on(forms.text, forms="tablet", go="own-words"))
    review = post(client, on(words.text, what_matters="keep+working", go="review"))
    assert "keep working" in review.text
    assert "could not accept at all" in review.text
    done = post(client, [*hidden_state(review.text), ("go", "send")])
    code = re.search(r'<p class="code"[^>]*>(\w{3}) (\w{3})</p>', done.text)
    assert code, done.text
    opened = client.get(
        f"/api/v1/consultations/by-code/{code.group(1)}{code.group(2)}",
        headers=staff.headers(client, "cora"),
    ).json()
    assert opened["avoid"] == ["weight-gain", "restlessness", "tiredness"]
    assert opened["helpful"] == ["sleepy-at-night"]
    assert opened["must_avoid"] == ["weight-gain"]
    assert opened["formulations"] == ["tablet"]
    assert opened["with_carer"] is True
    assert opened["what_matters"] == "keep working"
    assert opened["ranking"]["results"][0]["drug"]["id"]


def test_choosing_more_than_five_keeps_the_choices_and_explains(staff_app: StaffApp) -> None:
    client, _ = staff_app
    six = ["weight-gain", "tiredness", "restlessness", "tremor", "dry-mouth", "constipation"]
    response = post(
        client, [("lang", "en"), ("go", "order-from-choose")] + [("chosen", i) for i in six]
    )
    assert response.status_code == 422
    assert "Choose at most 5. You have chosen 6." in response.text
    assert response.text.count("checked") >= 6


def test_nothing_chosen_is_explained(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = post(client, [("lang", "en"), ("go", "order-from-choose")])
    assert response.status_code == 422
    assert "Choose at least 1 side effect" in response.text


def test_no_language_is_offered_without_its_catalogue(
    staff_app: StaffApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tablet never labels English as Norwegian: Norwegian is offered only while its
    catalogue is complete."""
    client, _ = staff_app
    assert '<html lang="nb">' in client.get("/tablet?lang=nb").text

    monkeypatch.setattr("app.web.tablet.available_languages", lambda: ("en",))
    page = client.get("/tablet?lang=nb")
    assert '<html lang="en">' in page.text
    assert '<html lang="nb">' not in page.text


@pytest.mark.parametrize(
    ("lang", "free", "about"),
    [
        ("en", "No antipsychotic for now, with other support", "Psychosis means"),
        ("nb", "Ingen antipsykotisk medisin nå, med annen støtte", "Psykose betyr"),
    ],
)
def test_the_tablet_offers_every_option_and_sends_the_ones_ticked(
    staff_app: StaffApp, lang: str, free: str, about: str
) -> None:
    client, staff = staff_app
    start = client.get(f"/tablet?lang={lang}")
    assert about in start.text  # the condition and the decision, from the data
    options_data = bundled_dataset().options
    assert options_data is not None
    assert options_data.about.decision[lang] in start.text
    assert '<button type="submit" name="go" value="options"' in start.text
    options = post(client, [("lang", lang), ("go", "options")])
    assert options.status_code == 200
    boxes = re.findall(r'<input type="checkbox" id="o-([a-z-]+)" name="options"', options.text)
    assert boxes == ["medicine", "stay-on-current", "lower-dose", "no-antipsychotic"]
    assert f'<label for="o-no-antipsychotic">{free}</label>' in options.text
    ticked = [("options", "no-antipsychotic"), ("options", "stay-on-current")]
    choose = post(client, [("lang", lang), *ticked, ("go", "choose")])
    state = hidden_state(choose.text)
    assert [v for k, v in state if k == "options"] == ["no-antipsychotic", "stay-on-current"]
    state = [(k, v) for k, v in state if k != "here"]  # as if from a page after the checklist
    review = post(client, [*state, ("order", "tremor"), ("go", "review")])
    assert f"<li>{free}</li>" in review.text
    done = post(client, [*hidden_state(review.text), ("go", "send")])
    code = re.search(r'<p class="code"[^>]*>(\w{3}) (\w{3})</p>', done.text)
    assert code, done.text
    opened = client.get(
        f"/api/v1/consultations/by-code/{code.group(1)}{code.group(2)}",
        headers=staff.headers(client, "cora"),
    ).json()
    assert opened["options"] == ["no-antipsychotic", "stay-on-current"]
    assert opened["avoid"] == ["tremor"]


def test_an_option_the_data_does_not_hold_is_dropped_not_stored(staff_app: StaffApp) -> None:
    client, _ = staff_app
    review = post(
        client,
        [("lang", "en"), ("order", "tremor"), ("options", "homeopathy"), ("go", "review")],
    )
    assert [v for k, v in hidden_state(review.text) if k == "options"] == []
    assert "Nothing ticked" in review.text
