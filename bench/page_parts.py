"""What each part of a staff page costs: `make bench-page` (`python -m bench.page_parts`).

It sets up as `make bench` does (bench/run.py): a temporary database with the bundled
drug data and a clinician, the app in one uvicorn process, one consultation with its
discussion recorded (two medicines talked about). Then, in THIS process, a second app
on the same database is called straight through ASGI (no socket, no HTTP parsing):
`/readyz`, the clinician page and the sheet HTML, ROUNDS times REQUESTS each,
interleaved. Every request passes the real middleware, routing, dependencies, the one
worker-thread hop and the template, and must answer 200.

It reports the process's CPU time per request (every thread), and the CPU time of the
thread that ran each part (`time.thread_time`), by wrapping the functions that do them
where the pages look them up:

- opening the unit of work (the ORM session; on SQLite BEGIN IMMEDIATE);
- the staff session and its user (one Core query);
- the consultation and its decision's versions (one ORM statement);
- the read record (one prebuilt INSERT, ADR 0010);
- the commit and closing the unit;
- building the view and rendering the page (Jinja, after the commit).

What no part names is the event loop's share: the middleware, routing, FastAPI's
dependencies and parameters, and the hop to the worker thread, which `/readyz` pays
too. Nothing is written; it prints a table. The ratio it prints leaves out what the
HTTP server adds to every request alike (uvicorn's parsing and writing), so it is lower
than `make bench`'s; docs/performance.md shows how the two relate.
"""

import asyncio
import functools
import gc
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from bench.run import bench_env, discussed_consultation, serving

ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "300"))

Asgi = Callable[..., Any]


async def get(app: Asgi, path: str, cookie: str) -> int:
    """One GET through the whole ASGI app; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 443),
        "state": {},
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


class Parts:
    """CPU seconds of the thread that ran each wrapped function, summed by part."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def wrapped(self, targets: list[tuple[ModuleType, str, str]]) -> Iterator[None]:
        originals = [(module, name, getattr(module, name)) for module, name, _ in targets]
        for (module, name, label), (_, _, original) in zip(targets, originals, strict=True):
            setattr(module, name, self._timed(original, label))
        try:
            yield
        finally:
            for module, name, original in originals:
                setattr(module, name, original)

    def _timed(self, function: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.thread_time() - start

        return timed


def targets() -> list[tuple[ModuleType, str, str]]:
    """(module, name, part): each function as the pages look it up."""
    import app.http.auth as auth
    import app.http.consultations as consultations
    import app.http.unit_of_work as unit_of_work
    import app.web.clinic as clinic
    import app.web.sheet as sheet
    from app.consultations import service

    return [
        (unit_of_work, "open_unit", "open the unit of work"),
        (auth, "principal_for", "the staff session and its user"),
        (consultations, "open_consultation", "the consultation and its decision"),
        (service, "record_read", "the read record"),
        (unit_of_work, "close_unit", "commit and close"),
        (clinic, "_consultation_page", "view and page rendered"),
        (sheet, "sheet_html", "view and page rendered"),
    ]


async def measure(app: Asgi, paths: dict[str, str], cookie: str) -> dict[str, Any]:
    parts = Parts()
    cpu: dict[str, list[float]] = defaultdict(list)
    by_part: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with parts.wrapped(targets()):
        for _ in range(ROUNDS):
            for name, path in paths.items():
                for _ in range(20):  # warm: the version's memo, the templates
                    await get(app, path, cookie)
                parts.seconds.clear()
                start = time.process_time()
                for _ in range(REQUESTS):
                    status = await get(app, path, cookie)
                    assert status == 200, (path, status)
                cpu[name].append((time.process_time() - start) / REQUESTS * 1000)
                for part, seconds in parts.seconds.items():
                    by_part[name][part].append(seconds / REQUESTS * 1000)
    return {
        name: {
            "cpu_ms": statistics.median(values),
            "parts_ms": {part: statistics.median(v) for part, v in by_part[name].items()},
        }
        for name, values in cpu.items()
    }


def main() -> int:
    with serving("sdm-bench-page-") as served:
        consultation, cookie = discussed_consultation(served.base)
        env = bench_env(served.database)
        os.environ.update({key: env[key] for key in ("DATABASE_URL", "SDM_ENV")})
        from app.main import create_app

        app = create_app()
        paths = {
            "GET /readyz": "/readyz",
            "clinician page": f"/staff/consultations/{consultation}",
            "sheet HTML": f"/consultations/{consultation}/sheet",
        }
        gc.freeze()  # as a server process does at start (app/main.py)
        results = asyncio.run(measure(app, paths, cookie))
    ready = results["GET /readyz"]["cpu_ms"]
    print(f"\nin process, through ASGI: median of {ROUNDS} rounds of {REQUESTS} requests")
    for name, result in results.items():
        total = result["cpu_ms"]
        print(f"\n{name}: {total:.3f} ms of CPU per request ({ready / total:.2f}× /readyz's rate)")
        if not result["parts_ms"]:
            continue  # /readyz: the reference, none of the pages' parts
        named = 0.0
        for part, ms in result["parts_ms"].items():
            named += ms
            print(f"  {part:<40}{ms:8.3f} ms {100 * ms / total:5.1f} %")
        rest = total - named
        label = "the rest: event loop, routing, FastAPI"
        print(f"  {label:<40}{rest:8.3f} ms {100 * rest / total:5.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
