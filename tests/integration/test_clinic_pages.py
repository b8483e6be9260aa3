"""The clinician's pages and the discussion sheet, through HTTP as a logged-in clinician:
open by code, the ranking with reasons, compare, the card, recording the discussion, and
the sheet in HTML and PDF in the person's language."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from statistics import median
from typing import Any, TypeAlias

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.clock import utcnow
from tests.builders import bundled_dataset
from tests.integration.pages import (
    competition_places,
    drug_files,
    excluded_ids,
    forms_in_file,
    ranking_rows,
    rating_in_file,
    scoring_file,
    soup,
    symbol_of,
    text,
)
from tests.integration.staff import Staff, StaffApp, web_login
from tests.lookup import attribute, one

# Runs on SQLite only (marker `backend_neutral`): draws pages and PDFs from a
# consultation; storing, opening and recording one run on PostgreSQL in
# test_consultations_api and test_clinical_records.
pytestmark = pytest.mark.backend_neutral

DATA = bundled_dataset()
AVOID = ["weight-gain", "high-blood-sugar", "tremor", "less-sex-drive", "dizziness-on-standing"]
BODY: dict[str, Any] = {
    "avoid": AVOID,
    "helpful": ["sleepy-at-night"],
    "must_avoid": ["weight-gain"],
    "with_carer": True,
    "what_matters": "I work night shifts",
}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
#: A rating in the card's words (drugdata/README.md), as the clinician's pages say it.
CARD_WORDS = {
    None: "not known",
    0: "not expected",
    1: "uncommon or mild",
    2: "commoner or moderately severe",
    3: "common or more severe",
}
#: The same rating as the person's sheet says it, defined there by how often and how bad.
SHEET_WORDS = {None: "not known", 0: "not expected", 1: "low", 2: "medium", 3: "high"}
#: Forms as a clinician says them, in the drug files' order of forms.
FORM_WORDS = {
    "tablet": "tablets",
    "capsule": "capsules",
    "orodispersible": "tablets that melt in the mouth",
    "liquid": "a liquid",
    "sublingual": "tablets under the tongue",
    "inhalation": "an inhaler",
    "short-acting-injection": "short-acting injections",
    "long-acting-injection": "long-acting injections",
}


def in_a_while(days: int = 42) -> str:
    """A next review date in the future, whenever the test runs."""
    return (utcnow().date() + timedelta(days=days)).isoformat()


def and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


#: The `clinic` fixture: the client, the staff, the consultation as the API sent it, and
#: Cora's CSRF token.
Clinic: TypeAlias = tuple[TestClient, Staff, dict[str, Any], str]


@pytest.fixture
def clinic(staff_app: StaffApp) -> Clinic:
    """A consultation sent from the tablet in Norwegian, and Cora the clinician logged in."""
    client, staff = staff_app
    created = client.post("/api/v1/consultations?lang=nb", json=BODY)
    assert created.status_code == 201, created.text
    csrf = web_login(client, staff, "cora")
    return client, staff, created.json(), csrf


def names_in_order(page: str) -> list[str]:
    return [row.name for row in ranking_rows(page)]


def expected_exclusions(must_avoid: list[str]) -> set[str]:
    """From the drug files: rated at or above the threshold, or unknown, on a must-avoid."""
    threshold = scoring_file()["must_avoid_threshold"]
    return {
        drug
        for drug in drug_files()
        for item in must_avoid
        if (value := rating_in_file(drug, item)) is None or value >= threshold
    }


def test_a_code_opens_the_preferences_and_a_wrong_code_is_a_clear_404(clinic: Clinic) -> None:
    client, _, created, _ = clinic
    opened = client.get(
        f"/staff/consultations?code= {created['code'].lower()} ", follow_redirects=False
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/staff/consultations/{created['id']}"
    wrong = client.get("/staff/consultations?code=AAAAAA&lang=en")
    assert wrong.status_code == 404
    assert "No preferences have the code AAAAAA" in wrong.text
    assert 'value="AAAAAA"' in wrong.text  # what was typed is kept


def test_every_medicine_is_ranked_with_its_band_why_and_unknowns(clinic: Clinic) -> None:
    client, _, created, _ = clinic
    page = client.get(f"/staff/consultations/{created['id']}?lang=en")
    assert page.status_code == 200
    rows = ranking_rows(page.text)
    excluded = excluded_ids(page.text)
    # Every medicine in the drug files, once: ranked or left out with a reason.
    assert sorted([r.drug_id for r in rows] + excluded) == sorted(drug_files())
    assert set(excluded) == expected_exclusions(BODY["must_avoid"])
    reasons = {
        attribute(one(li, "a"), "href").split("/staff/cards/")[1].split("?")[0]: text(li)
        for li in one(soup(page.text), "ul.excluded").find_all("li")
    }
    for drug, reason in reasons.items():  # said to the clinician, the rating in words
        rated = rating_in_file(drug, "weight-gain")
        said = (
            "how often this medicine causes it is not known"
            if rated is None
            else f"this medicine is rated {CARD_WORDS[rated]} for it"
        )
        assert f"The person must avoid “Weight gain”; {said}." in reason, reason
    # Each row shows the drug files' rating for each of the five, in priority order.
    for row in rows:
        assert row.cells == tuple(symbol_of(rating_in_file(row.drug_id, i)) for i in AVOID)
    # Best match first; equal scores share a place ("=n").
    scores = [r.score for r in rows]
    assert scores == sorted(scores)
    assert [r.place for r in rows] == competition_places(scores)
    # The why says each of the five in priority order, the rating in the card's words;
    # a screen reader hears words for every cell, never "plus plus".
    table = one(soup(page.text), "table.ranking")
    for row, tr in zip(rows, one(table, "tbody").find_all("tr"), strict=True):
        expected = "; ".join(
            f"{n}. {DATA.item(i).label['en']}: {CARD_WORDS[rating_in_file(row.drug_id, i)]}"
            for n, i in enumerate(AVOID, start=1)
        )
        assert text(tr.find("div", class_="why")) == expected
        spoken = [text(span) for span in tr.find_all("span", class_="visually-hidden")]
        words = [w for w in spoken if w in CARD_WORDS.values()]
        assert len(words) == sum(rating_in_file(row.drug_id, i) is not None for i in AVOID)
        assert not any("+" in w for w in spoken), spoken
    for row in rows:
        unknown = [i for i in AVOID if rating_in_file(row.drug_id, i) is None]
        flag = one(soup(page.text), f'input[value="{row.drug_id}"]').find_parent("tr")
        assert flag is not None, row.drug_id
        shown = flag.find("div", class_="unknown-flag")
        assert (shown is not None) == bool(unknown), row.drug_id
    assert {"Good match", "Partial match", "Poor match"} & {r.band for r in rows}
    assert "Using drug data version 1." in page.text


#: A match band as the clinician's page says it.
BAND_WORDS = {"good": "Good match", "partial": "Partial match", "poor": "Poor match"}


def test_the_api_and_the_clinicians_page_say_the_same_of_every_medicine(clinic: Clinic) -> None:
    """One presentation of a ranking (app/consultations/ranking_view.py): the staff API
    and the clinician's page give every medicine the same place, band, score, ratings,
    reasons, unknowns and helpful side effects, and leave out the same ones in the same
    words."""
    client, staff, created, _ = clinic
    page = client.get(f"/staff/consultations/{created['id']}?lang=en")
    api = client.get(
        f"/api/v1/consultations/{created['id']}?lang=en", headers=staff.headers(client, "cora")
    )
    assert page.status_code == 200
    assert api.status_code == 200, api.text
    ranking = api.json()["ranking"]
    results = ranking["results"]
    rows = ranking_rows(page.text)
    trs = one(one(soup(page.text), "table.ranking"), "tbody").find_all("tr")
    assert [r.drug_id for r in rows] == [r["drug"]["id"] for r in results]
    assert any(r["helpful"] for r in results) and any(r["unknown"] for r in results)
    for row, tr, result in zip(rows, trs, results, strict=True):
        place = f"={result['position']}" if result["tied"] else str(result["position"])
        assert (row.name, row.place, row.score) == (result["drug"]["name"], place, result["score"])
        assert row.band == BAND_WORDS[result["band"]]
        assert row.cells == tuple(
            "?" if line["rating"] is None else line["symbol"] for line in result["breakdown"]
        )
        assert text(tr.find("div", class_="why")) == result["why"]
        labels = {line["side_effect"]: line["label"] for line in result["breakdown"]}
        unknown = tr.find("div", class_="unknown-flag")
        said = text(unknown) if unknown else ""
        assert said == (
            f"Not known for: {', '.join(labels[i] for i in result['unknown'])}"
            if result["unknown"]
            else ""
        )
        helpful = tr.find("div", class_="helpful")
        assert (text(helpful) if helpful else "") == (
            f"May help with: {', '.join(h['label'] for h in result['helpful'])}"
            if result["helpful"]
            else ""
        )
    left_out = {
        attribute(one(li, "a"), "href").split("/staff/cards/")[1].split("?")[0]: text(li)
        for li in one(soup(page.text), "ul.excluded").find_all("li")
    }
    assert left_out.keys() == {e["drug"]["id"] for e in ranking["excluded"]}
    for e in ranking["excluded"]:
        said = left_out[e["drug"]["id"]]
        assert said.startswith(e["drug"]["name"]) and e["message"] in said, said


def test_the_formulation_filter_shows_only_medicines_in_that_form(clinic: Clinic) -> None:
    client, _, created, _ = clinic
    url = f"/staff/consultations/{created['id']}?lang=en&filter=1&form=long-acting-injection"
    page = client.get(url)
    shown = {row.drug_id for row in ranking_rows(page.text)}
    in_that_form = {d for d in drug_files() if "long-acting-injection" in forms_in_file(d)}
    assert shown == in_that_form - expected_exclusions(BODY["must_avoid"])
    assert shown, "no long-acting injection left to show"
    assert 'value="long-acting-injection" checked' in page.text
    # Left out for its form: the forms it does come in, in words, no ids in brackets.
    listed = one(soup(page.text), "ul.excluded").find_all("li")
    by_form = {
        attribute(one(li, "a"), "href").split("/staff/cards/")[1].split("?")[0]: text(li)
        for li in listed
        if "Comes only as" in text(li)
    }
    no_injection = {d for d in drug_files() if "long-acting-injection" not in forms_in_file(d)}
    assert set(by_form) == no_injection - expected_exclusions(BODY["must_avoid"])
    for drug, reason in by_form.items():
        forms = [FORM_WORDS[f] for f in FORM_WORDS if f in forms_in_file(drug)]
        assert f"Comes only as {and_list(forms)}: none of the forms chosen." in reason
        assert "(" not in reason and "-acting-" not in reason


def test_a_kept_ranking_table_is_never_shown_for_another_language_filter_or_person(
    clinic: Clinic,
) -> None:
    """The rendered table is kept per data version (ADR 0007): the same page again is the
    same table, and each other language, filter or consultation gets its own."""
    client, _, created, _ = clinic
    page = f"/staff/consultations/{created['id']}"
    english = client.get(f"{page}?lang=en").text
    assert client.get(f"{page}?lang=en").text.count('class="why"') == english.count('class="why"')
    norwegian = client.get(f"{page}?lang=nb").text
    assert "Good match" not in norwegian and "Partial match" not in norwegian
    filtered = client.get(f"{page}?lang=en&filter=1&form=long-acting-injection").text
    filtered_ids = [row.drug_id for row in ranking_rows(filtered)]
    assert filtered_ids == [
        row.drug_id
        for row in ranking_rows(english)
        if "long-acting-injection" in forms_in_file(row.drug_id)
    ]
    assert len(filtered_ids) < len(ranking_rows(english))
    assert names_in_order(client.get(f"{page}?lang=en").text) == names_in_order(english)
    # Another person with the very same wishes: their own links, not the first person's.
    other = client.post("/api/v1/consultations?lang=nb", json=BODY).json()["id"]
    theirs = client.get(f"/staff/consultations/{other}?lang=en").text
    assert f"?consultation={other}" in theirs and f"?consultation={created['id']}" not in theirs
    assert f"/staff/consultations/{other}/compare" in theirs


def test_compare_shows_the_priorities_then_items_where_any_is_moderate_or_worse(
    clinic: Clinic,
) -> None:
    client, _, created, _ = clinic
    picked = ["aripiprazole", "haloperidol", "quetiapine"]
    query = "&".join(f"drug={d}" for d in picked)
    page = client.get(f"/staff/consultations/{created['id']}/compare?lang=en&{query}")
    assert page.status_code == 200
    rows = re.findall(
        r'<th scope="row">(?:<span class="prio">[^<]*</span> )?([^<]+)</th>', page.text
    )
    drugs = [DATA.drug(d) for d in picked]
    others = [
        i.label["en"]
        for i in DATA.checklist
        if i.id not in AVOID and any((d.ratings[i.id].value or 0) >= 2 for d in drugs)
    ]
    assert [html.unescape(r) for r in rows] == [DATA.item(i).label["en"] for i in AVOID] + others
    too_few = client.get(f"/staff/consultations/{created['id']}/compare?drug=aripiprazole")
    assert too_few.status_code == 422


def test_the_card_shows_every_rating_with_sources_and_monitoring(clinic: Clinic) -> None:
    client, _, _, _ = clinic
    page = client.get("/staff/cards/aripiprazole?lang=en")
    assert page.status_code == 200
    drug = DATA.drug("aripiprazole")
    text = html.unescape(page.text)
    for monitoring in drug.monitoring:
        assert monitoring["en"] in text
    assert DATA.sources["s3-2020"].citation in text
    assert text.count("<tr>") - 1 >= len(DATA.checklist)  # header row + one row per item
    assert client.get("/staff/cards/aspirin").status_code == 404


def test_unknown_ratings_show_as_not_known_never_as_none(clinic: Clinic) -> None:
    client, _, _, _ = clinic
    drug, item = next((d, i) for d in DATA.drugs for i, r in d.ratings.items() if r.value is None)
    page = client.get(f"/staff/cards/{drug.id}?lang=en")
    label = html.escape(DATA.item(item).label["en"], quote=False)
    row = re.search(rf"{re.escape(label)} <span class=\"hint\">.*?</tr>", page.text, re.S)
    assert row and "not known" in row.group(0) and "not expected" not in row.group(0)


@pytest.mark.parametrize("drug", ["aripiprazole", "clozapine"])
def test_the_api_card_and_the_card_page_give_the_same_ratings(clinic: Clinic, drug: str) -> None:
    """One presentation of a card's ratings (app/consultations/view.py: card_rows): for
    every side effect, the JSON API's card and the clinician's card page give the same
    label, rating, sources and note, in the checklist's order."""
    client, _, _, _ = clinic
    page = client.get(f"/staff/cards/{drug}?lang=en")
    api = client.get(f"/api/v1/drugs/{drug}?lang=en")
    assert page.status_code == 200
    assert api.status_code == 200, api.text
    card = api.json()
    rows = one(one(soup(page.text), "table.card-table"), "tbody").find_all("tr")
    assert len(rows) == len(card["ratings"]) == len(DATA.checklist)
    if drug == "clozapine":  # some of its ratings are not known
        assert any(r["value"] is None for r in card["ratings"])
    for tr, rating in zip(rows, card["ratings"], strict=True):
        heading, shown, said = one(tr, "th"), *tr.find_all("td")
        assert text(heading).startswith(f"{rating['label']} (")
        symbol = "?" if shown.find("abbr") else text(one(shown, "span[aria-hidden]"))
        assert symbol == rating["symbol"], rating["side_effect"]
        citations = [text(li) for li in said.select("ul.sources li")]
        assert citations == [card["sources"][k]["citation"] for k in rating["sources"]]
        note = said.find("p", class_="note")
        assert (text(note) if note else None) == rating["note"], rating["side_effect"]


def test_recording_the_discussion_needs_the_csrf_token_and_keeps_input_on_error(
    clinic: Clinic,
) -> None:
    client, _, created, csrf = clinic
    url = f"/staff/consultations/{created['id']}/decision"
    form = {
        "discussed": ["aripiprazole", "lurasidone"],
        "decision": "aripiprazole",
        "next_review": "2027-02-30",
        "context_note": "Detained: the choice of tablet or injection stays open.",
    }
    assert client.post(url, data=form).status_code == 403  # no CSRF token
    bad = client.post(url, data={**form, "csrf_token": csrf, "lang": "en"})
    assert bad.status_code == 422
    assert "The next review date must be a date" in bad.text
    assert "Detained: the choice of tablet or injection stays open." in bad.text
    # A next review in the past is refused as a form error, and nothing typed is lost.
    past = (utcnow().date() - timedelta(days=2)).isoformat()
    refused = client.post(url, data={**form, "next_review": past, "csrf_token": csrf, "lang": "en"})
    assert refused.status_code == 422
    assert "The next review date is in the past" in refused.text
    kept = soup(refused.text)
    assert {
        i["value"] for i in kept.find_all("input", attrs={"name": "discussed", "checked": True})
    } == {
        "aripiprazole",
        "lurasidone",
    }
    assert kept.find("option", value="aripiprazole", selected=True) is not None
    assert attribute(one(kept, "input#next_review"), "value") == past
    assert "Detained: the choice of tablet or injection stays open." in refused.text
    # The refused form recorded nothing.
    unchanged = soup(client.get(f"/staff/consultations/{created['id']}?lang=en").text)
    assert not unchanged.find_all("input", attrs={"name": "discussed", "checked": True})
    review = in_a_while()
    good = client.post(
        url, data={**form, "next_review": review, "csrf_token": csrf}, follow_redirects=False
    )
    assert good.status_code == 303
    shown = client.get(good.headers["location"] + "&lang=en")
    assert "The discussion is recorded." in shown.text
    assert 'value="aripiprazole" checked' in shown.text
    assert f'value="{review}"' in shown.text


def test_the_decision_form_lists_the_top_matches_first_and_says_where_the_note_goes(
    clinic: Clinic,
) -> None:
    client, _, created, _ = clinic
    page = client.get(f"/staff/consultations/{created['id']}?lang=en").text
    form = one(soup(page), f"form[action='/staff/consultations/{created['id']}/decision']")
    top = names_in_order(page)[:3]
    boxes = [text(label) for label in form.find_all("label", class_="choice")]
    assert boxes[:3] == top
    assert sorted(boxes[3:]) == boxes[3:] and not set(top) & set(boxes[3:])
    assert len(boxes) == len(drug_files())
    groups = one(form, "select#decision").find_all("optgroup")
    assert [text(o) for o in groups[0].find_all("option")] == top
    assert groups[0]["label"] == "Best matches"
    hint = text(one(form, "p#note-hint"))
    assert "Printed on the person's take-home sheet." in hint


def decide(client: TestClient, created: dict[str, Any], csrf: str, **extra: object) -> None:
    response = client.post(
        f"/staff/consultations/{created['id']}/decision",
        data={
            "discussed": ["aripiprazole", "lurasidone"],
            "decision": "aripiprazole",
            "next_review": in_a_while(),
            "context_note": "Review at 6 weeks.",
            "csrf_token": csrf,
            **extra,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def font_sizes(content: bytes) -> list[float]:
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.append(abs(size * tm[3] * cm[3]) if tm[3] and cm[3] else size)

    for page in PdfReader(io.BytesIO(content)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


#: No glyph of the sheet's font is narrower than this (DejaVu Sans: 'i' and 'l' take about
#: 0.28 em), so a run of n characters is at least n x this x the font size wide.
NARROWEST_GLYPH_EM = 0.2


def runs_past_the_right_edge(content: bytes) -> list[str]:
    """Text runs that would end past the page's right edge even at the narrowest glyph
    width: text that ran off the page, which a printer and a PDF reader cut off."""
    past: list[str] = []
    for page in PdfReader(io.BytesIO(content)).pages:
        width = float(page.mediabox.width)

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            font: object,
            size: float,
            width: float = width,
        ) -> None:
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            points = abs(size * tm[0] * cm[0]) or size
            if x + len(text.strip()) * points * NARROWEST_GLYPH_EM > width:
                past.append(text.strip())

        page.extract_text(visitor_text=visit)
    return past


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_the_pdf_sheet_has_priorities_top_matches_decision_and_version(
    clinic: Clinic, lang: str
) -> None:
    client, _, created, csrf = clinic
    decide(client, created, csrf)
    version = client.get("/api/v1/data-version").json()
    response = client.get(f"/consultations/{created['id']}/sheet.pdf?lang={lang}&large=0")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = " ".join(pdf_text(response.content).split())
    for n, item in enumerate(AVOID, start=1):
        assert f"{n}. {DATA.item(item).label[lang]}" in text
    page = client.get(f"/staff/consultations/{created['id']}?lang={lang}").text
    for name in names_in_order(page)[:3]:  # the top three, as the screen shows them
        assert name in text
    assert f"{DATA.drug('aripiprazole').name[lang]}" in text
    assert version["checksum"][:12] in text
    not_rx = {"en": "This is not a prescription.", "nb": "Dette er ikke en resept."}[lang]
    assert not_rx in text


def test_the_sheet_is_in_the_persons_language_unless_asked(clinic: Clinic) -> None:
    client, _, created, _ = clinic
    sheet = client.get(f"/consultations/{created['id']}/sheet", headers={"Accept-Language": "en"})
    assert sheet.status_code == 200
    assert '<html lang="nb"' in sheet.text  # sent from the tablet in Norwegian
    assert DATA.item("weight-gain").label["nb"] in sheet.text
    english = client.get(f"/consultations/{created['id']}/sheet?lang=en")
    assert '<html lang="en"' in english.text


def test_large_print_has_text_of_at_least_16_points(clinic: Clinic) -> None:
    client, _, created, csrf = clinic
    decide(client, created, csrf)
    standard = client.get(f"/consultations/{created['id']}/sheet.pdf?lang=en&large=0").content
    large = client.get(f"/consultations/{created['id']}/sheet.pdf?lang=en&large=1").content
    assert median(font_sizes(standard)) < 14
    assert round(min(font_sizes(large)), 1) >= 16
    assert len(PdfReader(io.BytesIO(large)).pages) > len(PdfReader(io.BytesIO(standard)).pages)


def sheet_table(page: str) -> list[tuple[str, str, list[str]]]:
    """The sheet's one table: (medicine, what is said under its name, the five words)."""
    table = one(soup(page), "table.compare")
    rows = []
    for tr in one(table, "tbody").find_all("tr"):
        th = one(tr, "th")
        rows.append(
            (
                str(th.contents[0]).strip(),
                text(one(th, "span.sub")),
                [text(td) for td in tr.find_all("td")],
            )
        )
    return rows


def test_screen_and_sheet_show_the_same_top_matches(clinic: Clinic) -> None:
    client, _, created, _ = clinic
    page = client.get(f"/staff/consultations/{created['id']}?lang=nb")
    sheet = client.get(f"/consultations/{created['id']}/sheet?lang=nb")
    on_sheet = [name for name, _, _ in sheet_table(sheet.text)]
    assert len(on_sheet) >= 3
    assert names_in_order(page.text)[: len(on_sheet)] == on_sheet
    places = [row.place for row in ranking_rows(page.text)][: len(on_sheet)]
    assert [sub.split(" · ")[0] for _, sub, _ in sheet_table(sheet.text)] == [
        f"Plass {place}" for place in places
    ]


def test_each_rating_is_on_the_sheet_once_in_words_defined_by_how_often_and_how_bad(
    clinic: Clinic,
) -> None:
    client, _, created, csrf = clinic
    decide(client, created, csrf, discussed=["olanzapine", "aripiprazole"])
    page = client.get(f"/consultations/{created['id']}/sheet?lang=en").text
    rows = sheet_table(page)
    by_name = {name: (sub, words) for name, sub, words in rows}
    for drug in ("olanzapine", "aripiprazole"):
        sub, words = by_name[DATA.drug(drug).name["en"]]
        assert words == [SHEET_WORDS[rating_in_file(drug, i)] for i in AVOID]
        assert "talked about" in sub
    # Olanzapine is left out of the ranking (the person must avoid weight gain) and says so.
    assert "not among your matches" in by_name["Olanzapine"][0]
    key = one(soup(page), "table.key")
    assert [text(tr) for tr in one(key, "tbody").find_all("tr")] == [
        "high (+++) common can be more severe",
        "medium (++) commoner can be moderately severe",
        "low (+) uncommon mild",
    ]
    # No option besides a medicine was chosen to talk about: the sheet still names them,
    # from the data, so the person knows they exist.
    assert DATA.options is not None
    others = [o.label["en"] for o in DATA.options.options if o.id != "medicine"]
    section = one(soup(page), "section[aria-labelledby='s-options']")
    assert text(one(section, "h2")) == "Other options you can ask about"
    assert [text(li) for li in section.find_all("li")] == others
    assert "Options you talked about" not in page
    # No repeats: no chart, no second table of the same ratings, no symbol line.
    assert "<svg" not in page.split('id="s-cards"')[0]
    assert len(soup(page).find_all("table")) == 2
    assert "+ uncommon or mild" not in page


def test_the_sheet_needs_staff_and_accepts_a_bearer_token(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=BODY).json()
    url = f"/consultations/{created['id']}/sheet.pdf"
    assert client.get(url, follow_redirects=False).status_code == 303  # to the login page
    token = staff.headers(client, "cora")
    client.cookies.clear()
    assert client.get(url, headers=token).status_code == 200
    assert client.get(f"/consultations/{'0' * 32}/sheet", headers=token).status_code == 404


def test_the_sheet_says_the_options_talked_about_and_questions_to_ask(
    staff_app: StaffApp,
) -> None:
    """The options the person ticked, each with what it involves and what is known, in
    the data's words; then questions to take to the next appointment."""
    client, staff = staff_app
    ticked = ["no-antipsychotic", "lower-dose"]
    created = client.post("/api/v1/consultations", json={**BODY, "options": ticked}).json()
    web_login(client, staff, "cora")
    page = soup(client.get(f"/consultations/{created['id']}/sheet?lang=en").text)
    assert DATA.options is not None
    section = one(page, "section[aria-labelledby='s-options']")
    assert text(one(section, "h2")) == "Options you talked about"
    items = [text(li) for li in section.find_all("li")]
    in_data_order = [o.id for o in DATA.options.options if o.id in ticked]
    for said, option_id in zip(items, in_data_order, strict=True):
        option = DATA.options.option(option_id)
        assert said.startswith(option.label["en"]), said
        for words in (option.involves["en"], *(k.text["en"] for k in option.known)):
            assert " ".join(words.split()) in said, (option_id, words)
    assert DATA.options.option("stay-on-current").label["en"] not in text(section)
    questions = one(page, "section[aria-labelledby='s-questions']")
    assert text(one(questions, "h2")) == "Questions you may want to ask"
    asked = [text(li) for li in questions.find_all("li")]
    assert len(asked) >= 3 and all(q.endswith("?") for q in asked), asked
    assert "Can I change my mind later, and how would we stop or switch safely?" in asked


def test_free_text_is_escaped_on_every_page_and_printed_as_text_in_the_pdf(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json={**BODY, "what_matters": XSS}).json()
    csrf = web_login(client, staff, "cora")
    decide(client, created, csrf, context_note=XSS)
    for url in (
        f"/staff/consultations/{created['id']}",
        f"/consultations/{created['id']}/sheet",
        f"/consultations/{created['id']}/sheet?large=1",
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    pdf = client.get(f"/consultations/{created['id']}/sheet.pdf")
    assert '<script>alert("x")</script>' in pdf_text(pdf.content)


def in_order(wanted: str, text: str) -> bool:
    """Whether every character of `wanted` appears in `text`, in order."""
    rest = iter(text)
    return all(char in rest for char in wanted)


def test_a_300_character_word_in_free_text_is_printed_whole_in_the_pdf(staff_app: StaffApp) -> None:
    """An unbroken word wraps inside the page instead of running off its edge."""
    client, staff = staff_app
    word = "".join("abcdefghijklmnopqrstuvwxyz"[n % 26] for n in range(299)) + "Z"
    note = "".join("ZYXWVUTSRQPONMLKJIHGFEDCBA"[n % 26] for n in range(299)) + "q"
    created = client.post("/api/v1/consultations", json={**BODY, "what_matters": word}).json()
    csrf = web_login(client, staff, "cora")
    decide(client, created, csrf, context_note=note)
    for large in (0, 1):
        pdf = client.get(f"/consultations/{created['id']}/sheet.pdf?lang=en&large={large}")
        assert pdf.status_code == 200
        printed = "".join(pdf_text(pdf.content).split())  # wherever the lines broke
        # In order, though the lines of a two-column block may come out interleaved with
        # the other column's; a character lost off the page would break the order.
        assert in_order(word, printed), f"large={large}: the person's words are missing"
        assert in_order(note, printed), f"large={large}: the context note is missing"
        # Present in the file is not enough: every line must also end on the page.
        assert runs_past_the_right_edge(pdf.content) == [], f"large={large}"


def test_pages_show_shared_places_and_safety_notes(clinic: Clinic) -> None:
    client, _, created, csrf = clinic
    dataset = bundled_dataset()
    page = client.get(f"/staff/consultations/{created['id']}?lang=en").text
    assert re.search(r">=\d+</span>", page), "a shared place is shown as =n"
    assert dataset.drug("aripiprazole").safety[0].text["en"] in html.unescape(page)
    every = dataset.class_safety[0].text["en"]
    assert html.unescape(page).count(every) == 1, "notes for every drug are shown once"

    card = client.get("/staff/cards/clozapine?lang=en").text
    assert "Published figures" in card
    assert "3.01 kg (95% interval 1.78 to 4.24)" in card

    decide(client, created, csrf, discussed=["aripiprazole", "olanzapine"])
    sheet = html.unescape(client.get(f"/consultations/{created['id']}/sheet?lang=en").text)
    for note in dataset.drug("olanzapine").safety:
        assert note.plain["en"] in sheet
    assert dataset.class_safety[0].plain["en"] in sheet


def page_lines(content: bytes) -> list[list[str]]:
    """Each page's lines of text, without bullets and the page number."""
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        pages.append([x for x in lines if x and x != "•" and not re.fullmatch(r"\d+ / \d+", x)])
    return pages


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_the_sheet_for_weight_gain_first_after_olanzapine_and_aripiprazole(
    clinic: Clinic, lang: str
) -> None:
    """Weight gain is priority 1; olanzapine and aripiprazole were talked about: the
    published proportion for weight gain in people out of 100 with an icon array, and
    each medicine's safety notes and other notable side effects. The fullest sheet these
    tests make (two medicines with figures, a note, a feedback code): two A4 pages in
    English, three in Norwegian, whose words are longer. Every line of it is printed:
    the questions, set in a float beside the decision, used to be cut off at the foot
    of page two, and a third page is better than a sheet that loses its last lines."""
    client, _, created, csrf = clinic
    decide(client, created, csrf, discussed=["olanzapine", "aripiprazole"])
    url = f"/consultations/{created['id']}/sheet"
    pdf = client.get(f"{url}.pdf?lang={lang}&large=0").content
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= {"en": 2, "nb": 3}[lang]
    # A line may break after a hyphen ("Over-" / "wet"): join those back.
    printed = " ".join(pdf_text(pdf).replace("-\n", "-").split())

    def squashed(words: str) -> str:
        """Without spaces and hyphens: lines may break anywhere, and hyphenate."""
        return "".join(words.split()).replace("-", "").replace("\u00ad", "")

    # Every heading, paragraph, list item and table cell of the sheet is in the PDF.
    sheet = soup(client.get(f"{url}?lang={lang}").text)
    blocks = sheet.select("main h2, main h3, main p, main li, main th, main td")
    ends = sheet.select(".questions li, p.more, p.decision, p.note, p.feedback")
    assert len(ends) == 9, "five questions, where to read more, decision, note, feedback"
    assert set(ends) <= set(blocks)
    lost = [text(block) for block in blocks if squashed(text(block)) not in squashed(printed)]
    assert lost == [], "cut off the PDF"

    # The proportion, as the drug file holds it: n in 100, time frame and comparator.
    [figure] = [
        f for f in drug_files()["aripiprazole"]["figures"]
        if f["side_effect"] == "weight-gain" and f["effect"] == "proportion"
    ]  # fmt: skip
    words = figure["words"][lang]
    per = {"en": "in 100", "nb": "av 100"}[lang]
    name = DATA.drug("aripiprazole").name[lang].lower()
    n, m = f"{figure['value']:g} {per}", f"{figure['comparator_value']:g} {per}"
    outcome, time_frame, comparator = words["outcome"], words["time_frame"], words["comparator"]
    sentence = {
        "en": f"{n} people taking {name} {outcome} {time_frame}, against {m} {comparator}.",
        "nb": f"{n} som brukte {name}, {outcome} {time_frame}, mot {m} {comparator}.",
    }[lang]
    assert sentence in printed
    assert str(figure["value"]) in figure["as_printed"]  # printed, never derived

    for drug in ("olanzapine", "aripiprazole"):
        for flag in drug_files()[drug]["safety"]:
            assert " ".join(flag["plain"][lang].split()) in printed, (drug, flag["id"])
        notable = [
            DATA.item(item).label[lang]
            for item, rating in drug_files()[drug]["ratings"].items()
            if item not in AVOID and rating["value"] != "unknown" and rating["value"] >= 2
        ]
        assert notable, drug
        for label in notable:
            assert " ".join(label.split()) in printed, (drug, label)
    # Clinician-only monitoring stays off the person's sheet.
    for drug in ("olanzapine", "aripiprazole"):
        for point in drug_files()[drug]["monitoring"]:
            assert point[lang] not in printed
    assert "akathisia" not in printed.lower().replace("(akathisia)", "")

    page = client.get(f"{url}?lang={lang}").text
    [svg] = soup(page).find_all("svg", class_="icons")
    assert svg["role"] == "img"
    alternative = soup(page).find(id=svg["aria-labelledby"])
    assert " ".join(text(alternative).split()) == sentence
    # One 10 x 10 grid for aripiprazole, one for olanzapine: filled squares, then the rest.
    squares = [(p.get("fill"), p["d"].count("z")) for p in svg.find_all("path")]
    drug, other = figure["value"], figure["comparator_value"]
    assert squares == [
        ("#0b5394", drug),
        ("none", 100 - drug),
        ("#0b5394", other),
        ("none", 100 - other),
    ]
    # Olanzapine's figure is a mean difference: said in words with its unit, no icons.
    [bmi] = drug_files()["olanzapine"]["figures"]
    said = {"en": "higher with olanzapine than in people", "nb": "høyere med olanzapin enn hos dem"}
    number = f"{bmi['value']:g}".replace(".", "," if lang == "nb" else ".")
    assert f"{number} {bmi['unit']} {said[lang]} {bmi['words'][lang]['comparator']}" in printed


def test_no_heading_ends_a_page_and_large_print_stays_at_16_points(clinic: Clinic) -> None:
    client, _, created, csrf = clinic
    decide(client, created, csrf, discussed=["olanzapine", "aripiprazole", "clozapine"])
    url = f"/consultations/{created['id']}/sheet"
    for large in (0, 1):
        headings = {
            " ".join(text(h).split())
            for h in soup(client.get(f"{url}?lang=en&large={large}").text).find_all(["h2", "h3"])
        }
        pdf = client.get(f"{url}.pdf?lang=en&large={large}").content
        pages = page_lines(pdf)
        for number, lines in enumerate(pages[:-1], start=1):
            assert lines[-1] not in headings, f"page {number} ends with the heading {lines[-1]!r}"
        if large:
            assert len(pages) > 2
            assert round(min(font_sizes(pdf)), 1) >= 16
