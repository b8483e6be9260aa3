"""HEAD answered for every GET route: the GET's status and headers, no body.

FastAPI's routes answer only the methods they declare, so `HEAD /healthz` was a 405
although `GET /healthz` works (RFC 9110 §9.3.2: a server that answers GET should
answer HEAD). This middleware runs a HEAD request as a GET and sends everything but the
body: the headers are exactly the GET's, Content-Length included. A path without GET
still answers 405, and its `Allow` (app/http/errors.py) names HEAD only beside GET."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A new scope: the server keeps its own, which still says HEAD (so it, too,
        # sends no body and keeps the connection in step).
        await self.app({**scope, "method": "GET"}, receive, send_without_body)
