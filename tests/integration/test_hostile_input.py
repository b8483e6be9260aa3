"""Hostile text in the pharmacists' free-text fields: stored as typed, shown escaped on
every staff page and, once published, on the clinician's card. (The person's own words
and the context note are covered in test_clinic_pages.py, screen and PDF.)"""

from __future__ import annotations

from tests.integration.staff import StaffApp, web_login

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
RAW_MARKERS = ("<script>alert(1)", "<img src=x")


def assert_escaped(text: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in text, f"unescaped {marker!r} on {where}"


def test_hostile_draft_rating_and_source_text_is_escaped_everywhere(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = client.post("/api/v1/drafts", headers=phil, json={"note": PAYLOAD}).json()["id"]
    source = client.put(
        f"/api/v1/drafts/{draft}/sources/hostile",
        headers=phil,
        json={"citation": PAYLOAD, "url": "https://example.org/?q=<script>"},
    )
    assert source.status_code == 201, source.text
    not_a_link = client.put(
        f"/api/v1/drafts/{draft}/sources/js",
        headers=phil,
        json={"citation": "x", "url": "javascript:alert(1)"},
    )
    assert not_a_link.status_code == 422  # only http(s) links reach a page
    url = f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain"
    etag = client.get(url, headers=phil).headers["etag"]
    edited = client.put(
        url,
        headers={**phil, "If-Match": etag},
        json={"value": 2, "sources": ["hostile"], "note": PAYLOAD},
    )
    assert edited.status_code == 200, edited.text
    assert client.get(url, headers=phil).json()["note"] == PAYLOAD  # kept as typed

    client.cookies.clear()
    web_login(client, staff, "phil")
    for page in (
        "/staff/drafts",
        f"/staff/drafts/{draft}",
        f"/staff/drafts/{draft}/drugs/olanzapine/ratings/weight-gain",
        f"/staff/drafts/{draft}/card?drug=olanzapine",
    ):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        assert_escaped(response.text, page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/staff/drafts").text

    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=phil).status_code == 200
    assert client.post(f"/api/v1/drafts/{draft}/approve", headers=pia).status_code == 200
    card = client.get("/staff/cards/olanzapine?lang=en")
    assert card.status_code == 200
    assert_escaped(card.text, "the clinician's card")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card.text
    client.cookies.clear()
    web_login(client, staff, "ada")
    audit = client.get("/staff/audit")
    assert audit.status_code == 200
    assert_escaped(audit.text, "the audit trail")
