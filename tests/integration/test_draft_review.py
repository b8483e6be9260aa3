"""Review as a conversation: a reviewer sends a submitted draft back with comments; its
author sees them, changes it and submits again; a pharmacist who took no part approves.
Nobody who opened, changed or submitted a draft returns or approves it; the comments are
kept (append-only) and audited; the pages say what happened and never strand anyone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from app.db import make_engine, session_scope
from tests.conftest import BACKEND
from tests.integration.pages import soup, text
from tests.integration.staff import StaffApp, add_staff_user, web_login
from tests.lookup import one

RATING = "/api/v1/drafts/{id}/drugs/clozapine/ratings/drooling"


def edit(client: TestClient, headers: dict[str, str], draft: str, note: str) -> None:
    url = RATING.format(id=draft)
    read = client.get(url, headers=headers)
    body = {k: read.json()[k] for k in ("value", "sources", "source_values")} | {"note": note}
    saved = client.put(url, headers={**headers, "If-Match": read.headers["etag"]}, json=body)
    assert saved.status_code == 200, saved.text


def test_return_with_comment_then_resubmit_then_approve(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    back = f"/api/v1/drafts/{draft}/return"

    # Not submitted yet: nothing to send back.
    assert client.post(back, headers=pia, json={"comment": "Too early."}).status_code == 409
    edit(client, phil, draft, "Test note, first try.")
    submitted = client.post(
        f"/api/v1/drafts/{draft}/submit", headers=phil, json={"comment": "Please check."}
    )
    assert submitted.json()["status"] == "submitted"

    # The author can neither send it back nor approve it.
    refused = client.post(back, headers=phil, json={"comment": "Mine."})
    assert refused.status_code == 403
    assert "a different pharmacist must review it" in refused.json()["detail"]
    assert client.post(f"/api/v1/drafts/{draft}/approve", headers=phil).status_code == 403
    assert client.post(back, headers=pia, json={"comment": "   "}).status_code == 422

    returned = client.post(back, headers=pia, json={"comment": "Cite the table value too."})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["status"], body["submitted_by"]) == ("open", None)
    assert [(c["by"], c["kind"], c["comment"]) for c in body["conversation"]] == [
        ("phil", "submit", "Please check."),
        ("pia", "return", "Cite the table value too."),
    ]
    # The author reads it on the draft, and may change it again.
    seen = client.get(f"/api/v1/drafts/{draft}", headers=phil).json()
    assert seen["conversation"][-1]["comment"] == "Cite the table value too."
    assert client.post(f"/api/v1/drafts/{draft}/approve", headers=pia).status_code == 409
    edit(client, phil, draft, "Test note, second try.")
    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=phil).status_code == 200
    # Submitted again, the reviewer, who changed nothing, may approve it.
    approved = client.post(f"/api/v1/drafts/{draft}/approve", headers=pia)
    assert approved.status_code == 200, approved.text
    trail = client.get("/api/v1/audit", headers=staff.headers(client, "ada")).json()
    returns = [e for e in trail if e["action"] == "draft.return"]
    assert [(e["actor"], e["target"], e["after"]) for e in returns] == [
        ("pia", f"draft/{draft}", {"comment": "Cite the table value too."})
    ]


def test_whoever_submitted_before_a_return_still_may_not_approve(staff_app: StaffApp) -> None:
    client, staff = staff_app
    add_staff_user(staff, "pete", "pharmacist")
    phil, pia, pete = (staff.headers(client, n) for n in ("phil", "pia", "pete"))
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    edit(client, phil, draft, "Test note.")
    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=pia).status_code == 200
    sent = client.post(f"/api/v1/drafts/{draft}/return", headers=pete, json={"comment": "No."})
    assert sent.status_code == 200
    assert client.post(f"/api/v1/drafts/{draft}/submit", headers=phil).status_code == 200
    # pia submitted it once: she is one of its authors, even after the return.
    assert client.post(f"/api/v1/drafts/{draft}/approve", headers=pia).status_code == 403
    assert client.post(f"/api/v1/drafts/{draft}/approve", headers=pete).status_code == 200


def test_comments_are_never_changed_or_deleted(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil, pia = staff.headers(client, "phil"), staff.headers(client, "pia")
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    client.post(f"/api/v1/drafts/{draft}/submit", headers=phil)
    client.post(f"/api/v1/drafts/{draft}/return", headers=pia, json={"comment": "Kept."})
    engine = make_engine(staff.url)
    rewrite = {  # replacing a row: a REPLACE on SQLite, a TRUNCATE on PostgreSQL
        "sqlite": "REPLACE INTO draft_comment (id, draft_id, at, by, kind, text) "
        "SELECT id, draft_id, at, by, kind, 'replaced' FROM draft_comment",
        "postgresql": "TRUNCATE draft_comment",
    }[BACKEND]
    refusal = "never replaced" if BACKEND == "sqlite" else "never changed or deleted"
    for statement, refused in (
        ("UPDATE draft_comment SET text = 'rewritten'", "never changed or deleted"),
        ("DELETE FROM draft_comment", "never changed or deleted"),
        (rewrite, refusal),
    ):
        with pytest.raises(DBAPIError, match=refused), session_scope(engine) as session:
            session.execute(sql(statement))
    engine.dispose()
    seen = client.get(f"/api/v1/drafts/{draft}", headers=phil).json()["conversation"]
    assert [c["comment"] for c in seen] == ["", "Kept."]


def test_the_pages_offer_only_what_each_may_do_and_say_what_happened(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    csrf = web_login(client, staff, "phil")
    draft_url = client.post(
        "/staff/drafts", data={"csrf_token": csrf}, follow_redirects=False
    ).headers["location"]
    draft = draft_url.rsplit("/", 1)[1]
    edit(client, staff.headers(client, "phil"), draft, "Test note.")
    submitted = client.post(f"{draft_url}/submit", data={"csrf_token": csrf, "comment": "Ready."})
    assert "The draft is submitted for review." in text(soup(submitted.text).find(class_="notice"))
    page = soup(submitted.text)
    assert page.find("form", action=f"{draft_url}/approve") is None
    assert page.find("form", action=f"{draft_url}/return") is None
    # Refused, the page keeps the staff menu and a way back to the draft.
    refused = client.post(f"{draft_url}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403
    page = soup(refused.text)
    assert one(page, "nav").find("a", href="/staff/drafts") is not None
    assert one(page, "main").find("a", href=draft_url) is not None
    refused = client.post(f"{draft_url}/return", data={"csrf_token": csrf, "comment": "x"})
    assert refused.status_code == 403
    assert one(soup(refused.text), "main").find("a", href=draft_url) is not None
    client.cookies.clear()

    csrf = web_login(client, staff, "pia")
    page = soup(client.get(draft_url).text)
    assert page.find("form", action=f"{draft_url}/approve") is not None
    assert "Ready." in text(page.find("ol", class_="conversation"))
    empty = client.post(f"{draft_url}/return", data={"csrf_token": csrf, "comment": " "})
    assert empty.status_code == 422
    assert "Write what the author should change" in text(
        soup(empty.text).find(class_="error-summary")
    )
    sent = client.post(
        f"{draft_url}/return",
        data={"csrf_token": csrf, "comment": "Say why the source disagrees."},
        follow_redirects=False,
    )
    assert sent.headers["location"] == f"{draft_url}?done=returned"
    notice = text(soup(client.get(sent.headers["location"]).text).find(class_="notice"))
    assert "sent back to its author" in notice
    client.cookies.clear()

    csrf = web_login(client, staff, "phil")
    for lang, heading in (("en", "Sent back by pia"), ("nb", "Sendt tilbake av pia")):
        page = soup(client.get(f"{draft_url}?lang={lang}").text)
        box = page.find("div", class_="returned")
        assert heading in text(box)
        assert "Say why the source disagrees." in text(box)
    assert page.find("form", action=f"{draft_url}/submit") is not None
    client.post(f"{draft_url}/submit", data={"csrf_token": csrf})
    client.cookies.clear()

    csrf = web_login(client, staff, "pia")
    approved = client.post(f"{draft_url}/approve", data={"csrf_token": csrf})
    assert approved.status_code == 200
    assert "published as data version 2" in text(soup(approved.text).find(class_="notice"))
