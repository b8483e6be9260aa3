"""Pages in the reader's language: Norwegian asked for by `?lang=` or the browser,
English when asked for, and error messages in the language of the form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

# Runs on SQLite only (marker `backend_neutral`): chooses the language of a page;
# no query depends on it.
pytestmark = pytest.mark.backend_neutral


@pytest.fixture
def client(fresh_db: Callable[[], str]) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=fresh_db(), env="test"))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?lang=nb", {}),
        ("", {"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}),
        ("?lang=no", {}),
    ],
)
def test_staff_pages_speak_norwegian(
    client: TestClient, query: str, headers: dict[str, str]
) -> None:
    page = client.get("/login" + query, headers=headers)
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text
    assert "Innlogging for ansatte" in page.text
    assert "Brukernavn" in page.text and "Passord" in page.text
    assert "Staff log in" not in page.text and "Username" not in page.text

    missing = client.get("/staff/no-such-page" + query, headers=headers)
    assert missing.status_code == 404
    assert "Fant ikke siden" in missing.text and "Vi fant ikke den siden." in missing.text


def test_a_failed_login_is_explained_in_the_language_of_the_form(client: TestClient) -> None:
    form = client.get("/login?lang=nb").text
    action = re.search(r'<form method="post" action="([^"]+)"', form)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert action is not None and token is not None
    response = client.post(
        action.group(1),
        data={"username": "nobody", "password": "wrong", "csrf_token": token.group(1)},
    )
    assert response.status_code == 401
    assert "Brukernavnet, passordet eller koden er ikke riktig." in response.text


def test_english_is_chosen_over_the_browser_language(client: TestClient) -> None:
    page = client.get("/login?lang=en", headers={"Accept-Language": "nb-NO"})
    assert '<html lang="en">' in page.text
    assert "Staff log in" in page.text and "Username" in page.text
    assert "Innlogging for ansatte" not in page.text
