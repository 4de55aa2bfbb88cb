"""Tampering by someone who can write the database: rewrite the chain with fresh hashes, then hide
it by deleting or re-signing the checkpoints, or cut the entries after the last checkpoint.

Each attack here went unnoticed before checkpoints were cross-checked with the chain, pinned to
the platform's key and published outside the database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, delete, select, update
from typer.testing import CliRunner

from nigran import checkpoint, checkpoint_log, ledger, merkle
from nigran.cli import build_app
from nigran.errors import ConfigError, LedgerCorrupt, NotFound
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import ledger as ledger_table
from nigran.store.tables import ledger_checkpoints, ledger_head
from tests.factories import BENIGN_UR, THREAT_UR, item

runner = CliRunner()


def _rewrite(conn: Connection, *, drop_checkpoint_entries: bool = False) -> None:
    """Turn every "remove" into "none" and recompute every hash: the chain verifies again."""
    prev = ledger.GENESIS
    seq = 0
    for e in list(ledger.entries(conn)):
        conn.execute(delete(ledger_table).where(ledger_table.c.seq == e.seq))
        if drop_checkpoint_entries and e.kind == "ledger.checkpoint":
            continue
        seq += 1
        payload = e.payload.replace('"remove"', '"none"')
        h = ledger.entry_hash(seq, e.ts, e.kind, e.subject, payload, prev)
        conn.execute(
            ledger_table.insert().values(
                seq=seq,
                ts=e.ts,
                kind=e.kind,
                subject=e.subject,
                payload=payload,
                prev_hash=prev,
                hash=h,
            )
        )
        prev = h
    conn.execute(update(ledger_head).values(seq=seq, hash=prev))


def _cut_after(conn: Connection, seq: int) -> None:
    """Delete every entry after ``seq`` and move the head back to it."""
    conn.execute(delete(ledger_table).where(ledger_table.c.seq > seq))
    h = conn.execute(select(ledger_table.c.hash).where(ledger_table.c.seq == seq)).scalar_one()
    conn.execute(update(ledger_head).values(seq=seq, hash=h))


def _resign(conn: Connection, key: Ed25519PrivateKey) -> None:
    """Re-sign every checkpoint row over the rewritten chain with another key, stored in the row."""
    pub = checkpoint.public_hex(key)
    kid = checkpoint.key_id(pub)
    for cp in checkpoint.all_checkpoints(conn):
        root = merkle.root(checkpoint._leaves(conn, cp.seq)).hex()
        sig = key.sign(checkpoint.statement(cp.seq, root, cp.ts, kid)).hex()
        conn.execute(
            update(ledger_checkpoints)
            .where(ledger_checkpoints.c.id == cp.id)
            .values(root=root, key_id=kid, public_key=pub, signature=sig)
        )


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _signed(store: Store, key: Ed25519PrivateKey, log: Path) -> checkpoint.Published:
    Pipeline(store).run([item("a", THREAT_UR), item("b", BENIGN_UR)])
    return checkpoint_log.sign_and_publish(store, key, log)


def test_signing_refuses_a_rewritten_chain_and_a_forged_proof_fails(
    store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    log = tmp_path / "cp.jsonl"
    _signed(store, key, log)
    with store.transaction() as conn:
        _rewrite(conn)
    with store.read() as conn:
        assert ledger.verify(conn).ok  # self-consistent: the chain alone cannot tell
        forged_seq = next(
            e.seq for e in ledger.entries(conn) if e.kind == "decision.made" and e.subject == "a"
        )
    with pytest.raises(LedgerCorrupt, match="no longer give its signed root"):
        checkpoint_log.sign_and_publish(store, key, log)
    # Even with the rows gone, the chain's own entries and the log refuse the signature.
    with store.transaction() as conn:
        conn.execute(delete(ledger_checkpoints))
    with pytest.raises(LedgerCorrupt, match="no such checkpoint row"):
        checkpoint_log.sign_and_publish(store, key, log)
    with store.transaction() as conn:
        _rewrite(conn, drop_checkpoint_entries=True)
    with pytest.raises(LedgerCorrupt, match="today's chain does not extend it"):
        checkpoint_log.sign_and_publish(store, key, log)
    with store.read() as conn:
        assert checkpoint.all_checkpoints(conn) == []  # nothing signed the forged chain...
        # ...so the forged entry has no proof a trusted key vouches for
        with pytest.raises(NotFound):
            checkpoint.proof(conn, forged_seq)


def test_rewrite_and_deleted_checkpoints_are_reported(
    store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    log = tmp_path / "cp.jsonl"
    _signed(store, key, log)
    pub = checkpoint.public_hex(key)
    with store.transaction() as conn:
        _rewrite(conn)
        conn.execute(delete(ledger_checkpoints))
    with store.read() as conn:
        found = checkpoint.audit(conn, pub)
        assert any("no such checkpoint row" in p for p in found.problems), found.problems
    # The thorough attacker also drops the chain's checkpoint entries: only the log still knows.
    with store.transaction() as conn:
        _rewrite(conn, drop_checkpoint_entries=True)
    with store.read() as conn:
        assert checkpoint.audit(conn, pub).ok
        found = checkpoint.audit(conn, pub, checkpoint_log.read(log))
    assert any("today's chain does not extend it" in p for p in found.problems), found.problems


def test_rewrite_and_checkpoints_resigned_with_another_key_are_reported(
    store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    log = tmp_path / "cp.jsonl"
    _signed(store, key, log)
    with store.transaction() as conn:
        _rewrite(conn)
        _resign(conn, Ed25519PrivateKey.generate())
    with store.read() as conn:
        found = checkpoint.audit(conn, checkpoint.public_hex(key), checkpoint_log.read(log))
    problems = " | ".join(found.problems)
    assert "not the trusted key" in problems
    assert "the row differs from entry" in problems  # the chain recorded the original signature
    assert "today's chain does not extend it" in problems


def test_cut_tail_after_the_last_checkpoint_is_caught_with_the_log(
    store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    log = tmp_path / "cp.jsonl"
    p = _signed(store, key, log)
    Pipeline(store).run([item("c", THREAT_UR), item("d", BENIGN_UR)])
    pub = checkpoint.public_hex(key)
    with store.transaction() as conn:
        _cut_after(conn, p.checkpoint.seq)
        conn.execute(delete(ledger_checkpoints))
    with store.read() as conn:
        assert ledger.verify(conn).ok
        found = checkpoint.audit(conn, pub, checkpoint_log.read(log))
    assert any(f"entry {p.entry_seq} that recorded it is gone" in x for x in found.problems), (
        found.problems
    )


def test_cli_export_and_verify_against_it(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIGRAN_DATABASE_URL", store_url)
    monkeypatch.setenv("NIGRAN_CHECKPOINT_LOG", str(tmp_path / "log.jsonl"))
    store = Store.open(store_url)
    app = build_app()
    Pipeline(store).run([item("a", THREAT_UR)])
    assert runner.invoke(app, ["ledger", "checkpoint"]).exit_code == 0
    Pipeline(store).run([item("b", BENIGN_UR)])
    first = runner.invoke(app, ["ledger", "checkpoint"])
    assert first.exit_code == 0, first.output
    export = tmp_path / "regulator.jsonl"
    assert runner.invoke(app, ["ledger", "checkpoints", "--export", str(export)]).exit_code == 0
    records = [json.loads(x) for x in export.read_text().splitlines()]
    assert [r["id"] for r in records] == [1, 2] and "consistency" in records[1]
    pub = runner.invoke(app, ["ledger", "public-key"]).output.strip()
    monkeypatch.setenv("NIGRAN_DATA_DIR", str(tmp_path / "elsewhere"))  # no key file to lean on
    args = ["ledger", "verify", "--checkpoints", str(export), "--public-key", pub]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert "ledger OK" in ok.output and "consistency proofs (RFC 6962)" in ok.output
    with store.transaction() as conn:
        _cut_after(conn, records[1]["seq"])
        conn.execute(delete(ledger_checkpoints).where(ledger_checkpoints.c.id == 2))
    cut = runner.invoke(app, args)
    assert cut.exit_code == 1 and "that recorded it is gone" in cut.output
    unpinned = runner.invoke(app, ["ledger", "verify", "--checkpoints", str(export)])
    assert unpinned.exit_code == 1 and "no trusted public key" in unpinned.output
    store.dispose()


def test_a_signing_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    checkpoint.load_or_create_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        checkpoint.load_or_create_key(path)
