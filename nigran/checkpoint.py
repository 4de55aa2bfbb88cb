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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, insert, select

from nigran import ledger, merkle
from nigran.config import settings
from nigran.errors import ConfigError, LedgerCorrupt, NotFound
from nigran.store.tables import ledger as ledger_table
from nigran.store.tables import ledger_checkpoints

FORMAT = "nigran-checkpoint/1"


def key_path() -> Path:
    override = os.environ.get("NIGRAN_LEDGER_KEY")
    return Path(override) if override else settings().data_dir / "ledger-ed25519.pem"


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the ledger signing key: {exc}", where=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("ledger signing key is not an Ed25519 key", where=str(path))
    return key


def load_or_create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The signing key, created (mode 0600) on first use. A key file that others can read or
    write is refused: whoever reads it can sign checkpoints for a rewritten ledger."""
    path = path or key_path()
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigError(
                f"the ledger signing key is readable or writable by others (mode {mode:04o}): "
                f"run `chmod 600 {path}` (and treat the key as leaked if others could read it)",
                where=str(path),
            )
        return load_key(path)
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

    def signed(self) -> bytes:
        return statement(self.seq, self.root, self.ts, self.key_id)

    def record(self) -> dict[str, Any]:
        """The checkpoint as a line of the checkpoint log or export."""
        return {
            "format": FORMAT,
            "id": self.id,
            "seq": self.seq,
            "root": self.root,
            "ts": self.ts,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }


def _leaves(conn: Connection, upto: int | None = None) -> list[bytes]:
    q = select(ledger_table.c.hash).order_by(ledger_table.c.seq)
    if upto is not None:
        q = q.where(ledger_table.c.seq <= upto)
    return [merkle.leaf_hash(bytes.fromhex(h)) for h in conn.execute(q).scalars()]


def _entry_payload(cp: Checkpoint) -> dict[str, Any]:
    # Everything signed, and the signature: a row re-signed (with any key) no longer matches it.
    return {
        "seq": cp.seq,
        "root": cp.root,
        "ts": cp.ts,
        "key_id": cp.key_id,
        "signature": cp.signature,
    }


def create(
    conn: Connection, key: Ed25519PrivateKey, *, published: Sequence[Published] = ()
) -> Published:
    """Sign the root over every entry so far and record it (the signing itself is a ledger entry).

    Refuses, with :class:`LedgerCorrupt`, unless the chain verifies, every earlier checkpoint
    (stored or ``published``) still matches it under this key, and every checkpoint row has its
    ledger entry and the other way round: a signature must never vouch for a rewritten chain.
    """
    pub = public_hex(key)
    found = audit(conn, pub, published)
    if found.problems:
        raise LedgerCorrupt(
            "refusing to sign a ledger that does not verify: " + "; ".join(found.problems)
        )
    seq = found.head_seq
    root_hex = merkle.root(_leaves(conn, seq)).hex()
    ts = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    kid = key_id(pub)
    sig = key.sign(statement(seq, root_hex, ts, kid)).hex()
    cid = conn.execute(
        insert(ledger_checkpoints)
        .values(seq=seq, root=root_hex, ts=ts, key_id=kid, public_key=pub, signature=sig)
        .returning(ledger_checkpoints.c.id)
    ).scalar_one()
    cp = Checkpoint(int(cid), seq, root_hex, ts, kid, pub, sig)
    entry_seq = ledger.append(conn, "ledger.checkpoint", f"checkpoint:{cid}", _entry_payload(cp))
    entry_hash = conn.execute(
        select(ledger_table.c.hash).where(ledger_table.c.seq == entry_seq)
    ).scalar_one()
    previous = [c for c in all_checkpoints(conn) if c.id < cp.id]
    return Published(cp, entry_seq, entry_hash, _link(conn, previous[-1] if previous else None, cp))


def _link(conn: Connection, previous: Checkpoint | None, cp: Checkpoint) -> Link | None:
    """The consistency proof from the previous checkpoint to ``cp`` (None for the first)."""
    if previous is None or previous.seq > cp.seq:
        return None
    proof = merkle.consistency_proof(_leaves(conn, cp.seq), previous.seq)
    return Link(previous.id, previous.seq, [h.hex() for h in proof])


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


def published_from_store(conn: Connection) -> list[Published]:
    """Every stored checkpoint as it would be published: with the entry that records it and the
    consistency proof from the one before (what ``nigran ledger checkpoints --export`` writes)."""
    recorded = {e.subject: e for e in ledger.entries(conn) if e.kind == "ledger.checkpoint"}
    out: list[Published] = []
    previous: Checkpoint | None = None
    for cp in all_checkpoints(conn):
        e = recorded.get(f"checkpoint:{cp.id}")
        out.append(
            Published(
                cp,
                e.seq if e else None,
                e.hash if e else None,
                _link(conn, previous, cp),
            )
        )
        previous = cp
    return out


@dataclass(frozen=True, slots=True)
class Link:
    """A consistency proof (RFC 6962 §2.1.2) from an earlier checkpoint to the next one."""

    from_id: int
    from_seq: int
    proof: list[str]


@dataclass(frozen=True, slots=True)
class Published:
    """A checkpoint as written outside the database: the signed checkpoint, the ledger entry that
    records it (so entries cut off after the checkpoint are noticed too), and the consistency
    proof from the checkpoint before it."""

    checkpoint: Checkpoint
    entry_seq: int | None = None
    entry_hash: str | None = None
    link: Link | None = None

    def record(self) -> dict[str, Any]:
        rec = self.checkpoint.record()
        if self.entry_seq is not None:
            rec["entry_seq"] = self.entry_seq
            rec["entry_hash"] = self.entry_hash
        if self.link is not None:
            rec["consistency"] = {
                "from_id": self.link.from_id,
                "from_seq": self.link.from_seq,
                "proof": self.link.proof,
            }
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Published:
        """Raises KeyError, TypeError or ValueError on a malformed record."""
        if rec.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} record")
        cp = Checkpoint(
            int(rec["id"]),
            int(rec["seq"]),
            _hex(rec["root"], 32),
            str(rec["ts"]),
            str(rec["key_id"]),
            _hex(rec["public_key"], 32),
            _hex(rec["signature"], 64),
        )
        link = None
        if (c := rec.get("consistency")) is not None:
            link = Link(int(c["from_id"]), int(c["from_seq"]), [_hex(h, 32) for h in c["proof"]])
        entry_seq = rec.get("entry_seq")
        entry_hash = rec.get("entry_hash")
        return cls(
            cp,
            None if entry_seq is None else int(entry_seq),
            None if entry_hash is None else _hex(entry_hash, 32),
            link,
        )


def _hex(value: Any, size: int) -> str:
    if not isinstance(value, str) or len(value) != 2 * size:
        raise ValueError(f"expected {2 * size} hex digits")
    bytes.fromhex(value)
    return value


@dataclass(slots=True)
class Audit:
    """What :func:`audit` found (``problems``, empty when all is well) and what it checked."""

    head_seq: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit(
    conn: Connection,
    trusted_key: str | None,
    published: Sequence[Published] = (),
    *,
    source: str = "published checkpoints",
) -> Audit:
    """Check the chain, every stored checkpoint and every ``published`` one against each other.

    Signatures are checked under ``trusted_key`` only, never under the key a row carries: whoever
    can write the database can also write a key into it. Stored rows and the chain's
    ``ledger.checkpoint`` entries must match one for one. A published checkpoint (from the
    append-only log or a regulator's export) must be extended by today's chain: an RFC 6962
    consistency proof from its size to the head is built from the database and verified against
    the published root, and the entry that recorded it must still be there.
    """
    found = Audit()
    chain = ledger.verify(conn)
    found.head_seq, found.entries = chain.head_seq, chain.entries
    if not chain.ok:
        found.problems.append(f"entry {chain.bad_seq}: {chain.reason}")
    found.checked.append(f"hash chain: {chain.entries} entries, head {chain.head_seq}")
    leaves = _leaves(conn)
    size = len(leaves)
    head_root = merkle.root(leaves)
    trusted_id = key_id(trusted_key) if trusted_key else None
    rows = all_checkpoints(conn)
    if (rows or published) and trusted_key is None:
        found.problems.append(
            "no trusted public key to check checkpoint signatures against: give --public-key "
            "(the key in a checkpoint row proves nothing)"
        )

    def check_signed(cp: Checkpoint, what: str) -> bool:
        if trusted_key is None:
            return False
        if cp.key_id != trusted_id:
            found.problems.append(
                f"{what}: signed by key {cp.key_id}, not the trusted key {trusted_id}"
            )
            return False
        if not signature_ok(trusted_key, cp.signed(), cp.signature):
            found.problems.append(f"{what}: signature does not verify under the trusted key")
            return False
        return True

    for cp in rows:
        check_signed(cp, f"checkpoint {cp.id}")
        if cp.seq > size:
            found.problems.append(
                f"checkpoint {cp.id}: covers entries 1..{cp.seq} but the chain has {size} "
                "(entries cut off)"
            )
        elif merkle.root(leaves[: cp.seq]).hex() != cp.root:
            found.problems.append(
                f"checkpoint {cp.id}: entries 1..{cp.seq} no longer give its signed root "
                "(the chain was rewritten after it was signed)"
            )
    recorded = [e for e in ledger.entries(conn) if e.kind == "ledger.checkpoint"]
    by_id = {cp.id: cp for cp in rows}
    seen: set[int] = set()
    for e in recorded:
        cid = _checkpoint_id(e.subject)
        row = by_id.get(cid) if cid is not None else None
        if row is None:
            found.problems.append(
                f"entry {e.seq} records {e.subject}, but there is no such checkpoint row (deleted)"
            )
            continue
        seen.add(row.id)
        data = e.data()
        expected = _entry_payload(row)
        if any(data.get(k) != v for k, v in expected.items() if k in data) or e.seq <= row.seq:
            found.problems.append(
                f"checkpoint {row.id}: the row differs from entry {e.seq} that recorded it "
                "(edited or re-signed)"
            )
    for cp in rows:
        if cp.id not in seen:
            found.problems.append(
                f"checkpoint {cp.id}: no ledger.checkpoint entry records it (inserted, or its "
                "entry was removed)"
            )
    found.checked.append(
        f"{len(rows)} checkpoint rows: signatures under "
        f"{'trusted key ' + str(trusted_id) if trusted_id else 'no trusted key'}, roots recomputed "
        f"from the chain, matched one for one with {len(recorded)} ledger.checkpoint entries"
    )
    if published:
        _audit_published(conn, found, published, leaves, head_root, by_id, check_signed, source)
    return found


def _checkpoint_id(subject: str) -> int | None:
    prefix = "checkpoint:"
    if not subject.startswith(prefix) or not subject[len(prefix) :].isdigit():
        return None
    return int(subject[len(prefix) :])


def _audit_published(
    conn: Connection,
    found: Audit,
    published: Sequence[Published],
    leaves: list[bytes],
    head_root: bytes,
    rows: dict[int, Checkpoint],
    check_signed: Any,
    source: str,
) -> None:
    size = len(leaves)
    covered = 0
    before: dict[int, Checkpoint] = {}
    for p in published:
        cp = p.checkpoint
        what = f"{source}: checkpoint {cp.id}"
        if not check_signed(cp, what):
            continue
        if p.link is not None:
            prior = before.get(p.link.from_id)
            if (
                prior is None
                or prior.seq != p.link.from_seq
                or not merkle.verify_consistency(
                    prior.seq,
                    cp.seq,
                    bytes.fromhex(prior.root),
                    bytes.fromhex(cp.root),
                    [bytes.fromhex(h) for h in p.link.proof],
                )
            ):
                found.problems.append(
                    f"{what}: does not extend checkpoint {p.link.from_id} before it "
                    "(its consistency proof fails)"
                )
        before[cp.id] = cp
        if cp.seq > size:
            found.problems.append(
                f"{what}: covers entries 1..{cp.seq} but the database has only {size} "
                "(entries cut off, head moved back)"
            )
            continue
        proof = merkle.consistency_proof(leaves, cp.seq)
        if not merkle.verify_consistency(cp.seq, size, bytes.fromhex(cp.root), head_root, proof):
            found.problems.append(
                f"{what}: today's chain does not extend it: entries 1..{cp.seq} were changed"
            )
            continue
        covered = max(covered, cp.seq)
        if p.entry_seq is not None:
            row = conn.execute(
                select(ledger_table.c.hash).where(ledger_table.c.seq == p.entry_seq)
            ).scalar_one_or_none()
            if row is None:
                found.problems.append(
                    f"{what}: entry {p.entry_seq} that recorded it is gone (entries cut off "
                    "after the checkpoint)"
                )
            elif row != p.entry_hash:
                found.problems.append(f"{what}: entry {p.entry_seq} that recorded it was changed")
            else:
                covered = max(covered, p.entry_seq)
        stored = rows.get(cp.id)
        if stored is None:
            found.problems.append(f"{what}: missing from the database (its row was deleted)")
        elif stored != cp:
            found.problems.append(f"{what}: the database row differs (re-signed or edited)")
    found.checked.append(
        f"{len(published)} {source}: signatures under the trusted key, consistency proofs "
        f"(RFC 6962) from each to today's head {size}; entries 1..{covered} are covered"
        + (
            f", entries {covered + 1}..{size} are not yet in any published checkpoint"
            if covered < size
            else ""
        )
    )


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
