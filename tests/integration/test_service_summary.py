"""The service dashboard through HTTP: the figures as JSON, CSV and a page, small numbers
suppressed, only for the service lead and admins, every view audited. Expected figures
are written out by hand from the consultations each test makes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from app.clock import utcnow
from tests.integration.cli import sdm
from tests.integration.conftest import PinnedClock
from tests.integration.pages import soup, text
from tests.integration.staff import PASSWORD, StaffApp, web_login
from tests.lookup import attribute, one

TODAY = utcnow().date()
#: Yesterday to a week on: today's consultations and reviews due within the week.
PERIOD = {
    "from": (TODAY - timedelta(days=1)).isoformat(),
    "to": (TODAY + timedelta(days=8)).isoformat(),
}
TOP, NEARLY = [9, 9, 9], [9, 8, 9]


def consult(client: TestClient, *, carer: bool, feedback: list[int] | None) -> str:
    body: dict[str, Any] = {"avoid": ["weight-gain", "tremor"], "with_carer": carer}
    created = client.post("/api/v1/consultations", json=body)
    assert created.status_code == 201, created.text
    if feedback is not None:
        given = client.post(
            "/api/v1/feedback", json={"code": created.json()["code"], "collaborate": feedback}
        )
        assert given.status_code == 201, given.text
    return str(created.json()["id"])


def summary(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = client.get("/api/v1/service/summary", headers=headers, params={**PERIOD, **params})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_six_consultations_and_six_feedbacks_give_the_counts_and_the_top_score(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    for n in range(6):
        consult(client, carer=n < 2, feedback=NEARLY if n == 0 else TOP)
    body = summary(client, staff.headers(client, "lena"))
    assert body["consultations"] == 6
    assert body["collaborate"]["responses"] == 6
    assert body["collaborate"]["top_score"] == 5
    assert body["collaborate"]["top_score_proportion"] == 0.833  # 5 of 6
    # With 6, every split of them has a count under 5 (or everyone in one): all hidden.
    assert body["decisions"] == dict.fromkeys(
        ["medicine", "undecided", "no-medication", "other-options", "none-recorded"]
    )
    assert body["carers"] == {"with-carer": None, "without-carer": None}
    weight_gain = next(row for row in body["avoid"] if row["item"] == "weight-gain")
    assert weight_gain == {"item": "weight-gain", "people": None, "score": None}
    assert body["follow_ups"] == {"due": None, "done": None}
    assert {
        "decisions.none-recorded",
        "carers.with-carer",
        "carers.without-carer",
        "avoid.weight-gain.people",
        "follow_ups.due",
    } <= set(body["suppressed"])
    assert not {"consultations", "collaborate.responses", "collaborate.top_score"} & set(
        body["suppressed"]
    )


def test_three_consultations_and_three_feedbacks_are_suppressed(staff_app: StaffApp) -> None:
    client, staff = staff_app
    for _ in range(3):
        consult(client, carer=False, feedback=TOP)
    body = summary(client, staff.headers(client, "ada"))
    assert body["consultations"] is None
    assert body["collaborate"]["responses"] is None
    assert body["collaborate"]["top_score"] is None
    assert body["collaborate"]["top_score_proportion"] is None
    assert {
        "consultations",
        "collaborate.responses",
        "collaborate.top_score",
        "collaborate.top_score_proportion",
    } <= set(body["suppressed"])


def ten_with_decisions(client: TestClient, staff_app: StaffApp) -> None:
    """10 consultations, 5 with a carer; 5 decided on aripiprazole, reviewed in a week;
    7 feedbacks, 5 of them the top score."""
    _, staff = staff_app
    cora = staff.headers(client, "cora")
    review = (TODAY + timedelta(days=7)).isoformat()
    for n in range(10):
        feedback = TOP if n < 5 else NEARLY if n < 7 else None
        cid = consult(client, carer=n % 2 == 0, feedback=feedback)
        if n < 5:
            decided = client.post(
                f"/api/v1/consultations/{cid}/decision",
                headers=cora,
                json={"decision": "aripiprazole", "next_review": review},
            )
            assert decided.status_code == 200, decided.text


def test_ten_consultations_show_decisions_carers_and_follow_ups_due(staff_app: StaffApp) -> None:
    client, staff = staff_app
    ten_with_decisions(client, staff_app)
    body = summary(client, staff.headers(client, "lena"))
    assert body["consultations"] == 10
    # 0 + 0 + 0 = 0 hidden is not enough; the smaller of 5 and 5 (the first) goes too.
    assert body["decisions"] == {
        "medicine": None,
        "undecided": None,
        "no-medication": None,
        "other-options": None,
        "none-recorded": 5,
    }
    assert body["carers"] == {"with-carer": 5, "without-carer": 5}
    assert body["carer_shares"] == {"with-carer": 0.5, "without-carer": 0.5}
    assert body["collaborate"] == {
        "responses": 7,
        "top_score": 5,
        "top_score_proportion": 0.714,
        "fewer_than_recommended": True,
        "recommended_minimum": 25,
    }
    # None of the 5 has a follow-up report: 0 done is hidden, and so 5 not done.
    assert body["follow_ups"] == {"due": 5, "done": None}
    assert body["avoid_weights"] == {"1": 5, "2": 4, "3": 3, "4": 2, "5": 1}


def test_the_dashboard_page_draws_charts_with_the_numbers_in_tables(staff_app: StaffApp) -> None:
    client, staff = staff_app
    ten_with_decisions(client, staff_app)
    web_login(client, staff, "lena")
    page = client.get("/staff/service", params=PERIOD)
    assert page.status_code == 200
    parsed = soup(page.text)
    charts = parsed.select("svg[role=img]")
    assert len(charts) == 2  # decisions and carers; no side effect is safe to show
    for chart in charts:
        title, desc = one(chart, "title"), one(chart, "desc")
        assert attribute(chart, "aria-labelledby").split() == [
            attribute(title, "id"),
            attribute(desc, "id"),
        ]
    carers = one(parsed, "#carers")
    assert [text(row) for row in carers.select("tbody tr")] == [
        "With a carer 5 50%",
        "Without a carer 5 50%",
    ]
    carer_chart = one(parsed, "#carers-chart-title").find_parent("svg")
    assert carer_chart is not None
    assert [t.get_text() for t in carer_chart.select("text")] == [
        "With a carer",
        "5",
        "Without a carer",
        "5",
    ]
    decisions = one(parsed, "#decisions")
    assert text(decisions.select("tbody tr")[0]) == "A medicine not shown not shown"
    assert text(one(parsed, "#consultations")) == "10"
    assert "83%" not in page.text
    collaborate = [text(r) for r in one(parsed, "#collaborate").select("tr")]
    assert collaborate == [
        "People who answered 7",
        "Gave 9 to all three questions 5",
        "Top score (the share who gave 9 to all three) 71%",
    ]
    follow = [text(r) for r in one(parsed, "#follow-ups").select("tr")]
    assert follow == [
        "Due (decisions whose next review falls in the period) 5",
        "Done (with at least one follow-up report) not shown",
    ]
    norwegian = soup(client.get("/staff/service", params={**PERIOD, "lang": "nb"}).text)
    assert text(one(norwegian, "h1")) == "Tjenesteoversikt"
    assert text(one(norwegian, "#carers").select("tbody tr")[0]) == "Med pårørende 5 50%"


def test_the_csv_export_has_the_same_figures_and_every_view_is_audited(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    ten_with_decisions(client, staff_app)
    web_login(client, staff, "lena")
    page = soup(client.get("/staff/service", params=PERIOD).text)
    href = attribute(one(page, 'a[href*="format=csv"]'), "href")
    exported = client.get(href)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "figure,value,note"
    assert "consultations,10," in lines
    assert "carers.with-carer,5," in lines
    assert "decisions.medicine,,suppressed" in lines
    assert "collaborate.top_score,5," in lines
    assert "follow_ups.done,,suppressed" in lines
    client.cookies.clear()
    summary(client, staff.headers(client, "lena"))
    events = client.get("/api/v1/audit?limit=50", headers=staff.headers(client, "ada")).json()
    seen = [
        (e["actor"], e["action"], e["after"]["via"])
        for e in events
        if e["action"].startswith("service.summary")
    ]
    assert sorted(seen) == [
        ("lena", "service.summary.export", "api"),
        ("lena", "service.summary.view", "api"),
        ("lena", "service.summary.view", "page"),
    ]
    period = next(e["after"] for e in events if e["action"] == "service.summary.export")
    assert (period["from"], period["to"]) == (PERIOD["from"], PERIOD["to"])


def test_clinicians_and_pharmacists_get_403(staff_app: StaffApp) -> None:
    client, staff = staff_app
    for user in ("cora", "phil"):
        answer = client.get("/api/v1/service/summary", headers=staff.headers(client, user))
        assert answer.status_code == 403, user
    web_login(client, staff, "cora")
    assert client.get("/staff/service").status_code == 403


def test_a_bad_period_is_422_and_the_page_keeps_what_was_typed(staff_app: StaffApp) -> None:
    client, staff = staff_app
    backwards = {"from": "2026-12-10", "to": "2026-12-01"}
    api = client.get(
        "/api/v1/service/summary", headers=staff.headers(client, "lena"), params=backwards
    )
    assert api.status_code == 422
    assert "after its end" in api.json()["detail"]
    web_login(client, staff, "lena")
    page = client.get("/staff/service", params=backwards)
    assert page.status_code == 422
    parsed = soup(page.text)
    assert "after its end" in text(one(parsed, ".error-summary"))
    assert "no count under 5 is shown" in text(one(parsed, ".notice"))
    assert attribute(one(parsed, "#from"), "value") == "2026-12-10"
    typo = client.get("/staff/service", params={"from": "2026-13-01", "to": "2026-12-01"})
    assert typo.status_code == 422
    assert attribute(one(soup(typo.text), "#from"), "value") == "2026-13-01"


def test_the_dashboard_shows_no_free_text(staff_app: StaffApp) -> None:
    client, staff = staff_app
    marker = "qzx-free-text-4471"
    for n in range(8):
        body = {"avoid": ["weight-gain"], "what_matters": marker, "with_carer": n < 4}
        code = client.post("/api/v1/consultations", json=body).json()["code"]
        given = client.post(
            "/api/v1/feedback", json={"code": code, "collaborate": TOP, "comment": marker}
        )
        assert given.status_code == 201
    lena = staff.headers(client, "lena")
    for params in ({}, {"format": "csv"}):
        answer = client.get("/api/v1/service/summary", headers=lena, params={**PERIOD, **params})
        assert answer.status_code == 200 and marker not in answer.text
    web_login(client, staff, "lena")
    page = client.get("/staff/service", params=PERIOD)
    assert page.status_code == 200 and marker not in page.text


def test_a_service_lead_is_added_from_the_command_line_and_sees_the_dashboard(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    added = sdm(staff.url, "users", "add", "leah", "--role", "lead", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "added lead 'leah'" in added.stdout
    token = client.post("/api/v1/auth/token", data={"username": "leah", "password": PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/v1/service/summary", headers=headers).status_code == 200
    assert client.get("/api/v1/consultations/reads", headers=headers).status_code == 403


def test_follow_ups_done_count_the_due_decisions_with_a_report(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    """10 decisions due for review in the period; 5 of them have a follow-up report (one
    has two). Done 5 and not done 5 are both shown."""
    client, staff = staff_app
    cora = staff.headers(client, "cora")
    review = (TODAY + timedelta(days=7)).isoformat()
    due = []
    for _ in range(10):
        cid = consult(client, carer=False, feedback=None)
        decided = client.post(
            f"/api/v1/consultations/{cid}/decision",
            headers=cora,
            json={"decision": "aripiprazole", "next_review": review},
        )
        assert decided.status_code == 200, decided.text
        due.append(cid)
    limits_clock.advance(minutes=2)  # past the tablet's per-minute limit
    for cid in [*due[:5], due[0]]:
        issued = client.post(f"/api/v1/consultations/{cid}/follow-up-codes", headers=cora)
        assert issued.status_code == 201, issued.text
        reported = client.post(
            "/api/v1/follow-ups",
            json={"code": issued.json()["code"], "drug": "aripiprazole", "bother": {"tremor": 1}},
        )
        assert reported.status_code == 201, reported.text
    body = summary(client, staff.headers(client, "lena"))
    assert body["follow_ups"] == {"due": 10, "done": 5}
    assert not [name for name in body["suppressed"] if name.startswith("follow_ups")]
