"""Oversized bodies: refused early with the app's own 413, in JSON for the API (as its
schema declares) and as a page for people; never Starlette's plain text.

`make fuzz` found a 413 in plain text, an answer the schema does not declare: a route
that answered without reading the body (a draft edit with no token) had its answer
replaced by the limiter's text."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient

from app.http.body_limit import TOO_LARGE

# Runs on SQLite only (marker `backend_neutral`): bodies are refused before any
# database work.
pytestmark = pytest.mark.backend_neutral

LIMIT = 64 * 1024
BIG = b'{"note": "' + b"a" * (LIMIT + 10) + b'"}'


def chunks(body: bytes, size: int = 8192) -> Iterator[bytes]:
    """Sent with Transfer-Encoding: chunked, so no Content-Length to refuse early on."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_json_413(response: httpx2.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": TOO_LARGE}


def test_a_route_that_would_answer_without_reading_still_gets_the_json_413(
    small_client: TestClient,
) -> None:
    # Without a token this route answers 401 before it reads the body.
    small = small_client.put("/api/v1/drafts/1/drugs/alphazine", content=b"{}")
    assert small.status_code in (401, 428), small.text
    big = small_client.put(
        "/api/v1/drafts/1/drugs/alphazine",
        content=BIG,
        headers={"content-type": "application/json"},
    )
    assert_json_413(big)


def test_a_chunked_body_is_refused_once_it_passes_the_limit(small_client: TestClient) -> None:
    response = small_client.post(
        "/api/v1/rankings", content=chunks(BIG), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_json_413(response)


def test_a_body_at_the_limit_is_read(small_client: TestClient) -> None:
    padded = b'{"avoid": ["tremor"]}'.ljust(LIMIT, b" ")
    response = small_client.post(
        "/api/v1/rankings", content=padded, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_people_get_a_page(small_client: TestClient) -> None:
    response = small_client.post(
        "/tablet",
        content=b"step=avoid&" + b"x=" + b"a" * (LIMIT + 10),
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "That request could not be handled." in response.text
    assert "content-security-policy" in response.headers
