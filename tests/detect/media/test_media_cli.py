from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.detect.media.hashing import pdq_from_image
from nigran.detect.media.samples import synthetic_image
from tests.factories import stored_ref

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("NIGRAN_DATABASE_URL", url)
    return url


def _run(*args: str) -> str:
    result = runner.invoke(build_app(), list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_bank_import_match_export_and_ledger(tmp_path: Path, db: str) -> None:
    image = synthetic_image(8)
    image.save(tmp_path / "banked.jpg")
    image.resize((300, 225)).save(tmp_path / "copy.png")
    listing = tmp_path / "te.txt"
    listing.write_text(f"pdq {pdq_from_image(image).hex}\n")
    _run("media", "bank", "create", "te", "--actor", "alice", "--distance", "24")
    imported = json.loads(_run("media", "bank", "import", "te", str(listing), "--actor", "alice"))
    assert imported == {"added": 1, "rescan": []}  # nothing stored yet to re-match
    found = json.loads(_run("media", "match", str(tmp_path / "copy.png")))
    assert [m["bank"] for m in found["matches"]] == ["te"]
    assert _run("media", "bank", "export", "te") == listing.read_text()
    _run("media", "bank", "set", "1", "disable", "--actor", "bob", "--reason", "false positive")
    assert json.loads(_run("media", "match", str(tmp_path / "copy.png")))["matches"] == []
    assert "ledger OK: 4 entries" in _run("ledger", "verify")


def test_bad_file_is_a_clear_error(tmp_path: Path, db: str) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    result = runner.invoke(build_app(), ["media", "hash", str(tmp_path / "empty.mp4")])
    assert result.exit_code == 2
    assert "empty (0 bytes)" in result.output


def test_banking_a_file_rescans_what_was_already_moderated(tmp_path: Path, db: str) -> None:
    upload = synthetic_image(9)
    upload.save(tmp_path / "upload.jpg", quality=80)
    item = {
        "id": "post-1",
        "kind": "image",
        "author": "u1",
        "upload_country": "PK",
        "media": [{"ref": stored_ref(tmp_path / "upload.jpg"), "kind": "image"}],
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(item) + "\n")
    _run("moderate", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out.jsonl"))
    assert json.loads((tmp_path / "out.jsonl").read_text())["outcome"] == "none"
    upload.resize((320, 240)).save(tmp_path / "reported.png")  # the copy a victim reported
    _run("media", "bank", "create", "ncii", "--actor", "trust-safety")
    out = json.loads(
        _run(
            "media",
            "bank",
            "add",
            "ncii",
            "--file",
            str(tmp_path / "reported.png"),
            "--actor",
            "trust-safety",
            "--source",
            "victim report",
        )
    )
    (hit,) = out["rescan"]
    assert hit["content_id"] == "post-1" and hit["outcome"] in ("withhold", "remove")
    assert "ledger OK" in _run("ledger", "verify")


def test_video_hash_in_pytx_and_vpdq_file_forms(video_a: Path, db: str) -> None:
    from nigran.detect.media.vpdq import VideoHash

    ours = json.loads(_run("media", "hash", str(video_a)))["vpdq"]
    pytx = json.loads(_run("media", "hash", str(video_a), "--vpdq", "pytx"))["vpdq"]
    lines = _run("media", "hash", str(video_a), "--vpdq", "file")
    hexes = [f["pdq"] for f in ours]
    assert [f.hex for f in VideoHash.from_pytx(pytx).frames] == hexes
    assert [f.hex for f in VideoHash.from_vpdq_file(lines).frames] == hexes
    result = runner.invoke(build_app(), ["media", "hash", str(video_a), "--vpdq", "xml"])
    assert result.exit_code == 2 and "--vpdq must be" in result.output


def test_media_match_finds_mirrored_and_rotated_copies_of_a_banked_video(
    video_a: Path, video_b: Path, transcoded: Callable[..., Path], db: str
) -> None:
    """``media match`` matches in all 8 orientations, as ``moderate`` does."""
    mirrored = transcoded(video_a, "cli-mirrored.mp4", mirror=True, size=(160, 120))
    rotated = transcoded(video_a, "cli-rotated.mp4", rotate=True, size=(120, 160))
    _run("media", "bank", "create", "tv", "--actor", "alice")
    _run("media", "bank", "add", "tv", "--file", str(video_a), "--actor", "alice")
    for copy in (mirrored, rotated):
        found = json.loads(_run("media", "match", str(copy)))
        assert [(m["bank"], m["category"]) for m in found["matches"]] == [("tv", "sexual")], copy
    assert json.loads(_run("media", "match", str(video_b)))["matches"] == []
