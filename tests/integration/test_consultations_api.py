"""Consultations through the API: the tablet posts, staff open by code, decide, purge."""

from __future__ import annotations

from datetime import timedelta

from app.clock import utcnow
from tests.integration.cli import sdm
from tests.integration.staff import StaffApp

BODY = {
    "avoid": ["weight-gain", "high-blood-sugar"],
    "helpful": ["sleepy-at-night"],
    "with_carer": True,
    "what_matters": "I work night shifts",
}


def test_tablet_post_gives_an_unambiguous_code_that_staff_can_open(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert len(code) == 6 and not set(code) & set("0O1IL2Z5S8B")
    assert len(created.json()["id"]) == 32
    cora = staff.headers(client, "cora")
    by_code = client.get(f"/api/v1/consultations/by-code/{code.lower()}", headers=cora)
    assert by_code.status_code == 200
    body = by_code.json()
    assert body["avoid"] == BODY["avoid"] and body["what_matters"] == BODY["what_matters"]
    top = [r["drug"]["id"] for r in body["ranking"]["results"][:3]]
    assert "olanzapine" not in top and "clozapine" not in top
    assert body["ranking"]["data_version"]["number"] == 1


def test_bad_tablet_input_is_422_like_a_ranking(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = client.post("/api/v1/consultations", json={"avoid": ["tremor", "tremor"]})
    assert response.status_code == 422
    assert "priority 2 repeats tremor" in response.json()["detail"][0]["msg"]


def test_decision_is_recorded_with_the_data_version(staff_app: StaffApp) -> None:
    client, staff = staff_app
    consultation = client.post("/api/v1/consultations", json=BODY).json()["id"]
    cora = staff.headers(client, "cora")
    url = f"/api/v1/consultations/{consultation}/decision"
    bad = client.post(url, headers=cora, json={"decision": "aspirin"})
    assert bad.status_code == 422
    two_days_ago = (utcnow().date() - timedelta(days=2)).isoformat()
    past_review = {"decision": "undecided", "next_review": two_days_ago}
    past = client.post(url, headers=cora, json=past_review)
    assert past.status_code == 422
    assert "in the past" in past.json()["detail"]
    ok = client.post(
        url,
        headers=cora,
        json={
            "discussed": ["aripiprazole", "lurasidone"],
            "decision": "aripiprazole",
            "next_review": (utcnow().date() + timedelta(days=42)).isoformat(),
            "context_note": "will try for 6 weeks",
        },
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["decision"] == "aripiprazole"
    assert ok.json()["data_version"] == 1
    assert ok.json()["decided_by"] == "cora"


def test_unknown_and_expired_codes_are_404(staff_app: StaffApp) -> None:
    client, staff = staff_app
    response = client.get(
        "/api/v1/consultations/by-code/AAAAAA", headers=staff.headers(client, "cora")
    )
    assert response.status_code == 404
    assert "expired" in response.json()["detail"]


def test_purge_deletes_old_consultations(staff_app: StaffApp) -> None:
    client, staff = staff_app
    client.post("/api/v1/consultations", json=BODY)
    kept = sdm(staff.url, "consultations", "purge", "--older-than", "30")
    assert kept.returncode == 0 and "deleted 0" in kept.stdout
    gone = sdm(staff.url, "consultations", "purge", "--older-than", "0")
    assert "deleted 1" in gone.stdout
