"""Evidence that it holds when the database takes no changes: read-only, or a full disk
(SQLite, `PRAGMA max_page_count` on the app's own connections). Writes get 503 "nothing
was saved", reads go on (but for a consultation's, which must be recorded), nothing
changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func
from sqlmodel import select

from app.consultations.tables import Consultation
from app.db import make_engine, refuses_writes, session_scope, sqlite_file
from app.http.state import of_app
from app.store.tables import (
    AuditEvent,
    DataVersion,
    DrugRow,
    RatingRow,
)
from tests import loopback
from tests.builders import bundled_dataset
from tests.conftest import BACKEND
from tests.integration.conftest import app_of, client_for, publish
from tests.integration.faultkit import (
    CONSULTATION,
    RANKING,
    READ_NOT_RECORDED,
    READ_ONLY,
    admin_url,
    integrity,
    set_up,
    sqlite_only,
)
from tests.integration.live import live_server
from tests.integration.staff import Staff
from tests.integration.webclient import Browser, tablet_to_review

# --- 2. read-only database, full disk ---------------------------------------------------


def snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        versions = [(v.number, v.checksum) for v in session.exec(select(DataVersion)).all()]
        counts = {
            model.__name__: int(session.exec(select(func.count()).select_from(model)).one())
            for model in (AuditEvent, Consultation, RatingRow, DrugRow)
        }
    engine.dispose()
    return {"versions": versions, **counts}


def assert_writes_refused_reads_go_on(
    base: str, cora: dict[str, str], phil: dict[str, str], rating: str, etag: str, consultation: str
) -> None:
    anyone = Browser()
    # Writes: 503, the message says nothing was saved.
    api = loopback.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
    assert api.status_code == 503, api.text
    assert api.json()["detail"].startswith(READ_ONLY)
    tablet = anyone.post(f"{base}/tablet", form=tablet_to_review(anyone, base))
    assert tablet.status_code == 503, tablet.text
    assert READ_ONLY in tablet.text and '<p class="code"' not in tablet.text
    edit = loopback.put(
        f"{base}{rating}",
        headers={**phil, "If-Match": etag},
        json={"value": 1, "sources": ["s3-2020"], "note": "while read-only"},
        timeout=10,
    )
    assert edit.status_code == 503, edit.text
    assert edit.json()["detail"].startswith(READ_ONLY)
    # Reads: as usual.
    assert loopback.get(f"{base}/readyz", timeout=10).status_code == 200
    ranked = loopback.post(f"{base}/api/v1/rankings", json=RANKING, timeout=10)
    assert ranked.status_code == 200 and ranked.json()["results"]
    assert anyone.get(f"{base}/tablet?lang=en").status_code == 200
    assert loopback.get(f"{base}{rating}", headers=phil, timeout=10).headers["etag"] == etag
    # But not a consultation: each read of one is recorded (ADR 0010), and cannot be now.
    opened = loopback.get(f"{base}/api/v1/consultations/{consultation}", headers=cora, timeout=10)
    assert opened.status_code == 503, opened.text
    assert opened.json()["detail"].startswith(READ_NOT_RECORDED)


def read_only_fixture(url: str) -> tuple[Staff, dict[str, str], dict[str, str], str, str, str]:
    """Tokens, a draft rating with its ETag and a consultation, made while writable."""
    staff, page = set_up(url)
    with client_for(url) as client:
        cora, phil = staff.headers(client, "cora"), staff.headers(client, "phil")
        draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
        rating = f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain"
        etag = client.get(rating, headers=phil).headers["etag"]
    return staff, cora, phil, rating, etag, page.rsplit("/", 1)[1]


def test_a_read_only_database_refuses_writes_clearly_and_reads_go_on(
    fresh_db: Callable[[], str],
) -> None:
    """SQLite: the app opened read-only (`?mode=ro`, as on a read-only file system).
    PostgreSQL: `default_transaction_read_only` on the database, the app's connections
    cut (as at a fail-over to a standby) so that they reconnect read-only."""
    url = fresh_db()
    _, cora, phil, rating, etag, consultation = read_only_fixture(url)
    before = snapshot(url)
    if BACKEND == "sqlite":
        read_only_url = f"sqlite:///file:{sqlite_file(url)}?mode=ro&uri=true"
        with live_server(read_only_url) as base:
            assert_writes_refused_reads_go_on(base, cora, phil, rating, etag, consultation)
        assert snapshot(url) == before
        with live_server(url) as base:  # writable again
            again = loopback.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
            assert again.status_code == 201, again.text
    else:
        name = url.rsplit("/", 1)[1]
        admin = admin_url(url)

        def set_read_only(on: bool) -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                if not on:
                    # The app's pooled connections stay read-only: it must notice itself.
                    conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
                    return
                conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )

        with live_server(url) as base:
            assert loopback.get(f"{base}/readyz", timeout=10).status_code == 200
            set_read_only(True)
            try:
                assert_writes_refused_reads_go_on(base, cora, phil, rating, etag, consultation)
                assert snapshot(url) == before
            finally:
                set_read_only(False)
            # The first write may meet a pooled read-only connection (503, nothing saved);
            # that refusal makes the app drop its pool, so the next write succeeds.
            again = loopback.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
            if again.status_code == 503:
                again = loopback.post(f"{base}/api/v1/consultations", json=CONSULTATION, timeout=10)
            assert again.status_code == 201, again.text
    after = snapshot(url)
    assert after == {**before, "Consultation": before["Consultation"] + 1}
    assert integrity(url) == "ok"


@sqlite_only
def test_a_full_disk_refuses_writes_clearly_and_keeps_the_database_sound(
    fresh_db: Callable[[], str],
) -> None:
    """SQLITE_FULL, made by `PRAGMA max_page_count` = the current size on every
    connection of the app's engine (the pragma is per connection, not stored in the file,
    so it cannot be set from outside the process). Writes that still fit in free space
    in existing pages succeed, so consultations are sent until one needs a new page.
    PostgreSQL's disk-full (SQLSTATE 53100) maps to the same 503; filling the server's
    disk is not done here."""
    url = fresh_db()
    publish(url, bundled_dataset())
    path = sqlite_file(url)
    assert path is not None
    # Hundreds of submissions from one client: the submission limits (ADR 0011) lifted.
    unlimited = {"tablet_per_client_per_minute": 10**6, "tablet_overall_per_minute": 10**6}
    with client_for(url, **unlimited) as client:
        engine = of_app(app_of(client)).engine
        with sqlite3.connect(path) as conn:
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])

        def cap(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "connect", cap)
        engine.dispose()
        created = 0
        for _ in range(500):
            response = client.post("/api/v1/consultations", json=CONSULTATION)
            if response.status_code != 201:
                break
            created += 1
        print(f"\ndisk full after {created} consultations that still fitted")
        assert response.status_code == 503, response.text
        assert response.json()["detail"].startswith(READ_ONLY)
        page = client.post("/tablet", data={"lang": "en", "go": "choose"})
        assert page.status_code == 200  # a read-only step of the tablet form
        assert client.post("/api/v1/rankings", json=RANKING).status_code == 200
        assert snapshot(url)["Consultation"] == created
        event.remove(engine, "connect", cap)
        engine.dispose()
        assert client.post("/api/v1/consultations", json=CONSULTATION).status_code == 201
    assert snapshot(url)["Consultation"] == created + 1
    assert integrity(url) == "ok"


def test_driver_errors_that_refuse_writes_are_told_apart_from_unreachable() -> None:
    readonly = sqlite3.connect(":memory:")
    readonly.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError) as caught:
        readonly.execute("CREATE TABLE t (x)")
    assert refuses_writes(caught.value)
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect("/nonexistent/dir/x.db").execute("SELECT 1")
    assert not refuses_writes(missing.value)
    assert refuses_writes(psycopg.errors.ReadOnlySqlTransaction("read-only"))
    assert refuses_writes(psycopg.errors.DiskFull("no space"))
    assert not refuses_writes(psycopg.errors.AdminShutdown("terminating connection"))
    readonly.close()
