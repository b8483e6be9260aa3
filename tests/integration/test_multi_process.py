"""Two app processes on one database: a person's journey may hop between them.

Sessions, tokens, CSRF tokens and ETags are database rows, so any process serves any
request: the tablet on A, the clinician on B, the API on A; a logout on A ends the
session on B; a stale ETag is refused by the other process too. Runs on PostgreSQL
(the production set-up) and on SQLite (two processes sharing one WAL file).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from app.clock import utcnow
from tests import loopback
from tests.builders import bundled_dataset
from tests.integration.conftest import publish
from tests.integration.live import live_server
from tests.integration.staff import add_staff
from tests.integration.webclient import Browser, bearer, login, tablet_send

DECISION = {
    "discussed": "aripiprazole",
    "decision": "aripiprazole",
    "next_review": (utcnow().date() + timedelta(days=60)).isoformat(),
    "context_note": "Recorded on process B.",
}


def test_a_journey_across_two_app_processes(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    publish(url, bundled_dataset())
    staff = add_staff(url)
    started = time.monotonic()
    with live_server(url) as a, live_server(url) as b:
        # The tablet on A; the clinician logs in on B and opens the code there.
        code = tablet_send(Browser(), a)
        cora = Browser()
        csrf = login(cora, b, staff, "cora")
        opened = cora.get(f"{b}/staff/consultations?code={code}")
        assert opened.status_code == 303, opened.text
        page = opened.headers["location"]
        consultation = page.rsplit("/", 1)[1]
        assert cora.get(f"{b}{page}?lang=en").status_code == 200

        # The decision is recorded on B (the CSRF token from B's page) ...
        recorded = cora.post(f"{b}{page}/decision", form={**DECISION, "csrf_token": csrf})
        assert recorded.status_code == 303, recorded.text
        # ... and the API on A shows it.
        seen = loopback.get(
            f"{a}/api/v1/consultations/{consultation}", headers=bearer(a, staff, "cora")
        )
        assert seen.status_code == 200, seen.text
        assert seen.json()["decision"] == "aripiprazole"
        assert seen.json()["context_note"] == "Recorded on process B."

        # The session cookie from B works on A, and its CSRF token too.
        on_a = cora.get(f"{a}{page}?lang=en")
        assert on_a.status_code == 200, on_a.text
        assert "Recorded on process B." in on_a.text
        old_cookies = dict(cora.cookies)
        out = cora.post(f"{a}/logout", form={"csrf_token": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/login"

        # Logout on A ends the session on B at once, even if the old cookie is replayed.
        replay = Browser()
        replay.cookies = old_cookies
        after = replay.get(f"{b}/staff")
        assert after.status_code == 303, after.text
        assert after.headers["location"].startswith("/login")

        # A pharmacist edits a draft rating on A; the same stale ETag on B gets 412.
        phil_a, phil_b = bearer(a, staff, "phil"), bearer(b, staff, "phil")
        draft = loopback.post(f"{a}/api/v1/drafts", headers=phil_a, json={}).json()["id"]
        path = f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain"
        etag = loopback.get(f"{a}{path}", headers=phil_a).headers["etag"]
        body = {"value": 2, "sources": ["s3-2020"], "note": "edited on A"}
        first = loopback.put(f"{a}{path}", headers={**phil_a, "If-Match": etag}, json=body)
        assert first.status_code == 200, first.text
        stale = loopback.put(
            f"{b}{path}", headers={**phil_b, "If-Match": etag}, json={**body, "note": "on B"}
        )
        assert stale.status_code == 412, stale.text
        current = loopback.get(f"{b}{path}", headers=phil_b)
        assert current.json()["note"] == "edited on A"
        assert current.headers["etag"] != etag
    print(f"journey across two processes: {time.monotonic() - started:.1f} s")
