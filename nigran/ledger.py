"""The ledger: an append-only SHA-256 hash chain of every state change.

Each entry is appended *in the same transaction* as the change it records, so the record and the
state can never disagree. An entry's hash covers its sequence number, time, kind, subject, payload
(canonical JSON) and the previous entry's hash::

    hash = SHA-256( canonical_json(["nigran-ledger/1", seq, ts, kind, subject, payload, prev]) )

so editing, deleting, inserting or reordering any row breaks the chain at that row, and
``verify`` names the first entry that does not fit. A one-row ``ledger_head`` table holds the
last sequence number and hash; writers lock it (``SELECT … FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), which serialises appends across processes, and it makes cutting
entries off the end detectable too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from nigran.store.tables import ledger, ledger_head

GENESIS = "0" * 64
FORMAT = "nigran-ledger/1"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text as is: one byte string per value."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z).decode()


def entry_hash(seq: int, ts: str, kind: str, subject: str, payload: str, prev_hash: str) -> str:
    material = orjson.dumps([FORMAT, seq, ts, kind, subject, payload, prev_hash])
    return hashlib.sha256(material).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    ts: str
    kind: str
    subject: str
    payload: str
    prev_hash: str
    hash: str

    def data(self) -> Any:
        return orjson.loads(self.payload)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


_HEAD = "nigran.ledger.head"
"""``conn.info`` key: the head this transaction holds locked and has moved, in deferred mode."""
_DEFERRED = "nigran.ledger.deferred"


def append_many(
    conn: Connection, entries: Sequence[tuple[str, str, Any]], *, ts: str | None = None
) -> list[int]:
    """Append ``(kind, subject, payload)`` entries; returns their sequence numbers.

    Must run inside the write transaction of the change being recorded. Inside
    :func:`deferred_head`, the head row is locked and read once per transaction and written once
    at its end, instead of at every append.
    """
    if not entries:
        return []
    cached = conn.info.get(_HEAD)
    if cached is not None:
        seq, prev = cached
    else:
        head = conn.execute(
            select(ledger_head.c.seq, ledger_head.c.hash)
            .where(ledger_head.c.id == 1)
            .with_for_update()
        ).one()
        seq, prev = int(head.seq), str(head.hash)
    stamp = ts or _now()
    rows = []
    seqs = []
    for kind, subject, payload in entries:
        seq += 1
        body = canonical_json(payload)
        h = entry_hash(seq, stamp, kind, subject, body, prev)
        rows.append(
            {
                "seq": seq,
                "ts": stamp,
                "kind": kind,
                "subject": subject,
                "payload": body,
                "prev_hash": prev,
                "hash": h,
            }
        )
        seqs.append(seq)
        prev = h
    conn.execute(insert(ledger), rows)
    if conn.info.get(_DEFERRED):
        conn.info[_HEAD] = (seq, prev)
    else:
        conn.execute(update(ledger_head).where(ledger_head.c.id == 1).values(seq=seq, hash=prev))
    return seqs


Mark = tuple[int, str] | None
"""Where the deferred head stood (None: this transaction does not hold the head yet)."""


@contextmanager
def deferred_head(conn: Connection) -> Iterator[None]:
    """Within the block (one transaction, e.g. a scheduler batch), appends lock and read the head
    row once and write it once, at the end, instead of three statements each: fewer round trips,
    and the same lock held as before. A caller that rolls a savepoint back must put the head
    back with :func:`restore` (a lock taken inside a rolled-back savepoint is released, so the
    head is then read and locked again). :func:`verify` writes the head first."""
    conn.info[_DEFERRED] = True
    try:
        yield
        flush(conn)
    finally:
        conn.info.pop(_DEFERRED, None)
        conn.info.pop(_HEAD, None)


def mark(conn: Connection) -> Mark:
    cached: Mark = conn.info.get(_HEAD)
    return cached


def restore(conn: Connection, at: Mark) -> None:
    """After rolling a savepoint back: the head as it stood when ``at`` was taken."""
    if at is None:
        conn.info.pop(_HEAD, None)
    else:
        conn.info[_HEAD] = at


def flush(conn: Connection) -> None:
    """Write the deferred head (a no-op outside :func:`deferred_head` or before any append)."""
    cached = conn.info.get(_HEAD)
    if cached is not None:
        conn.execute(
            update(ledger_head).where(ledger_head.c.id == 1).values(seq=cached[0], hash=cached[1])
        )


def append(conn: Connection, kind: str, subject: str, payload: Any) -> int:
    return append_many(conn, [(kind, subject, payload)])[0]


def entries(conn: Connection, *, after: int = 0, batch: int = 5000) -> Iterator[Entry]:
    """All entries in sequence order, read in batches (the chain can be long)."""
    last = after
    while True:
        rows = conn.execute(
            select(ledger).where(ledger.c.seq > last).order_by(ledger.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for r in rows:
            yield Entry(int(r.seq), r.ts, r.kind, r.subject, r.payload, r.prev_hash, r.hash)
        last = int(rows[-1].seq)


def for_subject(conn: Connection, subject: str) -> list[Entry]:
    rows = conn.execute(
        select(ledger).where(ledger.c.subject == subject).order_by(ledger.c.seq)
    ).all()
    return [
        Entry(int(r.seq), r.ts, r.kind, r.subject, r.payload, r.prev_hash, r.hash) for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int
    head_seq: int
    bad_seq: int | None = None
    reason: str | None = None


def verify(conn: Connection) -> Verification:
    """Walk the whole chain; stop at the first entry that does not fit and say why."""
    flush(conn)
    expected_seq = 1
    prev = GENESIS
    count = 0
    for e in entries(conn):
        if e.seq != expected_seq:
            if e.seq > expected_seq:
                why = f"entries {expected_seq}..{e.seq - 1} are missing (deleted?)"
                return Verification(False, count, e.seq - 1, expected_seq, why)
            return Verification(False, count, e.seq, e.seq, "sequence number out of order")
        if e.prev_hash != prev:
            return Verification(
                False,
                count,
                e.seq,
                e.seq,
                "previous-hash link does not match the entry before it "
                "(an entry was inserted, deleted or reordered here)",
            )
        if entry_hash(e.seq, e.ts, e.kind, e.subject, e.payload, e.prev_hash) != e.hash:
            return Verification(
                False, count, e.seq, e.seq, "hash does not match the entry's contents (edited)"
            )
        prev = e.hash
        expected_seq += 1
        count += 1
    head = conn.execute(select(ledger_head).where(ledger_head.c.id == 1)).one_or_none()
    last_seq = expected_seq - 1
    if head is None:
        return Verification(False, count, last_seq, None, "ledger head row is missing")
    if int(head.seq) != last_seq or head.hash != prev:
        if int(head.seq) > last_seq:
            why = f"head says {head.seq} entries but the chain ends at {last_seq} (entries cut off)"
            return Verification(False, count, last_seq, last_seq + 1, why)
        if int(head.seq) == last_seq:
            why = "the head's hash does not match the last entry"
            return Verification(False, count, last_seq, last_seq, why)
        why = f"chain has entries past the head ({head.seq}): appended outside Nigran"
        return Verification(False, count, last_seq, int(head.seq) + 1, why)
    return Verification(True, count, last_seq)
