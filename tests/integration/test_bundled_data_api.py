"""The shipped drug data, through the API: every card complete and sourced."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.test_bundled_drugdata import REQUIRED


def test_drug_list_has_every_required_medicine(bundled_client: TestClient) -> None:
    ids = {d["id"] for d in bundled_client.get("/api/v1/drugs").json()}
    assert set(REQUIRED) <= ids


def test_every_card_rates_all_36_items_and_cites_resolvable_sources(
    bundled_client: TestClient,
) -> None:
    items = [i["id"] for i in bundled_client.get("/api/v1/side-effects").json()]
    for drug in REQUIRED:
        card = bundled_client.get(f"/api/v1/drugs/{drug}").json()
        assert [r["side_effect"] for r in card["ratings"]] == items, drug
        for rating in card["ratings"]:
            if rating["value"] is None:
                assert rating["symbol"] == "?" and rating["note"], (drug, rating)
            else:
                assert 0 <= rating["value"] <= 3
                assert rating["sources"], (drug, rating["side_effect"])
                for key in rating["sources"]:
                    assert card["sources"][key]["citation"], key
                    assert card["sources"][key]["url"].startswith("http"), key


def test_cards_in_norwegian_have_norwegian_text(bundled_client: TestClient) -> None:
    en = bundled_client.get("/api/v1/drugs/clozapine").json()
    nb = bundled_client.get("/api/v1/drugs/clozapine?lang=nb").json()
    assert nb["notes"] and nb["notes"] != en["notes"]
    assert nb["ratings"][6]["label"] == "Vektøkning"


def test_a_typical_ranking_over_the_real_data(bundled_client: TestClient) -> None:
    body = bundled_client.post(
        "/api/v1/rankings",
        json={
            "avoid": ["weight-gain", "high-blood-sugar", "tiredness"],
            "helpful": ["sleepy-at-night"],
        },
    ).json()
    order = [r["drug"]["id"] for r in body["results"]]
    assert len(order) + len(body["excluded"]) >= len(REQUIRED)
    assert order.index("aripiprazole") < order.index("olanzapine")
    assert order[-1] in {
        "clozapine",
        "olanzapine",
        "zuclopenthixol",
        "chlorpromazine",
        "quetiapine",
        "sertindole",
        "flupentixol",
    }


def test_a_card_carries_its_published_figures_with_what_they_mean(
    bundled_client: TestClient,
) -> None:
    card = bundled_client.get("/api/v1/drugs/olanzapine").json()
    [bmi] = [f for f in card["figures"] if f["side_effect"] == "weight-gain"]
    assert (bmi["measure"], bmi["value"], bmi["unit"]) == ("bmi", 1.07, "kg/m²")
    assert bmi["comparator"] == "placebo"
    assert "6 weeks" in bmi["time_frame"]
    assert bmi["source"] in card["sources"]
    assert "1·07" in bmi["as_printed"]


def test_clozapine_carries_blood_monitoring_and_myocarditis_notes(
    bundled_client: TestClient,
) -> None:
    card = bundled_client.get("/api/v1/drugs/clozapine").json()
    notes = {f["id"]: f for f in card["safety"]}
    for note_id in ("neutropenia-blood-monitoring", "myocarditis-cardiomyopathy"):
        note = notes[note_id]
        assert note["scope"] == "drug"
        assert note["text"]["en"] and note["text"]["nb"]
        assert all(key in card["sources"] for key in note["sources"])
    assert notes["neuroleptic-malignant-syndrome"]["scope"] == "class"


def test_equal_scores_share_a_position(bundled_client: TestClient) -> None:
    body = {"avoid": ["restlessness"]}
    results = bundled_client.post("/api/v1/rankings", json=body).json()["results"]
    by_score: dict[int, list[dict[str, Any]]] = {}
    for r in results:
        by_score.setdefault(r["score"], []).append(r)
    assert any(len(group) > 1 for group in by_score.values())
    for index, r in enumerate(results):
        group = by_score[r["score"]]
        assert r["tied"] is (len(group) > 1)
        assert r["position"] == results.index(group[0]) + 1
        assert index == 0 or r["position"] >= results[index - 1]["position"]
