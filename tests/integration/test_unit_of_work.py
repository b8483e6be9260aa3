"""One transaction per request, committed BEFORE the response leaves the app.

If the commit came after the response (FastAPI's default for dependencies with yield),
a client could read "saved", or follow the redirect after a login, before the data is
there, and a commit that then failed would have been reported as a success."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests.integration.conftest import publish, small_dataset


class CountAtResponseStart:
    """Counts a table's rows, from another connection, as the response starts."""

    def __init__(self, app: ASGIApp, url: str, table: str) -> None:
        self.app, self.engine, self.table = app, make_engine(url), table
        self.seen: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def probe(message: Message) -> None:
            if message["type"] == "http.response.start":
                with self.engine.connect() as connection:
                    count = connection.execute(text(f"SELECT count(*) FROM {self.table}"))
                    self.seen.append(int(count.scalar_one()))
            await send(message)

        await self.app(scope, receive, probe)


def test_a_write_is_committed_before_the_response_starts(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, small_dataset())
    app = CountAtResponseStart(
        create_app(Settings(database_url=url, env="test")), url, "consultation"
    )
    with TestClient(app, base_url="https://testserver") as client:
        for expected in (1, 2):
            created = client.post("/api/v1/consultations", json={"avoid": ["tremor"]})
            assert created.status_code == 201
            assert app.seen[-1] == expected
    app.engine.dispose()
