from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.detect.media.hashing import pdq_from_image
from nigran.detect.media.samples import synthetic_image

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
    assert json.loads(_run("media", "bank", "import", "te", str(listing), "--actor", "alice")) == {
        "added": 1
    }
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
