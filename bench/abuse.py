"""Abuse under load: part of `make bench` (alone: `make bench-abuse`, or
`.venv/bin/python -m bench.abuse`).

The set-up is `make bench`'s (bench/run.py): a temporary SQLite database made with
`sdm db upgrade`, `sdm data load` and `sdm users add` (a clinician), and the app under
uvicorn, one process, `SDM_ENV=production`, with the default limits (docs/adr/0011).
Before the app starts, ABUSE_ACTIVE_CODES consultations with codes not yet expired are
written straight into the database, as a busy service would hold them: each submission
must find a free code among them.

1. idle: the clinician logs in through /login IDLE_LOGINS times, one after another;
2. flood: one client sends ABUSE_SUBMISSIONS tablet submissions (POST
   /api/v1/consultations, a valid preference set each) spread evenly over ABUSE_SECONDS,
   each sent on time whether or not the ones before it were answered, while the
   clinician logs in again and again, one after another, until the flood is over.

It reports how many submissions were stored (201) and refused (429), their latencies,
the clinician's login latency during the flood against the idle one (p50 and the
ratio), and the rate-limit counters and consultations the flood left in the database.
It writes bench/abuse.json. Settings: ABUSE_SUBMISSIONS (200), ABUSE_SECONDS (10),
IDLE_LOGINS (10), ABUSE_ACTIVE_CODES (200000).
"""

import asyncio
import json
import os
import random
import re
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from bench.loadgen import machine, percentile
from bench.run import CLINICIAN, PASSWORD, RANKING, serving

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "abuse.json"
SUBMISSIONS = int(os.environ.get("ABUSE_SUBMISSIONS", "200"))
SECONDS = float(os.environ.get("ABUSE_SECONDS", "10"))
IDLE_LOGINS = int(os.environ.get("IDLE_LOGINS", "10"))
ACTIVE_CODES = int(os.environ.get("ABUSE_ACTIVE_CODES", "200000"))
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # app/consultations/service.py
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: A request not answered within this many seconds counts as "no answer" (status 0).
TIMEOUT = 30.0


async def timed_login(client: httpx2.AsyncClient) -> float:
    """One clinician login through the form, as a browser does; milliseconds for the
    POST (the form's GET is not timed), or the timeout's if either went unanswered."""
    try:
        return await _login(client)
    except httpx2.TimeoutException:
        return TIMEOUT * 1000


async def _login(client: httpx2.AsyncClient) -> float:
    page = await client.get("/login")
    match = CSRF.search(page.text)
    assert match, "no CSRF token on /login"
    # The login cookie is Secure (production): sent back by hand over plain loopback HTTP.
    cookie = "; ".join(
        v.split(";", 1)[0] for k, v in page.headers.multi_items() if k == "set-cookie"
    )
    start = time.perf_counter()
    response = await client.post(
        "/login",
        data={"username": CLINICIAN, "password": PASSWORD, "csrf_token": match.group(1)},
        headers={"Cookie": cookie},
        follow_redirects=False,
    )
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 303, f"login failed: {response.status_code}"
    return elapsed


def summary(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 1),
        "p99_ms": round(percentile(ordered, 99), 1),
        "max_ms": round(ordered[-1], 1) if ordered else None,
    }


async def flood(base: str) -> dict[str, Any]:
    timeout = httpx2.Timeout(TIMEOUT)
    async with (
        httpx2.AsyncClient(base_url=base, timeout=timeout) as tablet,
        httpx2.AsyncClient(base_url=base, timeout=timeout) as clinician,
    ):
        idle = [await timed_login(clinician) for _ in range(IDLE_LOGINS)]
        statuses: list[int] = []
        by_status: dict[int, list[float]] = {}
        retry_after: set[str] = set()

        async def submit(at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            start = time.perf_counter()
            try:
                response = await tablet.post("/api/v1/consultations", json=RANKING)
            except httpx2.TimeoutException:
                status = 0  # no answer in time
            else:
                status = response.status_code
                if "retry-after" in response.headers:
                    retry_after.add(response.headers["retry-after"])
            by_status.setdefault(status, []).append((time.perf_counter() - start) * 1000)
            statuses.append(status)

        start = time.perf_counter()
        gap = SECONDS / SUBMISSIONS
        sent = [asyncio.create_task(submit(start + i * gap)) for i in range(SUBMISSIONS)]
        during: list[float] = []
        while not all(task.done() for task in sent):
            during.append(await timed_login(clinician))
        await asyncio.gather(*sent)
        took = time.perf_counter() - start
    idle_p50 = percentile(sorted(idle), 50)
    during_p50 = percentile(sorted(during), 50)
    return {
        "submissions": {
            "sent": SUBMISSIONS,
            "seconds": round(took, 2),
            "stored_201": statuses.count(201),
            "refused_429": statuses.count(429),
            "no_answer_in_time": statuses.count(0),
            "other": len([s for s in statuses if s not in (0, 201, 429)]),
            "latency_by_status": {str(k): summary(v) for k, v in sorted(by_status.items())},
            "retry_after_values": sorted(retry_after, key=int),
        },
        "clinician_login": {
            "idle": summary(idle),
            "during_flood": summary(during),
            "p50_ratio_during_to_idle": round(during_p50 / idle_p50, 2) if idle_p50 else None,
        },
    }


def fill(database: Path, count: int) -> None:
    """`count` consultations whose codes are still active, written as the app writes them."""
    rng = random.Random(11)  # noqa: S311 - test data, not a secret
    now = datetime.now(UTC)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    created, expires = now.strftime(stamp), (now + timedelta(hours=4)).strftime(stamp)
    rows = (
        (
            f"{n:032x}",
            "".join(rng.choices(CODE_ALPHABET, k=6)),
            expires,
            created,
            '["tremor"]',
        )
        for n in range(count)
    )
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO consultation (id, code, code_expires_at, created_at, lang, avoid, "
            "helpful, must_avoid, formulations, with_carer, options, what_matters) "
            "VALUES (?, ?, ?, ?, 'en', ?, '[]', '[]', '[]', 0, '[]', '')",
            rows,
        )
    conn.close()


def leftovers(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        counters = conn.execute("SELECT count(*) FROM rate_counter").fetchone()[0]
        consultations = conn.execute("SELECT count(*) FROM consultation").fetchone()[0]
    conn.close()
    return {
        "rate_counter_rows": int(counters),
        "consultations_added": int(consultations) - ACTIVE_CODES,
    }


def main() -> int:
    command = " ".join([Path(sys.executable).name, "-m", "bench.abuse", *sys.argv[1:]])
    info = machine()

    def defaults_and_codes(database: Path, env: dict[str, str]) -> None:
        for name in list(env):  # the limits' defaults, whatever the shell has set
            if name.startswith(("SDM_TABLET_", "SDM_LOGIN_", "SDM_CODE_MISSES")):
                env.pop(name)
        print(f"{ACTIVE_CODES} consultations with active codes", flush=True)
        fill(database, ACTIVE_CODES)

    with serving("sdm-abuse-", before_start=defaults_and_codes) as app:
        base, database = app.base, app.database
        print(f"server pid {app.server.pid} on {base}", flush=True)
        print(
            f"abuse: {IDLE_LOGINS} idle logins, then {SUBMISSIONS} tablet submissions in "
            f"{SECONDS:g} s from one client with logins alongside",
            flush=True,
        )
        measured = asyncio.run(flood(base))
        measured["database_after"] = leftovers(database)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": info,
        "settings": {
            "submissions": SUBMISSIONS,
            "seconds": SECONDS,
            "idle_logins": IDLE_LOGINS,
            "server": "uvicorn, 1 process, SDM_ENV=production, SQLite (WAL), default limits",
            "active_codes_before": ACTIVE_CODES,
            "submission": RANKING,
        },
        **measured,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    sub, login = report["submissions"], report["clinician_login"]
    print(
        f"\n{sub['sent']} tablet submissions from one client in {sub['seconds']} s: "
        f"{sub['stored_201']} stored (201), {sub['refused_429']} refused (429), "
        f"{sub['no_answer_in_time']} not answered in {TIMEOUT:g} s, {sub['other']} other"
    )
    for status, lat in sub["latency_by_status"].items():
        name = "no answer" if status == "0" else status
        print(f"  {name}: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms (n={lat['n']})")
    idle, during = login["idle"], login["during_flood"]
    print(
        f"clinician login: idle p50 {idle['p50_ms']} ms (n={idle['n']}); during the flood "
        f"p50 {during['p50_ms']} ms, max {during['max_ms']} ms (n={during['n']}); "
        f"ratio {login['p50_ratio_during_to_idle']}×"
    )
    left = report["database_after"]
    print(
        f"left in the database: {left['consultations_added']} new consultations, "
        f"{left['rate_counter_rows']} rate-limit counters"
    )
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
