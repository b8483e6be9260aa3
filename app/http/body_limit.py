"""Refuse request bodies over a size limit, early, with the app's own error answer.

A body whose Content-Length is over the limit is refused before the route runs, even a
route that would have answered without reading it (a 401 for a missing token, say).
A body sent without a length (chunked) is counted as it arrives and refused as soon
as it passes the limit. Either way the 413 is made by the app's error handlers, so the
API gets its JSON problem (as its schema declares) and people get a page.

Starlette's own limiter (FastAPI's `max_body_size`) answers in plain text from outside
the app's error handlers, and replaces any answer to an oversized request with that
text, so it is not used.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "The request body is too large."


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route's body read: the app's handler answers.
                    raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope["app"].exception_handlers[HTTPException]
        response = await handler(Request(scope, receive), HTTPException(413, TOO_LARGE))
        response.headers["Connection"] = "close"  # the unread body is not drained
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
