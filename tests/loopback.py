"""HTTP requests to the app processes the tests start: plain HTTP on 127.0.0.1.

httpx2's top-level functions (`httpx2.get`, `httpx2.post`, ...) build a client for every
call, and every new client loads the CA bundle into an SSL context of its own: about
48 ms of CPU a request, paid on every poll of an app process that is starting and on
every request of a live-server test. These are the same calls with one SSL context
shared by all of them (about 1 ms a client). The URLs are http://, so the context is
never used to verify anything; it only stops each call from building one.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx2

_SHARED_TLS = ssl.create_default_context()


def request(method: str, url: str, **kwargs: Any) -> httpx2.Response:
    return httpx2.request(method, url, verify=_SHARED_TLS, **kwargs)


def get(url: str, **kwargs: Any) -> httpx2.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx2.Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> httpx2.Response:
    return request("PUT", url, **kwargs)
