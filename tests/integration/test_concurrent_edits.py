"""Concurrent edits against a real app process: no edit lost, no 'database is locked'."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests import loopback
from tests.builders import bundled_dataset
from tests.integration.conftest import publish
from tests.integration.live import live_server
from tests.integration.staff import add_staff
from tests.integration.webclient import bearer

N = 50


def test_fifty_concurrent_edits_one_etag_one_success(fresh_db: Callable[[], str]) -> None:
    """Two pharmacists send 50 edits of one rating with the same ETag at once."""
    url = fresh_db()
    publish(url, bundled_dataset())
    staff = add_staff(url)
    with live_server(url) as base:
        phil, ada = bearer(base, staff, "phil"), bearer(base, staff, "ada")
        pia = bearer(base, staff, "pia")
        draft = loopback.post(f"{base}/api/v1/drafts", headers=phil, json={}).json()["id"]
        rating = f"{base}/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain"
        etag = loopback.get(rating, headers=phil).headers["etag"]

        def edit(i: int) -> int:
            who = phil if i % 2 else pia  # two pharmacists, both holding the same ETag
            return loopback.put(
                rating,
                headers={**who, "If-Match": etag},
                timeout=60,
                json={"value": i % 4, "sources": ["s3-2020"], "note": f"edit {i}"},
            ).status_code

        with ThreadPoolExecutor(max_workers=N) as pool:
            statuses = list(pool.map(edit, range(N)))
        assert sorted(statuses) == [200] + [412] * (N - 1), statuses
        final = loopback.get(rating, headers=phil)
        assert final.headers["etag"] == '"2"'
        events = loopback.get(f"{base}/api/v1/audit?limit=1000", headers=ada).json()
        edits = [e for e in events if e["action"] == "draft.edit_rating"]
        assert len(edits) == 1
        assert edits[0]["after"]["note"] == final.json()["note"]


def test_concurrent_edits_of_different_cells_all_succeed(fresh_db: Callable[[], str]) -> None:
    url = fresh_db()
    dataset = bundled_dataset()
    publish(url, dataset)
    staff = add_staff(url)
    cells = [(d.id, item) for d in dataset.drugs for item in ("tremor", "dry-mouth", "tension")]
    cells = cells[:N]
    with live_server(url) as base:
        phil = bearer(base, staff, "phil")
        draft = loopback.post(f"{base}/api/v1/drafts", headers=phil, json={}).json()["id"]

        def edit(cell: tuple[str, str]) -> int:
            drug, item = cell
            rating = f"{base}/api/v1/drafts/{draft}/drugs/{drug}/ratings/{item}"
            etag = loopback.get(rating, headers=phil, timeout=60).headers["etag"]
            return loopback.put(
                rating,
                headers={**phil, "If-Match": etag},
                timeout=60,
                json={"value": 3, "sources": ["s3-2020"], "note": f"{drug} {item}"},
            ).status_code

        with ThreadPoolExecutor(max_workers=N) as pool:
            statuses = list(pool.map(edit, cells))
        assert statuses == [200] * len(cells)
        changes = loopback.get(f"{base}/api/v1/drafts/{draft}/diff", headers=phil).json()
        changed = {(c["drug"], c["side_effect"]) for c in changes["changes"]}
        unchanged = {
            (d.id, i)
            for d in dataset.drugs
            for i in ("tremor", "dry-mouth", "tension")
            if d.ratings[i].value == 3
        }
        assert changed | unchanged >= set(cells)
