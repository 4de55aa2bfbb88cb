"""Tamper detection: an edited, deleted, inserted or reordered row is found and named."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from nigran import ledger
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import ledger as ledger_table
from nigran.store.tables import ledger_head
from tests.factories import BENIGN_UR, SEXUAL_RU, THREAT_UR, item


def seeded(store: Store) -> int:
    Pipeline(store).run([item(f"x{i}", [THREAT_UR, BENIGN_UR, SEXUAL_RU][i % 3]) for i in range(6)])
    with store.read() as conn:
        result = ledger.verify(conn)
    assert result.ok and result.entries > 10
    return result.entries


def check(store: Store) -> ledger.Verification:
    with store.read() as conn:
        return ledger.verify(conn)


def test_intact_chain_verifies(store: Store) -> None:
    n = seeded(store)
    result = check(store)
    assert result.ok and result.entries == n == result.head_seq


def test_edited_payload_is_found(store: Store) -> None:
    seeded(store)
    with store.transaction() as conn:
        conn.execute(
            update(ledger_table).where(ledger_table.c.seq == 5).values(payload='{"forged":true}')
        )
    result = check(store)
    assert not result.ok and result.bad_seq == 5 and "edited" in (result.reason or "")


def test_edited_payload_with_recomputed_hash_breaks_the_next_link(store: Store) -> None:
    seeded(store)
    with store.transaction() as conn:
        e = next(x for x in ledger.entries(conn) if x.seq == 5)
        forged = '{"forged":true}'
        h = ledger.entry_hash(e.seq, e.ts, e.kind, e.subject, forged, e.prev_hash)
        conn.execute(
            update(ledger_table).where(ledger_table.c.seq == 5).values(payload=forged, hash=h)
        )
    result = check(store)
    assert not result.ok and result.bad_seq == 6


def test_deleted_row_is_found(store: Store) -> None:
    seeded(store)
    with store.transaction() as conn:
        conn.execute(delete(ledger_table).where(ledger_table.c.seq == 4))
    result = check(store)
    assert not result.ok and result.bad_seq == 4 and "missing" in (result.reason or "")


def test_deleted_last_row_is_found(store: Store) -> None:
    n = seeded(store)
    with store.transaction() as conn:
        conn.execute(delete(ledger_table).where(ledger_table.c.seq == n))
    result = check(store)
    assert not result.ok and result.bad_seq == n


def test_inserted_row_is_found(store: Store) -> None:
    n = seeded(store)
    with store.transaction() as conn:
        # Make room at 3 by shifting everything after it up by one, then insert a forged entry.
        for seq in range(n, 2, -1):
            conn.execute(update(ledger_table).where(ledger_table.c.seq == seq).values(seq=seq + 1))
        conn.execute(
            insert(ledger_table).values(
                seq=3,
                ts="2026-01-01T00:00:00Z",
                kind="decision.made",
                subject="x0",
                payload="{}",
                prev_hash="0" * 64,
                hash="0" * 64,
            )
        )
        conn.execute(update(ledger_head).values(seq=n + 1))
    result = check(store)
    assert not result.ok and result.bad_seq == 3


def test_appended_row_outside_nigran_is_found(store: Store) -> None:
    n = seeded(store)
    with store.transaction() as conn:
        last = conn.execute(select(ledger_table).where(ledger_table.c.seq == n)).one()
        payload = "{}"
        h = ledger.entry_hash(n + 1, last.ts, "decision.made", "x0", payload, last.hash)
        conn.execute(
            insert(ledger_table).values(
                seq=n + 1,
                ts=last.ts,
                kind="decision.made",
                subject="x0",
                payload=payload,
                prev_hash=last.hash,
                hash=h,
            )
        )
    result = check(store)
    assert not result.ok and result.bad_seq == n + 1


def test_reordered_rows_are_found(store: Store) -> None:
    seeded(store)
    with store.transaction() as conn:
        a = conn.execute(select(ledger_table).where(ledger_table.c.seq == 6)).one()
        b = conn.execute(select(ledger_table).where(ledger_table.c.seq == 7)).one()
        swap = ("ts", "kind", "subject", "payload", "prev_hash", "hash")
        conn.execute(
            update(ledger_table)
            .where(ledger_table.c.seq == 6)
            .values(**{k: getattr(b, k) for k in swap})
        )
        conn.execute(
            update(ledger_table)
            .where(ledger_table.c.seq == 7)
            .values(**{k: getattr(a, k) for k in swap})
        )
    result = check(store)
    assert not result.ok and result.bad_seq == 6


def test_canonical_json_is_stable() -> None:
    a = ledger.canonical_json({"b": 1, "a": "نگران", "c": [1.5, None]})
    b = ledger.canonical_json({"c": [1.5, None], "a": "نگران", "b": 1})
    assert a == b == '{"a":"نگران","b":1,"c":[1.5,null]}'
