"""Abuse limits (docs/adr/0011-abuse-limits.md): tablet submissions per client address and
overall, codes that match nothing per staff user, failed logins per client address,
TOTP codes that work once, and the index every use of a code goes through.

Counts live in fixed windows (a minute; 15 minutes for logins). Tests that count in
process pin the limits' clock in the middle of a window (`limits_clock`), so a run that
happens to straddle a window's end cannot reset a count halfway; the tests with live app
processes wait for a window with time enough left. Client addresses come, as deployed,
from X-Forwarded-For through uvicorn's proxy-headers middleware (`behind_proxy`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias
from urllib.parse import urlencode

import httpx2
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext
from sqlmodel import col, select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import limits
from app.accounts.service import totp_step
from app.accounts.tables import StaffUser
from app.clock import utcnow
from app.consultations import service
from app.consultations.tables import Consultation
from app.db import make_engine, session_scope
from app.errors import NotFound
from app.limits.tables import RateCounter
from app.ranking import RankingRequest
from app.store.tables import AuditEvent
from tests import loopback
from tests.builders import bundled_dataset
from tests.conftest import BACKEND
from tests.integration.conftest import PinnedClock, client_for, publish
from tests.integration.live import live_server
from tests.integration.staff import PASSWORD, Staff, StaffApp, add_staff
from tests.lookup import search

TOKEN = "/api/v1/auth/token"
CONSULTATIONS = "/api/v1/consultations"
BODY = {"avoid": ["weight-gain", "tremor"], "helpful": ["sleepy-at-night"]}

#: The `tablet_app` fixture: (settings) -> (client, database url).
TabletApp: TypeAlias = Callable[..., tuple[TestClient, str]]
#: The parameters the driver is given with a statement, as SQLAlchemy's events pass them.
DriverParameters: TypeAlias = Sequence[Any] | Mapping[str, Any]


def behind_proxy(client: TestClient) -> TestClient:
    """The same app as deployed behind the reverse proxy: uvicorn's proxy-headers
    middleware (`--proxy-headers`) trusting the proxy (here, the test client), so that
    each request's X-Forwarded-For is the client address the app sees and counts."""
    return TestClient(
        # uvicorn types ASGI apps with its own TypedDict scopes and events, starlette with
        # MutableMapping: one interface, which neither library's types accept as the other's.
        ProxyHeadersMiddleware(client.app, trusted_hosts="*"),  # type: ignore[arg-type]
        base_url="https://testserver",
    )


def at(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def rows(url: str, table: type) -> int:
    engine = make_engine(url)
    with session_scope(engine) as session:
        count = session.exec(select(func.count()).select_from(table)).one()
    engine.dispose()
    return int(count)


def audit_events(url: str) -> list[AuditEvent]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())
    engine.dispose()
    return events


def counter_keys(url: str) -> list[str]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        keys = list(session.exec(select(RateCounter.key)).all())
    engine.dispose()
    return keys


@pytest.fixture
def tablet_app(fresh_db: Callable[[], str]) -> Iterator[TabletApp]:
    """An app over the bundled data whose tablet limits the test chooses; yields a
    factory (settings) -> (client, url)."""
    url = fresh_db()
    publish(url, bundled_dataset())
    opened: list[TestClient] = []

    def make(**settings: object) -> tuple[TestClient, str]:
        client = client_for(url, **settings)
        client.__enter__()
        opened.append(client)
        return client, url

    yield make
    for client in opened:
        client.__exit__(None, None, None)


# --- tablet submissions ------------------------------------------------------------------


def test_200_tablet_submissions_from_one_client_get_429_beyond_the_limit(
    tablet_app: TabletApp, limits_clock: PinnedClock
) -> None:
    client, url = tablet_app(tablet_per_client_per_minute=20, tablet_overall_per_minute=1000)
    proxy = behind_proxy(client)
    statuses = Counter(
        proxy.post(CONSULTATIONS, json=BODY, headers=at("198.51.100.7")).status_code
        for _ in range(200)
    )
    assert statuses == {201: 20, 429: 180}
    assert rows(url, Consultation) == 20

    refused = proxy.post(CONSULTATIONS, json=BODY, headers=at("198.51.100.7"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "was not stored" in refused.json()["detail"]
    # Another client is not held back by this one ...
    assert proxy.post(CONSULTATIONS, json=BODY, headers=at("198.51.100.8")).status_code == 201
    # ... the refused ones added no rows: a counter per client and one overall ...
    assert len(counter_keys(url)) == 3
    # ... and when the minute is over, the first client may send again.
    limits_clock.advance(seconds=60)
    assert proxy.post(CONSULTATIONS, json=BODY, headers=at("198.51.100.7")).status_code == 201
    assert len(counter_keys(url)) == 2, "the ended minute's counters were not deleted"


def test_the_overall_limit_counts_every_client_and_a_refused_client_uses_none_of_it(
    tablet_app: TabletApp, limits_clock: PinnedClock
) -> None:
    client, url = tablet_app(tablet_per_client_per_minute=2, tablet_overall_per_minute=5)
    proxy = behind_proxy(client)

    def send(address: str, times: int) -> list[int]:
        return [
            proxy.post(CONSULTATIONS, json=BODY, headers=at(address)).status_code
            for _ in range(times)
        ]

    assert send("192.0.2.1", 4) == [201, 201, 429, 429]  # over its own limit: 2 of 5 used
    assert send("192.0.2.2", 2) == [201, 201]
    assert send("192.0.2.3", 2) == [201, 429]  # the fifth, then the overall limit
    assert send("192.0.2.4", 1) == [429]
    assert rows(url, Consultation) == 5


def test_an_ipv6_client_counts_as_its_64_network(
    tablet_app: TabletApp, limits_clock: PinnedClock
) -> None:
    client, _ = tablet_app(tablet_per_client_per_minute=2)
    proxy = behind_proxy(client)
    sent = [
        proxy.post(CONSULTATIONS, json=BODY, headers=at(f"2001:db8:1:2::{n}")).status_code
        for n in range(1, 4)
    ]
    assert sent == [201, 201, 429]
    assert proxy.post(CONSULTATIONS, json=BODY, headers=at("2001:db8:1:3::1")).status_code == 201


def post_form(client: TestClient, form: list[tuple[str, str]]) -> httpx2.Response:
    return client.post(
        "/tablet",
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


REVIEW = [
    ("carer", "yes"),
    ("order", "weight-gain"),
    ("order", "tiredness"),
    ("helpful", "sleepy-at-night"),
    ("must_avoid", "weight-gain"),
    ("forms", "tablet"),
    ("what_matters", "keep working"),
]
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("have not been sent yet", "Send again", "ask a member of staff")),
        ("nb", ("er ikke sendt ennå", "Send på nytt", "spør en av de ansatte")),
    ],
)
def test_the_tablet_over_its_limit_says_kindly_to_wait_or_ask_staff_and_keeps_the_answers(
    tablet_app: TabletApp, limits_clock: PinnedClock, lang: str, words: tuple[str, ...]
) -> None:
    client, url = tablet_app(tablet_per_client_per_minute=1)
    form = [("lang", lang), *REVIEW, ("go", "send")]
    first = post_form(client, form)
    assert first.status_code == 200 and 'class="code"' in first.text

    busy = post_form(client, form)
    assert busy.status_code == 429
    assert f'<html lang="{lang}">' in busy.text
    for phrase in words:
        assert phrase in busy.text
    seconds = int(busy.headers["retry-after"])
    assert 1 <= seconds <= 60 and str(seconds) in busy.text
    assert busy.headers["cache-control"] == "no-store"
    assert sorted(HIDDEN.findall(busy.text)) == sorted([("here", "busy"), ("lang", lang), *REVIEW])
    assert rows(url, Consultation) == 1

    limits_clock.advance(seconds=seconds)
    again = post_form(client, [*HIDDEN.findall(busy.text), ("go", "send")])
    assert again.status_code == 200 and 'class="code"' in again.text
    assert rows(url, Consultation) == 2


def seconds_left_in_minute() -> float:
    return 60 - time.time() % 60


def minute() -> int:
    """The one-minute window the limits count in now (windows start on the minute)."""
    return int(time.time() // 60)


def test_the_tablet_limits_hold_across_two_app_processes(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    limit = {"SDM_TABLET_PER_CLIENT_PER_MINUTE": "3"}
    with live_server(url, **limit) as a, live_server(url, **limit) as b:
        # All eight in one window, on the real clock. Eight sends take far less than
        # 5 s, so a run starts unless the minute is nearly over; one that still spans
        # two windows (two counts) proves nothing, so it is sent again, in a window of
        # its own, and judged by what that run added.
        for _attempt in range(3):
            if seconds_left_in_minute() < 5:
                time.sleep(seconds_left_in_minute() + 0.5)
            window, before = minute(), rows(url, Consultation)
            statuses = [
                loopback.post(f"{base}{CONSULTATIONS}", json=BODY, timeout=15).status_code
                for base in (a, b) * 4
            ]
            if minute() == window:
                break
            time.sleep(seconds_left_in_minute() + 0.5)
        else:
            pytest.fail("eight requests never fitted in one minute's window")
    assert sorted(statuses) == [201] * 3 + [429] * 5, statuses
    assert rows(url, Consultation) - before == 3


# --- the index every use of a code goes through --------------------------------------------


def test_the_code_queries_use_the_code_and_expiry_index(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    engine = make_engine(url)
    dataset = bundled_dataset()
    with session_scope(engine, write=True) as session:
        for _ in range(50):
            service.create(
                session,
                dataset,
                request=RankingRequest(("tremor",)),
                lang="en",
                with_carer=False,
                what_matters="",
                code_ttl=timedelta(hours=4),
            )
    captured: list[tuple[str, DriverParameters]] = []

    def grab(
        _conn: Connection,
        _cursor: DBAPICursor,
        statement: str,
        parameters: DriverParameters,
        _context: ExecutionContext | None,
        _many: bool,
    ) -> None:
        if "FROM consultation" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    with session_scope(engine) as session:
        service.code_in_use(session, "ACDEFG", utcnow())
        with pytest.raises(NotFound):
            service.by_code(session, "ACDEFG")
    event.remove(engine, "before_cursor_execute", grab)
    assert len(captured) == 2
    with engine.connect() as conn:
        for statement, parameters in captured:
            if BACKEND == "postgresql":  # a small table: make the planner show its choice
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            else:
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            described = " ".join(str(part) for row in plan for part in row)
            assert "ix_consultation_code_expires" in described, (statement, described)
    engine.dispose()


# --- lookups by code ------------------------------------------------------------------------


def test_codes_that_match_nothing_are_throttled_per_staff_user(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    client, staff = staff_app
    code = client.post(CONSULTATIONS, json=BODY).json()["code"]
    cora = staff.headers(client, "cora")
    misses = [
        client.get(f"{CONSULTATIONS}/by-code/AAAA{n:02d}", headers=cora).status_code
        for n in range(10)
    ]
    assert misses == [404] * 10
    beyond = client.get(f"{CONSULTATIONS}/by-code/{code}", headers=cora)
    assert beyond.status_code == 429  # even the right code, until the minute is over
    assert 1 <= int(beyond.headers["retry-after"]) <= 60
    assert "matched nothing" in beyond.json()["detail"]
    page = client.get("/staff/consultations?code=AAAAAA&lang=en", headers=cora)
    assert page.status_code == 429 and "Too many codes that matched nothing" in page.text
    assert "retry-after" in page.headers

    # Another staff user is not held back; one audit event says what happened.
    phil = staff.headers(client, "phil")
    assert client.get(f"{CONSULTATIONS}/by-code/{code}", headers=phil).status_code == 200
    throttled = [e for e in audit_events(staff.url) if e.action == "consultation.code_misses"]
    assert [(e.actor, e.after) for e in throttled] == [
        ("cora", {"misses": 10, "window_seconds": 60})
    ]
    limits_clock.advance(seconds=60)
    assert client.get(f"{CONSULTATIONS}/by-code/{code}", headers=cora).status_code == 200


# --- logins ---------------------------------------------------------------------------------


def token_form(staff: Staff, username: str, *, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password, "totp": staff.code(username)}


def test_50_bad_passwords_from_rotating_addresses_do_not_stop_the_real_user(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    client, staff = staff_app
    proxy = behind_proxy(client)
    for n in range(50):
        failed = proxy.post(
            TOKEN,
            data={"username": "pia", "password": f"guess number {n} for pia"},
            headers=at(f"203.0.113.{n + 1}"),
        )
        assert failed.status_code == 401
    own = proxy.post(TOKEN, data=token_form(staff, "pia"), headers=at("192.0.2.10"))
    assert own.status_code == 200, own.text

    events = audit_events(staff.url)
    assert not [e for e in events if e.action == "login.failed"]
    attacked = [e.after for e in events if e.action == "login.failures"]
    assert attacked == [
        {"failed_logins": 5, "window_minutes": 15},
        {"failed_logins": 50, "window_minutes": 15},
    ]


def test_a_client_over_its_limit_gets_429_while_the_account_logs_in_from_elsewhere(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    client, staff = staff_app
    proxy = behind_proxy(client)
    for _ in range(5):
        wrong = {"username": "phil", "password": "not the password at all"}
        assert proxy.post(TOKEN, data=wrong, headers=at("203.0.113.9")).status_code == 401
    right = token_form(staff, "phil")
    held = proxy.post(TOKEN, data=right, headers=at("203.0.113.9"))
    assert held.status_code == 429
    assert 1 <= int(held.headers["retry-after"]) <= 15 * 60
    assert "from this device or network" in held.json()["detail"]
    # The refused attempt did not use up the code: phil's own address logs in with it.
    assert proxy.post(TOKEN, data=right, headers=at("192.0.2.20")).status_code == 200
    # The same client may still log in as someone else (under its 20 for all names).
    assert (
        proxy.post(TOKEN, data=token_form(staff, "cora"), headers=at("203.0.113.9")).status_code
        == 200
    )
    limits_clock.advance(minutes=15)
    again = proxy.post(TOKEN, data=token_form(staff, "phil"), headers=at("203.0.113.9"))
    assert again.status_code == 200


def test_a_successful_login_clears_that_clients_failures_for_the_name(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    """Four typing mistakes, then a login: the next mistakes start from nought again."""
    client, staff = staff_app
    wrong = {"username": "cora", "password": "a mistyped password"}
    for _ in range(2):
        assert [client.post(TOKEN, data=wrong).status_code for _ in range(4)] == [401] * 4
        assert client.post(TOKEN, data=token_form(staff, "cora")).status_code == 200
    assert client.post(TOKEN, data=wrong).status_code == 401
    assert client.post(TOKEN, data=token_form(staff, "cora")).status_code == 200


def test_one_client_guessing_many_usernames_is_throttled_for_every_name(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    """X-Forwarded-For from a client the app does not trust (no proxy in between)
    changes nothing: the rotating header below is one client, the socket's peer."""
    client, staff = staff_app
    for n in range(20):
        client.post(
            TOKEN, data={"username": f"guess{n}", "password": "nope"}, headers=at(f"10.0.0.{n}")
        )
    assert client.post(TOKEN, data=token_form(staff, "cora")).status_code == 429
    elsewhere = behind_proxy(client).post(
        TOKEN, data=token_form(staff, "cora"), headers=at("192.0.2.30")
    )
    assert elsewhere.status_code == 200


def test_failed_logins_for_unknown_names_leave_only_aggregates_and_bounded_counters(
    fresh_db: Callable[[], str], limits_clock: PinnedClock
) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    audit_before = rows(url, AuditEvent)
    names = [f"nobody-{n}-x7q" for n in range(40)]
    with client_for(url, login_failures_per_client=5) as client:
        proxy = behind_proxy(client)
        statuses = Counter(
            proxy.post(
                TOKEN,
                data={"username": name, "password": "whatever it is"},
                headers=at(f"198.51.100.{n % 4}"),
            ).status_code
            for n, name in enumerate(names)
        )
        assert statuses == {401: 20, 429: 20}  # 5 failures from each of 4 addresses

        events = audit_events(url)[audit_before:]
        assert [e.action for e in events] == ["login.client_throttled"] * 4
        recorded = " ".join(f"{e.actor} {e.target} {e.after}" for e in events)
        assert "nobody" not in recorded and "198.51.100" not in recorded
        keys = counter_keys(url)
        assert len(keys) == 4 * (1 + 5)  # per address, and per typed name there: no more
        assert not [k for k in keys if "nobody" in k or "198.51.100" in k]

        # When the window has ended, the next failure clears the old counters away.
        limits_clock.advance(minutes=15)
        proxy.post(TOKEN, data={"username": "nobody", "password": "x" * 12}, headers=at("::1"))
        assert len(counter_keys(url)) == 2


def test_a_totp_code_works_once(staff_app: StaffApp) -> None:
    client, staff = staff_app
    form = token_form(staff, "phil")
    assert client.post(TOKEN, data=form).status_code == 200
    again = client.post(TOKEN, data=form)
    assert again.status_code == 401
    proxy = behind_proxy(client)  # from another address too
    assert proxy.post(TOKEN, data=form, headers=at("192.0.2.40")).status_code == 401
    web = client.get("/login")
    csrf = search(r'name="csrf_token" value="([^"]+)"', web.text).group(1)
    page = client.post("/login", data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert page.status_code == 401


def test_only_codes_newer_than_the_last_accepted_one_are_valid() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = datetime(2027, 3, 1, 12, 0, 10, tzinfo=UTC)
    step = totp.timecode(now)

    def code(at_step: int) -> str:
        return totp.generate_otp(at_step)

    assert totp_step(secret, code(step), None, now) == step
    assert totp_step(secret, code(step), step - 1, now) == step
    assert totp_step(secret, code(step), step, now) is None  # the same code again
    assert totp_step(secret, code(step - 1), step - 1, now) is None
    assert totp_step(secret, code(step + 1), step, now) == step + 1  # the next one, early
    assert totp_step(secret, code(step - 1), step - 2, now) == step - 1  # a slow clock
    assert totp_step(secret, code(step + 2), None, now) is None  # too far ahead
    assert totp_step(secret, None, None, now) is None


def test_one_totp_code_opens_one_session_even_sent_to_two_processes_at_once(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    staff = add_staff(url)
    with live_server(url) as a, live_server(url) as b:
        for _ in range(3):
            form = {"username": "phil", "password": PASSWORD, "totp": staff.code("phil")}
            with ThreadPoolExecutor(2) as pool:
                sent = [
                    done.result()
                    for done in [
                        pool.submit(httpx2.post, f"{base}{TOKEN}", data=form, timeout=30)
                        for base in (a, b)
                    ]
                ]
            assert sorted(r.status_code for r in sent) == [200, 401], [r.text for r in sent]
    engine = make_engine(url)
    with session_scope(engine) as session:
        user = session.exec(select(StaffUser).where(StaffUser.username == "phil")).one()
        assert user.totp_last_step is not None
    engine.dispose()


# --- the counters themselves ----------------------------------------------------------------


def test_counters_count_in_fixed_windows_and_ended_windows_are_deleted(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    engine = make_engine(url)
    minute = limits.Limit("test.minute", 2, timedelta(minutes=1))
    start = datetime(2027, 3, 1, 12, 0, 0, tzinfo=UTC)
    with session_scope(engine, write=True) as session:
        assert limits.take(session, [(minute, "a")], start) is None
        assert limits.take(session, [(minute, "a")], start + timedelta(seconds=30)) is None
        refused = limits.take(session, [(minute, "a")], start + timedelta(seconds=45))
        assert refused is not None and refused.retry_after == 15
        assert limits.peek(session, minute, "a", start + timedelta(seconds=59)).hits == 2
        for n in range(5):
            limits.hit(session, minute, f"other-{n}", start + timedelta(seconds=50))
        assert limits.count_rows(session) == 6
        # The next minute: a fresh count, and the first new row deletes the ended ones.
        assert limits.take(session, [(minute, "a")], start + timedelta(seconds=60)) is None
        assert limits.count_rows(session) == 1
        assert session.execute(text("SELECT hits FROM rate_counter")).scalar_one() == 1
    engine.dispose()
