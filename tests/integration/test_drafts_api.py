"""Draft -> edit with ETags -> diff -> submit -> approved by another pharmacist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.staff import StaffApp, add_staff_user

RATING = "/api/v1/drafts/{id}/drugs/olanzapine/ratings/weight-gain"


def open_draft(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/v1/drafts", headers=headers, json={"note": "test"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_full_review_cycle_publishes_a_new_version(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = open_draft(client, phil)
    url = RATING.format(id=draft)
    current = client.get(url, headers=phil)
    assert current.json()["value"] == 3
    etag = current.headers["etag"]
    edited = client.put(
        url,
        headers={**phil, "If-Match": etag},
        json={"value": 2, "sources": ["s3-2020"], "note": "test edit"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] != etag
    changes = client.get(f"/api/v1/drafts/{draft}/diff", headers=phil).json()["changes"]
    # The new grade, and beside it what else the edit changed in the cell: the source's
    # recorded value (the edit did not restate it) and the note.
    assert [c["what"] for c in changes] == ["rating", "source values", "note"]
    assert changes[0] == {
        "drug": "olanzapine",
        "drug_name": "Olanzapine",
        "side_effect": "weight-gain",
        "side_effect_label": "Weight gain",
        "what": "rating",
        "before": "+++",
        "after": "++",
        "sources": ["s3-2020"],
        "changed_by": "phil",
    }
    assert (changes[2]["after"], changes[2]["changed_by"]) == ("test edit", "phil")
    # Consultations still see the published version while the draft is open.
    card = client.get("/api/v1/drugs/olanzapine").json()
    assert card["data_version"]["number"] == 1
    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=phil).status_code == 200
    refused = client.post(f"/api/v1/drafts/{draft}/approve", headers=phil)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "A pharmacist who did not open, change or submit this draft must approve it."
    )
    approved = client.post(f"/api/v1/drafts/{draft}/approve", headers=pia)
    assert approved.status_code == 200, approved.text
    assert approved.json()["data_version"] == 2
    card = client.get("/api/v1/drugs/olanzapine").json()
    assert card["data_version"]["number"] == 2
    weight = next(r for r in card["ratings"] if r["side_effect"] == "weight-gain")
    assert weight["value"] == 2
    ranking = client.post("/api/v1/rankings", json={"avoid": ["weight-gain"]}).json()
    assert ranking["data_version"]["number"] == 2
    events = client.get("/api/v1/audit", headers=staff.headers(client, "ada")).json()
    trail = {(e["actor"], e["action"]) for e in events}
    assert {
        ("phil", "draft.open"),
        ("phil", "draft.edit_rating"),
        ("phil", "draft.submit"),
        ("pia", "draft.approve"),
        ("pia", "data_version.publish"),
    } <= trail


def test_stale_etag_is_412_and_changes_nothing(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    url = RATING.format(id=open_draft(client, phil))
    etag = client.get(url, headers=phil).headers["etag"]
    first = client.put(
        url, headers={**phil, "If-Match": etag}, json={"value": 2, "sources": ["s3-2020"]}
    )
    second = client.put(
        url, headers={**phil, "If-Match": etag}, json={"value": 0, "sources": ["s3-2020"]}
    )
    assert (first.status_code, second.status_code) == (200, 412)
    assert client.get(url, headers=phil).json()["value"] == 2


def test_missing_if_match_is_428(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    url = RATING.format(id=open_draft(client, phil))
    response = client.put(url, headers=phil, json={"value": 2, "sources": ["s3-2020"]})
    assert response.status_code == 428


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"value": 2, "sources": []}, "rating 2 has no source"),
        ({"value": None, "sources": []}, "needs a note"),
        ({"value": 2, "sources": ["nowhere"]}, "source 'nowhere' has no citation"),
    ],
)
def test_invalid_edits_are_422_with_the_reason(
    staff_app: StaffApp, body: dict[str, Any], message: str
) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    url = RATING.format(id=open_draft(client, phil))
    etag = client.get(url, headers=phil).headers["etag"]
    response = client.put(url, headers={**phil, "If-Match": etag}, json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_unknown_is_stored_as_unknown_through_a_draft(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = open_draft(client, phil)
    url = RATING.format(id=draft)
    etag = client.get(url, headers=phil).headers["etag"]
    client.put(
        url,
        headers={**phil, "If-Match": etag},
        json={"value": None, "sources": [], "note": "withdrawn pending review"},
    )
    client.post(f"/api/v1/drafts/{draft}/submit", headers=phil)
    client.post(f"/api/v1/drafts/{draft}/approve", headers=pia)
    card = client.get("/api/v1/drugs/olanzapine").json()
    weight = next(r for r in card["ratings"] if r["side_effect"] == "weight-gain")
    assert (weight["value"], weight["symbol"]) == (None, "?")


def test_discarded_and_submitted_drafts_cannot_be_edited(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    draft = open_draft(client, phil)
    url = RATING.format(id=draft)
    etag = client.get(url, headers=phil).headers["etag"]
    client.post(f"/api/v1/drafts/{draft}/submit", headers=phil)
    response = client.put(
        url, headers={**phil, "If-Match": etag}, json={"value": 1, "sources": ["s3-2020"]}
    )
    assert response.status_code == 409
    assert client.delete(f"/api/v1/drafts/{draft}", headers=phil).status_code == 204
    assert client.get(f"/api/v1/drafts/{draft}", headers=phil).json()["status"] == "discarded"
    # A discarded draft cannot be discarded again: it says why.
    again = client.delete(f"/api/v1/drafts/{draft}", headers=phil)
    assert again.status_code == 409
    assert again.json()["detail"] == f"Draft {draft} is discarded and cannot be discarded."


def test_a_draft_that_does_not_exist_is_404_and_named(staff_app: StaffApp) -> None:
    client, staff = staff_app
    response = client.get("/api/v1/drafts/no-such-draft", headers=staff.headers(client, "phil"))
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no draft 'no-such-draft'."


def test_review_due_lists_overdue_cards(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    assert client.get("/api/v1/review-due", headers=phil).json() == []
    far = client.get("/api/v1/review-due?within_days=3650", headers=phil).json()
    assert {d["drug"] for d in far} >= {"olanzapine", "clozapine"}


def test_drug_fields_are_edited_with_an_etag_and_validated(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    draft = open_draft(client, phil)
    url = f"/api/v1/drafts/{draft}/drugs/clozapine"
    current = client.get(url, headers=phil)
    etag = current.headers["etag"]
    bad = client.put(url, headers={**phil, "If-Match": etag}, json={"atc": "nonsense"})
    assert bad.status_code == 422
    assert "ATC code 'nonsense'" in bad.json()["detail"]
    ok = client.put(
        url,
        headers={**phil, "If-Match": etag},
        json={"review_by": "2026-01-01", "card": {"en": "New text.", "nb": "Ny."}},
    )
    assert ok.status_code == 200, ok.text
    stale = client.put(url, headers={**phil, "If-Match": etag}, json={"atc": "N05AH02"})
    assert stale.status_code == 412
    changes = client.get(f"/api/v1/drafts/{draft}/diff", headers=phil).json()["changes"]
    assert {(c["drug"], c["what"]) for c in changes} == {
        ("clozapine", "review_by"),
        ("clozapine", "card text"),
    }


# --- four eyes: nobody who changed a draft approves it ---------------------------------


def edit_weight_gain(
    client: TestClient, headers: dict[str, str], draft: str, value: int = 0
) -> None:
    """Olanzapine's weight gain, +++ in the published data."""
    url = RATING.format(id=draft)
    etag = client.get(url, headers=headers).headers["etag"]
    response = client.put(
        url,
        headers={**headers, "If-Match": etag},
        json={"value": value, "sources": ["s3-2020"], "note": "four eyes test"},
    )
    assert response.status_code == 200, response.text


def edit_card(client: TestClient, headers: dict[str, str], draft: str) -> None:
    url = f"/api/v1/drafts/{draft}/drugs/olanzapine"
    etag = client.get(url, headers=headers).headers["etag"]
    response = client.put(
        url, headers={**headers, "If-Match": etag}, json={"review_by": "2027-06-01"}
    )
    assert response.status_code == 200, response.text


def edit_source(client: TestClient, headers: dict[str, str], draft: str) -> None:
    listed = client.get(f"/api/v1/drafts/{draft}/sources", headers=headers).json()
    revision = next(s["revision"] for s in listed if s["key"] == "s3-2020")
    response = client.put(
        f"/api/v1/drafts/{draft}/sources/s3-2020",
        headers={**headers, "If-Match": f'"{revision}"'},
        json={"citation": "A changed citation", "url": "https://example.org/changed"},
    )
    assert response.status_code == 200, response.text


def submit(client: TestClient, headers: dict[str, str], draft: str) -> None:
    response = client.post(f"/api/v1/drafts/{draft}/submit", headers=headers)
    assert response.status_code == 200, response.text


def as_creator(client: TestClient, phil: dict[str, str], pia: dict[str, str], draft: str) -> str:
    """phil opened the draft; pia changed and submitted it. phil tries to approve."""
    edit_weight_gain(client, pia, draft)
    submit(client, pia, draft)
    return "phil"


def as_submitter(client: TestClient, phil: dict[str, str], pia: dict[str, str], draft: str) -> str:
    edit_weight_gain(client, phil, draft)
    submit(client, pia, draft)
    return "pia"


def as_rating_editor(
    client: TestClient, phil: dict[str, str], pia: dict[str, str], draft: str
) -> str:
    """The finding: pia edits phil's draft (+++ -> 0), phil submits, pia approves."""
    edit_weight_gain(client, pia, draft)
    submit(client, phil, draft)
    return "pia"


def as_drug_field_editor(
    client: TestClient, phil: dict[str, str], pia: dict[str, str], draft: str
) -> str:
    edit_weight_gain(client, phil, draft)
    edit_card(client, pia, draft)
    submit(client, phil, draft)
    return "pia"


def as_source_editor(
    client: TestClient, phil: dict[str, str], pia: dict[str, str], draft: str
) -> str:
    edit_weight_gain(client, phil, draft)
    edit_source(client, pia, draft)
    submit(client, phil, draft)
    return "pia"


def as_overwritten_editor(
    client: TestClient, phil: dict[str, str], pia: dict[str, str], draft: str
) -> str:
    """pia's change was overwritten by phil's: she still changed the draft."""
    edit_weight_gain(client, pia, draft, value=1)
    edit_weight_gain(client, phil, draft, value=0)
    submit(client, phil, draft)
    return "pia"


@pytest.mark.parametrize(
    "involve",
    [
        as_creator,
        as_submitter,
        as_rating_editor,
        as_drug_field_editor,
        as_source_editor,
        as_overwritten_editor,
    ],
)
def test_nobody_who_changed_a_draft_can_approve_it(
    staff_app: StaffApp, involve: Callable[[TestClient, dict[str, str], dict[str, str], str], str]
) -> None:
    client, staff = staff_app
    add_staff_user(staff, "pete", "pharmacist")  # takes no part until asked to approve
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = open_draft(client, phil)
    involved = involve(client, phil, pia, draft)

    refused = client.post(
        f"/api/v1/drafts/{draft}/approve", headers=staff.headers(client, involved)
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == (
        "A pharmacist who did not open, change or submit this draft must approve it."
    )
    assert client.get(f"/api/v1/drafts/{draft}", headers=phil).json()["status"] == "submitted"
    card = client.get("/api/v1/drugs/olanzapine").json()
    assert card["data_version"]["number"] == 1
    weight = next(r for r in card["ratings"] if r["side_effect"] == "weight-gain")
    assert weight["value"] == 3
    diff = client.get(f"/api/v1/drafts/{draft}/diff", headers=phil).json()
    assert involved in diff["involved"] and "pete" not in diff["involved"]

    approved = client.post(f"/api/v1/drafts/{draft}/approve", headers=staff.headers(client, "pete"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["data_version"] == 2
    card = client.get("/api/v1/drugs/olanzapine").json()
    weight = next(r for r in card["ratings"] if r["side_effect"] == "weight-gain")
    assert (card["data_version"]["number"], weight["value"]) == (2, 0)


def test_the_diff_names_who_last_changed_each_cell_and_field(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = open_draft(client, phil)
    edit_weight_gain(client, pia, draft, value=1)
    edit_card(client, phil, draft)
    edit_source(client, pia, draft)

    def changed_by() -> dict[tuple[str, str | None, str], str]:
        diff = client.get(f"/api/v1/drafts/{draft}/diff", headers=phil).json()
        return {(c["drug"], c["side_effect"], c["what"]): c["changed_by"] for c in diff["changes"]}

    assert changed_by() == {
        ("olanzapine", "weight-gain", "rating"): "pia",
        ("olanzapine", "weight-gain", "source values"): "pia",
        ("olanzapine", "weight-gain", "note"): "pia",
        ("olanzapine", None, "review_by"): "phil",
        ("(sources)", None, "source"): "pia",
    }
    edit_weight_gain(client, phil, draft, value=0)  # phil changes pia's cell: now his
    assert changed_by()[("olanzapine", "weight-gain", "rating")] == "phil"
    diff = client.get(f"/api/v1/drafts/{draft}/diff", headers=phil).json()
    assert diff["involved"] == ["phil", "pia"]  # pia changed it, even if not last
