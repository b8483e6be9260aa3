"""The diff a reviewer reads, by name and old beside new, the same in the API, on the
draft's page and from `sdm data diff`: a rating whose note alone changed shows both notes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import bundled_dataset
from tests.integration.cli import sdm
from tests.integration.pages import soup, text
from tests.integration.staff import StaffApp, web_login
from tests.lookup import one

DATA = bundled_dataset()
DRUG, ITEM = "olanzapine", "weight-gain"
NEW_NOTE = "Test note written by the test suite; not clinical advice."


def change_only_the_note(client: TestClient, phil: dict[str, str]) -> tuple[str, str]:
    """Open a draft and change the note of one rating, nothing else; (draft, old note)."""
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    url = f"/api/v1/drafts/{draft}/drugs/{DRUG}/ratings/{ITEM}"
    read = client.get(url, headers=phil)
    rating = read.json()
    body = {k: rating[k] for k in ("value", "sources", "source_values")} | {"note": NEW_NOTE}
    saved = client.put(url, headers={**phil, "If-Match": read.headers["etag"]}, json=body)
    assert saved.status_code == 200, saved.text
    return draft, rating["note"] or "none"


def test_a_changed_note_shows_old_and_new_in_the_api_the_page_and_the_cli(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft, old_note = change_only_the_note(client, phil)
    assert old_note != NEW_NOTE

    # The API: the one change, with names in the language asked for.
    for lang in ("en", "nb"):
        diff = client.get(f"/api/v1/drafts/{draft}/diff?lang={lang}", headers=phil).json()
        assert [
            (c["drug"], c["side_effect"], c["what"], c["before"], c["after"])
            for c in diff["changes"]
        ] == [(DRUG, ITEM, "note", old_note, NEW_NOTE)]
        (change,) = diff["changes"]
        assert change["drug_name"] == DATA.drug(DRUG).name[lang]
        assert change["side_effect_label"] == DATA.item(ITEM).label[lang]
        assert change["changed_by"] == "phil"

    # The draft's page: a table per medicine, by name, the label, old beside new.
    web_login(client, staff, "pia")
    for lang in ("en", "nb"):
        page = soup(client.get(f"/staff/drafts/{draft}?lang={lang}").text)
        tables = page.find_all("table", class_="diff")
        assert [text(t.find("caption")) for t in tables] == [DATA.drug(DRUG).name[lang]]
        body = one(tables[0], "tbody")
        rows = [[text(td) for td in tr.find_all("td")] for tr in body.find_all("tr")]
        assert len(rows) == 1
        label, what, before, after = rows[0][:4]
        assert (label, before, after) == (DATA.item(ITEM).label[lang], old_note, NEW_NOTE)
        assert what == {"en": "note", "nb": "merknad"}[lang]
    client.cookies.clear()

    # Published, the version diff on the command line shows the same, by English name.
    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=phil).status_code == 200
    approved = client.post(f"/api/v1/drafts/{draft}/approve", headers=pia)
    assert approved.status_code == 200, approved.text
    result = sdm(staff.url, "data", "diff", "1", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{DATA.drug(DRUG).name['en']} ({DRUG})",
        f"  {DATA.item(ITEM).label['en']}: note: {old_note} -> {NEW_NOTE}",
        "1 change(s) from 1 to 2",
    ]
