"""Sources on the web: the rating form offers the draft's sources by name, shows the
published value and what each source said, explains each problem in the pharmacist's
words; a source can be added to the draft (and cited at once) and edited, stale edits
keep what was typed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.builders import bundled_dataset
from tests.integration.pages import soup, text
from tests.integration.staff import StaffApp, web_login
from tests.lookup import attribute, one

# Runs on SQLite only (marker `backend_neutral`): draws the rating and source forms;
# adding, editing (with its etag) and citing a draft's source (the same
# app.curation.drafts functions) run on PostgreSQL in test_draft_sources.
pytestmark = pytest.mark.backend_neutral

DATA = bundled_dataset()
DRUG, ITEM = "olanzapine", "weight-gain"
FIXTURE = {
    "key": "olanzapine-test-fixture",
    "citation": "A test fixture, not a clinical source. Written by the test suite.",
    "url": "https://example.org/test-fixture",
    "accessed": "2025-01-15",
    "kind": "product-information",
}


def open_draft(client: TestClient, csrf: str) -> str:
    opened = client.post("/staff/drafts", data={"csrf_token": csrf}, follow_redirects=False)
    return str(opened.headers["location"])


def revision_of(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found
    return found.group(1)


def test_the_rating_form_shows_the_published_value_and_each_sources_words(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    csrf = web_login(client, staff, "phil")
    draft_url = open_draft(client, csrf)
    rating = DATA.drug(DRUG).ratings[ITEM]
    assert rating.sources and rating.source_values  # the bundled cell says what they said
    for lang in ("en", "nb"):
        page = soup(client.get(f"{draft_url}/drugs/{DRUG}/ratings/{ITEM}?lang={lang}").text)
        published = text(page.find("section", class_="published"))
        assert f"{DATA.drug(DRUG).name[lang]}" in text(page.find("h1"))
        for key, says in rating.source_values.items():
            assert key in published and says in published
            assert DATA.sources[key].citation in published
        # Every source it cites is offered by name, ticked, with what it says to edit.
        ticked = {
            box["value"]: box
            for box in page.find_all("input", attrs={"type": "checkbox", "name": "sources"})
            if box.has_attr("checked")
        }
        assert set(ticked) == set(rating.sources)
        for key in rating.sources:
            pick = ticked[key].find_parent("div", class_="source-pick")
            assert pick is not None
            assert DATA.sources[key].citation in text(pick)
            says_field = one(pick, 'input[name="says"]')
            assert says_field["value"] == rating.source_values.get(key, "")


def test_problems_are_said_in_the_pharmacists_words(staff_app: StaffApp) -> None:
    client, staff = staff_app
    csrf = web_login(client, staff, "phil")
    form_url = f"{open_draft(client, csrf)}/drugs/{DRUG}/ratings/{ITEM}"
    revision = revision_of(client.get(form_url).text)
    cases = [
        ({"value": "2"}, {"en": "needs a source: tick", "nb": "trenger en kilde"}),
        ({"value": "unknown"}, {"en": "Say in the note why", "nb": "Skriv i merknaden"}),
        (
            {"value": "2", "sources": "nowhere-2020"},
            {"en": "nowhere-2020 is not in this draft's source list", "nb": "står ikke i"},
        ),
        (
            {"value": "2", "sources": "s3-2020", "says_key": "huhn-2019", "says": "+"},
            {"en": "You wrote what huhn-2019 says", "nb": "Du skrev hva huhn-2019 sier"},
        ),
    ]
    for fields, words in cases:
        for lang, expected in words.items():
            answer = client.post(
                f"{form_url}?lang={lang}",
                data={"csrf_token": csrf, "revision": revision, "note": "", **fields},
            )
            assert answer.status_code == 422, fields
            summary = text(soup(answer.text).find("div", class_="error-summary"))
            assert expected in summary, (fields, lang, summary)
            assert "sources/" not in summary
    # Nothing was saved: the form still reads the first revision.
    assert revision_of(client.get(form_url).text) == revision


def test_a_source_added_from_the_rating_form_can_be_cited_at_once(staff_app: StaffApp) -> None:
    client, staff = staff_app
    csrf = web_login(client, staff, "phil")
    draft_url = open_draft(client, csrf)
    draft_id = draft_url.rsplit("/", 1)[1]
    form_url = f"{draft_url}/drugs/{DRUG}/ratings/{ITEM}"
    link = soup(client.get(form_url).text).find("a", href=re.compile("/sources\\?for="))
    assert link is not None
    sources_page = client.get(attribute(link, "href").split("#")[0])
    assert sources_page.status_code == 200

    # Refused in words first: a bad key, no address, a date in the future.
    bad = client.post(
        f"{draft_url}/sources",
        data={
            **FIXTURE,
            "key": "Not A Key",
            "url": "",
            "accessed": "2999-01-01",
            "csrf_token": csrf,
            "for": f"{DRUG}/{ITEM}",
        },
    )
    assert bad.status_code == 422
    summary = text(soup(bad.text).find("div", class_="error-summary"))
    for words in ("short key", "web address", "cannot be after today"):
        assert words in summary
    assert one(soup(bad.text), "textarea#citation").text == FIXTURE["citation"]

    added = client.post(
        f"{draft_url}/sources",
        data={**FIXTURE, "csrf_token": csrf, "for": f"{DRUG}/{ITEM}"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{form_url}?added={FIXTURE['key']}"
    form = client.get(added.headers["location"]).text
    assert "is now in the draft's list" in text(soup(form).find("p", class_="notice"))
    box = soup(form).find("input", attrs={"name": "sources", "value": FIXTURE["key"]})
    assert box is not None and not box.has_attr("checked")

    rating = DATA.drug(DRUG).ratings[ITEM]
    keys = [*rating.sources, FIXTURE["key"]]
    data = {
        "csrf_token": csrf,
        "revision": revision_of(form),
        "value": str(rating.value),
        "note": rating.note or "",
        "sources": keys,
        "says_key": keys,
        "says": [rating.source_values.get(k, "test value") for k in keys],
    }
    saved = client.post(form_url, data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/staff/drafts/{draft_id}?done=saved"
    page = client.get(saved.headers["location"]).text
    assert "Your change is saved in the draft." in page
    api = client.get(
        f"/api/v1/drafts/{draft_id}/drugs/{DRUG}/ratings/{ITEM}",
        headers=staff.headers(client, "phil"),
    ).json()
    assert api["sources"] == [*rating.sources, FIXTURE["key"]]
    assert api["source_values"][FIXTURE["key"]] == "test value"
    listed = soup(client.get(f"{draft_url}/sources?q=test-fixture").text)
    rows = one(listed, "tbody").find_all("tr")
    assert [text(r.find("th")) for r in rows] == [FIXTURE["key"]]
    assert "2025-01-15" in text(rows[0])


def test_a_stale_source_edit_keeps_what_was_typed(staff_app: StaffApp) -> None:
    client, staff = staff_app
    csrf = web_login(client, staff, "phil")
    draft_url = open_draft(client, csrf)
    url = f"{draft_url}/sources/s3-2020"
    page = client.get(url).text
    revision = revision_of(page)
    citation = DATA.sources["s3-2020"].citation
    first = client.post(
        url,
        data={
            "csrf_token": csrf,
            "revision": revision,
            "citation": citation,
            "url": DATA.sources["s3-2020"].url,
            "kind": "comparative",
            "accessed": "2025-02-01",
        },
        follow_redirects=False,
    )
    assert first.status_code == 303
    assert "Your change to source s3-2020 is saved." in client.get(first.headers["location"]).text
    second = client.post(
        url,
        data={
            "csrf_token": csrf,
            "revision": revision,
            "citation": "My careful citation.",
            "url": "https://example.org/mine",
            "kind": "comparative",
            "accessed": "",
        },
    )
    assert second.status_code == 412
    assert "Someone changed this source" in second.text
    assert "My careful citation." in second.text
    assert "2025-02-01" in text(soup(second.text).find("div", class_="notice"))
