"""Hash banks kept in the store, every change ledgered in the same transaction.

:class:`BankStore` owns one in-memory :class:`~nigran.detect.media.banks.HashBanks` (what the
matcher reads) and mirrors each change into the ``media_banks`` / ``media_bank_entries`` tables,
appending a ledger entry alongside::

    with bank_store.change() as banks:
        banks.add_entry("ncii", "pdq", hex_hash, actor="alice", source="StopNCII")

If anything in the block fails, the transaction rolls back and the in-memory banks are reloaded
from the tables, so memory and database never disagree.

With ``index_dir`` (``NIGRAN_DATA_DIR/media-index/<database>``, see :func:`index_dir_for`), the
PDQ match index is saved there and reloaded at start instead of rebuilt. A saved index is never
trusted as it is: its rows are compared with the active PDQ entries just read from the tables
(:meth:`~nigran.detect.media.index.PdqIndex.sync`) and only the difference is applied, so an
index saved before later bank changes, or by another process, still answers exactly as the
tables say. A missing or unreadable file means a rebuild, then a fresh save.

Several processes share the banks (``nigran serve``, workers, the ``nigran media`` commands, a
reviewer's "add to bank"). Each keeps its memory in step by following the ledger: every bank
change is ledgered, so :meth:`BankStore.follow` reads the ``media.*`` entries after the last one it
has seen and re-reads just the banks and entries they name. ``change()`` follows first, inside a
transaction that holds the bank writers' lock (an advisory lock on PostgreSQL; SQLite's write
transactions are exclusive), so new entry ids never collide and no process overwrites a row it has
not seen. Pipelines follow before each batch (at most once a second).

Quarantines happen while matching, inside the pipeline's own transaction, where a second writer
would wait on the first. They are queued and written by :meth:`BankStore.flush` (called by
``change()`` and the retroactive scan, and by runners after a batch); the entry stops matching at
once either way.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Connection, Select, Text, delete, func, insert, select, type_coerce, update

from nigran import ledger
from nigran.detect.media.banks import Bank, BankEntry, EntryStatus, HashBanks, SignalType
from nigran.detect.media.hashing import hashes_to_matrix
from nigran.detect.media.index import DELTA_LIMIT, PdqIndex
from nigran.errors import InvalidInput, InvalidMedia
from nigran.model import utcnow
from nigran.store import Store
from nigran.store.tables import ledger as ledger_t
from nigran.store.tables_media import media_bank_entries, media_banks

BANK_WRITERS_LOCK = 0x6E6967_72616E_42
"""PostgreSQL advisory lock key held by every transaction that changes banks."""


__all__ = ["BankStore", "IndexLoad", "configured_index_dir", "index_dir_for"]

log = logging.getLogger(__name__)


def index_dir_for(data_dir: Path, database_url: str) -> Path:
    """Where the saved index of one database lives: one folder per database, so two databases
    sharing a data directory never overwrite each other's file."""
    key = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(data_dir) / "media-index" / key


def _metadata(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):  # drivers that decode JSON themselves
        return dict(raw)
    if not raw or raw == "{}":
        return {}
    decoded = orjson.loads(raw)
    return dict(decoded) if isinstance(decoded, dict) else {}


def _bank(row: Any) -> Bank:
    return Bank(**{k: row[k] for k in Bank.__dataclass_fields__})


def _entry_rows() -> Select[Any]:
    """Entry rows with metadata and times as the driver gives them, decoded by
    :func:`_decode_entries`: at a million rows, decoding "{}" through the JSON type was a quarter
    of the start-up time and the generic date-time type another third."""
    c = media_bank_entries.c
    return select(
        c.id,
        c.bank,
        c.signal_type,
        c.value,
        c.note,
        c.source,
        c.status,
        type_coerce(c.added_at, Text),
        type_coerce(c.metadata, Text),
    )


def _decode_entries(rows: Iterable[Any]) -> list[BankEntry]:
    times: dict[Any, datetime] = {}  # an import's rows share one time: parsed once
    kinds = {k.value: k for k in SignalType}
    statuses = {s.value: s for s in EntryStatus}
    return [
        BankEntry(
            id=id_,
            bank=bank,
            signal_type=kinds[kind],
            value=value,
            note=note,
            source=source,
            status=statuses[status],
            added_at=times.get(added_at) or times.setdefault(added_at, _utc(added_at)),
            metadata=_metadata(meta),
        )
        for id_, bank, kind, value, note, source, status, added_at, meta in rows
    ]


def _utc(raw: Any) -> datetime:
    """A stored UTC time: SQLite gives text, PostgreSQL a naive datetime."""
    value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def configured_index_dir(store: Store) -> Path:
    """The index folder for ``store`` under the configured ``NIGRAN_DATA_DIR``."""
    from nigran.config import settings

    return index_dir_for(settings().data_dir, store.engine.url.render_as_string())


@dataclass(frozen=True, slots=True)
class IndexLoad:
    """How the PDQ index was obtained at the last (re)load."""

    source: str
    """``"saved"`` (read from ``index_dir`` and checked), ``"built"`` (from the tables)."""
    rows: int
    changed: int
    """Rows added or removed to bring a saved index in line with the tables."""
    seconds: float
    """The whole (re)load: bank and entry rows, then the index."""
    saved: bool
    """Whether the index was (re)written to ``index_dir`` afterwards."""


class BankStore:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = utcnow,
        index_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.index_dir = Path(index_dir) if index_dir is not None else None
        self._conn: Connection | None = None
        self._pending: list[tuple[str, str, dict[str, Any]]] = []
        self.index_load: IndexLoad | None = None
        self._seq = 0
        """The last ledger entry whose bank change memory reflects."""
        self._followed_at = 0.0
        self.banks = self._load()

    def _load(self) -> HashBanks:
        started = time.perf_counter()
        banks = HashBanks(self._record, clock=self.clock)
        with self.store.read() as conn:
            # The ledger head first: a change committed while the tables are read is then also
            # followed later, which re-reads the same rows (following is idempotent).
            self._seq = int(
                conn.execute(select(func.coalesce(func.max(ledger_t.c.seq), 0))).scalar_one()
            )
            for row in conn.execute(select(media_banks)).mappings():
                banks.banks[row["name"]] = _bank(row)
            loaded = _decode_entries(conn.execute(_entry_rows().order_by(media_bank_entries.c.id)))
        saved_index = self._saved_index(loaded)
        banks.load_entries(loaded, pdq=saved_index)
        if saved_index is None:
            # Built from the tables: save it for the next start (not an empty one: no gain).
            index = banks.pdq_index
            saved = len(index) > 0 and self._save(index)
            self.index_load = IndexLoad("built", len(index), 0, 0.0, saved)
        assert self.index_load is not None
        self.index_load = replace(self.index_load, seconds=time.perf_counter() - started)
        return banks

    # -- the saved index -------------------------------------------------------------------------

    def _saved_index(self, entries: list[BankEntry]) -> PdqIndex | None:
        """The saved index brought in line with ``entries``, or None (then it is built)."""
        if self.index_dir is None:
            return None
        folder = self.index_dir / "pdq"
        if not (folder / "meta.json").exists():
            return None
        active = [
            e for e in entries if e.status is EntryStatus.ACTIVE and e.signal_type is SignalType.PDQ
        ]
        try:
            index = PdqIndex.load(folder, mmap=False)
            ids = np.fromiter((e.id for e in active), dtype=np.int64, count=len(active))
            added, removed = index.sync(ids, hashes_to_matrix([e.value for e in active]))
        except (InvalidInput, InvalidMedia, OSError, ValueError, KeyError) as exc:
            log.warning("saved media index at %s unusable (%s); rebuilding", folder, exc)
            return None
        changed = added + removed
        saved = changed > DELTA_LIMIT and self._save(index)
        self.index_load = IndexLoad("saved", len(index), changed, 0.0, saved)
        return index

    def _save(self, index: PdqIndex) -> bool:
        if self.index_dir is None:
            return False
        try:
            index.save(self.index_dir / "pdq")
        except OSError as exc:
            log.warning("cannot save the media index under %s: %s", self.index_dir, exc)
            return False
        return True

    def save_index(self) -> bool:
        """Write the current PDQ index to ``index_dir`` (e.g. after a large import), so the next
        start applies fewer changes; returns whether it was written."""
        return self._save(self.banks.pdq_index)

    def reload(self) -> HashBanks:
        self.banks = self._load()
        return self.banks

    # -- changes ---------------------------------------------------------------------------------

    @contextmanager
    def change(self) -> Iterator[HashBanks]:
        """One transaction for every bank change made in the block."""
        try:
            with self.store.transaction() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(BANK_WRITERS_LOCK)))
                self._follow(conn)
                self._conn = conn
                self._write_pending(conn)
                yield self.banks
        except BaseException:
            self._conn = None
            self.reload()
            raise
        finally:
            self._conn = None

    def follow(self, *, at_most_every: float = 0.0) -> int:
        """Apply bank changes other processes made since the last call; returns how many ledger
        entries were applied. ``at_most_every``: seconds; a call sooner does nothing."""
        now = time.monotonic()
        if at_most_every and now - self._followed_at < at_most_every:
            return 0
        self._followed_at = now
        with self.store.read() as conn:
            return self._follow(conn)

    def _follow(self, conn: Connection) -> int:
        rows = conn.execute(
            select(ledger_t.c.seq, ledger_t.c.kind, ledger_t.c.subject, ledger_t.c.payload)
            .where(ledger_t.c.seq > self._seq, ledger_t.c.kind.like("media.%"))
            .order_by(ledger_t.c.seq)
        ).all()
        for seq, kind, subject, payload in rows:
            if kind in ("media.bank.created", "media.bank.updated"):
                name = subject.removeprefix("bank:")
                row = conn.execute(select(media_banks).where(media_banks.c.name == name))
                found = row.mappings().first()
                if found is not None:
                    self.banks.banks[name] = _bank(found)
            elif kind.startswith("media.entry."):
                data = orjson.loads(payload)
                entry_id = int(data.get("entry_id", data.get("id", 0)))
                got = _decode_entries(
                    conn.execute(_entry_rows().where(media_bank_entries.c.id == entry_id))
                )
                self.banks.replace_entry(entry_id, got[0] if got else None)
            self._seq = max(self._seq, int(seq))
        if not rows:
            head = conn.execute(select(func.max(ledger_t.c.seq))).scalar_one()
            self._seq = max(self._seq, int(head or 0))
        return len(rows)

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
        # Our own change, made under the bank writers' lock after following every earlier one:
        # memory already holds it, so following must not re-read it (a quarantine still queued
        # would be overwritten by the row as it was).
        self._seq = max(self._seq, ledger.append(conn, kind, subject, payload))
