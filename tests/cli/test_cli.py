"""The command line: bad input is reported by line and the rest is processed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.store import Store
from nigran.store.tables import ledger as ledger_table
from tests.factories import BENIGN_UR, THREAT_UR

runner = CliRunner()


def line(id: str, text: str) -> str:
    return json.dumps(
        {"id": id, "kind": "comment", "author": "u", "texts": {"body": text}}, ensure_ascii=False
    )


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("NIGRAN_DATABASE_URL", url)
    return url


def test_moderate_reports_bad_lines_and_processes_the_rest(tmp_path: Path, db: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        "\n".join(
            [
                line("a", THREAT_UR),
                "{broken",
                json.dumps({"id": "b", "kind": "comment", "author": "u"}),
                line("c", "z" * 20_001),
                line("d", BENIGN_UR),
            ]
        ).encode()
        + b"\n\xff\xfe\n"
        + line("a", THREAT_UR).encode()
        + b"\n"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(build_app(), ["moderate", str(src), "--out", str(out)])
    assert result.exit_code == 1, result.output
    text = result.output
    assert "line 2: malformed JSON" in text
    assert "line 3:" in text and "nothing to moderate" in text
    assert "line 4: texts.body" in text
    assert "line 6: invalid UTF-8" in text
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["id"], r["duplicate"]) for r in rows] == [("a", False), ("d", False), ("a", True)]
    assert rows[0]["outcome"] == "remove"
    assert "Decisions by language" in text and "7 read" in text and "2 moderated" in text


def test_moderate_from_stdin_to_stdout(db: str) -> None:
    result = runner.invoke(
        build_app(), ["moderate", "-", "--out", "-"], input=line("s", THREAT_UR) + "\n"
    )
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout.splitlines()[0])
    assert first["id"] == "s" and first["outcome"] == "remove"


def test_missing_file_is_a_clear_error(db: str) -> None:
    result = runner.invoke(build_app(), ["moderate", "/no/such/file.jsonl"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_ledger_verify_catches_tampering(tmp_path: Path, db: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(line("a", THREAT_UR) + "\n" + line("b", BENIGN_UR) + "\n", encoding="utf-8")
    assert (
        runner.invoke(
            build_app(), ["moderate", str(src), "-o", str(tmp_path / "o.jsonl")]
        ).exit_code
        == 0
    )
    ok = runner.invoke(build_app(), ["ledger", "verify"])
    assert ok.exit_code == 0 and "ledger OK" in ok.output
    store = Store.open(db)
    with store.transaction() as conn:
        conn.execute(ledger_table.update().where(ledger_table.c.seq == 2).values(kind="forged"))
    broken = runner.invoke(build_app(), ["ledger", "verify"])
    assert broken.exit_code == 1 and "entry 2" in broken.output


def test_db_upgrade(db: str) -> None:
    from alembic.script import ScriptDirectory

    result = runner.invoke(build_app(), ["db", "upgrade"])
    heads = ScriptDirectory.from_config(Store.open(db).alembic_config()).get_heads()
    assert heads
    assert result.exit_code == 0 and ",".join(sorted(heads)) in result.output


def test_a_bad_setting_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "c1", "kind": "comment", "author": "a", "texts": {"body": "hi"}}\n')
    for name, value in (("NIGRAN_TEXT_ENCODER", "bert"), ("NIGRAN_FREEZE_HEAP", "maybe")):
        env = {**os.environ, name: value}
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                "from nigran.cli import main; main()",
                "moderate",
                str(items),
                "--db",
                f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "--out",
                str(tmp_path / "d.jsonl"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert run.stderr.strip() == f"error: invalid setting: {name} must be " + (
            f"e5 or off, not {value!r}" if "ENCODER" in name else f"true or false, not {value!r}"
        )
