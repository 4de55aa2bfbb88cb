"""``complainant_confidential``: a notifier's identity is withheld from the author, from views of
anyone without the legal role, and from the DSA export; legal staff still see it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nigran.api import create_app
from nigran.legal import authorities, dsa, reports
from nigran.legal.reports import WITHHELD, ReportIn
from nigran.model import ActionType
from nigran.store import Store
from nigran.store.tables_legal import notices
from tests.legal.conftest import T0

NAME = "Zainab Qureshi"
EMAIL = "zainab.q@example.org"


def _report(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "content": "v1",
        "reporter": "zq-77",
        "category": "hate",
        "jurisdiction": "PK",
        "explanation": "Sectarian abuse against a community",
        "reporter_name": NAME,
        "reporter_email": EMAIL,
        "good_faith": True,
    }
    base.update(kw)
    return base


@pytest.fixture
def client(legal_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(legal_store)) as c:
        yield c


@pytest.fixture
def keys(legal_store: Store) -> dict[str, str]:
    with legal_store.transaction() as conn:
        return {
            "legal": authorities.create_key(conn, "legal-1", "legal"),
            "platform": authorities.create_key(conn, "app-backend", "platform"),
        }


def h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _author_notices(store: Store, content_id: str) -> str:
    with store.read() as conn:
        rows = conn.execute(
            select(notices.c.text, notices.c.recipient).where(notices.c.content_id == content_id)
        ).all()
    return "\n".join(r.text for r in rows if r.recipient != "zq-77")


def test_the_pack_keeps_a_pk_complainant_confidential(
    legal_store: Store, client: TestClient, keys: dict[str, str]
) -> None:
    # PK.USER_GRIEVANCE says complainant_confidential: true.
    r = client.post("/v1/reports", headers=h(keys["platform"]), json=_report())
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["complainant_confidential"] is True
    assert NAME not in r.text and EMAIL not in r.text and made["reporter_name"] == WITHHELD
    seen_by_platform = client.get(f"/v1/reports/{made['id']}", headers=h(keys["platform"]))
    assert seen_by_platform.status_code == 200
    assert NAME not in seen_by_platform.text and "zq-77" not in seen_by_platform.text
    seen_by_legal = client.get(f"/v1/reports/{made['id']}", headers=h(keys["legal"])).json()
    assert (seen_by_legal["reporter_name"], seen_by_legal["reporter_email"]) == (NAME, EMAIL)
    assert seen_by_legal["reporter"] == "zq-77"
    decided = client.post(
        f"/v1/reports/{made['id']}/resolve",
        headers=h(keys["legal"]),
        json={"founded": True, "action": "withhold", "scope": "PK"},
    )
    assert decided.status_code == 200 and decided.json()["reporter_name"] == NAME
    author = _author_notices(legal_store, "v1")
    assert author and NAME not in author and "zq-77" not in author and EMAIL not in author


def test_a_notifier_may_ask_where_the_pack_does_not(
    client: TestClient, keys: dict[str, str]
) -> None:
    plain = client.post(
        "/v1/reports",
        headers=h(keys["platform"]),
        json=_report(content="v3", jurisdiction="DE", reporter="open-1"),
    ).json()
    asked = client.post(
        "/v1/reports",
        headers=h(keys["platform"]),
        json=_report(content="v3", jurisdiction="DE", reporter="shy-1", confidential=True),
    ).json()
    assert plain["complainant_confidential"] is False and plain["reporter_name"] == NAME
    assert asked["complainant_confidential"] is True and asked["reporter_name"] == WITHHELD
    got = client.get(f"/v1/reports/{asked['id']}", headers=h(keys["platform"])).json()
    assert got["reporter"] == WITHHELD and got["reporter_email"] == WITHHELD


def _flagged(store: Store, *, confidential: bool) -> list[dict[str, Any]]:
    with store.transaction() as conn:
        reports.add_trusted_flagger(
            conn,
            "hateaid",
            "HateAid",
            "DE",
            awarded_by="Bundesnetzagentur",
            expertise=["hate"],
            now=T0,
        )
        made = reports.submit(
            conn,
            ReportIn.model_validate(
                _report(
                    content="v3", jurisdiction="DE", reporter="hateaid", confidential=confidential
                )
            ),
            now=T0,
            flagger="hateaid",
        )
        reports.resolve(
            conn,
            made["id"],
            founded=True,
            reviewer="mod-1",
            action=ActionType.WITHHOLD,
            scope="DE",
            now=T0,
        )
        return dsa.collect(conn).statements


@pytest.mark.parametrize("confidential", [False, True])
def test_the_dsa_export_names_the_flagger_only_when_not_confidential(
    legal_store: Store, confidential: bool
) -> None:
    (sor,) = _flagged(legal_store, confidential=confidential)
    exported = orjson.dumps(sor).decode()
    assert sor["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert ("HateAid" in exported) is not confidential
    assert NAME not in exported and EMAIL not in exported
    assert NAME not in _author_notices(legal_store, "v3")
