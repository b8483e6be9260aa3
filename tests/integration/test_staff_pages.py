"""Staff pages in a browser-like client: login, CSRF, logout that really ends the session,
editing a rating without JavaScript, and a lost-update shown without losing the input."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.integration.conftest import app_of
from tests.integration.staff import PASSWORD, Staff, StaffApp, add_staff_user
from tests.lookup import search

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def log_in(client: TestClient, staff: Staff, username: str) -> str:
    page = client.get("/login")
    token = search(CSRF, page.text).group(1)
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "totp": staff.code(username),
            "csrf_token": token,
            "next": "/staff/drafts",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/staff/drafts"
    return search(CSRF, client.get("/staff").text).group(1)


def test_session_cookie_is_secure_httponly_samesite(staff_app: StaffApp) -> None:
    client, staff = staff_app
    client.get("/login")
    page = client.get("/login")
    token = search(CSRF, page.text).group(1)
    response = client.post(
        "/login",
        data={
            "username": "phil",
            "password": PASSWORD,
            "totp": staff.code("phil"),
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("__Host-sdm_session=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie


def test_login_without_the_form_token_is_refused(staff_app: StaffApp) -> None:
    client, staff = staff_app
    response = client.post(
        "/login", data={"username": "phil", "password": PASSWORD, "totp": staff.code("phil")}
    )
    assert response.status_code == 403
    assert "nothing was changed" in response.text


def test_wrong_password_shows_the_form_again_with_the_username(staff_app: StaffApp) -> None:
    client, _ = staff_app
    token = search(CSRF, client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"username": "phil", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert 'value="phil"' in response.text
    assert "The username, password or code is not right." in response.text


def test_logged_out_cookie_replayed_is_refused(staff_app: StaffApp) -> None:
    client, staff = staff_app
    csrf = log_in(client, staff, "phil")
    cookie = client.cookies.get("__Host-sdm_session")
    assert cookie is not None
    assert client.get("/staff/drafts").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("__Host-sdm_session", cookie, domain="testserver")
    replay = client.get("/staff/drafts", follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/login")


def test_pages_need_login_and_role(staff_app: StaffApp) -> None:
    client, staff = staff_app
    response = client.get("/staff/drafts", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/login?next=/staff/drafts",
    )
    log_in(client, staff, "cora")
    forbidden = client.get("/staff/drafts")
    assert forbidden.status_code == 403
    assert "This needs the role pharmacist" in forbidden.text


def test_edit_a_rating_through_forms_and_see_the_diff(staff_app: StaffApp) -> None:
    client, staff = staff_app
    csrf = log_in(client, staff, "phil")
    opened = client.post(
        "/staff/drafts", data={"csrf_token": csrf, "note": "new trial"}, follow_redirects=False
    )
    draft_url = opened.headers["location"]
    form_url = f"{draft_url}/drugs/clozapine/ratings/drooling"
    form = client.get(form_url)
    assert form.status_code == 200
    revision = search(r'name="revision" value="(\d+)"', form.text).group(1)
    saved = client.post(
        form_url,
        data={
            "csrf_token": csrf,
            "revision": revision,
            "value": "2",
            "sources": "s3-2020",
            "note": "checked",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(draft_url)
    assert re.search(
        r"<caption>Clozapine</caption>.*?<td>Over-wet or drooling mouth</td>"
        r"<td>rating</td><td>\+\+\+</td>"
        r"<td>\+\+</td><td>s3-2020</td><td>phil</td>",  # the last column: who changed it
        page.text,
        re.S,
    )


def test_a_lost_update_keeps_what_the_person_typed(staff_app: StaffApp) -> None:
    client, staff = staff_app
    csrf = log_in(client, staff, "phil")
    draft_url = client.post(
        "/staff/drafts", data={"csrf_token": csrf}, follow_redirects=False
    ).headers["location"]
    form_url = f"{draft_url}/drugs/clozapine/ratings/tremor"
    revision = search(r'name="revision" value="(\d+)"', client.get(form_url).text).group(1)
    first = client.post(
        form_url,
        data={"csrf_token": csrf, "revision": revision, "value": "1", "sources": "s3-2020"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    second = client.post(
        form_url,
        data={
            "csrf_token": csrf,
            "revision": revision,
            "value": "3",
            "sources": "s3-2020",
            "note": "my careful note",
        },
    )
    assert second.status_code == 412
    assert "Someone changed this rating" in second.text
    assert "my careful note" in second.text
    assert 'id="value-3" name="value" value="3" checked' in second.text


def test_only_a_pharmacist_who_did_not_change_the_draft_is_offered_approval(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    pia = staff.headers(client, "pia")
    draft = client.post("/api/v1/drafts", headers=pia, json={}).json()["id"]
    url = f"/api/v1/drafts/{draft}/drugs/clozapine/ratings/drooling"
    etag = client.get(url, headers=pia).headers["etag"]
    client.put(url, headers={**pia, "If-Match": etag}, json={"value": 2, "sources": ["s3-2020"]})
    csrf = log_in(client, staff, "phil")
    page = client.get(f"/staff/drafts/{draft}").text
    assert "Approve and publish" not in page  # not submitted yet
    assert (
        client.post(f"/staff/drafts/{draft}/submit", data={"csrf_token": csrf}).status_code == 200
    )
    page = client.get(f"/staff/drafts/{draft}").text
    assert "so a different pharmacist must approve it" in page
    assert "Approve and publish" not in page
    refused = client.post(f"/staff/drafts/{draft}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert "did not open, change or submit this draft" in refused.text
    client.cookies.clear()
    add_staff_user(staff, "pete", "pharmacist")
    log_in(client, staff, "pete")
    assert "Approve and publish" in client.get(f"/staff/drafts/{draft}").text


def state_changing_page_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = []
    stack = list(app.routes)
    while stack:
        route = stack.pop()
        if hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
        elif isinstance(route, APIRoute) and not route.path.startswith(("/api", "/tablet")):
            assert route.methods is not None, route.path
            routes += [(m, route.path) for m in route.methods if m not in ("GET", "HEAD")]
    return sorted(routes)


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_state_changing_page_refuses_a_missing_or_wrong_csrf_token(
    staff_app: StaffApp, token: str | None
) -> None:
    client, staff = staff_app
    log_in(client, staff, "phil")
    draft_id = client.post("/api/v1/drafts", headers=staff.headers(client, "pia"), json={}).json()[
        "id"
    ]
    consultation = client.post("/api/v1/consultations", json={"avoid": ["tremor"]}).json()
    values = {
        "draft_id": draft_id,
        "drug_id": "olanzapine",
        "side_effect": "weight-gain",
        "action": "discard",
        "key": "s3-2020",
        "consultation_id": consultation["id"],
    }
    routes = state_changing_page_routes(app_of(client))
    assert len(routes) >= 5
    for method, path in routes:
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        data = {
            "revision": "1",
            "value": "1",
            "sources": "s3-2020",
            "username": "phil",
            "password": PASSWORD,
            "decision": "undecided",
        }
        if token:
            data["csrf_token"] = token
        response = client.request(method, url, data=data, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
    assert client.get("/staff/drafts").status_code == 200  # still logged in: nothing changed
    opened = client.get(
        f"/api/v1/consultations/{consultation['id']}", headers=staff.headers(client, "phil")
    )
    assert opened.json()["decision"] is None


def test_the_tablet_refuses_posts_from_another_site(staff_app: StaffApp) -> None:
    """The tablet has no session to bind a token to; the browser's headers say the origin."""
    client, _ = staff_app
    form = {"lang": "en", "go": "choose"}
    assert client.post("/tablet", data=form).status_code == 200
    assert (
        client.post("/tablet", data=form, headers={"Origin": "https://testserver"}).status_code
        == 200
    )
    assert (
        client.post("/tablet", data=form, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert (
        client.post("/tablet", data=form, headers={"Sec-Fetch-Site": "cross-site"}).status_code
        == 403
    )
    # A subdomain is another site's page, and a null origin without fetch metadata is
    # what a sandboxed frame sends.
    same_site = {"Sec-Fetch-Site": "same-site", "Origin": "https://x.testserver"}
    assert client.post("/tablet", data=form, headers=same_site).status_code == 403
    assert client.post("/tablet", data=form, headers={"Origin": "null"}).status_code == 403
    # What a browser sends for the tablet's own form under Referrer-Policy: no-referrer
    own = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
    assert client.post("/tablet", data=form, headers=own).status_code == 200
