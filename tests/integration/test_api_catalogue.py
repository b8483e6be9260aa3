"""The checklist, the drug cards, health and readiness, through HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.builders import DRUGDATA

CHECKLIST = yaml.safe_load((DRUGDATA / "checklist.yaml").read_text())["items"]


def test_healthz_answers_without_a_database() -> None:
    app = create_app(Settings(database_url="sqlite:////nonexistent/dir/x.db", env="test"))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_data_version(small_client: TestClient) -> None:
    response = small_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "data_version": 1}


def test_readyz_is_503_before_any_data_is_loaded(empty_client: TestClient) -> None:
    response = empty_client.get("/readyz")
    assert response.status_code == 503
    assert "No drug data" in response.json()["detail"]


def test_side_effects_are_the_36_items_in_the_paper_tools_order(small_client: TestClient) -> None:
    items = small_client.get("/api/v1/side-effects").json()
    assert [i["id"] for i in items] == [c["id"] for c in CHECKLIST]
    assert [i["order"] for i in items] == list(range(1, 37))
    assert items[0]["label"] == "Difficulty staying awake during the day"
    assert items[28]["label"] == (
        "Parts of the body restless, seem to move by themselves (e.g. feet)"
    )
    assert items[-1]["label"] == "Small risk of heart problems"
    assert set(items[0]) == {"id", "label", "group", "group_label", "order", "explanation"}


def test_side_effects_in_norwegian_by_query_or_header(small_client: TestClient) -> None:
    expected = [c["label"]["nb"] for c in CHECKLIST]
    by_query = small_client.get("/api/v1/side-effects?lang=nb").json()
    by_header = small_client.get(
        "/api/v1/side-effects", headers={"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}
    ).json()
    by_no = small_client.get("/api/v1/side-effects?lang=no").json()
    assert [i["label"] for i in by_query] == expected
    assert by_header == by_query == by_no
    assert by_query[6]["label"] == "Vektøkning"


def test_drug_card_has_every_item_and_unknown_is_null(small_client: TestClient) -> None:
    card = small_client.get("/api/v1/drugs/gammazine").json()
    assert len(card["ratings"]) == 36
    weight = next(r for r in card["ratings"] if r["side_effect"] == "weight-gain")
    assert weight["value"] is None
    assert weight["symbol"] == "?"
    tremor = next(r for r in card["ratings"] if r["side_effect"] == "tremor")
    assert (tremor["value"], tremor["symbol"]) == (1, "+")
    for rating in card["ratings"]:
        for key in rating["sources"]:
            assert card["sources"][key]["citation"]
    assert card["data_version"]["number"] == 1
    assert len(card["data_version"]["checksum"]) == 64


def test_unknown_drug_is_404_with_a_message(small_client: TestClient) -> None:
    response = small_client.get("/api/v1/drugs/nothing")
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no medicine 'nothing' in data version 1."


def test_drug_list(small_client: TestClient) -> None:
    drugs = small_client.get("/api/v1/drugs").json()
    assert [d["id"] for d in drugs] == ["alphazine", "betazine", "gammazine"]
    assert drugs[1]["formulations"] == ["tablet", "long-acting-injection"]


def test_security_headers_are_set(small_client: TestClient) -> None:
    headers = small_client.get("/api/v1/drugs").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]


def test_api_docs_are_off_in_production(fresh_db: Callable[[], str]) -> None:
    app = create_app(Settings(database_url=fresh_db(), env="production"))
    with TestClient(app) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404


def test_openapi_schema_documents_the_api(small_client: TestClient) -> None:
    paths = small_client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/side-effects",
        "/api/v1/drugs",
        "/api/v1/drugs/{drug_id}",
        "/api/v1/rankings",
        "/healthz",
        "/readyz",
    } <= set(paths)


def test_production_sends_hsts_and_refuses_password_only_logins(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    with TestClient(
        create_app(Settings(database_url=url, env="production")), base_url="https://testserver"
    ) as client:
        assert client.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    with pytest.raises(RuntimeError, match="development only"):
        create_app(Settings(database_url=url, env="production", allow_password_only=True))


def test_unknown_page_is_a_plain_html_404_that_leaks_nothing(small_client: TestClient) -> None:
    response = small_client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find that page." in response.text
    assert "Traceback" not in response.text
    api = small_client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}
