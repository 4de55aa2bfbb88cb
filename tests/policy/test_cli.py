from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.policy.packs import packs_dir

runner = CliRunner()


def test_lint_shipped_is_clean() -> None:
    r = runner.invoke(build_app(), ["policy", "lint"])
    assert r.exit_code == 0, r.output
    assert "4 pack(s) and 2 rules file(s) valid" in r.output


def test_lint_refuses_a_malformed_pack_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "PK.yaml"
    shutil.copy(packs_dir() / "PK.yaml", bad)
    lines = bad.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if "deadline: PT12H" in line)
    lines[n] = lines[n].replace("PT12H", "12 hours")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(build_app(), ["policy", "lint", str(bad)])
    assert r.exit_code == 1
    assert f"{bad}:{n + 1}: order_types.PK.PTA_EMERGENCY.terms.0.deadline" in r.output


def test_deadline_command() -> None:
    r = runner.invoke(
        build_app(), ["policy", "deadline", "IN", "IN.ORDER_3_1_D", "2026-02-19T10:00:00+05:30"]
    )
    assert r.exit_code == 0, r.output
    assert "due 2026-02-20T22:00:00+05:30" in r.output  # 36 h: the old term


def test_explain_shows_rules_and_visibility(tmp_path: Path) -> None:
    item = tmp_path / "item.json"
    item.write_text(
        json.dumps(
            {
                "id": "v1",
                "kind": "video",
                "author": "a",
                "upload_country": "PK",
                "texts": {"caption": "caption"},
            }
        )
    )
    sigs = tmp_path / "sigs.json"
    sigs.write_text(
        json.dumps(
            [
                {
                    "source": "classifier",
                    "detector": "t",
                    "category": "sexual",
                    "score": 0.86,
                    "language": "ur-Latn",
                }
            ]
        )
    )
    r = runner.invoke(
        build_app(),
        [
            "policy",
            "explain",
            str(item),
            "--signals",
            str(sigs),
            "--viewer-age",
            "30",
            "-c",
            "PK",
            "-c",
            "DE",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "law.decency" in r.output and "withhold in PK on law:PK.DECENCY" in r.output
    assert "PK withheld, DE visible" in r.output


def test_diff_from_history_file(tmp_path: Path) -> None:
    rows = [
        {
            "content": {"id": "h1", "kind": "text", "author": "a", "texts": {"body": "x"}},
            "signals": [
                {
                    "source": "lexicon",
                    "detector": "t",
                    "category": "hate",
                    "score": 0.93,
                    "language": "ur-Latn",
                }
            ],
            "context": {"now": "2026-11-01T00:00:00Z"},
        },
        {
            "content": {"id": "h2", "kind": "text", "author": "a", "texts": {"body": "y"}},
            "signals": [],
            "context": {"now": "2026-11-01T00:00:00Z"},
        },
    ]
    hist = tmp_path / "h.jsonl"
    hist.write_text("\n".join(json.dumps(r) for r in rows))
    r = runner.invoke(
        build_app(),
        ["policy", "diff", "--from", "2026.11.0", "--to", "2026.12.0", "--history", str(hist)],
    )
    assert r.exit_code == 0, r.output
    assert "1 of 2 decisions would change" in r.output and "by category: hate 1" in r.output
    r = runner.invoke(
        build_app(),
        [
            "policy",
            "diff",
            "--from",
            "2026.11.0",
            "--to",
            "2026.12.0",
            "--history",
            str(hist),
            "--since",
            "2026-11-02",
        ],
    )
    assert "0 of 0 decisions would change" in r.output


def test_unknown_pack_is_a_clear_error() -> None:
    r = runner.invoke(build_app(), ["policy", "show", "pack", "XX"])
    assert r.exit_code == 2 and "no jurisdiction pack 'XX'" in r.output
