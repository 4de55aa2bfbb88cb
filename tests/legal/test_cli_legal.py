"""The legal commands end to end on a SQLite file, as docs/legal.md shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nigran.cli import build_app
from tests.factories import THREAT_UR

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("NIGRAN_DATABASE_URL", url)
    return url


def run(*args: str, stdin: str | None = None) -> str:
    r = runner.invoke(build_app(), list(args), input=stdin)
    assert r.exit_code == 0, r.output
    return r.output


def add_user(name: str, *roles: str) -> None:
    role_args = [a for r in roles for a in ("--role", r)]
    run("users", "add", name, *role_args, "--password-stdin", stdin="correct horse battery\n")


def test_order_notice_appeal_and_dsa_commands(db: str, tmp_path: Path) -> None:
    stream = tmp_path / "in.jsonl"
    stream.write_text(
        "\n".join(
            json.dumps(x, ensure_ascii=False)
            for x in [
                {
                    "id": "v1",
                    "kind": "video",
                    "author": "ayesha",
                    "texts": {"caption": "آج ہم نے بریانی بنائی ہے"},
                    "upload_country": "PK",
                },
                {
                    "id": "t1",
                    "kind": "comment",
                    "author": "zed",
                    "texts": {"body": THREAT_UR},
                    "upload_country": "DE",
                },
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    run("moderate", str(stream), "--out", str(tmp_path / "d.jsonl"))
    add_user("legal-1", "legal")
    add_user("legal-2", "legal")
    run(
        "authorities",
        "add",
        "PTA",
        "--name",
        "Pakistan Telecommunication Authority",
        "--jurisdiction",
        "PK",
        "--requester",
        "PTA",
    )
    order = tmp_path / "order.json"
    order.write_text(
        json.dumps(
            {
                "legal_ground": "PK.DECENCY",
                "items": ["v1"],
                "reasons": "obscene",
                "external_ref": "PTA/1",
            }
        )
    )
    got = json.loads(
        run("orders", "receive", str(order), "--authority", "PTA", "--at", "2026-11-20T09:00:00Z")
    )
    assert got["deadline"] == "2026-11-22T09:00:00Z" and got["status"] == "legal_review"
    # Routing to legal review is not an acknowledgement; legal staff confirm receipt.
    assert got["acknowledged_at"] is None
    acked = json.loads(
        run(
            "orders",
            "acknowledge",
            got["id"],
            "--reviewer",
            "legal-2",
            "--at",
            "2026-11-20T09:30:00Z",
        )
    )
    assert acked["acknowledged_at"] == "2026-11-20T09:30:00Z"
    assert acked["events"][-1]["actor"] == "reviewer:legal-2"
    decided = json.loads(
        run("orders", "decide", got["id"], "--reviewer", "legal-1", "--at", "2026-11-20T11:00:00Z")
    )
    assert decided["status"] == "actioned" and decided["within_deadline"] is True
    assert "PTA/1" in run("orders", "export", "--authority", "PTA")
    shown = run("notices", "show", "v1")
    assert "[ur]" in shown and "پاکستان میں روک دیا گیا ہے" in shown
    assert "1 notices issued" in run("notices", "issue")  # the automated removal of t1
    appeal = json.loads(
        run("appeals", "file", "v1", "--appellant", "ayesha", "--reason", "cooking video")
    )
    out = json.loads(
        run(
            "appeals",
            "decide",
            appeal["id"],
            "--reviewer",
            "legal-2",
            "--outcome",
            "reversed",
            "--reason",
            "not indecent",
        )
    )
    assert out["status"] == "reversed"
    export = run("dsa", "export", "--out", str(tmp_path / "sor"))
    assert "1 statements in 1 file(s)" in export and "0 invalid" in export
    run("dsa", "validate", str(tmp_path / "sor" / "sor-00001.json"))
    run("ledger", "verify")
