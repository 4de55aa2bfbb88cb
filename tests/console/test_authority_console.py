"""Console pages for authorities: send an order, follow it, export; see nothing of others."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.console.authority import router as authority_router
from nigran.legal.authorities import add_authority
from nigran.review import auth
from nigran.store import Store
from tests.console.test_console import login_csrf
from tests.factories import SEXUAL_RU
from tests.review.support import PASSWORD, person, stored


@dataclass
class Desk:
    store: Store
    app: object


@pytest.fixture
def desk(sqlite_store: Store) -> Iterator[Desk]:
    with sqlite_store.transaction() as conn:
        add_authority(conn, "PTA", "Pakistan Telecommunication Authority", "PK", "PTA")
        add_authority(conn, "MEITY", "MeitY (authorised agency)", "IN", "IN_GOVT")
    person(sqlite_store, "PTA", roles=("authority",))
    person(sqlite_store, "MEITY", roles=("authority",))
    person(sqlite_store, "amna", "ur-hate", roles=("reviewer",))
    stored(sqlite_store, "v1", SEXUAL_RU)
    yield Desk(sqlite_store, create_app(sqlite_store))


def sign_in(desk: Desk, who: str) -> tuple[TestClient, str]:
    client = TestClient(desk.app, base_url="http://testserver")  # type: ignore[arg-type]
    r = client.post(
        "/console/login",
        data={"username": who, "password": PASSWORD, "csrf": login_csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    sess = auth.session(desk.store, client.cookies.get("nigran_session"))
    assert sess is not None
    return client, sess.csrf


def send(client: TestClient, csrf: str, **fields: str) -> tuple[int, str]:
    r = client.post("/console/orders/new", data={"csrf": csrf, **fields}, follow_redirects=False)
    return r.status_code, r.headers.get("location", "") or r.text


def test_authority_sends_and_follows_an_order(desk: Desk) -> None:
    client, csrf = sign_in(desk, "PTA")
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/orders"
    form = client.get("/console/orders/new")
    assert form.status_code == 200 and "PK.DECENCY" in form.text and "IN.PUBORD" not in form.text
    status, where = send(
        client,
        csrf,
        order_type="standard",
        legal_ground="PK.DECENCY",
        items="v1\n",
        reasons="Obscene video reported by a citizen",
        external_ref="PTA/2026/7",
    )
    assert status == 303 and where.startswith("/console/orders/")
    page = client.get(where)
    assert page.status_code == 200
    assert "legal_review" in page.text and "PK.DECENCY" in page.text
    m = re.search(r"Deadline</dt><dd>([^<]+)<", page.text)
    assert m and m.group(1).strip().endswith("Z")
    listing = client.get("/console/orders").text
    assert "PTA/2026/7" in listing
    rows = list(csv.DictReader(io.StringIO(client.get("/console/orders/export.csv").text)))
    assert [r["external_ref"] for r in rows] == ["PTA/2026/7"]
    assert client.get("/console/orders/export.json").json()[0]["legal_ground"] == "PK.DECENCY"


def test_emergency_without_written_reasons_shows_what_is_missing(desk: Desk) -> None:
    client, csrf = sign_in(desk, "PTA")
    status, where = send(
        client, csrf, order_type="emergency", legal_ground="PK.DECENCY", items="v1"
    )
    assert status == 303
    page = client.get(where).text
    assert "needs_clarification" in page and "written_reasons" in page


def test_bad_form_is_refused_with_the_reason_and_nothing_stored(desk: Desk) -> None:
    client, csrf = sign_in(desk, "PTA")
    r = client.post(
        "/console/orders/new", data={"csrf": csrf, "order_type": "urgent", "items": "v1"}
    )
    assert r.status_code == 422 and "urgent" in r.text
    assert "No orders yet" in client.get("/console/orders").text
    forged = client.post("/console/orders/new", data={"csrf": "forged", "items": "v1"})
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_one_authority_never_sees_anothers_order(desk: Desk) -> None:
    pta, csrf = sign_in(desk, "PTA")
    _, where = send(pta, csrf, legal_ground="PK.DECENCY", items="v1", reasons="obscene")
    order_id = where.rsplit("/", 1)[1]
    meity, _ = sign_in(desk, "MEITY")
    theirs = meity.get(f"/console/orders/{order_id}")
    missing = meity.get("/console/orders/ffffffffffffffffffff")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(order_id, "X") == missing.text.replace("ffffffffffffffffffff", "X")
    assert order_id not in meity.get("/console/orders").text
    assert order_id not in meity.get("/console/orders/export.csv").text


def _routes() -> list[tuple[str, str]]:
    return [
        ("GET", "/console/orders"),
        ("GET", "/console/orders/new"),
        ("POST", "/console/orders/new"),
        ("GET", "/console/orders/export.csv"),
        ("GET", "/console/orders/ORDER"),
    ]


def test_every_authority_route_is_covered_and_refuses_reviewers(desk: Desk) -> None:
    declared = {
        (m, r.path) for r in authority_router.routes if isinstance(r, APIRoute) for m in r.methods
    }
    tested = {
        (m, p.replace("export.csv", "export.{fmt}").replace("ORDER", "{order_id}"))
        for m, p in _routes()
    }
    assert declared == tested
    client, csrf = sign_in(desk, "amna")
    for method, path in _routes():
        r = client.request(method, path, data={"csrf": csrf} if method == "POST" else None)
        assert r.status_code == 403, (method, path, r.status_code)
