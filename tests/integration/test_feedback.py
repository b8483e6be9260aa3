"""The person's feedback on a consultation: given once, with the hand-off code or the
sheet's feedback code, and never seen by clinicians (pages or staff API)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text as sql
from sqlmodel import select

from app.clock import utcnow
from app.consultations import service
from app.consultations.tables import Consultation, ConsultationFeedback
from app.db import make_engine, session_scope
from tests.integration.conftest import PinnedClock
from tests.integration.pages import soup, text
from tests.integration.staff import StaffApp, web_login
from tests.lookup import attribute, one
from tests.readability import MAX_GRADE, as_prose, grade, visible_units

BODY: dict[str, Any] = {
    "avoid": ["weight-gain", "tremor"],
    "with_carer": True,
    "what_matters": "I sleep badly",
}
#: A comment no page could print by chance.
MARKER = "qzx-feedback-comment-7731"


def stored(url: str) -> list[tuple[str, int, int, int, str]]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        rows = session.exec(select(ConsultationFeedback)).all()
        found = [(r.consultation_id, r.understand, r.listen, r.include, r.comment) for r in rows]
    engine.dispose()
    return found


def feedback_code(url: str, consultation_id: str) -> str:
    engine = make_engine(url)
    with session_scope(engine) as session:
        found = session.get(Consultation, consultation_id)
        assert found is not None and found.feedback_code
        code = found.feedback_code
    engine.dispose()
    return code


def test_feedback_is_stored_once_per_consultation(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY).json()
    first = client.post(
        "/api/v1/feedback", json={"code": created["code"], "collaborate": [9, 7, 8]}
    )
    assert first.status_code == 201, first.text
    # Again with the sheet's feedback code (typed in lower case, with a space): the same
    # consultation, so refused.
    code = feedback_code(staff.url, created["id"])
    typed = f"{code[:4].lower()} {code[4:]}"
    second = client.post("/api/v1/feedback", json={"code": typed, "collaborate": [0, 0, 0]})
    assert second.status_code == 409, second.text
    assert "already been given" in second.json()["detail"]
    assert stored(staff.url) == [(created["id"], 9, 7, 8, "")]


def test_the_feedback_code_works_after_the_hand_off_code_has_expired(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY).json()
    engine = make_engine(staff.url)
    with engine.begin() as connection:
        connection.execute(
            sql("UPDATE consultation SET code_expires_at = :past WHERE id = :id"),
            {"past": utcnow() - timedelta(minutes=1), "id": created["id"]},
        )
    engine.dispose()
    expired = client.post(
        "/api/v1/feedback", json={"code": created["code"], "collaborate": [9, 9, 9]}
    )
    assert expired.status_code == 404
    code = feedback_code(staff.url, created["id"])
    given = client.post("/api/v1/feedback", json={"code": code, "collaborate": [9, 9, 9]})
    assert given.status_code == 201, given.text
    assert len(code) == 8 and not set(code) & set("0O1IL2Z5S8B")


def test_answers_outside_0_to_9_are_422_and_store_nothing(staff_app: StaffApp) -> None:
    client, staff = staff_app
    code = client.post("/api/v1/consultations", json=BODY).json()["code"]
    for bad in ([10, 5, 5], [-1, 5, 5], [5, 5], [5, 5, 5, 5], [9, 9, 9.5], [9, 9, "9"]):
        response = client.post("/api/v1/feedback", json={"code": code, "collaborate": bad})
        assert response.status_code == 422, (bad, response.text)
    too_long = client.post(
        "/api/v1/feedback", json={"code": code, "collaborate": [9, 9, 9], "comment": "x" * 1001}
    )
    assert too_long.status_code == 422
    assert "at most 1000 characters" in too_long.json()["detail"]
    assert stored(staff.url) == []


def test_a_code_that_matches_nothing_is_404(staff_app: StaffApp) -> None:
    client, _ = staff_app
    response = client.post("/api/v1/feedback", json={"code": "ACDEFGHJ", "collaborate": [9, 9, 9]})
    assert response.status_code == 404


def test_feedback_is_limited_like_tablet_submissions(
    staff_app: StaffApp, limits_clock: PinnedClock
) -> None:
    """Codes that match nothing count too: guessing codes is limited like sending them."""
    client, _ = staff_app
    body = {"code": "ACDEFGHJ", "collaborate": [9, 9, 9]}
    answers = [client.post("/api/v1/feedback", json=body) for _ in range(11)]
    assert [a.status_code for a in answers] == [404] * 10 + [429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    limits_clock.advance(minutes=1)
    assert client.post("/api/v1/feedback", json=body).status_code == 404


def test_no_clinician_page_or_staff_api_shows_the_feedback(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY).json()
    cid, code = created["id"], created["code"]
    given = client.post(
        "/api/v1/feedback", json={"code": code, "collaborate": [3, 1, 2], "comment": MARKER}
    )
    assert given.status_code == 201
    cora = staff.headers(client, "cora")
    decided = client.post(
        f"/api/v1/consultations/{cid}/decision",
        headers=cora,
        json={"decision": "aripiprazole", "discussed": ["aripiprazole", "olanzapine"]},
    )
    assert decided.status_code == 200
    api_answers = [
        client.get(f"/api/v1/consultations/{cid}", headers=cora),
        client.get(f"/api/v1/consultations/by-code/{code}", headers=cora),
    ]
    for answer in api_answers:
        assert answer.status_code == 200
        body = answer.json()
        assert not {k for k in body if "feedback" in k or "collaborate" in k}, sorted(body)
        assert MARKER not in answer.text
    admin = staff.headers(client, "ada")
    for url in ("/api/v1/audit?limit=1000", f"/api/v1/consultations/reads?consultation={cid}"):
        answer = client.get(url, headers=admin)
        assert answer.status_code == 200 and MARKER not in answer.text
    web_login(client, staff, "cora")
    pages = [
        f"/staff/consultations/{cid}",
        f"/staff/consultations/{cid}/compare?drug=aripiprazole&drug=olanzapine",
        f"/consultations/{cid}/sheet",
        f"/consultations/{cid}/sheet?lang=nb",
        "/staff/consultations",
        "/staff",
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert MARKER not in page.text, url
        assert "CollaboRATE" not in page.text, url
    # The sheet offers the feedback code, and nothing else of the feedback.
    sheet = soup(client.get(f"/consultations/{cid}/sheet?lang=en").text)
    line = text(one(sheet, "#feedback"))
    assert "Tell us how it went" in line and feedback_code(staff.url, cid) in line


def test_the_purge_deletes_the_feedback_with_its_consultation(staff_app: StaffApp) -> None:
    client, staff = staff_app
    code = client.post("/api/v1/consultations", json=BODY).json()["code"]
    assert (
        client.post("/api/v1/feedback", json={"code": code, "collaborate": [9, 9, 9]}).status_code
        == 201
    )
    engine = make_engine(staff.url)
    with session_scope(engine) as session:
        assert service.purge(session, older_than=timedelta(0), by="test") == 1
    engine.dispose()
    assert stored(staff.url) == []


# --- the tablet's page -----------------------------------------------------------------


def test_the_tablet_start_page_links_to_the_feedback_page(staff_app: StaffApp) -> None:
    client, _ = staff_app
    start = soup(client.get("/tablet?lang=en").text)
    link = one(start, 'a[href^="/tablet/feedback"]')
    assert "Tell us how it went" in text(link)


def test_the_feedback_page_asks_the_three_questions_0_to_9_in_both_languages(
    staff_app: StaffApp,
) -> None:
    client, _ = staff_app
    english = soup(client.get("/tablet/feedback?lang=en").text)
    legends = [text(f.legend) for f in english.select("fieldset.scale")]
    assert legends == [
        "1. How much effort was made to help you understand your health issues?",
        "2. How much effort was made to listen to the things that matter most to you about "
        "your health issues?",
        "3. How much effort was made to include what matters most to you in choosing what "
        "to do next?",
    ]
    for n in (1, 2, 3):
        values = [i["value"] for i in english.select(f'input[type="radio"][name="q{n}"]')]
        assert values == [str(v) for v in range(10)]
    norwegian = soup(client.get("/tablet/feedback?lang=nb").text)
    first = text(norwegian.select("fieldset.scale")[0].legend)
    assert (
        first
        == "1. Hvor mye innsats ble lagt ned for å hjelpe deg å forstå helseutfordringene dine?"
    )
    assert "egen oversettelse og er ikke validert" in text(norwegian.select_one("p.note"))
    assert "has not been validated" in text(english.select_one("p.note"))


def test_the_tablet_form_keeps_what_was_typed_when_an_answer_is_missing(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    code = client.post("/api/v1/consultations", json=BODY).json()["code"]
    form = {"lang": "en", "code": code, "q1": "9", "q3": "4", "comment": "kind staff"}
    missing = client.post("/tablet/feedback", data=form)
    assert missing.status_code == 422
    page = soup(missing.text)
    assert "Choose a number from 0 to 9 for question 2." in text(one(page, ".error-summary"))
    assert attribute(one(page, "#code"), "value") == code
    assert one(page, "#q1-9").has_attr("checked")
    assert one(page, "#q3-4").has_attr("checked")
    assert text(one(page, "#comment")) == "kind staff"
    assert stored(staff.url) == []

    sent = client.post("/tablet/feedback", data={**form, "q2": "8"}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/tablet/feedback/thanks?lang=en"
    assert client.get(sent.headers["location"]).status_code == 200
    again = client.post("/tablet/feedback", data={**form, "q2": "8"})
    assert again.status_code == 409
    assert "already been given" in again.text
    assert [row[1:] for row in stored(staff.url)] == [(9, 8, 4, "kind staff")]


def test_the_tablet_form_refuses_a_post_from_another_site(staff_app: StaffApp) -> None:
    client, staff = staff_app
    code = client.post("/api/v1/consultations", json=BODY).json()["code"]
    form = {"lang": "en", "code": code, "q1": "9", "q2": "9", "q3": "9"}
    refused = client.post("/tablet/feedback", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert stored(staff.url) == []


def test_switching_language_keeps_the_answers(staff_app: StaffApp) -> None:
    client, _ = staff_app
    form = {"lang": "en", "code": "ABCDEF", "q1": "6", "comment": "hei", "go": "lang:nb"}
    page = client.post("/tablet/feedback", data=form)
    assert page.status_code == 200
    parsed = soup(page.text)
    assert parsed.html is not None and parsed.html["lang"] == "nb"
    assert one(parsed, "#q1-6").has_attr("checked")
    assert attribute(one(parsed, "#code"), "value") == "ABCDEF"


def test_the_feedback_pages_read_at_the_tablets_reading_age(staff_app: StaffApp) -> None:
    client, _ = staff_app
    for url in ("/tablet/feedback?lang=en", "/tablet/feedback/thanks?lang=en"):
        page = client.get(url)
        assert page.status_code == 200
        assert grade(as_prose(visible_units(page.text))) <= MAX_GRADE, url
