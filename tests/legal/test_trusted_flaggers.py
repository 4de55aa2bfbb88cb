"""Trusted flaggers are accounts (DSA Art. 22): status awarded by a coordinator for areas of
expertise, recorded by legal staff, and counted only for notices the account files itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from nigran import ledger
from nigran.api import create_app
from nigran.cli import build_app
from nigran.legal import authorities, dsa
from nigran.review import auth
from nigran.store import Store
from nigran.store.tables import cases

NOTICE: dict[str, Any] = {
    "content": "v3",
    "category": "hate",
    "jurisdiction": "DE",
    "explanation": "Incites hatred against a religious group",
    "good_faith": True,
}
runner = CliRunner()


@pytest.fixture
def client(legal_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(legal_store)) as c:
        yield c


def h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def cli(store_url: str, *args: str) -> Any:
    return runner.invoke(build_app(), [*args, "--db", store_url])


def _award(store_url: str, *extra: str, user: str = "lena") -> Any:
    return cli(
        store_url,
        "reports",
        "trusted-flagger",
        "hateaid",
        "--name",
        "HateAid",
        "--jurisdiction",
        "DE",
        "--awarded-by",
        "Bundesnetzagentur",
        "--expertise",
        "hate,harassment",
        "--awarded-on",
        "2025-06-01T00:00:00Z",
        "--as",
        user,
        *extra,
    )


def test_status_is_the_authenticated_accounts_not_a_reporter_id(
    legal_store: Store, store_url: str, client: TestClient
) -> None:
    auth.add_user(legal_store, "lena", "correct horse battery", roles=["legal"])
    auth.add_user(legal_store, "rafi", "correct horse battery", roles=["reviewer"])
    refused = _award(store_url, "--issue-key", user="rafi")
    assert refused.exit_code == 2 and "legal" in refused.output
    r = _award(store_url, "--issue-key")
    assert r.exit_code == 0, r.output
    awarded = orjson.loads(r.output)
    assert awarded["recorded_by"] == "lena" and awarded["expertise"] == ["harassment", "hate"]
    assert awarded["awarded_at"].startswith("2025-06-01")
    flagger_key = awarded["api_key"]
    with legal_store.transaction() as conn:
        platform_key = authorities.create_key(conn, "app-backend", "platform")

    # The platform naming the flagger's id in the body: an ordinary notice, identity required.
    posed = client.post(
        "/v1/reports", headers=h(platform_key), json={**NOTICE, "reporter": "hateaid"}
    )
    assert posed.status_code == 400 and "reporter_name" in posed.text
    posed = client.post(
        "/v1/reports",
        headers=h(platform_key),
        json={
            **NOTICE,
            "reporter": "hateaid",
            "reporter_name": "Someone",
            "reporter_email": "s@example.org",
        },
    )
    assert posed.status_code == 201 and posed.json()["source"] == "notice"

    # The flagger's own key, within its areas and jurisdiction: a trusted flagger's notice,
    # whatever reporter id the body names.
    own = client.post(
        "/v1/reports", headers=h(flagger_key), json={**NOTICE, "reporter": "someone-else"}
    )
    assert own.status_code == 201, own.text
    mine = own.json()
    assert (mine["source"], mine["reporter"]) == ("trusted_flagger", "hateaid")
    # Outside its expertise, or outside its jurisdiction: ordinary notices.
    outside = client.post(
        "/v1/reports",
        headers=h(flagger_key),
        json={
            **NOTICE,
            "reporter": "hateaid",
            "category": "fraud",
            "reporter_name": "HateAid gGmbH",
            "reporter_email": "meldung@example.org",
        },
    )
    assert outside.status_code == 201 and outside.json()["source"] == "notice"
    with legal_store.read() as conn:
        lanes = {
            r.id: (r.queue, r.priority)
            for r in conn.execute(select(cases.c.id, cases.c.queue, cases.c.priority))
        }
    tf_case, user_case = lanes[mine["case_id"]], lanes[posed.json()["case_id"]]
    assert tf_case[0] == "trusted-flaggers" and tf_case[1] > user_case[1]  # Art. 22 priority

    # Revoked by legal: the same key's next notice is an ordinary one.
    gone = cli(
        store_url,
        "reports",
        "revoke-trusted-flagger",
        "hateaid",
        "--reason",
        "BNetzA revoked the status",
        "--as",
        "lena",
    )
    assert gone.exit_code == 0, gone.output
    assert orjson.loads(gone.output)["revoked_by"] == "lena"
    after = client.post(
        "/v1/reports",
        headers=h(flagger_key),
        json={
            **NOTICE,
            "reporter": "hateaid",
            "reporter_name": "HateAid gGmbH",
            "reporter_email": "meldung@example.org",
        },
    )
    assert after.status_code == 201 and after.json()["source"] == "notice"
    with legal_store.transaction() as conn:
        legal_key = authorities.create_key(conn, "legal-1", "legal")
    listed = client.get("/v1/trusted-flaggers", headers=h(legal_key))
    assert client.get("/v1/trusted-flaggers", headers=h(platform_key)).status_code == 403
    (tf,) = listed.json()
    assert (tf["id"], tf["active"], tf["revoked_by"], tf["awarded_by"]) == (
        "hateaid",
        False,
        "lena",
        "Bundesnetzagentur",
    )
    with legal_store.read() as conn:
        kinds = {e.kind for e in ledger.entries(conn)}
    assert "trusted_flagger.added" in kinds and "trusted_flagger.revoked" in kinds


def test_the_dsa_export_names_the_awarding_authority(
    legal_store: Store, store_url: str, client: TestClient
) -> None:
    auth.add_user(legal_store, "lena", "correct horse battery", roles=["legal"])
    key = orjson.loads(_award(store_url, "--issue-key").output)["api_key"]
    made = client.post("/v1/reports", headers=h(key), json={**NOTICE, "reporter": "x"}).json()
    with legal_store.transaction() as conn:
        legal_key = authorities.create_key(conn, "legal-1", "legal")
    done = client.post(
        f"/v1/reports/{made['id']}/resolve",
        headers=h(legal_key),
        json={"founded": True, "action": "withhold", "scope": "DE"},
    )
    assert done.status_code == 200, done.text
    with legal_store.read() as conn:
        (sor,) = dsa.collect(conn).statements
    assert sor["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert (
        sor["source_identity"] == "HateAid (trusted flagger, status awarded by Bundesnetzagentur)"
    )
