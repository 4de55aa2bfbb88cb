"""Failure 7 of issue #16: a term added with ``nigran lexicon add`` reaches moderation.

Through the CLI as a user drives it (add, moderate, remove, moderate), and in a pipeline that was
already running when the term was added or removed (a ``serve`` or ``worker`` process), on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from nigran.banks.terms import TermStore, add_term, remove_term
from nigran.cli import build_app
from nigran.detect.text.lexicon import Term
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import signals
from tests.factories import item

TERM = "zorblaxi"
"""Made up for these tests: no shipped bank holds it, and no classifier reads it as a threat."""
TEXT = f"tum {TERM} ho"

runner = CliRunner()


def _moderate(db: str, tmp_path: Path, cid: str) -> dict[str, object]:
    src = tmp_path / f"{cid}.jsonl"
    line = {"id": cid, "kind": "comment", "author": "u", "texts": {"body": TEXT}}
    src.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out = tmp_path / f"{cid}.out.jsonl"
    done = runner.invoke(build_app(), ["moderate", str(src), "--db", db, "--out", str(out)])
    assert done.exit_code == 0, done.output
    row: dict[str, object] = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    return row


def _lexicon_signals(store: Store, cid: str) -> list[dict[str, object]]:
    with store.read() as conn:
        rows = conn.execute(
            select(signals.c.category, signals.c.score, signals.c.evidence).where(
                signals.c.content_id == cid, signals.c.source == "lexicon"
            )
        ).all()
    return [{"category": r.category, "score": r.score, "term": r.evidence["term"]} for r in rows]


def test_a_term_added_with_the_cli_is_moderated_and_removed_again(
    store_url: str, tmp_path: Path
) -> None:
    store = Store.open(store_url)
    before = _moderate(store_url, tmp_path, "c0")
    assert before["outcome"] == "none" and "threat" not in before["categories"]  # type: ignore[operator]

    add = ["lexicon", "add", TERM, "--category", "threat", "--severity", "4", "--language"]
    added = runner.invoke(build_app(), [*add, "ur-Latn", "--by", "amna", "--db", store_url])
    assert added.exit_code == 0, added.output
    after = _moderate(store_url, tmp_path, "c1")
    # Severity 4 scores 0.97: over rule threat.remove's Roman Urdu bar (0.93), so removed.
    assert after["outcome"] == "remove" and after["categories"] == ["threat"]
    assert after["actions"] == [{"type": "remove", "scope": "global", "ground": "policy:threat"}]
    assert _lexicon_signals(store, "c1") == [{"category": "threat", "score": 0.97, "term": TERM}]

    removed = runner.invoke(
        build_app(),
        ["lexicon", "remove", TERM, "--category", "threat", "--by", "amna", "--db", store_url],
    )
    assert removed.exit_code == 0, removed.output
    again = _moderate(store_url, tmp_path, "c2")
    assert again["outcome"] == "none" and _lexicon_signals(store, "c2") == []
    store.dispose()


def test_a_running_pipeline_follows_term_changes(store: Store) -> None:
    pipeline = Pipeline(store)  # loads the terms now, as `nigran serve` does at start
    pipeline.follow_every = 0.0  # look at every batch (a running server looks once a second)
    first = pipeline.run([item("t0", TEXT)]).outcomes[0]
    assert not [s for s in first.signals if s.source.value == "lexicon"]

    # Another process (`nigran lexicon add`) adds a term; this pipeline is not restarted.
    with store.transaction() as conn:
        add_term(conn, Term(TERM, "threat", 3, "ur-Latn"), by="amna")
    seen = pipeline.run([item("t1", TEXT)]).outcomes[0]
    (hit,) = [s for s in seen.signals if s.source.value == "lexicon"]
    assert (hit.category, hit.severity, hit.evidence.term) == ("threat", 3, TERM)
    # Severity 3 scores 0.85: under threat.remove's bar, over threat.review's: a person looks.
    assert seen.decision.outcome == "review" and seen.decision.review is not None
    assert seen.decision.review.queue == "violence"

    with store.transaction() as conn:
        remove_term(conn, TERM, "threat", by="amna")
    gone = pipeline.run([item("t2", TEXT)]).outcomes[0]
    assert not [s for s in gone.signals if s.source.value == "lexicon"]
    assert gone.decision.outcome == "none"


def test_following_reads_only_term_changes(store: Store) -> None:
    terms = TermStore(store, shipped=[])
    version = terms.detector.version
    assert terms.follow() == 0 and terms.detector.version == version
    with store.transaction() as conn:
        add_term(conn, Term(TERM, "threat", 2, "ur-Latn"), by="amna")
        add_term(conn, Term("blorvik", "harassment", 1, "ur-Latn"), by="amna")
    assert terms.follow() == 2
    assert {t.key for t in terms.detector.current.terms} == {TERM, "blorvik"}
    assert terms.detector.version != version
    assert terms.follow() == 0  # nothing new: the detector is not rebuilt
