"""Hash banks: what known media to match, how strictly, and what to do about bad entries.

A :class:`Bank` is a named list of hashes with its own category, PDQ distance threshold and video
share, switched on or off as a whole. An entry is one hash (``pdq``, ``video_md5``, ``md5``,
``sha256`` or ``vpdq``) with a note and a source; it can be disabled, re-enabled or removed.

Three things HMA's users ask for and HMA lacks (``shared/research/anchors.md`` §1.5):

- **negative banks**: hashes of content known to be fine (a logo, a meme template, a confirmed
  false positive); a query that matches a negative entry suppresses every positive match for that
  media, and the suppressed matches are still reported, for audit;
- **per-bank thresholds**: a noisy exchange's bank can demand distance <= 16 while a curated one
  accepts 31;
- **hot-hash quarantine**: an entry that matches more than ``hot_limit`` items within
  ``hot_window`` is suspended pending review (an over-matching hash is almost always a bad hash:
  a blank frame, a logo), and stops matching at once.

Every change goes through ``record(kind, subject, payload)``; with the store, that is the ledger
(:mod:`nigran.banks.hashes`), in the same transaction as the change.

Import/export formats, so banks move to and from HMA and ThreatExchange tools:

- ``pytx``: python-threatexchange's local-file format, one ``<signal_type> <value>`` per line
  (``pdq 0f3c...``), or bare values with a given signal type; ``vpdq`` values are pytx's vPDQ
  signal strings on the way out and any vPDQ form on the way in (:mod:`.vpdq`);
- ``csv``: header ``signal_type,signal_value,note,source`` (more columns are kept as metadata);
  a bare ``hash`` / ``pdq`` column is read as PDQ.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from nigran.detect.media.hashing import PDQ_MATCH_DISTANCE, PdqHash
from nigran.detect.media.index import MAX_EXACT_DISTANCE, PdqIndex
from nigran.detect.media.vpdq import QUERY_SHARE, VideoHash, VideoIndex, parse_video_hash
from nigran.errors import InvalidInput, NotFound
from nigran.model import utcnow

__all__ = [
    "Bank",
    "BankEntry",
    "BankMatch",
    "EntryStatus",
    "HashBanks",
    "MatchResult",
    "SignalType",
    "export_entries",
    "parse_entries",
]


class SignalType(StrEnum):
    """Names as python-threatexchange spells them, so files exchange unchanged."""

    PDQ = "pdq"
    VIDEO_MD5 = "video_md5"
    MD5 = "md5"
    SHA256 = "sha256"
    VPDQ = "vpdq"


_HEX_LENGTH = {
    SignalType.PDQ: 64,
    SignalType.VIDEO_MD5: 32,
    SignalType.MD5: 32,
    SignalType.SHA256: 64,
}


class EntryStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    QUARANTINED = "quarantined"


Recorder = Callable[[str, str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    category: str = "sexual"
    negative: bool = False
    enabled: bool = True
    pdq_distance: int = PDQ_MATCH_DISTANCE
    video_share: float = QUERY_SHARE
    hot_limit: int | None = 100
    """Matches within ``hot_window_s`` above which an entry is quarantined; None: never."""
    hot_window_s: int = 3600
    severity: int = 3
    note: str = ""

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 64 or any(c.isspace() for c in self.name):
            raise InvalidInput(f"bank name {self.name!r} must be 1-64 characters, no spaces")
        if not 0 <= self.pdq_distance <= MAX_EXACT_DISTANCE:
            raise InvalidInput(
                f"pdq_distance {self.pdq_distance} must be 0..{MAX_EXACT_DISTANCE}",
                where=f"bank {self.name}",
            )
        if not 0.0 < self.video_share <= 1.0:
            raise InvalidInput("video_share must be in (0, 1]", where=f"bank {self.name}")
        if self.hot_limit is not None and self.hot_limit < 1:
            raise InvalidInput("hot_limit must be at least 1", where=f"bank {self.name}")


@dataclass(frozen=True, slots=True)
class BankEntry:
    id: int
    bank: str
    signal_type: SignalType
    value: str
    note: str = ""
    source: str = ""
    status: EntryStatus = EntryStatus.ACTIVE
    added_at: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data["added_at"] = self.added_at.isoformat() if self.added_at else None
        if self.signal_type is SignalType.VPDQ:
            data["value"] = f"<vpdq: {self.value.count('pdq')} frames>"
        return data


@dataclass(frozen=True, slots=True)
class BankMatch:
    bank: str
    entry_id: int
    signal_type: SignalType
    category: str
    distance: int
    """Bits for PDQ; 0 for exact matches; for video, the median distance of matched frames."""
    negative: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: list[BankMatch]
    """Positive matches that stand."""
    suppressed: list[BankMatch] = field(default_factory=list)
    """Positive matches cancelled by a negative bank (kept for the audit trail)."""
    negatives: list[BankMatch] = field(default_factory=list)


def _normalise_value(signal_type: SignalType, value: str) -> str:
    value = value.strip()
    if signal_type is SignalType.VPDQ:
        # Any of the three vPDQ forms in; Nigran's own JSON kept (see vpdq.parse_video_hash).
        return _canonical_vpdq(parse_video_hash(value))
    value = value.lower()
    expected = _HEX_LENGTH[signal_type]
    if len(value) != expected or any(c not in "0123456789abcdef" for c in value):
        raise InvalidInput(f"{signal_type.value} value must be {expected} hex digits: {value!r}")
    return value


def _canonical_vpdq(video: VideoHash) -> str:
    import orjson

    return orjson.dumps(video.to_json()).decode()


class HashBanks:
    """All banks and entries in memory, with the indexes that match against them.

    The store layer loads this from its tables at start and applies every change to both; the
    matching itself never touches the database.
    """

    def __init__(
        self,
        record: Recorder | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.record: Recorder = record or (lambda kind, subject, payload: None)
        self.clock = clock
        self.banks: dict[str, Bank] = {}
        self.entries: dict[int, BankEntry] = {}
        self._next_id = 1
        self._pdq = PdqIndex()
        self._exact: dict[tuple[SignalType, str], set[int]] = {}
        self._videos = VideoIndex()
        self._recent: dict[int, deque[datetime]] = {}

    # -- banks -----------------------------------------------------------------------------------

    def create_bank(self, bank: Bank, *, actor: str) -> Bank:
        if bank.name in self.banks:
            raise InvalidInput(f"bank {bank.name!r} already exists")
        self.banks[bank.name] = bank
        self.record("media.bank.created", f"bank:{bank.name}", {"actor": actor, **asdict(bank)})
        return bank

    def update_bank(self, name: str, *, actor: str, **changes: Any) -> Bank:
        bank = self._bank(name)
        unknown = set(changes) - set(Bank.__dataclass_fields__) | ({"name"} & set(changes))
        if unknown:
            raise InvalidInput(f"cannot change {sorted(unknown)} of a bank")
        updated = replace(bank, **changes)
        self.banks[name] = updated
        self.record("media.bank.updated", f"bank:{name}", {"actor": actor, "changes": changes})
        return updated

    def _bank(self, name: str) -> Bank:
        try:
            return self.banks[name]
        except KeyError:
            raise NotFound(f"no bank named {name!r}") from None

    # -- entries ---------------------------------------------------------------------------------

    def add_entry(
        self,
        bank: str,
        signal_type: SignalType | str,
        value: str,
        *,
        actor: str,
        note: str = "",
        source: str = "",
        metadata: dict[str, str] | None = None,
    ) -> BankEntry:
        self._bank(bank)
        kind = SignalType(signal_type)
        entry = BankEntry(
            id=self._next_id,
            bank=bank,
            signal_type=kind,
            value=_normalise_value(kind, value),
            note=note,
            source=source,
            added_at=self.clock(),
            metadata=dict(metadata or {}),
        )
        self.load_entry(entry)
        self.record("media.entry.added", f"bank:{bank}", {"actor": actor, **entry.public()})
        return entry

    def load_entries(self, entries: Iterable[BankEntry], *, pdq: PdqIndex | None = None) -> None:
        """Put many stored entries in place at once (start-up): PDQ hashes go into the index in
        one bulk add, not one by one. ``pdq``: an index already holding exactly the active PDQ
        entries (a saved one, checked by the caller), used instead of building one."""
        pdq_ids: list[int] = []
        pdq_values: list[str] = []
        videos: list[tuple[int, VideoHash]] = []
        for entry in entries:
            self.entries[entry.id] = entry
            self._next_id = max(self._next_id, entry.id + 1)
            if entry.status is not EntryStatus.ACTIVE:
                continue
            if entry.signal_type is SignalType.PDQ:
                pdq_ids.append(entry.id)
                pdq_values.append(entry.value)
            elif entry.signal_type is SignalType.VPDQ:
                videos.append((entry.id, parse_video_hash(entry.value)))
            else:
                self._index(entry)
        self._videos.add_many(videos)
        if pdq is not None:
            self._pdq = pdq
        elif pdq_ids:
            self._pdq.add(np.asarray(pdq_ids, dtype=np.int64), pdq_values)

    @property
    def pdq_index(self) -> PdqIndex:
        return self._pdq

    def load_entry(self, entry: BankEntry) -> None:
        """Put an entry read back from storage in place (no record: it is not a change)."""
        self.entries[entry.id] = entry
        self._next_id = max(self._next_id, entry.id + 1)
        if entry.status is EntryStatus.ACTIVE:
            self._index(entry)

    def replace_entry(self, entry_id: int, entry: BankEntry | None) -> None:
        """Make entry ``entry_id`` what storage now says (``None``: it is gone); no record, as
        this applies a change already made and ledgered elsewhere."""
        old = self.entries.pop(entry_id, None)
        if old is not None and old.status is EntryStatus.ACTIVE:
            self._unindex(old)
        if entry is None:
            self._recent.pop(entry_id, None)
        else:
            self.load_entry(entry)

    def _index(self, entry: BankEntry) -> None:
        if entry.signal_type is SignalType.PDQ:
            self._pdq.add([entry.id], [entry.value])
        elif entry.signal_type is SignalType.VPDQ:
            self._videos.add(entry.id, parse_video_hash(entry.value))
        else:
            self._exact.setdefault((entry.signal_type, entry.value), set()).add(entry.id)

    def _unindex(self, entry: BankEntry) -> None:
        if entry.signal_type is SignalType.PDQ:
            self._pdq.remove(entry.id)
        elif entry.signal_type is SignalType.VPDQ:
            self._videos.remove(entry.id)
        else:
            self._exact.get((entry.signal_type, entry.value), set()).discard(entry.id)

    def _entry(self, entry_id: int) -> BankEntry:
        try:
            return self.entries[entry_id]
        except KeyError:
            raise NotFound(f"no bank entry {entry_id}") from None

    def _set_status(
        self, entry_id: int, status: EntryStatus, kind: str, payload: dict[str, Any]
    ) -> BankEntry:
        entry = self._entry(entry_id)
        if entry.status is status:
            return entry
        if entry.status is EntryStatus.ACTIVE:
            self._unindex(entry)
        updated = replace(entry, status=status)
        self.entries[entry_id] = updated
        if status is EntryStatus.ACTIVE:
            self._index(updated)
            self._recent.pop(entry_id, None)
        self.record(kind, f"bank:{entry.bank}", {"entry_id": entry_id, **payload})
        return updated

    def disable_entry(self, entry_id: int, *, actor: str, reason: str = "") -> BankEntry:
        return self._set_status(
            entry_id,
            EntryStatus.DISABLED,
            "media.entry.disabled",
            {"actor": actor, "reason": reason},
        )

    def enable_entry(self, entry_id: int, *, actor: str, reason: str = "") -> BankEntry:
        """Re-enable a disabled entry, or release a quarantined one after review."""
        return self._set_status(
            entry_id, EntryStatus.ACTIVE, "media.entry.enabled", {"actor": actor, "reason": reason}
        )

    def remove_entry(self, entry_id: int, *, actor: str, reason: str = "") -> None:
        entry = self._entry(entry_id)
        if entry.status is EntryStatus.ACTIVE:
            self._unindex(entry)
        del self.entries[entry_id]
        self._recent.pop(entry_id, None)
        self.record(
            "media.entry.removed",
            f"bank:{entry.bank}",
            {"actor": actor, "reason": reason, **entry.public()},
        )

    # -- matching --------------------------------------------------------------------------------

    def match_image(
        self,
        variants: Iterable[PdqHash],
        *,
        md5: str | None = None,
        sha256: str | None = None,
        count: bool = True,
    ) -> MatchResult:
        """Match the dihedral PDQ variants of one image (and its exact digests).

        ``count=False`` (retroactive scans) leaves the hot-hash counters alone: re-matching the
        archive is not a flood of new uploads."""
        found: dict[int, BankMatch] = {}
        radius = max((b.pdq_distance for b in self.banks.values() if b.enabled), default=0)
        for k, variant in enumerate(variants):
            if not variant.usable:
                continue
            for entry_id, distance in self._pdq.query(variant.hex, radius):
                entry = self.entries[entry_id]
                bank = self.banks[entry.bank]
                if not bank.enabled or distance > bank.pdq_distance:
                    continue
                if entry_id in found and found[entry_id].distance <= distance:
                    continue
                found[entry_id] = self._match(
                    entry, distance, {"variant": k, "query_pdq": variant.hex}
                )
        self._exact_matches(found, SignalType.MD5, md5)
        self._exact_matches(found, SignalType.SHA256, sha256)
        return self._settle(found.values(), count)

    def match_video(
        self,
        video: VideoHash | Sequence[VideoHash],
        *,
        md5: str | None = None,
        sha256: str | None = None,
        count: bool = True,
    ) -> MatchResult:
        found: dict[int, BankMatch] = {}
        enabled = [b for b in self.banks.values() if b.enabled]
        radius = max((b.pdq_distance for b in enabled), default=0)
        share = min((b.video_share for b in enabled), default=1.0)
        orientations = [video] if isinstance(video, VideoHash) else list(video)
        for k, oriented in enumerate(orientations):
            query_frames = max(1, len(oriented.usable))
            for vm in self._videos.query(oriented, max_distance=radius, query_share=share):
                entry = self.entries[vm.video_id]
                bank = self.banks[entry.bank]
                pairs = [p for p in vm.pairs if p[2] <= bank.pdq_distance]
                shown = len(pairs) / query_frames
                if not bank.enabled or shown < bank.video_share:
                    continue
                if entry.id in found and found[entry.id].details["query_share"] >= shown:
                    continue
                distances = sorted(d for _, _, d in pairs)
                found[entry.id] = self._match(
                    entry,
                    distances[len(distances) // 2],
                    {
                        "query_share": round(shown, 3),
                        "target_share": round(vm.target_share, 3),
                        "variant": k,
                        "frames": [{"query_s": q, "bank_s": t, "distance": d} for q, t, d in pairs],
                    },
                )
        self._exact_matches(found, SignalType.VIDEO_MD5, md5)
        self._exact_matches(found, SignalType.MD5, md5)
        self._exact_matches(found, SignalType.SHA256, sha256)
        return self._settle(found.values(), count)

    def _exact_matches(
        self, found: dict[int, BankMatch], kind: SignalType, value: str | None
    ) -> None:
        if not value:
            return
        for entry_id in self._exact.get((kind, value.lower()), ()):
            entry = self.entries[entry_id]
            if self.banks[entry.bank].enabled:
                found[entry_id] = self._match(entry, 0, {"exact": kind.value})

    def _match(self, entry: BankEntry, distance: int, details: dict[str, Any]) -> BankMatch:
        bank = self.banks[entry.bank]
        return BankMatch(
            bank=bank.name,
            entry_id=entry.id,
            signal_type=entry.signal_type,
            category=bank.category,
            distance=distance,
            negative=bank.negative,
            details={"note": entry.note, "source": entry.source, **details},
        )

    def _settle(self, found: Iterable[BankMatch], count: bool = True) -> MatchResult:
        positives = sorted((m for m in found if not m.negative), key=lambda m: m.distance)
        negatives = [m for m in found if m.negative]
        if negatives:
            return MatchResult(matches=[], suppressed=positives, negatives=negatives)
        for m in positives if count else ():
            self._count_hit(m.entry_id)
        still = [m for m in positives if self.entries[m.entry_id].status is EntryStatus.ACTIVE]
        return MatchResult(matches=still)

    def _count_hit(self, entry_id: int) -> None:
        entry = self.entries[entry_id]
        bank = self.banks[entry.bank]
        if bank.hot_limit is None:
            return
        now = self.clock()
        window = self._recent.setdefault(entry_id, deque())
        window.append(now)
        cutoff = now - timedelta(seconds=bank.hot_window_s)
        while window and window[0] < cutoff:
            window.popleft()
        if len(window) > bank.hot_limit:
            self._set_status(
                entry_id,
                EntryStatus.QUARANTINED,
                "media.entry.quarantined",
                {
                    "actor": "system",
                    "reason": f"matched {len(window)} items within {bank.hot_window_s} s "
                    f"(limit {bank.hot_limit}); suspended pending review",
                },
            )

    # -- exchange formats ------------------------------------------------------------------------

    def import_entries(
        self,
        bank: str,
        text: str,
        *,
        fmt: str,
        actor: str,
        source: str,
        default_type: SignalType | None = None,
    ) -> list[BankEntry]:
        """Add every row of an exported file; a bad row is an error naming its line."""
        rows = parse_entries(text, fmt=fmt, default_type=default_type)
        existing = {_same(e.signal_type, e.value) for e in self.entries.values() if e.bank == bank}
        added = []
        for kind, value, note, row_source, metadata in rows:
            key = _same(kind, value)
            if key in existing:
                continue
            existing.add(key)
            added.append(
                self.add_entry(
                    bank,
                    kind,
                    value,
                    actor=actor,
                    note=note,
                    source=row_source or source,
                    metadata=metadata,
                )
            )
        self.record(
            "media.bank.imported",
            f"bank:{bank}",
            {
                "actor": actor,
                "source": source,
                "format": fmt,
                "rows": len(rows),
                "added": len(added),
            },
        )
        return added


Row = tuple[SignalType, str, str, str, dict[str, str]]


def parse_entries(text: str, *, fmt: str, default_type: SignalType | None = None) -> list[Row]:
    rows: list[Row] = []
    if fmt == "pytx":
        for lineno, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if default_type is not None and " " not in line:
                kind_name, value = default_type.value, line
            else:
                kind_name, _, value = line.partition(" ")
            rows.append(_row(kind_name, value, "", "", {}, where=f"line {lineno}"))
        return rows
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        value_col = next(
            (c for c in ("signal_value", "signal", "hash", "pdq") if c in fields), None
        )
        if value_col is None:
            raise InvalidInput("CSV needs a signal_value (or hash / pdq) column", where="line 1")
        for lineno, raw in enumerate(reader, start=2):
            rec = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            kind_name = rec.get("signal_type") or (default_type.value if default_type else "pdq")
            meta = {
                k: v
                for k, v in rec.items()
                if k not in {"signal_type", value_col, "note", "source"} and v
            }
            rows.append(
                _row(
                    kind_name,
                    rec[value_col],
                    rec.get("note", ""),
                    rec.get("source", ""),
                    meta,
                    where=f"line {lineno}",
                )
            )
        return rows
    raise InvalidInput(f"unknown bank format {fmt!r}: use 'pytx' or 'csv'")


def _row(
    kind_name: str, value: str, note: str, source: str, meta: dict[str, str], *, where: str
) -> Row:
    try:
        kind = SignalType(kind_name.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown signal type {kind_name!r} (pdq, video_md5, md5, sha256, vpdq)", where=where
        ) from None
    try:
        return kind, _normalise_value(kind, value), note, source, meta
    except InvalidInput as exc:
        raise InvalidInput(exc.message, where=where) from None


def _same(kind: SignalType, value: str) -> tuple[SignalType, str]:
    """What makes two entries the same: for vPDQ, the frames as exchanged (a round trip
    through pytx's form keeps hashes, qualities and start times, not the last run's end)."""
    if kind is SignalType.VPDQ:
        return kind, parse_video_hash(value).to_pytx()
    return kind, value


def _exchange_value(entry: BankEntry) -> str:
    """The value as python-threatexchange writes it: vPDQ as its ``vpdq`` signal string."""
    if entry.signal_type is SignalType.VPDQ:
        return parse_video_hash(entry.value).to_pytx()
    return entry.value


def export_entries(entries: Iterable[BankEntry], *, fmt: str) -> str:
    """Active entries of a bank in ``pytx`` or ``csv`` form (disabled/quarantined are left out:
    an export is what the receiver should match)."""
    active = [e for e in entries if e.status is EntryStatus.ACTIVE]
    if fmt == "pytx":
        return "".join(f"{e.signal_type.value} {_exchange_value(e)}\n" for e in active)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["signal_type", "signal_value", "note", "source", "added_at"])
        for e in active:
            writer.writerow(
                [
                    e.signal_type.value,
                    _exchange_value(e),
                    e.note,
                    e.source,
                    e.added_at.isoformat() if e.added_at else "",
                ]
            )
        return out.getvalue()
    raise InvalidInput(f"unknown bank format {fmt!r}: use 'pytx' or 'csv'")
