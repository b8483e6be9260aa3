"""Every route x {anonymous, clinician, pharmacist, admin, lead} against the expected table.

The route list is read from the app itself: a new route without a row here fails."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Route

from app.main import create_app
from tests.integration.staff import PASSWORD, StaffApp
from tests.lookup import search

# Runs on SQLite only (marker `backend_neutral`): which role may call which route is
# decided in Python; the session and user reads behind it run on PostgreSQL in
# test_staff_pages and test_accounts_api.
pytestmark = pytest.mark.backend_neutral

ANY = {"anonymous", "clinician", "pharmacist", "admin", "lead"}
STAFF = {"clinician", "pharmacist", "admin", "lead"}
PHARMACIST = {"pharmacist"}
ADMIN = {"admin"}
CLINICAL = {"clinician", "pharmacist"}
#: The service dashboard: the service lead and admins (ADR 0015).
SERVICE = {"lead", "admin"}

EXPECTED = {
    ("GET", "/healthz"): ANY,
    ("GET", "/readyz"): ANY,
    ("GET", "/api/v1/side-effects"): ANY,
    ("GET", "/api/v1/drugs"): ANY,
    ("GET", "/api/v1/drugs/{drug_id}"): ANY,
    ("GET", "/api/v1/data-version"): ANY,
    ("GET", "/api/v1/options"): ANY,
    ("POST", "/api/v1/rankings"): ANY,
    ("POST", "/api/v1/auth/token"): ANY,
    ("POST", "/api/v1/auth/revoke"): STAFF,
    ("POST", "/api/v1/drafts"): PHARMACIST,
    ("GET", "/api/v1/drafts"): PHARMACIST,
    ("GET", "/api/v1/drafts/{draft_id}"): PHARMACIST,
    ("GET", "/api/v1/drafts/{draft_id}/drugs/{drug_id}/ratings/{side_effect}"): PHARMACIST,
    ("PUT", "/api/v1/drafts/{draft_id}/drugs/{drug_id}/ratings/{side_effect}"): PHARMACIST,
    ("GET", "/api/v1/drafts/{draft_id}/sources"): PHARMACIST,
    ("PUT", "/api/v1/drafts/{draft_id}/sources/{key}"): PHARMACIST,
    ("GET", "/api/v1/drafts/{draft_id}/drugs/{drug_id}"): PHARMACIST,
    ("PUT", "/api/v1/drafts/{draft_id}/drugs/{drug_id}"): PHARMACIST,
    ("GET", "/api/v1/drafts/{draft_id}/diff"): PHARMACIST,
    ("POST", "/api/v1/drafts/{draft_id}/submit"): PHARMACIST,
    ("POST", "/api/v1/drafts/{draft_id}/approve"): PHARMACIST,
    ("POST", "/api/v1/drafts/{draft_id}/return"): PHARMACIST,
    ("DELETE", "/api/v1/drafts/{draft_id}"): PHARMACIST,
    ("GET", "/api/v1/audit"): ADMIN,
    ("POST", "/api/v1/consultations"): ANY,
    ("GET", "/api/v1/consultations/reads"): ADMIN,
    ("GET", "/api/v1/consultations/by-code/{code}"): CLINICAL,
    ("GET", "/api/v1/consultations/{consultation_id}"): CLINICAL,
    ("POST", "/api/v1/consultations/{consultation_id}/decision"): CLINICAL,
    ("GET", "/api/v1/consultations/{consultation_id}/fhir"): CLINICAL,
    # The checklist as a FHIR Questionnaire: no personal data, like /api/v1/side-effects.
    ("GET", "/api/v1/fhir/Questionnaire/choosewell-checklist"): ANY,
    ("POST", "/api/v1/consultations/{consultation_id}/follow-up-codes"): CLINICAL,
    ("GET", "/api/v1/consultations/{consultation_id}/follow-ups"): CLINICAL,
    ("POST", "/api/v1/follow-ups"): ANY,
    ("GET", "/tablet/follow-up"): ANY,
    ("POST", "/tablet/follow-up"): ANY,
    ("GET", "/tablet/follow-up/report"): ANY,
    ("POST", "/tablet/follow-up/report"): ANY,
    ("GET", "/tablet/follow-up/done"): ANY,
    ("GET", "/tablet"): ANY,
    ("GET", "/about"): ANY,
    ("POST", "/tablet"): ANY,
    ("GET", "/tablet/{step}"): ANY,
    ("GET", "/api/v1/review-due"): PHARMACIST,
    ("GET", "/login"): ANY,
    ("POST", "/login"): ANY,
    ("POST", "/logout"): ANY,
    ("GET", "/staff"): STAFF,
    ("GET", "/staff/drafts"): PHARMACIST,
    ("POST", "/staff/drafts"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/edit"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/card"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/drugs/{drug_id}"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/drugs/{drug_id}"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/drugs/{drug_id}/ratings/{side_effect}"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/drugs/{drug_id}/ratings/{side_effect}"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/submit"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/approve"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/return"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/discard"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/grid"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/sources"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/sources"): PHARMACIST,
    ("GET", "/staff/drafts/{draft_id}/sources/{key}"): PHARMACIST,
    ("POST", "/staff/drafts/{draft_id}/sources/{key}"): PHARMACIST,
    ("GET", "/staff/review-due"): PHARMACIST,
    ("GET", "/staff/audit"): ADMIN,
    ("GET", "/staff/reads"): ADMIN,
    ("GET", "/staff/consultations"): CLINICAL,
    ("GET", "/staff/consultations/{consultation_id}"): CLINICAL,
    ("POST", "/staff/consultations/{consultation_id}/decision"): CLINICAL,
    ("GET", "/staff/consultations/{consultation_id}/compare"): CLINICAL,
    ("GET", "/staff/consultations/{consultation_id}/follow-up"): CLINICAL,
    ("POST", "/staff/consultations/{consultation_id}/follow-up-codes"): CLINICAL,
    ("GET", "/staff/consultations/{consultation_id}/follow-up/switch"): CLINICAL,
    ("GET", "/staff/cards/{drug_id}"): CLINICAL,
    ("GET", "/consultations/{consultation_id}/sheet"): CLINICAL,
    ("GET", "/consultations/{consultation_id}/sheet.pdf"): CLINICAL,
    ("POST", "/api/v1/feedback"): ANY,
    ("GET", "/tablet/feedback"): ANY,
    ("POST", "/tablet/feedback"): ANY,
    ("GET", "/tablet/feedback/thanks"): ANY,
    ("GET", "/api/v1/service/summary"): SERVICE,
    ("GET", "/staff/service"): SERVICE,
    ("GET", "/consultations/{consultation_id}/follow-up-sheet"): CLINICAL,
    ("GET", "/consultations/{consultation_id}/follow-up-sheet.pdf"): CLINICAL,
}
NOT_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def app_routes() -> set[tuple[str, str]]:
    found = set()
    stack = list(create_app().routes)
    while stack:
        route = stack.pop()
        if hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
        elif isinstance(route, Route):  # FastAPI's APIRoute is a Starlette Route
            if route.path in NOT_ROUTES:
                continue
            assert route.methods is not None, route.path
            for method in route.methods - {"HEAD"}:
                found.add((method, route.path))
    return found


def test_every_route_has_a_row_in_the_table() -> None:
    assert app_routes() == set(EXPECTED)


def fill(path: str, draft_id: str) -> str:
    values = {
        "draft_id": draft_id,
        "drug_id": "olanzapine",
        "side_effect": "weight-gain",
        "key": "s3-2020" if "/staff/" in path else "extra-source",
        "action": "submit",
        "code": "ABCDEF",
        "consultation_id": "0" * 32,
        "step": "review",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def body_for(method: str, path: str) -> dict[str, Any]:
    if path.endswith("/ratings/{side_effect}") and path.startswith("/api"):
        return {"json": {"value": 2, "sources": ["s3-2020"]}, "headers": {"If-Match": '"1"'}}
    if path.endswith("/ratings/{side_effect}"):
        return {"data": {"revision": "1", "value": "2", "sources": "s3-2020"}}
    if path == "/api/v1/drafts/{draft_id}/drugs/{drug_id}" and method == "PUT":
        return {"json": {"review_by": "2028-01-01"}, "headers": {"If-Match": '"1"'}}
    if path == "/staff/drafts/{draft_id}/drugs/{drug_id}" and method == "POST":
        return {
            "data": {
                "revision": "1",
                "card_en": "Text.",
                "card_nb": "Tekst.",
                "review_by": "2028-01-01",
                "atc": "N05AH03",
            }
        }
    if path == "/staff/drafts/{draft_id}/card":
        return {"params": {"drug": "olanzapine"}}
    if path == "/api/v1/drafts/{draft_id}/sources/{key}":
        return {"json": {"citation": "A citation.", "url": "https://example.org/"}}
    if path == "/staff/drafts/{draft_id}/sources" and method == "POST":
        return {
            "data": {
                "key": "extra-source",
                "citation": "A citation.",
                "url": "https://example.org/",
                "kind": "other",
            }
        }
    if path == "/staff/drafts/{draft_id}/sources/{key}" and method == "POST":
        return {
            "data": {
                "revision": "1",
                "citation": "A citation.",
                "url": "https://example.org/",
                "kind": "comparative",
            }
        }
    if path.endswith("/return"):
        key = "json" if path.startswith("/api") else "data"
        return {key: {"comment": "Please look again."}}
    if path == "/api/v1/consultations/{consultation_id}/decision":
        return {"json": {"decision": "undecided"}}
    if path == "/api/v1/feedback":
        return {"json": {"code": "ABCDEFGH", "collaborate": [9, 9, 9]}}
    if path == "/tablet/feedback" and method == "POST":
        return {"data": {"lang": "en", "code": "ABCDEFGH", "q1": "9", "q2": "9", "q3": "9"}}
    if path == "/api/v1/follow-ups":
        return {"json": {"code": "ABCDEF", "drug": "olanzapine", "bother": {"tremor": 1}}}
    if path == "/tablet/follow-up" and method == "POST":
        return {"data": {"lang": "en", "code": "ABCDEF"}}
    if path == "/tablet/follow-up/report" and method == "POST":
        return {"data": {"lang": "en", "go": "lang:nb"}}
    if path == "/tablet" and method == "POST":
        return {"data": {"lang": "en", "go": "choose"}}
    if path in ("/api/v1/rankings", "/api/v1/consultations"):
        return {"json": {"avoid": ["weight-gain"]}}
    if path in ("/api/v1/auth/token", "/login"):
        return {"data": {"username": "cora", "password": PASSWORD}}
    if path == "/staff/drafts/{draft_id}/edit":
        return {"params": {"drug": "olanzapine", "item": "weight-gain"}}
    if method == "POST" and path.startswith("/api/v1/drafts"):
        return {"json": {}}
    return {}


def refusal(role: str, path: str) -> int:
    """Anonymous: 401 from the API, a redirect to the login page from pages. Else 403."""
    if role != "anonymous":
        return 403
    return 401 if path.startswith("/api") else 303


@pytest.mark.parametrize("role", ["anonymous", "clinician", "pharmacist", "admin", "lead"])
def test_authorization_matrix(staff_app: StaffApp, role: str) -> None:
    client, staff = staff_app
    owner = staff.headers(client, "pia")
    user = {
        "anonymous": None,
        "clinician": "cora",
        "pharmacist": "phil",
        "admin": "ada",
        "lead": "lena",
    }[role]
    auth = staff.headers(client, user) if user else {}
    failures = []
    # A draft copies the whole dataset: rows that change a draft get their own, rows that
    # only read one share one, rows without a draft in the path need none.
    shared_draft = client.post("/api/v1/drafts", headers=owner, json={}).json()["id"]
    for (method, path), allowed in sorted(EXPECTED.items()):
        draft_id = shared_draft
        if "{draft_id}" in path and method != "GET":
            draft_id = client.post("/api/v1/drafts", headers=owner, json={}).json()["id"]
        options = body_for(method, path)
        headers = {**options.pop("headers", {}), **auth}
        if path == "/login" and method == "POST":
            page = client.get("/login")
            options["data"]["csrf_token"] = search(
                r'name="csrf_token" value="([^"]+)"', page.text
            ).group(1)
        if path in ("/api/v1/auth/token", "/login"):
            options["data"]["totp"] = staff.code("cora")
        if path in ("/api/v1/auth/revoke", "/logout") and user:
            headers = staff.headers(client, user)  # ending a session must not end the shared one
        response = client.request(
            method, fill(path, draft_id), headers=headers, follow_redirects=False, **options
        )
        client.cookies.clear()  # a successful /login must not authenticate the next row
        status = response.status_code
        if status >= 500:
            failures.append(f"{method} {path}: {status}")
        elif role in allowed and status in (401, 403):
            failures.append(f"{method} {path}: {role} refused with {status}")
        elif role not in allowed:
            expected = refusal(role, path)
            if status != expected:
                failures.append(f"{method} {path}: {role} got {status}, expected {expected}")
    assert not failures, "\n".join(failures)
