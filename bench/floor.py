"""What the stack leaves an HTML page: `make bench-floor` (or `python -m bench.floor`).

The clinician page and the sheet read two rows on every request, on purpose: the staff
session (so that logout, expiry or a disabled user ends a session in every process at
once) and the consultation (so that a decision recorded through one process shows on
the next request to another), and they record the read in the same transaction
(ADR 0010). This run measures the cheapest page that still does that, to show how much
of the distance to the targets (0.8× /readyz for the pages) is the rules and the stack
under them, and how much is the pages' own work (dependencies, the ORM, the template).

The set-up is `make bench`'s (bench/run.py): a temporary SQLite database, the bundled
data, one clinician logged in, one consultation, uvicorn with one process. The app is the
real one, with probe routes that only this module's factory adds (first in the routing
table, so their routing is the cheapest there is). Each probe answers a fixed body as
long as the clinician page, with no dependency and no template:

- no-db: no database at all;
- db-in-thread: the staff session joined to its user (`resolve`'s own query) and the
  consultation row, two Core queries on one pooled connection, in ONE worker thread,
  which is how every page must reach the database (a slow database must not hold the
  event loop and with it every request);
- db-on-loop: the same two queries on the event loop: NOT safe (a PostgreSQL outage would
  stop every request for the connect timeout), measured only to show what the worker
  thread costs;
- reads-and-record: the two reads and the read record (the pages' own prebuilt INSERT),
  committed, in one worker thread behind the process's SQLite write gate, as the pages
  do: everything the rules ask of a page view, and nothing else.

It writes bench/floor.json and prints the rates and their ratios to /healthz's and to
/readyz's.
"""

import asyncio
import hashlib
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Engine
from starlette.concurrency import run_in_threadpool

from bench.loadgen import CONCURRENCY, SECONDS, WARMUP, load, machine, prepare
from bench.run import RANKING, ROOT, log_in, serving

RESULTS = ROOT / "bench" / "floor.json"
PROBES = ("no-db", "db-in-thread", "db-on-loop", "reads-and-record")


def _both_found(connection: Connection, token_hash: str, consultation_id: str) -> bool:
    """The two reads every page makes: the staff session joined to its user (`resolve`'s
    own query) and the consultation row."""
    from app.accounts.service import SESSION_AND_USER
    from app.consultations.tables import Consultation

    table = Consultation.__table__  # type: ignore[attr-defined]
    who = connection.execute(SESSION_AND_USER, {"token_hash": token_hash}).first()
    row = connection.execute(
        select(table).where(table.c.id == bindparam("id")), {"id": consultation_id}
    ).first()
    return who is not None and row is not None


def _rows(engine: Engine, token_hash: str, consultation_id: str) -> bool:
    with engine.connect() as connection:
        return _both_found(connection, token_hash, consultation_id)


def _rows_and_record(engine: Engine, token_hash: str, consultation_id: str) -> bool:
    """The two reads and the read record (ADR 0010), committed: every staff view of a
    consultation does at least this, whatever it then renders."""
    from app.clock import utcnow
    from app.consultations.service import RECORD_READ
    from app.db import SQLITE_BEGIN

    with (
        engine.connect() as connection,
        connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}).begin(),
    ):
        if not _both_found(connection, token_hash, consultation_id):
            return False
        read = {"consultation_id": consultation_id, "read_by": "bench", "view": "page"}
        connection.execute(RECORD_READ, {**read, "read_at": utcnow()})
    return True


def create_app() -> FastAPI:
    """The real app, plus the probes (uvicorn --factory bench.floor:create_app)."""
    from app.http.state import of_app
    from app.main import create_app as real_app

    app = real_app()
    body = b"<!doctype html>" + b"x" * int(os.environ.get("BENCH_FLOOR_BYTES", "39000"))

    def secret_hash(request: Request) -> str:
        cookie = request.cookies.get(of_app(app).session_cookie, "")
        return hashlib.sha256(cookie.encode()).hexdigest()

    async def no_db(consultation_id: str) -> Response:
        return HTMLResponse(body)

    async def db_in_thread(consultation_id: str, request: Request) -> Response:
        found = await run_in_threadpool(
            _rows, of_app(app).engine, secret_hash(request), consultation_id
        )
        return HTMLResponse(body) if found else Response(status_code=404)

    async def db_on_loop(consultation_id: str, request: Request) -> Response:
        found = _rows(of_app(app).engine, secret_hash(request), consultation_id)
        return HTMLResponse(body) if found else Response(status_code=404)

    async def reads_and_record(consultation_id: str, request: Request) -> Response:
        state = of_app(app)
        # As every writing page: SQLite's writers queue on the process's gate first.
        async with state.sqlite_write_lock:
            found = await run_in_threadpool(
                _rows_and_record, state.engine, secret_hash(request), consultation_id
            )
        return HTMLResponse(body) if found else Response(status_code=404)

    probes: tuple[Callable[..., Awaitable[Response]], ...] = (
        no_db,
        db_in_thread,
        db_on_loop,
        reads_and_record,
    )
    for name, endpoint in zip(PROBES, probes, strict=True):
        app.add_api_route(f"/bench/floor/{name}/{{consultation_id}}", endpoint)
        app.router.routes.insert(0, app.router.routes.pop())
    return app


def main() -> int:
    info = machine()
    with serving("sdm-bench-floor-", factory="bench.floor:create_app") as app:
        base, host, port, server = app.base, app.host, app.port, app.server
        created = httpx2.post(f"{base}/api/v1/consultations", json=RANKING)
        assert created.status_code == 201, created.text
        consultation = created.json()["id"]
        cookie, _ = log_in(base)
        paths = {
            "GET /healthz": "/healthz",
            "GET /readyz": "/readyz",
            **{f"probe: {name}": f"/bench/floor/{name}/{consultation}" for name in PROBES},
            "GET /staff/consultations/{id}": f"/staff/consultations/{consultation}",
            "GET /consultations/{id}/sheet": f"/consultations/{consultation}/sheet",
        }
        for path in paths.values():
            answer = httpx2.get(base + path, headers={"Cookie": cookie})
            assert answer.status_code == 200, (path, answer.status_code)
        results: dict[str, dict[str, Any]] = {}
        for name, path in paths.items():
            print(f"load: {name} ({CONCURRENCY} clients, {WARMUP:g}+{SECONDS:g} s)", flush=True)
            raw = prepare("GET", path, host, {"Cookie": cookie})
            results[name] = asyncio.run(load(name, "127.0.0.1", port, raw, server.pid)).summary()
    health = results["GET /healthz"]["rps"]
    ready = results["GET /readyz"]["rps"]
    for summary in results.values():
        summary["ratio_to_healthz"] = round(summary["rps"] / health, 3) if health else None
        summary["ratio_to_readyz"] = round(summary["rps"] / ready, 3) if ready else None
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "bench.floor"]),
        "machine": info,
        "settings": {"concurrency": CONCURRENCY, "seconds": SECONDS, "warmup_seconds": WARMUP},
        "load": results,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{info['cpu']}, {info['cores']} cores; load average {info['load_average_at_start']}")
    print(
        f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'×healthz':>10}{'×readyz':>9}{'errors':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<34}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['ratio_to_healthz']:>10.2f}{r['ratio_to_readyz']:>9.2f}{r['errors']:>8}"
        )
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
