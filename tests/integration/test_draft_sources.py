"""A draft's source list: listed, added to and edited with ETags, checked like the
sources files, cited by a rating in the same draft, published with the version, shown
with the drug's card and written back out by `sdm data export`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from app.catalogue import load_directory
from tests.integration.cli import sdm
from tests.integration.staff import StaffApp

KEY = "test-fixture-source"
FIXTURE = {
    "citation": "A test fixture, not a clinical source. Written by the test suite.",
    "url": "https://example.org/test-fixture",
    "kind": "meta-analysis",
    "accessed": "2025-01-15",
}


def sources_of(
    client: TestClient, headers: dict[str, str], draft: str
) -> dict[str, dict[str, Any]]:
    listed = client.get(f"/api/v1/drafts/{draft}/sources", headers=headers)
    assert listed.status_code == 200, listed.text
    return {s["key"]: s for s in listed.json()}


def test_a_source_added_in_a_draft_is_cited_published_and_exported(
    staff_app: StaffApp, tmp_path: Path
) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    before = sources_of(client, phil, draft)
    assert before["s3-2020"]["kind"] == "comparative"
    assert KEY not in before

    url = f"/api/v1/drafts/{draft}/sources/{KEY}"
    added = client.put(url, headers=phil, json=FIXTURE)
    assert added.status_code == 201, added.text
    assert added.headers["etag"] == '"1"'
    assert added.json() == {**FIXTURE, "key": KEY, "revision": 1}

    # Cited by a rating of the same draft.
    rating_url = f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain"
    read = client.get(rating_url, headers=phil)
    rating = read.json()
    cited = client.put(
        rating_url,
        headers={**phil, "If-Match": read.headers["etag"]},
        json={
            "value": rating["value"],
            "sources": [*rating["sources"], KEY],
            "source_values": {**rating["source_values"], KEY: "test value"},
            "note": rating["note"],
        },
    )
    assert cited.status_code == 200, cited.text
    changes = client.get(f"/api/v1/drafts/{draft}/diff", headers=pia).json()["changes"]
    added_line = next(c for c in changes if c["what"] == "source")
    assert (added_line["sources"], added_line["before"]) == ([KEY], "absent")
    assert FIXTURE["citation"] in added_line["after"]
    assert "accessed 2025-01-15" in added_line["after"]

    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=phil).status_code == 200
    approved = client.post(f"/api/v1/drafts/{draft}/approve", headers=pia)
    assert approved.status_code == 200, approved.text

    card = client.get("/api/v1/drugs/olanzapine").json()
    assert card["data_version"]["number"] == 2
    assert card["sources"][KEY] == {k: v for k, v in FIXTURE.items()}

    out = tmp_path / "out"
    result = sdm(staff.url, "data", "export", "2", str(out))
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load((out / "sources" / "sources.yaml").read_text())
    assert written[KEY] == FIXTURE
    exported = load_directory(out)
    assert exported.sources[KEY].accessed is not None
    assert exported.drug("olanzapine").ratings["weight-gain"].source_values[KEY] == "test value"


def test_editing_a_source_needs_its_etag_and_is_checked(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    url = f"/api/v1/drafts/{draft}/sources/s3-2020"
    was = sources_of(client, phil, draft)["s3-2020"]
    change = {"citation": "A changed citation (test).", "url": "https://example.org/changed"}

    assert client.put(url, headers=phil, json=change).status_code == 428
    assert client.put(url, headers={**phil, "If-Match": '"7"'}, json=change).status_code == 412
    first = client.put(url, headers={**pia, "If-Match": f'"{was["revision"]}"'}, json=change)
    assert first.status_code == 200, first.text
    # Left out, kind and accessed stay as they were: a comparative source stays one.
    assert (first.json()["kind"], first.json()["accessed"]) == ("comparative", None)
    assert first.headers["etag"] == f'"{was["revision"] + 1}"'
    # phil read the old revision: his change would overwrite pia's, so it is refused.
    stale = client.put(
        url,
        headers={**phil, "If-Match": f'"{was["revision"]}"'},
        json={**change, "url": "https://x.org/"},
    )
    assert stale.status_code == 412
    assert "Someone changed this source" in stale.json()["detail"]
    assert sources_of(client, phil, draft)["s3-2020"]["url"] == change["url"]

    etag = first.headers["etag"]
    for body, problem in [
        ({**change, "url": "ftp://example.org/"}, "needs a URL starting with https://"),
        ({**change, "citation": "  "}, "has no citation"),
        ({**change, "accessed": "2999-01-01"}, "is after today"),
    ]:
        refused = client.put(url, headers={**phil, "If-Match": etag}, json=body)
        assert refused.status_code == 422, body
        assert problem in str(refused.json()["detail"]), refused.text
    wrong_kind = client.put(
        url, headers={**phil, "If-Match": etag}, json={**change, "kind": "blog"}
    )
    assert wrong_kind.status_code == 422
    # An existing key cannot be added again as new (If-Match on a missing one is stale).
    missing = client.put(
        f"/api/v1/drafts/{draft}/sources/not-there",
        headers={**phil, "If-Match": '"1"'},
        json=change,
    )
    assert missing.status_code == 412
    trail = client.get("/api/v1/audit", headers=staff.headers(client, "ada")).json()
    edits = [e for e in trail if e["action"] == "draft.edit_source"]
    assert [(e["actor"], e["after"]["url"]) for e in edits] == [("pia", change["url"])]
    assert edits[0]["before"]["citation"] == was["citation"]


def test_the_api_takes_every_kind_the_files_take() -> None:
    from typing import get_args

    from app.api.drafts import SourceKind
    from app.catalogue.model import SOURCE_KINDS

    assert get_args(SourceKind) == SOURCE_KINDS
