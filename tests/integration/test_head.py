"""HEAD on every GET route: the GET's status and headers, no body; 405's Allow names
HEAD wherever GET is allowed (RFC 9110 §9.3.2)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

# Runs on SQLite only (marker `backend_neutral`): HEAD is answered by the routing,
# the same on any database.
pytestmark = pytest.mark.backend_neutral


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/tablet",  # a page
        "/api/v1/side-effects",  # an API route
        "/static/app.css",  # a static file
    ],
)
def test_head_answers_with_the_get_headers_and_no_body(small_client: TestClient, path: str) -> None:
    get = small_client.get(path)
    head = small_client.head(path)
    assert get.status_code == 200 and get.content
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    for name in ("content-security-policy", "x-content-type-options", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_on_a_staff_page_asks_for_a_login_as_get_does(small_client: TestClient) -> None:
    get = small_client.get("/staff/consultations", follow_redirects=False)
    head = small_client.head("/staff/consultations", follow_redirects=False)
    assert (head.status_code, head.headers.get("location")) == (
        get.status_code,
        get.headers.get("location"),
    )
    assert head.content == b""


def test_a_405_names_head_beside_get_and_only_there(small_client: TestClient) -> None:
    healthz = small_client.delete("/healthz")
    assert healthz.status_code == 405
    assert set(healthz.headers["allow"].split(", ")) == {"GET", "HEAD"}
    rankings = small_client.delete("/api/v1/rankings")
    assert rankings.headers["allow"] == "POST"
    head_on_post_only = small_client.head("/api/v1/rankings")
    assert head_on_post_only.status_code == 405
    assert head_on_post_only.headers["allow"] == "POST"
    assert head_on_post_only.content == b""
