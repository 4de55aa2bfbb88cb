"""Signed checkpoints of the ledger and offline inclusion proofs.

A checkpoint signs (Ed25519) the Merkle root of the first ``seq`` entry hashes. Whoever holds a
checkpoint — a regulator, an auditor, the platform's counsel — can later be given a *proof* for one
entry ("order X actioned at T") and check, offline and without trusting Nigran's database, that the
entry is unaltered and was in the ledger when the checkpoint was signed:

1. the entry's hash is recomputed from its fields (so its content is what was recorded);
2. the audit path leads from that hash to the checkpoint's root (so it is in the tree);
3. the root's signature verifies under the platform's published public key.

The signing key is a PEM file (``NIGRAN_LEDGER_KEY``, default ``ledger-ed25519.pem`` in the data
directory), created with mode 0600 on first use; ``nigran ledger public-key`` prints the key to
publish.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, insert, select

from nigran import ledger, merkle
from nigran.config import settings
from nigran.errors import ConfigError, InvalidInput, NotFound
from nigran.store.tables import ledger as ledger_table
from nigran.store.tables import ledger_checkpoints

FORMAT = "nigran-checkpoint/1"


def key_path() -> Path:
    override = os.environ.get("NIGRAN_LEDGER_KEY")
    return Path(override) if override else settings().data_dir / "ledger-ed25519.pem"


def load_or_create_key(path: Path | None = None) -> Ed25519PrivateKey:
    path = path or key_path()
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError("ledger signing key is not an Ed25519 key", where=str(path))
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_id(public_key_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def statement(seq: int, root_hex: str, ts: str, kid: str) -> bytes:
    """The exact bytes that are signed."""
    return ledger.canonical_json(
        {"format": FORMAT, "seq": seq, "root": root_hex, "ts": ts, "key_id": kid}
    ).encode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: int
    seq: int
    root: str
    ts: str
    key_id: str
    public_key: str
    signature: str


def _leaves(conn: Connection, upto: int) -> list[bytes]:
    hashes = conn.execute(
        select(ledger_table.c.hash).where(ledger_table.c.seq <= upto).order_by(ledger_table.c.seq)
    ).scalars()
    return [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes]


def create(conn: Connection, key: Ed25519PrivateKey) -> Checkpoint:
    """Sign the root over every entry so far; record it (and the signing itself) in the ledger."""
    head = ledger.verify(conn)
    if not head.ok:
        raise InvalidInput(f"refusing to sign a broken ledger: entry {head.bad_seq}: {head.reason}")
    seq = head.head_seq
    root_hex = merkle.root(_leaves(conn, seq)).hex()
    ts = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    pub = public_hex(key)
    kid = key_id(pub)
    sig = key.sign(statement(seq, root_hex, ts, kid)).hex()
    cid = conn.execute(
        insert(ledger_checkpoints)
        .values(seq=seq, root=root_hex, ts=ts, key_id=kid, public_key=pub, signature=sig)
        .returning(ledger_checkpoints.c.id)
    ).scalar_one()
    ledger.append(
        conn,
        "ledger.checkpoint",
        f"checkpoint:{cid}",
        {"seq": seq, "root": root_hex, "key_id": kid},
    )
    return Checkpoint(int(cid), seq, root_hex, ts, kid, pub, sig)


def _row(r: Any) -> Checkpoint:
    return Checkpoint(int(r.id), int(r.seq), r.root, r.ts, r.key_id, r.public_key, r.signature)


def latest(conn: Connection) -> Checkpoint | None:
    r = conn.execute(
        select(ledger_checkpoints).order_by(ledger_checkpoints.c.id.desc()).limit(1)
    ).one_or_none()
    return _row(r) if r else None


def all_checkpoints(conn: Connection) -> list[Checkpoint]:
    return [
        _row(r) for r in conn.execute(select(ledger_checkpoints).order_by(ledger_checkpoints.c.id))
    ]


def check_stored(conn: Connection) -> list[str]:
    """Problems with stored checkpoints: a signature that fails, or a root the chain no longer
    gives (the chain was rewritten after it was signed)."""
    problems = []
    for cp in all_checkpoints(conn):
        if not signature_ok(
            cp.public_key, statement(cp.seq, cp.root, cp.ts, cp.key_id), cp.signature
        ):
            problems.append(f"checkpoint {cp.id}: signature does not verify")
        elif merkle.root(_leaves(conn, cp.seq)).hex() != cp.root:
            problems.append(
                f"checkpoint {cp.id}: entries 1..{cp.seq} no longer give its signed root"
            )
    return problems


def signature_ok(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(signature_hex), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def proof(conn: Connection, seq: int, checkpoint_id: int | None = None) -> dict[str, Any]:
    """A self-contained inclusion proof for entry ``seq`` against a checkpoint covering it."""
    cps = [c for c in all_checkpoints(conn) if c.seq >= seq]
    if checkpoint_id is not None:
        cps = [c for c in cps if c.id == checkpoint_id]
    if not cps:
        raise NotFound(
            f"no checkpoint covers entry {seq} yet: run `nigran ledger checkpoint` first",
            where=f"ledger entry {seq}",
        )
    cp = cps[0] if checkpoint_id is not None else cps[-1]
    row = conn.execute(select(ledger_table).where(ledger_table.c.seq == seq)).one_or_none()
    if row is None:
        raise NotFound(f"no ledger entry {seq}", where=f"ledger entry {seq}")
    leaves = _leaves(conn, cp.seq)
    return {
        "format": "nigran-inclusion-proof/1",
        "entry": {
            "seq": int(row.seq),
            "ts": row.ts,
            "kind": row.kind,
            "subject": row.subject,
            "payload": row.payload,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        },
        "tree_size": cp.seq,
        "path": [h.hex() for h in merkle.inclusion_path(leaves, seq - 1)],
        "checkpoint": {
            "id": cp.id,
            "seq": cp.seq,
            "root": cp.root,
            "ts": cp.ts,
            "key_id": cp.key_id,
            "public_key": cp.public_key,
            "signature": cp.signature,
        },
    }


def verify_proof(doc: dict[str, Any], trusted_public_key: str | None = None) -> tuple[bool, str]:
    """Check a proof offline. Without ``trusted_public_key`` the key inside the proof is used,
    which shows consistency but not who signed: pass the platform's published key."""
    try:
        e = doc["entry"]
        cp = doc["checkpoint"]
        recomputed = ledger.entry_hash(
            int(e["seq"]), e["ts"], e["kind"], e["subject"], e["payload"], e["prev_hash"]
        )
        if recomputed != e["hash"]:
            return False, "the entry's fields do not give its hash: the entry was altered"
        leaf = merkle.leaf_hash(bytes.fromhex(e["hash"]))
        path = [bytes.fromhex(p) for p in doc["path"]]
        if not merkle.verify_inclusion(
            leaf, int(e["seq"]) - 1, int(doc["tree_size"]), path, bytes.fromhex(cp["root"])
        ):
            return False, "the audit path does not lead to the checkpoint's root"
        if int(doc["tree_size"]) != int(cp["seq"]):
            return False, "the proof's tree size is not the checkpoint's"
        key = trusted_public_key or cp["public_key"]
        if key_id(key) != cp["key_id"]:
            return False, "the checkpoint was signed by a different key than the one trusted"
        if not signature_ok(
            key, statement(int(cp["seq"]), cp["root"], cp["ts"], cp["key_id"]), cp["signature"]
        ):
            return False, "the checkpoint's signature does not verify"
    except (KeyError, TypeError, ValueError) as exc:
        return False, f"malformed proof: {exc}"
    who = (
        "the trusted key"
        if trusted_public_key
        else "the key inside the proof (not independently trusted)"
    )
    return True, f"entry {e['seq']} is in the ledger signed at {cp['ts']} by {who}"
