"""The policy endpoints: read packs and taxonomy, evaluate against a version, list withheld."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.store import Store


@pytest.fixture
def client(sqlite_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_store)) as c:
        yield c


def test_read_taxonomy_packs_versions(client: TestClient) -> None:
    tax = client.get("/v1/policy/taxonomy").json()
    assert {"hate", "sexual"} <= {c["code"] for c in tax}
    packs = {p["pack"]: p for p in client.get("/v1/policy/packs").json()}
    assert set(packs) == {"PK", "IN", "EU", "DE"} and packs["DE"]["extends"] == "EU"
    pk = client.get("/v1/policy/packs/PK").json()
    assert pk["grounds"]["PK.DECENCY"]["verification"]["status"] == "verified_multi"
    assert client.get("/v1/policy/packs/XX").status_code == 404
    statuses = {v["rules"]: v["status"] for v in client.get("/v1/policy/versions").json()}
    assert statuses == {"2026.11.0": "active", "2026.12.0": "proposed"}


def test_deadline_endpoint(client: TestClient) -> None:
    r = client.get(
        "/v1/policy/deadline",
        params={
            "pack": "IN",
            "order_type": "IN.ORDER_3_1_D",
            "received_at": "2026-02-20T10:00:00+05:30",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["due_at"] == "2026-02-20T13:00:00+05:30"


def test_evaluate_why_withheld_in_pk(client: TestClient) -> None:
    body = {
        "content": {
            "id": "e1",
            "kind": "video",
            "author": "a",
            "upload_country": "PK",
            "texts": {"caption": "نئی فحش ویڈیو دیکھو"},
        },
        "context": {"audience_min_age": 18},
        "countries": ["PK", "DE"],
        "viewer_age": 30,
    }
    r = client.post("/v1/policy/evaluate", params={"version": "2026.11.0"}, json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["visible"] == {"PK": "withheld", "DE": "visible"}
    rules = [h["rule"] for h in got["decision"]["explanation"]]
    assert "2026.11.0/law.decency" in rules
    assert got["signals"][0]["category"] == "sexual"
    # nothing was stored or enforced
    assert client.get("/v1/policy/withheld/PK").json()["count"] == 0


def test_withheld_lists_enforced_items(client: TestClient) -> None:
    item = {
        "id": "w1",
        "kind": "comment",
        "author": "a",
        "upload_country": "PK",
        "texts": {"body": "تمہیں مار دوں گا"},
    }
    assert client.post("/v1/content", json=item).status_code == 200
    got = client.get("/v1/policy/withheld/pk").json()
    assert got["country"] == "PK" and [i["id"] for i in got["items"]] == ["w1"]
