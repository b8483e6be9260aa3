"""Choosewell benchmark: one reproducible run, `make bench` (or `.venv/bin/python -m bench.run`).

What it does, in order:

1. a temporary SQLite database: `sdm db upgrade`, `sdm data load` (the bundled drugdata),
   `sdm users add` a clinician, exactly as an operator would;
2. the app under uvicorn, one process, on a free loopback port, `SDM_ENV=production`
   (docs off, Secure cookies, HSTS: what is deployed);
3. one consultation, sent as the tablet sends it (POST /api/v1/consultations), a
   clinician logged in through the /login form (session cookie), and the discussion
   recorded through the page's form (the two best matches discussed, the first chosen),
   so the pages and the sheet show a decision, its cards and charts;
4. for each of GET /healthz, POST /api/v1/rankings (5 priorities, helpful items),
   the clinician's ranking page and the sheet HTML: a warm-up, then CONCURRENCY clients
   on keep-alive connections for SECONDS each: requests/s, p50 and p99 latency, and the
   ratio of each rate to /healthz's;
5. the PDF sheet rendered PDF_RENDERS times, one after another: p50 and p99;
6. the tablet's start page with every same-host CSS/JS/image it references: bytes on
   the wire, and any reference to another host (src, href, CSS url() and @import);
7. the ranking core (`app.ranking.rank`, in-process, no HTTP) on the bundled data and on
   1,000 synthetic drugs.

It prints a table and writes bench/results.json with the machine (CPU, cores, Python),
the command and the settings. The load generator is this process, separate from the
server: a minimal asyncio HTTP/1.1 client (a few µs per request), so the server, not the
client, is what is measured; the client's and the server's CPU time are recorded for
every phase to show which was busy. Settings: BENCH_SECONDS (10), BENCH_WARMUP (2),
BENCH_CONCURRENCY (16), BENCH_PDF_RENDERS (30).
"""

import asyncio
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2

from bench.loadgen import (
    CONCURRENCY,
    PDF_RENDERS,
    SECONDS,
    WARMUP,
    free_port,
    load,
    machine,
    percentile,
    prepare,
)
from bench.measures import ranking_core, tablet_page

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"


CLINICIAN = "bench-clinician"
PASSWORD = "bench horse battery staple 42"  # noqa: S105 - a throwaway local user
#: A realistic request: five priorities in order, two helpful items.
RANKING = {
    "avoid": ["weight-gain", "high-blood-sugar", "tiredness", "tremor", "less-sex-drive"],
    "helpful": ["sleepy-at-night"],
}

#: Items for the "different wishes every time" phase: first 12 of the checklist.
DISTINCT_ITEMS = [
    "weight-gain", "high-blood-sugar", "tiredness", "tremor", "less-sex-drive", "restlessness",
    "stiff-muscles", "dizziness-on-standing", "constipation", "dry-mouth", "drooling",
    "blurred-vision",
]  # fmt: skip
DISTINCT_REQUESTS = 2000  # far more than a version's memo keeps (128): every one a miss

TARGETS = {
    "ranking_api_ratio_min": 0.8,
    # The HTML pages read the session and the consultation, as /readyz reads the version
    # pointer and the dataset's checksum: pages are measured against that reference.
    "html_ratio_to_readyz_min": 0.8,
    "html_p99_ms_max": 100,
    "pdf_p50_ms_max": 100,
    "tablet_bytes_max": 100 * 1024,
}


# --- set-up and the run -----------------------------------------------------------------


def sdm(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(  # noqa: S603 - our own venv's sdm, fixed arguments
        [str(BIN / "sdm"), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def bench_env(database: Path) -> dict[str, str]:
    """The environment every bench process runs in: a SQLite file and production
    settings (docs off, Secure cookies, HSTS: what is deployed), without the
    development-only SDM_ALLOW_PASSWORD_ONLY, which production refuses to start with."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SDM_ENV": "production",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("SDM_ALLOW_PASSWORD_ONLY", None)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate, load the bundled drug data and add the clinician, as an operator would."""
    sdm(env, "db", "upgrade")
    sdm(env, "data", "load", "--by", "bench", "--note", "bench")
    sdm(env, "users", "add", CLINICIAN, "--role", "clinician", stdin=PASSWORD + "\n")


def stop_server(server: subprocess.Popen[bytes] | None) -> None:
    """Ask the app process to stop; kill it if it has not within 10 s."""
    if server is None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def start_server(
    env: dict[str, str], port: int, factory: str = "app.main:create_app"
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - our own venv's python
        [
            str(BIN / "python"),
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx2.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.1)


@dataclass(frozen=True)
class Served:
    """One app process on a temporary database of its own (`serving`)."""

    database: Path
    port: int
    server: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def serving(
    prefix: str,
    *,
    factory: str = "app.main:create_app",
    before_start: Callable[[Path, dict[str, str]], None] | None = None,
) -> Iterator[Served]:
    """A temporary SQLite database prepared as an operator would (`prepare_database`),
    `before_start(database, env)` if given, then the app in one uvicorn process; the
    process stopped and the directory removed afterwards, however the bench ends."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    database = workdir / "bench.db"
    env = bench_env(database)
    server: subprocess.Popen[bytes] | None = None
    try:
        prepare_database(env)
        if before_start is not None:
            before_start(database, env)
        port = free_port()
        server = start_server(env, port, factory)
        yield Served(database, port, server)
    finally:
        stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


def log_in(base: str) -> tuple[str, str]:
    """Log in through the form as a browser does; return the Cookie header value."""
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    with httpx2.Client(base_url=base) as client:
        page = client.get("/login")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        match = token.search(page.text)
        assert match, "no CSRF token on /login"
        response = client.post(
            "/login",
            data={"username": CLINICIAN, "password": PASSWORD, "csrf_token": match.group(1)},
            headers={"Cookie": cookie} if cookie else {},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        # The cookie is Secure (production): the client would not send it back over
        # plain loopback HTTP, so it is passed on by hand.
        cookies = [
            v.split(";", 1)[0] for k, v in response.headers.multi_items() if k == "set-cookie"
        ]
        return "; ".join(cookies), response.headers.get("location", "")


def record_discussion(base: str, cookie: str, consultation: str) -> None:
    """Record the discussion as a clinician does, through the page's form: the two best
    matches discussed, the first chosen. The sheet then has its cards and charts."""
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    discussed = re.compile(r'name="discussed" value="([^"]+)"')
    with httpx2.Client(base_url=base, headers={"Cookie": cookie}) as client:
        page = client.get(f"/staff/consultations/{consultation}").text
        csrf, drugs = token.search(page), discussed.findall(page)[:2]
        assert csrf and len(drugs) == 2, "no decision form on the clinician page"
        response = client.post(
            f"/staff/consultations/{consultation}/decision",
            data={"csrf_token": csrf.group(1), "discussed": drugs, "decision": drugs[0]},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text


def discussed_consultation(base: str) -> tuple[str, str]:
    """One consultation sent as the tablet sends it, a clinician logged in, and the
    discussion recorded: (its id, the clinician's Cookie header value)."""
    created = httpx2.post(f"{base}/api/v1/consultations", json=RANKING)
    assert created.status_code == 201, created.text
    consultation: str = created.json()["id"]
    cookie, _ = log_in(base)
    record_discussion(base, cookie, consultation)
    return consultation, cookie


def main() -> int:
    command = " ".join([Path(sys.executable).name, "-m", "bench.run", *sys.argv[1:]])
    info = machine()
    with serving("sdm-bench-") as app:
        base, host, port, server = app.base, app.host, app.port, app.server
        print(f"database {app.database}; server pid {server.pid} on {base}", flush=True)

        consultation, cookie = discussed_consultation(base)
        with httpx2.Client(base_url=base, headers={"Cookie": cookie}) as client:
            for path in (
                f"/staff/consultations/{consultation}",
                f"/consultations/{consultation}/sheet",
            ):
                assert client.get(path).status_code == 200, path

        body = json.dumps(RANKING).encode()
        phases: list[tuple[str, bytes | list[bytes]]] = [
            ("GET /healthz", prepare("GET", "/healthz", host, {})),
            ("GET /readyz", prepare("GET", "/readyz", host, {})),
            (
                "POST /api/v1/rankings",
                prepare(
                    "POST", "/api/v1/rankings", host, {"Content-Type": "application/json"}, body
                ),
            ),
            (
                "GET /staff/consultations/{id}",
                prepare("GET", f"/staff/consultations/{consultation}", host, {"Cookie": cookie}),
            ),
            (
                "GET /consultations/{id}/sheet",
                prepare("GET", f"/consultations/{consultation}/sheet", host, {"Cookie": cookie}),
            ),
        ]
        distinct = [
            prepare(
                "POST",
                "/api/v1/rankings",
                host,
                {"Content-Type": "application/json"},
                json.dumps({"avoid": list(wishes)}).encode(),
            )
            for wishes in itertools.islice(
                itertools.permutations(DISTINCT_ITEMS, 5), DISTINCT_REQUESTS
            )
        ]
        phases.insert(3, ("POST /api/v1/rankings, new wishes", distinct))
        results: dict[str, dict[str, Any]] = {}
        for name, raw in phases:
            print(f"load: {name} ({CONCURRENCY} clients, {WARMUP:g}+{SECONDS:g} s)", flush=True)
            result = asyncio.run(load(name, "127.0.0.1", port, raw, server.pid))
            results[name] = result.summary()
        health = results["GET /healthz"]["rps"]
        ready = results["GET /readyz"]["rps"]
        for summary in results.values():
            summary["ratio_to_healthz"] = round(summary["rps"] / health, 3) if health else None
            summary["ratio_to_readyz"] = round(summary["rps"] / ready, 3) if ready else None

        print(f"pdf: {PDF_RENDERS} renders, one after another", flush=True)
        pdf_times = []
        pdf_bytes = 0
        with httpx2.Client(base_url=base, headers={"Cookie": cookie}, timeout=60) as client:
            for _ in range(2):  # warm-up: fonts, templates
                client.get(f"/consultations/{consultation}/sheet.pdf")
            for _ in range(PDF_RENDERS):
                start = time.perf_counter()
                response = client.get(f"/consultations/{consultation}/sheet.pdf")
                pdf_times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
                pdf_bytes = len(response.content)
        pdf_times.sort()
        pdf = {
            "renders": PDF_RENDERS,
            "p50_ms": round(percentile(pdf_times, 50), 1),
            "p99_ms": round(percentile(pdf_times, 99), 1),
            "bytes": pdf_bytes,
        }

        print("tablet page", flush=True)
        tablet = tablet_page(base)

    print("ranking core (in-process)", flush=True)
    core = ranking_core(RANKING)

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    checks = {
        "ranking API ≥ 0.8× /healthz (the same wishes again)": verdict(
            results["POST /api/v1/rankings"]["ratio_to_healthz"] >= TARGETS["ranking_api_ratio_min"]
        ),
        **{
            f"{label} ≥ 0.8× /readyz, p99 ≤ 100 ms": verdict(
                results[name]["ratio_to_readyz"] >= TARGETS["html_ratio_to_readyz_min"]
                and results[name]["p99_ms"] <= TARGETS["html_p99_ms_max"]
            )
            for label, name in (
                ("clinician page", "GET /staff/consultations/{id}"),
                ("sheet HTML", "GET /consultations/{id}/sheet"),
            )
        },
        "PDF p50 ≤ 100 ms": verdict(pdf["p50_ms"] <= TARGETS["pdf_p50_ms_max"]),
        "tablet page < 100 KB": verdict(tablet["total_bytes"] < TARGETS["tablet_bytes_max"]),
        "tablet: no third-party requests": verdict(not tablet["third_party_hosts"]),
    }
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": info,
        "settings": {
            "concurrency": CONCURRENCY,
            "seconds": SECONDS,
            "warmup_seconds": WARMUP,
            "pdf_renders": PDF_RENDERS,
            "server": "uvicorn, 1 process, SDM_ENV=production, SQLite (WAL)",
            "ranking_request": RANKING,
            "new_wishes_phase": f"{DISTINCT_REQUESTS} different 5-item requests, in turn",
        },
        "load": results,
        "pdf": pdf,
        "tablet": tablet,
        "ranking_core": core,
        "targets": TARGETS,
        "verdicts": checks,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(report)
    return 0


def print_table(report: dict[str, Any]) -> None:
    m, st = report["machine"], report["settings"]
    print(f"\n{m['cpu']}, {m['cores']} cores, Python {m['python']}")
    print(f"load average at start {m['load_average_at_start']}")
    print(f"{st['concurrency']} concurrent clients, {st['seconds']:g} s each\n")
    columns = ("req/s", "p50 ms", "p99 ms", "×healthz", "×readyz", "srv CPU", "cli CPU")
    header = f"{'endpoint':<32}" + "".join(f"{c:>9}" for c in columns)
    print(header)
    print("-" * len(header))
    for name, r in report["load"].items():
        cells = (
            f"{r['rps']:.1f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['ratio_to_healthz']:.2f}",
            f"{r['ratio_to_readyz']:.2f}",
            f"{r['server_cpu_percent']:.0f}%",
            f"{r['client_cpu_percent']:.0f}%",
        )
        print(f"{name:<32}" + "".join(f"{c:>9}" for c in cells))
    pdf, tablet, core = report["pdf"], report["tablet"], report["ranking_core"]
    print(
        f"\nPDF sheet: p50 {pdf['p50_ms']} ms, p99 {pdf['p99_ms']} ms "
        f"({pdf['renders']} renders, {pdf['bytes']} bytes)"
    )
    hosts = tablet["third_party_hosts"] or "none"
    print(
        f"tablet start page: {tablet['total_bytes']} bytes ({tablet['body_bytes']} body + "
        f"{tablet['header_bytes']} headers, {len(tablet['resources'])} requests); "
        f"third-party hosts: {hosts}"
    )
    real, synthetic = core["real"], core["synthetic"]
    print(
        f"ranking core: {real['drugs']} real drugs p50 {real['p50_ms']} ms; "
        f"{synthetic['drugs']} synthetic drugs p50 {synthetic['p50_ms']} ms\n"
    )
    for name, verdict in report["verdicts"].items():
        print(f"  {verdict:<7} {name}")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
