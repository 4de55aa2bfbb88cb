"""The legal API: role-scoped keys, and authority A never reading or inferring B's orders."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.legal import authorities
from nigran.store import Store

SECRET = "B-ONLY-SECRET-REASONS"


@pytest.fixture
def keys(legal_store: Store) -> dict[str, str]:
    with legal_store.transaction() as conn:
        return {
            "pta": authorities.create_key(conn, "pta-portal", "authority", authority_id="PTA"),
            "meity": authorities.create_key(
                conn, "meity-portal", "authority", authority_id="MEITY"
            ),
            "legal": authorities.create_key(conn, "legal-1", "legal"),
            "legal2": authorities.create_key(conn, "legal-2", "legal"),
            "platform": authorities.create_key(conn, "app-backend", "platform"),
        }


@pytest.fixture
def client(legal_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(legal_store)) as c:
        yield c


def h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_order_flow_over_http(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/v1/orders",
        headers=h(keys["pta"]),
        json={
            "legal_ground": "PK.DECENCY",
            "items": ["v1"],
            "reasons": "obscene",
            "external_ref": "PTA/2026/1",
        },
    )
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "legal_review" and order["pack_order_type"] == "PK.PTA_DIRECTION"
    assert order["acknowledged_at"] is None
    ack = f"/v1/orders/{order['id']}/acknowledge"
    assert client.post(ack, headers=h(keys["pta"])).status_code == 403
    r = client.post(ack, headers=h(keys["legal"]))
    assert r.status_code == 200 and r.json()["acknowledged_at"] is not None
    assert client.post(ack, headers=h(keys["legal"])).status_code == 409
    r = client.post(
        f"/v1/orders/{order['id']}/decide", headers=h(keys["legal"]), json={"outcome": "withhold"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["decided_by"] == "legal-1"
    r = client.post(f"/v1/orders/{order['id']}/respond", headers=h(keys["legal"]), json={})
    got = client.get(f"/v1/orders/{order['id']}", headers=h(keys["pta"])).json()
    assert got["status"] == "responded" and got["action"]["scope"] == "PK"
    assert "decided_by" not in got  # reviewer identities stay internal
    assert client.get("/v1/visibility/v1", params={"country": "PK"}).json()["visible"] is False
    # The author appeals through the platform; another reviewer reverses.
    r = client.post(
        "/v1/appeals",
        headers=h(keys["platform"]),
        json={"content_id": "v1", "appellant": "ayesha", "reason": "cooking video"},
    )
    assert r.status_code == 201, r.text
    appeal = r.json()
    r = client.post(
        f"/v1/appeals/{appeal['id']}/decide",
        headers=h(keys["legal"]),
        json={"outcome": "reversed", "reason": "x"},
    )
    assert r.status_code == 409  # legal-1 took the original decision
    r = client.post(
        f"/v1/appeals/{appeal['id']}/decide",
        headers=h(keys["legal2"]),
        json={"outcome": "reversed", "reason": "not indecent"},
    )
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    assert client.get("/v1/visibility/v1", params={"country": "PK"}).json()["visible"] is True


def test_keys_and_roles(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/v1/orders").status_code == 401
    assert client.get("/v1/orders", headers=h("ngk_wrong")).status_code == 401
    assert (
        client.post("/v1/orders", headers=h(keys["legal"]), json={"items": ["v1"]}).status_code
        == 403
    )
    assert client.post("/v1/reports", headers=h(keys["pta"]), json={}).status_code in (403, 422)
    assert client.get("/v1/dsa/statements", headers=h(keys["pta"])).status_code == 403


def test_authority_a_can_never_read_or_infer_authority_b_orders(
    client: TestClient, keys: dict[str, str], legal_store: Store
) -> None:
    a, b = h(keys["pta"]), h(keys["meity"])
    mine = client.post(
        "/v1/orders", headers=a, json={"legal_ground": "PK.HATE", "items": ["v1"]}
    ).json()
    before = {
        "list": client.get("/v1/orders", headers=a).json(),
        "csv": client.get("/v1/orders/export", headers=a).text,
        "json": client.get("/v1/orders/export?format=json", headers=a).json(),
    }
    theirs = []
    for i in range(3):
        r = client.post(
            "/v1/orders",
            headers=b,
            json={
                "legal_ground": "IN.PUBORD",
                "items": ["v2"],
                "reasons": SECRET,
                "external_ref": f"MEITY-{i}",
                "details": {"issuer_rank": "Joint Secretary"},
            },
        )
        assert r.status_code == 201
        theirs.append(r.json()["id"])
    bid = theirs[0]
    client.post(f"/v1/orders/{bid}/decide", headers=h(keys["legal"]), json={"outcome": "withhold"})

    # Lists and exports are exactly what they were before B's orders existed (modulo nothing).
    assert client.get("/v1/orders", headers=a).json() == before["list"]
    assert client.get("/v1/orders/export", headers=a).text == before["csv"]
    assert client.get("/v1/orders/export?format=json", headers=a).json() == before["json"]
    # Filters and extra parameters do not widen the view.
    for q in ("?authority=MEITY", "?authority_id=MEITY", "?status=actioned", "?limit=10000"):
        body = client.get("/v1/orders" + q, headers=a).text
        assert bid not in body and SECRET not in body and "MEITY" not in body

    # B's id answers exactly like an id that never existed, on every route that takes an id.
    ghost = "f" * len(bid)
    for method, path, json in [
        ("GET", "/v1/orders/{}", None),
        ("POST", "/v1/orders/{}/clarify", {"reasons": "more"}),
        ("POST", "/v1/orders/{}/decide", {"outcome": "withhold"}),
        ("POST", "/v1/orders/{}/respond", {}),
    ]:
        real = client.request(method, path.format(bid), headers=a, json=json)
        fake = client.request(method, path.format(ghost), headers=a, json=json)
        assert real.status_code == fake.status_code and real.status_code in (403, 404)
        assert real.text.replace(bid, "ID") == fake.text.replace(ghost, "ID")

    # A sweep of every legal route with A's key, B's id in every path parameter.
    app = client.app
    leaked = []
    for route in app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or not re.match(
            r"^/v1/(orders|legal|dsa|reports|appeals)", route.path
        ):
            continue
        path = re.sub(r"\{[^}]+\}", bid, route.path)
        for method in route.methods:
            r = client.request(method, path, headers=a, json={})
            text = r.text
            if bid in text.replace(f"no order '{bid}'", "") or SECRET in text or "MEITY" in text:
                leaked.append((method, route.path, r.status_code))
    assert leaked == []
    # A's own order is still fully visible to A.
    assert client.get(f"/v1/orders/{mine['id']}", headers=a).json()["id"] == mine["id"]


def test_order_body_cannot_name_another_authority(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/v1/orders",
        headers=h(keys["pta"]),
        json={"authority": "MEITY", "legal_ground": "PK.HATE", "items": ["v1"]},
    )
    assert r.status_code == 422
    r = client.post(
        "/v1/orders",
        headers=h(keys["pta"]),
        json={"jurisdiction": "IN", "legal_ground": "IN.PUBORD", "items": ["v1"]},
    )
    assert r.status_code == 400 and "issues orders for PK" in r.text


def test_review_room_legal_user_token_decides_orders(
    client: TestClient, keys: dict[str, str], legal_store: Store
) -> None:
    from nigran.review import auth

    auth.add_user(legal_store, "farah", "correct horse battery", roles=["legal"])
    auth.add_user(legal_store, "rev", "correct horse battery", roles=["reviewer"])
    legal_token = auth.create_token(legal_store, "farah")
    reviewer_token = auth.create_token(legal_store, "rev")
    o = client.post(
        "/v1/orders", headers=h(keys["pta"]), json={"legal_ground": "PK.HATE", "items": ["v1"]}
    ).json()
    r = client.post(
        f"/v1/orders/{o['id']}/decide", headers=h(reviewer_token), json={"outcome": "withhold"}
    )
    assert r.status_code == 403
    r = client.post(
        f"/v1/orders/{o['id']}/decide", headers=h(legal_token), json={"outcome": "withhold"}
    )
    assert r.status_code == 200 and r.json()["decided_by"] == "farah"
