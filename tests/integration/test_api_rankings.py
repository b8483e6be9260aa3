"""POST /api/v1/rankings: every drug, stable order, reasons; bad input is a clear 422."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.integration.staff import StaffApp

URL = "/api/v1/rankings"


def test_ranking_returns_every_drug_with_breakdown(small_client: TestClient) -> None:
    body = small_client.post(URL, json={"avoid": ["weight-gain", "tremor"]}).json()
    # betazine 1*5 + 2*4 = 13; gammazine unknown(2)*5 + 1*4 = 14; alphazine 3*5 + 0 = 15
    assert [r["drug"]["id"] for r in body["results"]] == ["betazine", "gammazine", "alphazine"]
    assert [r["score"] for r in body["results"]] == [13, 14, 15]
    assert body["excluded"] == []
    gamma = body["results"][1]
    assert gamma["unknown"] == ["weight-gain"]
    assert gamma["breakdown"][0] == {
        "side_effect": "weight-gain",
        "label": "Weight gain",
        "priority": 1,
        "rating": None,
        "symbol": "?",
        "weight": 5,
        "counted_as": 2,
        "contribution": 10,
    }
    assert gamma["why"] == "1. Weight gain: not known; 2. Shaking or tremor: uncommon or mild"
    assert body["data_version"]["number"] == 1


def test_priorities_resting_on_one_mechanism_are_named(small_client: TestClient) -> None:
    """Restlessness and tension are both akathisia (app/catalogue/domains.py): one
    medicine's grade for one is likely its grade for the other, and the answer says so."""
    body = small_client.post(URL, json={"avoid": ["restlessness", "weight-gain", "tension"]}).json()
    assert body["shared_domains"] == [
        {"domain": "akathisia", "side_effects": ["restlessness", "tension"]}
    ]
    alone = small_client.post(URL, json={"avoid": ["restlessness", "weight-gain"]}).json()
    assert alone["shared_domains"] == []


def test_ranking_is_the_same_on_every_call(small_client: TestClient) -> None:
    request = {"avoid": ["tremor", "weight-gain"], "helpful": ["sleepy-at-night"]}
    first = small_client.post(URL, json=request).json()
    for _ in range(5):
        assert small_client.post(URL, json=request).json() == first


def test_helpful_and_exclusions(small_client: TestClient) -> None:
    body = small_client.post(
        URL,
        json={
            "avoid": ["weight-gain", "tremor"],
            "must_avoid": ["tremor"],
            "helpful": ["sleepy-at-night"],
            "formulations": ["tablet"],
        },
    ).json()
    assert [r["drug"]["id"] for r in body["results"]] == ["alphazine"]
    assert body["results"][0]["helpful"][0]["side_effect"] == "sleepy-at-night"
    assert body["results"][0]["helpful_bonus"] == 3
    excluded = {e["drug"]["id"]: e for e in body["excluded"]}
    assert excluded["betazine"]["reason"] == "must-avoid"
    assert excluded["betazine"]["message"] == (
        "The person must avoid “Shaking or tremor”; this medicine is rated "
        "commoner or moderately severe for it."
    )
    assert excluded["gammazine"]["reason"] == "formulation"
    # The forms in words, never ids in brackets.
    assert excluded["gammazine"]["message"] == "Comes only as a liquid: none of the forms chosen."


def test_ranking_in_norwegian(small_client: TestClient) -> None:
    body = small_client.post(URL + "?lang=nb", json={"avoid": ["weight-gain"]}).json()
    assert body["results"][0]["breakdown"][0]["label"] == "Vektøkning"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"avoid": ["tremor", "dry-mouth", "tremor"]}, "priority 3 repeats tremor"),
        ({"avoid": ["weight-gian"]}, "'weight-gian' is not a checklist item"),
        (
            {
                "avoid": [
                    "tremor",
                    "dry-mouth",
                    "tiredness",
                    "weight-gain",
                    "constipation",
                    "drooling",
                ]
            },
            "choose at most 5",
        ),
        ({"avoid": []}, "choose at least 1"),
        ({"avoid": ["tremor"], "helpful": ["tremor"]}, "cannot be both"),
        ({"avoid": "tremor"}, "avoid: Input should be a valid list"),
        ({"avoid": [1]}, "avoid.0: Input should be a valid string"),
        ({"helpful": []}, "'avoid' is required."),
        ({"avoid": ["tremor"], "name": "Ann"}, "'name' is not a field of this request."),
        ({"avoid": ["x" * 65]}, "at most 64 characters"),
        ({"avoid": ["tremor"] * 37}, "at most 36 items"),
        ([1, 2], "Input should be a valid dictionary"),
    ],
)
def test_bad_input_is_422_with_a_message_a_person_can_act_on(
    small_client: TestClient, payload: object, message: str
) -> None:
    response = small_client.post(URL, json=payload)
    assert response.status_code == 422
    assert any(message in d["msg"] for d in response.json()["detail"]), response.json()


@pytest.mark.parametrize(
    "raw", [b"{", b"", b"null", b"\xff\xfe", b'{"avoid": ["tremor",]}', b"[1]" * 3]
)
def test_malformed_bodies_are_422_never_500(small_client: TestClient, raw: bytes) -> None:
    response = small_client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"]


def test_a_body_of_thousands_of_unknown_keys_gets_a_short_422(small_client: TestClient) -> None:
    """At most 20 problems are listed, then how many more there were."""
    unknown = {f"k{n:04}": 0 for n in range(5000)}
    body = json.dumps({"avoid": ["tremor"], **unknown}).encode()
    assert 50_000 < len(body) < 65_536  # under the body limit, so it is parsed
    response = small_client.post(URL, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) == 21
    assert [d["msg"] for d in detail[:20]] == [
        f"'k{n:04}' is not a field of this request." for n in range(20)
    ]
    assert detail[20]["type"] == "too_many_problems"
    assert detail[20]["more"] == 5000 - 20
    assert "4980 more problem(s) not listed" in detail[20]["msg"]
    assert len(response.content) < len(body) / 10


def test_a_few_problems_are_all_listed_with_no_count(small_client: TestClient) -> None:
    unknown = {f"k{n}": 0 for n in range(20)}
    response = small_client.post(URL, json={"avoid": ["tremor"], **unknown})
    assert response.status_code == 422
    assert len(response.json()["detail"]) == 20
    assert all(d["type"] == "extra_forbidden" for d in response.json()["detail"])


def test_absurdly_nested_json_is_a_400_not_a_500(small_client: TestClient) -> None:
    """The JSON parser gives up on 5,000 levels of nesting; FastAPI answers 400."""
    response = small_client.post(
        URL, content=b"[" * 5000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}


def test_oversized_body_is_refused_early(small_client: TestClient) -> None:
    big = b'{"avoid": ["' + b"a" * 70_000 + b'"]}'
    response = small_client.post(URL, content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_no_published_data_is_503_with_a_clear_message(empty_client: TestClient) -> None:
    response = empty_client.post(URL, json={"avoid": ["tremor"]})
    assert response.status_code == 503
    assert "sdm data load" in response.json()["detail"]


def test_preferences_never_reach_the_logs(
    small_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        small_client.post(
            URL,
            json={"avoid": ["periods-stopping", "erection-difficulty"], "helpful": ["weight-loss"]},
        )
        small_client.post(URL, json={"avoid": ["periods-stopping", "periods-stopping"]})
        small_client.post(URL, json={"avoid": ["erection-difficulty"], "bogus": 1})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for private in ("periods-stopping", "erection-difficulty", "weight-loss"):
        assert private not in logged


def test_a_wrong_method_is_405_naming_every_method_the_path_has(small_client: TestClient) -> None:
    response = small_client.put("/api/v1/drafts")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert small_client.delete("/api/v1/rankings").headers["allow"] == "POST"


def test_numbers_beyond_the_database_integers_are_refused_not_a_server_error(
    staff_app: StaffApp,
) -> None:
    """Found by `make fuzz`: SQLite cannot bind integers of 2**63 or more, and
    PostgreSQL's integer columns hold less than 2**31."""
    client, staff = staff_app
    ada, phil = staff.headers(client, "ada"), staff.headers(client, "phil")
    for too_big in ("9223372036854775808", "887702109766", str(2**31)):
        audit = client.get(f"/api/v1/audit?before_id={too_big}", headers=ada)
        assert audit.status_code == 422, (too_big, audit.status_code)
    assert client.get(f"/api/v1/audit?before_id={2**31 - 1}", headers=ada).status_code == 200
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    stale = client.put(
        f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-gain",
        headers={**phil, "If-Match": '"887702109766"'},
        json={"value": 1, "sources": ["s3-2020"]},
    )
    assert stale.status_code == 412
