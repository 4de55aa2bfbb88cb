"""Hash banks kept in the store, every change ledgered in the same transaction.

:class:`BankStore` owns one in-memory :class:`~nigran.detect.media.banks.HashBanks` (what the
matcher reads) and mirrors each change into the ``media_banks`` / ``media_bank_entries`` tables,
appending a ledger entry alongside::

    with bank_store.change() as banks:
        banks.add_entry("ncii", "pdq", hex_hash, actor="alice", source="StopNCII")

If anything in the block fails, the transaction rolls back and the in-memory banks are reloaded
from the tables, so memory and database never disagree.

Quarantines happen while matching, inside the pipeline's own transaction, where a second writer
would wait on the first. They are queued and written by :meth:`BankStore.flush` (called by
``change()`` and the retroactive scan, and by runners after a batch); the entry stops matching at
once either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from nigran import ledger
from nigran.detect.media.banks import Bank, BankEntry, EntryStatus, HashBanks, SignalType
from nigran.model import utcnow
from nigran.store import Store
from nigran.store.tables_media import media_bank_entries, media_banks

__all__ = ["BankStore"]


class BankStore:
    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock
        self._conn: Connection | None = None
        self._pending: list[tuple[str, str, dict[str, Any]]] = []
        self.banks = self._load()

    def _load(self) -> HashBanks:
        banks = HashBanks(self._record, clock=self.clock)
        with self.store.read() as conn:
            for row in conn.execute(select(media_banks)).mappings():
                fields = {k: row[k] for k in Bank.__dataclass_fields__}
                banks.banks[row["name"]] = Bank(**fields)
            entries = conn.execute(select(media_bank_entries).order_by(media_bank_entries.c.id))
            for entry in entries:
                banks.load_entry(
                    BankEntry(
                        id=entry.id,
                        bank=entry.bank,
                        signal_type=SignalType(entry.signal_type),
                        value=entry.value,
                        note=entry.note,
                        source=entry.source,
                        status=EntryStatus(entry.status),
                        added_at=entry.added_at,
                        metadata=dict(entry.metadata or {}),
                    )
                )
        return banks

    def reload(self) -> HashBanks:
        self.banks = self._load()
        return self.banks

    # -- changes ---------------------------------------------------------------------------------

    @contextmanager
    def change(self) -> Iterator[HashBanks]:
        """One transaction for every bank change made in the block."""
        try:
            with self.store.transaction() as conn:
                self._conn = conn
                self._write_pending(conn)
                yield self.banks
        except BaseException:
            self._conn = None
            self.reload()
            raise
        finally:
            self._conn = None

    def flush(self) -> int:
        """Write changes made while matching (quarantines); returns how many."""
        count = len(self._pending)
        if count:
            with self.change():
                pass
        return count

    def _record(self, kind: str, subject: str, payload: dict[str, Any]) -> None:
        if self._conn is None:
            self._pending.append((kind, subject, payload))
        else:
            self._write(self._conn, kind, subject, payload)

    def _write_pending(self, conn: Connection) -> None:
        pending, self._pending = self._pending, []
        for kind, subject, payload in pending:
            self._write(conn, kind, subject, payload)

    def _write(self, conn: Connection, kind: str, subject: str, payload: dict[str, Any]) -> None:
        now = self.clock()
        if kind in ("media.bank.created", "media.bank.updated"):
            name = subject.removeprefix("bank:")
            values = {**asdict(self.banks.banks[name]), "updated_at": now}
            exists = conn.execute(select(media_banks.c.name).where(media_banks.c.name == name))
            if exists.first() is None:
                conn.execute(insert(media_banks).values(**values))
            else:
                conn.execute(update(media_banks).where(media_banks.c.name == name).values(**values))
        elif kind == "media.entry.removed":
            conn.execute(delete(media_bank_entries).where(media_bank_entries.c.id == payload["id"]))
        elif kind.startswith("media.entry."):
            entry = self.banks.entries[int(payload.get("entry_id", payload.get("id", 0)))]
            values = {
                "bank": entry.bank,
                "signal_type": entry.signal_type.value,
                "value": entry.value,
                "note": entry.note,
                "source": entry.source,
                "status": entry.status.value,
                "metadata": entry.metadata,
                "added_at": entry.added_at or now,
                "updated_at": now,
            }
            where = media_bank_entries.c.id == entry.id
            if conn.execute(select(media_bank_entries.c.id).where(where)).first() is None:
                conn.execute(insert(media_bank_entries).values(id=entry.id, **values))
            else:
                conn.execute(update(media_bank_entries).where(where).values(**values))
        ledger.append(conn, kind, subject, payload)
