"""The HTTP API: happy paths, batches with bad items, and clear 4xx errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.store import Store
from tests.factories import BENIGN_UR, SEXUAL_RU, THREAT_UR


def body(id: str, text: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "comment",
        "author": "u1",
        "texts": {"body": text},
        "upload_country": "PK",
        **kw,
    }


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store, max_request_bytes=64 * 1024)) as c:
        yield c


def test_single_item_then_read_back(client: TestClient) -> None:
    r = client.post("/v1/content", json=body("t1", THREAT_UR))
    assert r.status_code == 200, r.text
    item = r.json()["items"][0]
    assert item["status"] == "moderated" and item["result"]["outcome"] == "remove"
    got = client.get("/v1/content/t1").json()
    assert got["decision"]["actions"][0]["type"] == "remove"
    assert got["signals"][0]["signal"]["category"] == "threat"
    span = got["signals"][0]["signal"]["evidence"]["spans"][0]
    assert THREAT_UR[span["start"] : span["end"]] == "جان سے مار دوں گا"
    assert got["visibility"]["*"]["visibility"] == "removed"
    assert got["ledger"] == item["result"]["ledger"]


def test_batch_with_one_bad_item(client: TestClient) -> None:
    items = [body("b1", BENIGN_UR), {"id": "b2", "kind": "comment"}, body("b3", SEXUAL_RU)]
    r = client.post("/v1/content", json={"items": items})
    assert r.status_code == 200
    data = r.json()
    assert [i["status"] for i in data["items"]] == ["moderated", "error", "moderated"]
    assert data["items"][1]["error"]["code"] == "invalid_content"
    assert "author" in data["items"][1]["error"]["message"]
    assert (data["moderated"], data["errors"]) == (2, 1)


def test_visibility_per_country_and_age(client: TestClient) -> None:
    client.post("/v1/content", json=[body("s1", SEXUAL_RU)])
    pk = client.get("/v1/visibility/s1", params={"country": "PK"}).json()
    de = client.get("/v1/visibility/s1", params={"country": "de"}).json()
    adult = client.get("/v1/visibility/s1", params={"country": "DE", "viewer_age": 30}).json()
    assert (pk["visible"], pk["visibility"]) == (False, "withheld")
    assert (de["visible"], de["visibility"], de["country"]) == (False, "age_restricted", "DE")
    assert adult["visible"] is True


def test_same_item_twice_is_a_duplicate(client: TestClient) -> None:
    first = client.post("/v1/content", json=body("d1", THREAT_UR)).json()["items"][0]
    again = client.post("/v1/content", json=body("d1", THREAT_UR)).json()["items"][0]
    assert again["status"] == "duplicate"
    assert again["result"]["decision_id"] == first["result"]["decision_id"]


def test_errors_are_clear(client: TestClient) -> None:
    client.post("/v1/content", json=body("c1", BENIGN_UR))
    conflict = client.post("/v1/content", json=body("c1", "changed"))
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflicting_resubmission"

    bad_json = client.post(
        "/v1/content", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"] == "invalid_input"

    missing = client.post("/v1/content", json={"id": "m1", "kind": "comment", "author": "a"})
    assert missing.status_code == 422
    assert "nothing to moderate" in missing.json()["error"]["message"]

    long_text = client.post("/v1/content", json=body("l1", "x" * 20_001))
    assert long_text.status_code == 422 and "texts.body" in long_text.json()["error"]["message"]

    too_big = client.post("/v1/content", json=body("big", "y" * 70_000))
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"

    unknown = client.get("/v1/content/nope")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"

    bad_country = client.get("/v1/visibility/c1", params={"country": "PAK"})
    assert bad_country.status_code == 422

    empty = client.post("/v1/content", json=[])
    assert empty.status_code == 400


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/v1/content", "/v1/content/{content_id}", "/v1/visibility/{content_id}"} <= set(
        spec["paths"]
    )
