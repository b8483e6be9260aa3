"""A minimal browser for live app processes: forms, cookies, the tablet journey, login.

The live servers speak plain HTTP on 127.0.0.1 while the session cookie is `Secure`
(SDM_ENV=test), so the cookie jar here keeps and sends every cookie itself. Like a real
browser, it shares one jar between the ports of one host, so a cookie set by one app
process is sent to another.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlencode

import httpx2

from tests import loopback
from tests.integration.staff import PASSWORD, Staff

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
CODE = re.compile(r'<p class="code"[^>]*>(\w{3}) (\w{3})</p>')


class Browser:
    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        url: str,
        *,
        form: list[tuple[str, str]] | dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
        **kwargs: Any,
    ) -> httpx2.Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            sent["content-type"] = "application/x-www-form-urlencoded"
            kwargs["content"] = urlencode(list(form.items()) if isinstance(form, dict) else form)
        started = time.monotonic()
        response = loopback.request(method, url, headers=sent, timeout=timeout, **kwargs)
        response.extensions["elapsed_s"] = time.monotonic() - started
        for raw in response.headers.get_list("set-cookie"):
            pair, _, attributes = raw.partition(";")
            name, _, value = pair.strip().partition("=")
            lowered = attributes.lower().replace(" ", "")
            if not value.strip('"') or "max-age=0" in lowered or "1970" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("POST", url, **kwargs)


def hidden_state(page: str) -> list[tuple[str, str]]:
    return HIDDEN.findall(page)


def tablet_post(browser: Browser, base: str, form: list[tuple[str, str]]) -> httpx2.Response:
    """A tablet form post and, as a browser does, the page its 303 leads to (ADR 0012)."""
    response = browser.post(f"{base}/tablet", form=form)
    if response.status_code == 303:
        location = response.headers["location"].partition("#")[0]
        response = browser.get(f"{base}{location}")
    return response


def tablet_to_review(browser: Browser, base: str) -> list[tuple[str, str]]:
    """The tablet steps up to the review page (as in test_tablet.py); returns its form."""
    url = f"{base}/tablet"
    assert browser.get(f"{url}?lang=en").status_code == 200
    chosen = [("chosen", i) for i in ("weight-gain", "tiredness", "restlessness")]
    page = tablet_post(
        browser, base, [("lang", "en"), ("carer", "yes"), ("go", "order-from-choose"), *chosen]
    )
    assert page.status_code == 200, page.text
    for go, answers in (
        ("helpful", []),
        ("cannot-accept", [("helpful", "sleepy-at-night")]),
        ("forms", []),
        ("own-words", [("forms", "tablet")]),
        ("review", [("what_matters", "keep working")]),
    ):
        page = tablet_post(browser, base, [*hidden_state(page.text), *answers, ("go", go)])
        assert page.status_code == 200, page.text
    return [*hidden_state(page.text), ("go", "send")]


def tablet_send(browser: Browser, base: str) -> str:
    """The whole tablet journey ending with `go=send`; returns the hand-off code."""
    done = tablet_post(browser, base, tablet_to_review(browser, base))
    assert done.status_code == 200, done.text
    code = CODE.search(done.text)
    assert code, done.text
    return code.group(1) + code.group(2)


def login(browser: Browser, base: str, staff: Staff, username: str) -> str:
    """Log in through the login form; returns the session's CSRF token."""
    page = browser.get(f"{base}/login?lang=en")
    token = CSRF.search(page.text)
    assert token, page.text
    response = browser.post(
        f"{base}/login?lang=en",
        form={
            "username": username,
            "password": PASSWORD,
            "totp": staff.code(username),
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 303, response.text
    home = browser.get(f"{base}/staff")
    assert home.status_code == 200, home.text
    found = CSRF.search(home.text)
    assert found, home.text
    return found.group(1)


def bearer(base: str, staff: Staff, username: str) -> dict[str, str]:
    response = loopback.post(
        f"{base}/api/v1/auth/token",
        data={"username": username, "password": PASSWORD, "totp": staff.code(username)},
        timeout=15,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
