"""The review API: tokens, the whole claim → decide path, and 403 on every route not allowed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.review import auth
from nigran.store import Store
from tests.factories import THREAT_UR
from tests.review.support import person, report, stored


@dataclass
class World:
    client: TestClient
    tokens: dict[str, dict[str, str]]
    case_id: str


@pytest.fixture
def world(sqlite_store: Store) -> Iterator[World]:
    store = sqlite_store
    people = {
        "amna": ("ur-hate", ("reviewer",)),
        "bilal": ("ur-sexual", ("reviewer",)),
        "lead1": ("", ("lead",)),
        "legal1": ("", ("legal",)),
        "auth1": ("", ("authority",)),
        "admin1": ("", ("admin",)),
    }
    tokens = {}
    for who, (queue, roles) in people.items():
        person(store, who, *([queue] if queue else []), roles=roles)
        tokens[who] = {"Authorization": f"Bearer {auth.create_token(store, who)}"}
    c = stored(store, "a1", THREAT_UR)
    cid = report(store, c, category="threat", severity=4)
    with TestClient(create_app(store)) as client:
        yield World(client, tokens, cid)


def test_claim_and_decide_over_http(world: World) -> None:
    c, h = world.client, world.tokens["amna"]
    qs = c.get("/v1/review/queues", headers=h).json()
    assert [q["id"] for q in qs] == ["ur-hate"] and qs[0]["open"] == 1
    got = c.post("/v1/review/queues/ur-hate/claim", headers=h)
    assert got.status_code == 200 and got.json()["case_id"] == world.case_id
    assert got.json()["held"] is False
    # One claim at a time: asking again returns the case already held, not a new one.
    held = c.post("/v1/review/queues/ur-hate/claim", headers=h)
    assert held.status_code == 200 and held.json()["case_id"] == world.case_id
    assert held.json()["held"] is True and held.json()["seq"] == got.json()["seq"]
    detail = c.get(f"/v1/review/cases/{world.case_id}", headers=h).json()
    assert detail["content"]["texts"]["body"] == THREAT_UR and "expected" not in detail["case"]
    law = c.post(
        f"/v1/review/cases/{world.case_id}/decision",
        headers=h,
        json={"action": "withhold", "ground": "law:PK.PECA_37", "countries": ["PK"]},
    )
    assert law.status_code == 403  # legal grounds need the legal or lead role
    r = c.post(
        f"/v1/review/cases/{world.case_id}/decision",
        headers=h,
        json={"action": "remove", "ground": "policy:threat"},
    )
    assert r.status_code == 200, r.text
    vis = c.get("/v1/visibility/a1", params={"country": "PK"}).json()
    assert vis["visible"] is False
    again = c.post(f"/v1/review/cases/{world.case_id}/decision", headers=h, json={"action": "none"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "claim_conflict"
    assert c.post("/v1/review/queues/ur-hate/claim", headers=h).status_code == 204


def test_missing_or_bad_token_is_401(world: World) -> None:
    assert world.client.get("/v1/review/queues").status_code == 401
    bad = {"Authorization": "Bearer ngr_nope"}
    assert world.client.get("/v1/review/queues", headers=bad).status_code == 401


def _routes(world: World) -> list[tuple[str, str, dict[str, object] | None]]:
    cid = world.case_id
    return [
        ("GET", "/v1/review/queues", None),
        ("POST", "/v1/review/queues/ur-hate/claim", None),
        ("GET", f"/v1/review/cases/{cid}", None),
        ("POST", f"/v1/review/cases/{cid}/decision", {"action": "none"}),
        ("POST", f"/v1/review/cases/{cid}/escalate", {"to": "lead"}),
        ("POST", f"/v1/review/cases/{cid}/second-opinion", {"note": ""}),
        ("POST", f"/v1/review/cases/{cid}/release", None),
        ("POST", "/v1/review/reports", {"content_id": "a1", "category": "hate"}),
        ("GET", "/v1/review/qa", None),
        ("POST", "/v1/review/qa/sample", {"rate": 1.0}),
        ("POST", "/v1/review/sla/sweep", None),
        ("GET", "/v1/review/users", None),
        ("POST", "/v1/review/users", {"id": "zz", "password": "0123456789x"}),
        ("GET", "/v1/review/me/wellness", None),
        ("PATCH", "/v1/review/me/wellness", {"blur": 1}),
    ]


# Which routes each role may NOT use (everything else it may).
FORBIDDEN = {
    "bilal": {  # a reviewer of another queue: none of this case, no lead or admin pages
        "/v1/review/queues/ur-hate/claim",
        "/v1/review/cases/{cid}",
        "/v1/review/cases/{cid}/decision",
        "/v1/review/cases/{cid}/escalate",
        "/v1/review/cases/{cid}/second-opinion",
        "/v1/review/cases/{cid}/release",
        "/v1/review/reports",
        "/v1/review/qa",
        "/v1/review/qa/sample",
        "/v1/review/sla/sweep",
        "/v1/review/users",
    },
    "amna": {
        "/v1/review/reports",
        "/v1/review/qa",
        "/v1/review/qa/sample",
        "/v1/review/sla/sweep",
        "/v1/review/users",
    },
    "lead1": {"/v1/review/users"},
    "auth1": "all",
}


def test_every_review_route_is_in_the_403_table(world: World) -> None:
    paths = world.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    declared = {
        (m.upper(), p) for p, ops in paths.items() if p.startswith("/v1/review") for m in ops
    }
    tested = {
        (m, p.replace(world.case_id, "{case_id}").replace("ur-hate", "{queue}"))
        for m, p, _ in _routes(world)
    }
    assert declared == tested


@pytest.mark.parametrize("who", sorted(FORBIDDEN))
def test_403_on_every_route_the_role_cannot_use(world: World, who: str) -> None:
    c = world.client
    banned = FORBIDDEN[who]
    for method, path, body in _routes(world):
        key = path.replace(world.case_id, "{cid}")
        if banned != "all" and key not in banned:
            continue
        r = c.request(method, path, headers=world.tokens[who], json=body)
        assert r.status_code == 403, (who, method, path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    # Nothing was changed by any refused request.
    detail = c.get(f"/v1/review/cases/{world.case_id}", headers=world.tokens["lead1"]).json()
    assert detail["case"]["status"] == "open" and detail["case"]["claimed_by"] is None
    assert [u["id"] for u in c.get("/v1/review/users", headers=world.tokens["admin1"]).json()] == [
        "admin1",
        "amna",
        "auth1",
        "bilal",
        "lead1",
        "legal1",
    ]


def test_reviewer_sees_only_assigned_queues(world: World) -> None:
    c = world.client
    assert [q["id"] for q in c.get("/v1/review/queues", headers=world.tokens["bilal"]).json()] == [
        "ur-sexual"
    ]
    assert len(c.get("/v1/review/queues", headers=world.tokens["lead1"]).json()) > 5


def test_a_reviewer_reads_and_sets_their_own_wellness(world: World) -> None:
    c, h = world.client, world.tokens["amna"]
    got = c.get("/v1/review/me/wellness", headers=h).json()
    assert got["settings"] == {
        "blur": 2,
        "greyscale": True,
        "mute": True,
        "autoplay": False,
        "queue_thumbnails": False,
        "exposure_limit": None,
    }
    assert got["exposure"] == {"graphic": 0, "limit": 20, "seconds": 0.0, "suggest_break": False}
    r = c.patch("/v1/review/me/wellness", headers=h, json={"blur": 3, "exposure_limit": 5})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["blur"] == 3 and r.json()["exposure"]["limit"] == 5
    assert r.json()["settings"]["greyscale"] is True  # what was not sent is kept
    again = c.get("/v1/review/me/wellness", headers=h).json()
    assert again["settings"]["blur"] == 3 and again["settings"]["exposure_limit"] == 5
    back = c.patch("/v1/review/me/wellness", headers=h, json={"exposure_limit": None})
    assert back.json()["settings"]["exposure_limit"] is None
    for bad in ({"blur": 9}, {"severe_cap": 400}, {"exposure_limit": 0}):
        assert c.patch("/v1/review/me/wellness", headers=h, json=bad).status_code == 422, bad
    assert c.get("/v1/review/me/wellness").status_code == 401
