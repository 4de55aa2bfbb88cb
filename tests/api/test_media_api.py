"""Upload media through the API, then moderate content that carries it: banked images match."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.banks.hashes import BankStore
from nigran.detect.media.banks import Bank
from nigran.detect.media.hashing import pdq_from_image
from nigran.detect.media.samples import synthetic_image
from nigran.store import Store


@pytest.fixture
def client(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("NIGRAN_DATA_DIR", str(tmp_path / "data"))
    banks = BankStore(sqlite_store)
    with banks.change() as hb:
        hb.create_bank(Bank("ncii", category="sexual", severity=4), actor="alice")
        hb.add_entry("ncii", "pdq", pdq_from_image(synthetic_image(7)).hex, actor="alice")
    with TestClient(create_app(sqlite_store)) as c:
        yield c


def jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    buf = io.BytesIO()
    synthetic_image(seed, size).save(buf, format="JPEG", quality=70)
    return buf.getvalue()


def test_uploaded_copy_of_a_banked_image_is_acted_on(client: TestClient) -> None:
    up = client.post(
        "/v1/media", files={"file": ("a.jpg", jpeg(7, (320, 240)))}, data={"kind": "image"}
    )
    assert up.status_code == 200, up.text
    ref = up.json()
    assert ref["kind"] == "image" and len(ref["sha256"]) == 64
    item = {
        "id": "img-1",
        "kind": "image",
        "author": "u",
        "upload_country": "PK",
        "texts": {"caption": "dekho"},
        "media": [ref],
    }
    result = client.post("/v1/content", json=item).json()["items"][0]["result"]
    assert "sexual" in result["categories"] and result["outcome"] in {"withhold", "remove"}
    got = client.get("/v1/content/img-1").json()
    hit = next(s["signal"] for s in got["signals"] if s["signal"]["source"] == "hash_match")
    assert hit["evidence"]["bank"] == "ncii" and hit["evidence"]["distance"] <= 31


def test_unrelated_image_does_not_match(client: TestClient) -> None:
    ref = client.post(
        "/v1/media", files={"file": ("b.jpg", jpeg(99))}, data={"kind": "image"}
    ).json()
    item = {"id": "img-2", "kind": "image", "author": "u", "texts": {}, "media": [ref]}
    result = client.post("/v1/content", json=item).json()["items"][0]["result"]
    assert "sexual" not in result["categories"]


def test_non_image_upload_is_refused(client: TestClient) -> None:
    r = client.post(
        "/v1/media", files={"file": ("x.jpg", b"not an image at all")}, data={"kind": "image"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_media"
    empty = client.post("/v1/media", files={"file": ("e.mp4", b"")}, data={"kind": "video"})
    assert empty.status_code == 422
