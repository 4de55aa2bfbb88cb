"""Every input is checked before the database: a bad item is refused with a code and its
position, never a 500 after part of the batch was written (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nigran.api import create_app
from nigran.cli import build_app
from nigran.store import Store
from tests.factories import BENIGN_UR, THREAT_UR


def body(id: str, text: str = BENIGN_UR, **kw: Any) -> dict[str, Any]:
    return {"id": id, "kind": "comment", "author": "u1", "texts": {"body": text}, **kw}


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, max_request_bytes=64 * 1024)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


BAD_ITEMS: list[tuple[str, dict[str, Any], str]] = [
    ("version 2^31", body("v", version=2**31), "version"),
    ("version 2^63", body("v", version=2**63), "version"),
    ("views 2^64", body("v", reach={"views": 2**64}), "reach.views"),
    ("NUL in language_hint", body("v", language_hint="ur\x00"), "U+0000"),
    ("NUL in a text", body("v", "a\x00b"), "texts.body: control character U+0000"),
    ("escape in a text", body("v", "a\x1bb"), "U+001B"),
    ("unknown language", body("v", language_hint="xx-Latn"), "not a known language tag"),
    ("language of any shape", body("v", language_hint="sixteen chars!!!"), "language tag"),
    ("RLO in id", body("ab\u202egpj.exe"), "bidirectional control U+202E"),
    ("isolate in author", body("v", author="adm\u2066in"), "bidirectional control U+2066"),
    ("absolute media", body("v", media=[{"ref": "/etc/hostname", "kind": "image"}]), "relative"),
    ("file URL", body("v", media=[{"ref": "file:///etc/hostname", "kind": "image"}]), "URL"),
    ("dot-dot", body("v", media=[{"ref": "a/../../x.png", "kind": "image"}]), "'..'"),
    ("NUL in a ref", body("v", media=[{"ref": "a\x00.png", "kind": "image"}]), "U+0000"),
]


@pytest.mark.parametrize(("name", "bad", "message"), BAD_ITEMS, ids=[b[0] for b in BAD_ITEMS])
def test_a_bad_item_is_refused_in_its_slot_and_the_rest_is_written(
    client: TestClient, name: str, bad: dict[str, Any], message: str
) -> None:
    r = client.post("/v1/content", json={"items": [body("ok1", THREAT_UR), bad, body("ok2")]})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["status"] for i in items] == ["moderated", "error", "moderated"]
    assert items[1]["index"] == 1 and items[1]["error"]["code"] == "invalid_content"
    assert message in items[1]["error"]["message"]
    single = client.post("/v1/content", json=bad)
    assert single.status_code == 422 and message in single.json()["error"]["message"]


def test_texts_keep_tabs_and_line_breaks_and_known_tags_pass(client: TestClient) -> None:
    items = [
        body("t1", "line one\n\tline two\r\n", language_hint="ur-Latn"),
        body("t2", language_hint="und-Latn"),
        body("t3", language_hint="pnb"),
        body("t4", version=2**31 - 1),
        body("t5", "mojibake of an emoji: \u00f0\u0178\u02dc\u0090 stays moderable"),
    ]
    r = client.post("/v1/content", json=items)
    assert [i["status"] for i in r.json()["items"]] == ["moderated"] * 5, r.text
    got = client.get("/v1/content/t4", params={"version": 2**31 - 1})
    assert got.status_code == 200 and got.json()["content"]["version"] == 2**31 - 1


def test_ranges_and_controls_in_paths_and_queries_are_4xx(client: TestClient) -> None:
    assert client.get("/v1/content/x", params={"version": 2**31}).status_code == 422
    assert client.get("/v1/content/x", params={"version": 2**63}).status_code == 422
    nul_path = client.get("/v1/content/a%00b")
    assert nul_path.status_code == 400 and "U+0000" in nul_path.json()["error"]["message"]
    nul_query = client.get("/v1/visibility/x", params={"country": "P\x00"})
    assert nul_query.status_code == 400 and nul_query.json()["error"]["where"] == "query.country"


def test_media_refs_reveal_nothing_outside_the_store(client: TestClient, tmp_path: Path) -> None:
    """An absolute path is refused the same way whether the file exists or not."""
    there = tmp_path / "there.png"
    there.write_bytes(b"\x89PNG")
    answers = [
        client.post("/v1/content", json=body("m", media=[{"ref": str(p), "kind": "image"}])).json()
        for p in (there, tmp_path / "missing.png")
    ]
    assert answers[0] == answers[1] and answers[0]["error"]["code"] == "invalid_content"
    evaluate = client.post(
        "/v1/policy/evaluate",
        json={"content": body("m", media=[{"ref": "a\x00.png", "kind": "image"}])},
    )
    assert evaluate.status_code in (400, 422), evaluate.text


def test_a_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    for path in ("/v1/content", "/v1/policy/evaluate"):
        r = client.post(path, content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413, (path, r.text)
        assert r.json()["error"]["code"] == "payload_too_large"


def test_moderate_reports_bad_lines_and_goes_on(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIGRAN_DATABASE_URL", store_url)
    lines = [body(f"ok{i}") for i in range(3)]
    lines.insert(1, body("big", version=2**31))
    lines.insert(3, body("nul", language_hint="ur\x00"))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(build_app(), ["moderate", str(src), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "line 2:" in result.output and "line 4:" in result.output
    written = [json.loads(x)["id"] for x in out.read_text().splitlines()]
    assert written == ["ok0", "ok1", "ok2"]
