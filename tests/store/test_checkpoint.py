"""Merkle checkpoints: RFC 6962 trees, signed roots, offline inclusion proofs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from nigran import checkpoint, ledger, merkle
from nigran.errors import NotFound
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import ledger as ledger_table
from tests.factories import BENIGN_UR, THREAT_UR, item


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 as written: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


@given(st.integers(1, 70))
def test_root_and_every_audit_path(n: int) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    root = merkle.root(leaves)
    assert root == reference_root(leaves)
    for i in range(n):
        path = merkle.inclusion_path(leaves, i)
        assert merkle.verify_inclusion(leaves[i], i, n, path, root)
        assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), i, n, path, root)
        if n > 1:
            assert not merkle.verify_inclusion(leaves[i], (i + 1) % n, n, path, root)


def test_proof_verifies_offline_and_detects_tampering(store: Store) -> None:
    Pipeline(store).run([item("a", THREAT_UR), item("b", BENIGN_UR)])
    key = Ed25519PrivateKey.generate()
    with store.transaction() as conn:
        cp = checkpoint.create(conn, key)
    with store.read() as conn:
        seq = next(e.seq for e in ledger.entries(conn) if e.kind == "decision.made")
        doc = checkpoint.proof(conn, seq)
        assert checkpoint.audit(conn, checkpoint.public_hex(key)).problems == []
    pub = checkpoint.public_hex(key)
    assert doc["entry"]["kind"] == "decision.made" and doc["tree_size"] == cp.checkpoint.seq
    ok, why = checkpoint.verify_proof(json.loads(json.dumps(doc)), pub)
    assert ok, why

    forged = json.loads(json.dumps(doc))
    forged["entry"]["payload"] = forged["entry"]["payload"].replace("remove", "none")
    assert checkpoint.verify_proof(forged, pub) == (
        False,
        "the entry's fields do not give its hash: the entry was altered",
    )
    other = checkpoint.public_hex(Ed25519PrivateKey.generate())
    assert not checkpoint.verify_proof(doc, other)[0]
    bad_sig = json.loads(json.dumps(doc))
    bad_sig["checkpoint"]["root"] = "00" * 32
    assert not checkpoint.verify_proof(bad_sig, pub)[0]


def test_rewritten_chain_is_caught_by_the_checkpoint(store: Store) -> None:
    """An attacker who recomputes every hash after an edit still cannot match a signed root."""
    Pipeline(store).run([item("a", THREAT_UR), item("b", BENIGN_UR)])
    with store.transaction() as conn:
        key = Ed25519PrivateKey.generate()
        checkpoint.create(conn, key)
        entries = list(ledger.entries(conn))
        prev = ledger.GENESIS
        for e in entries:
            payload = e.payload.replace("remove", "none")
            h = ledger.entry_hash(e.seq, e.ts, e.kind, e.subject, payload, prev)
            conn.execute(
                update(ledger_table)
                .where(ledger_table.c.seq == e.seq)
                .values(payload=payload, prev_hash=prev, hash=h)
            )
            prev = h
        conn.execute(ledger.ledger_head.update().values(hash=prev))
    with store.read() as conn:
        assert ledger.verify(conn).ok  # the chain alone is self-consistent again...
        problems = checkpoint.audit(conn, checkpoint.public_hex(key)).problems
    assert problems and "no longer give its signed root" in problems[0]  # ...the checkpoint is not


def test_no_checkpoint_yet_is_a_clear_error(sqlite_store: Store) -> None:
    Pipeline(sqlite_store).run([item("a", THREAT_UR)])
    with sqlite_store.read() as conn, pytest.raises(NotFound, match="ledger checkpoint"):
        checkpoint.proof(conn, 1)


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    a = checkpoint.load_or_create_key(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert checkpoint.public_hex(checkpoint.load_or_create_key(path)) == checkpoint.public_hex(a)
