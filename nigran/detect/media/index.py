"""Finds every stored PDQ hash within distance <= 31 of a query, exactly, at millions of hashes.

How: multi-index hashing. The 256 bits are cut into 16 chunks of 16 bits. If two hashes differ in
at most 31 bits, by pigeonhole at least one chunk differs in at most 1 bit, so probing each chunk's
table for its value and its 16 one-bit neighbours (16 x 17 buckets) finds every candidate (about
4,200 at 1M random hashes); candidates are then checked exactly. Each table is its entries sorted
by that chunk (CSR: bucket offsets plus a permutation), and it also keeps, in that same order,
each entry's first 128 bits. A query reads the 272 buckets' runs of those 128-bit heads, which
rules out nearly every false candidate (two unrelated hashes differ in <= 31 of 128 bits about
once in a billion); only survivors' row numbers and last 128 bits are looked up. The whole query
is about twenty vectorised numpy calls.

Why this design? Chosen by measurement at 1M random hashes (``bench/media.py``, 2-core EPYC VM
shared with other work, CPU time per query so that time another process held the core does not
count):

- this index: p50 ~0.065 ms, p99 ~0.13 ms; python-threatexchange's ``PDQIndex2`` (faiss flat,
  a scan of all hashes): ~39 ms, about 590x slower; faiss ``IndexBinaryMultiHash`` (16 x 16,
  nflip=1): ~1.1-1.3 ms, and it cannot remove entries.
- the same tables without the per-table heads (permutation, then the hash rows): ~0.09 ms and a
  third of the memory. Two thirds of that was waiting on memory for ~4,200 scattered rows;
  the heads turn those into 272 short contiguous runs. That is the trade taken: 3x the memory
  (still under 4 GB at 10M, below) for 1.4x the speed, and the margin on the targets.
- that simpler query written as one numba loop: ~0.14 ms, *slower* than numpy: each step's
  read depends on the last, so fewer cache misses overlap than in numpy's separate gathers.
- a brute-force popcount over the packed hashes (32 MB at 1M) costs milliseconds; bigger chunks
  (20-24 bits, 2 flips) trade candidates for many more probes into much larger offset tables.

What made numpy fast here: ``np.take`` rather than fancy indexing of 2-D arrays (7x on (k, 4)
rows), XOR against a tiled query rather than broadcasting over a width-2 or width-4 axis (6x),
and adding per-word popcounts with one multiply (the bytes of a wider view times 0x0101...,
top byte) rather than column by column.

Changes: new hashes go to a small *delta* segment scanned by brute force; when it outgrows
:data:`DELTA_LIMIT` it is merged into the tables (an O(n) radix sort: about 2 s at 1M, amortised
over thousands of adds). Removals set a tombstone; merges drop tombstoned rows.
:meth:`PdqIndex.save` writes plain ``.npy`` files that :meth:`PdqIndex.load` reads back (or
memory-maps: instant, shared between processes, ~15 % slower queries); :meth:`PdqIndex.sync`
then brings a loaded index to an exact set of ``(id, hash)`` rows with incremental adds and
removals, which is how :class:`~nigran.banks.hashes.BankStore` reuses a saved index
without ever serving a stale one.

Memory per hash: 16 tables x (4 B permutation + 16 B head) + 16 B tail + 8 B id + 8 B id order
+ 1 B tombstone = 353 B, plus 8 MB of bucket offsets: 345 MiB at 1M, 3.3 GiB at 10M.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from nigran.detect.media.hashing import PDQ_MATCH_DISTANCE, hashes_to_matrix
from nigran.errors import InvalidInput

__all__ = ["DELTA_LIMIT", "PdqIndex", "brute_force"]

CHUNKS = 16
CHUNK_BITS = 16
BUCKETS = 1 << CHUNK_BITS
MAX_EXACT_DISTANCE = 2 * CHUNKS - 1
"""31: the largest radius at which probing one-bit neighbours is still exact (pigeonhole)."""

DELTA_LIMIT = 4096
FORMAT_VERSION = 3

_FLIPS = np.array([0] + [1 << b for b in range(CHUNK_BITS)], dtype=np.int64)
_TABLE_BASE = (np.arange(CHUNKS, dtype=np.int64) * (BUCKETS + 1))[:, None]

Hashes = NDArray[np.uint8]


def _as_matrix(hashes: Hashes | Sequence[str]) -> Hashes:
    if isinstance(hashes, np.ndarray):
        if hashes.dtype != np.uint8 or hashes.ndim != 2 or hashes.shape[1] != 32:
            raise InvalidInput(f"expected an (n, 32) uint8 array of PDQ hashes, got {hashes.shape}")
        return np.ascontiguousarray(hashes)
    return hashes_to_matrix(list(hashes))


def _words(matrix: Hashes) -> NDArray[np.uint64]:
    return matrix.view(np.uint64).reshape(-1, 4)


_arange_cache: NDArray[np.int64] = np.arange(1 << 16, dtype=np.int64)


def _arange(n: int) -> NDArray[np.int64]:
    """``0..n-1`` as a view of a cached array (saves an allocation per query)."""
    global _arange_cache
    if n > _arange_cache.shape[0]:
        _arange_cache = np.arange(max(n, 2 * _arange_cache.shape[0]), dtype=np.int64)
    return _arange_cache[:n]


_BYTE_SUM = np.uint32(0x01010101)


def _close(
    x: NDArray[np.uint64], q64: NDArray[np.uint64], max_distance: int
) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Positions and distances of the hashes in ``x`` (flat, 4 words per hash; overwritten)
    within ``max_distance`` of ``q64``."""
    count = x.shape[0] // 4
    x ^= np.tile(q64, count)
    bits = np.bitwise_count(x)  # uint8, one per word: each hash's four counts are 4 bytes
    # The top byte of (4 bytes) * 0x01010101 is their sum, modulo 256: exact below 256, and
    # hits are re-counted below, so a hash differing in all 256 bits cannot pass as 0.
    sums = bits.view(np.uint32) * _BYTE_SUM
    sums >>= np.uint32(24)
    hit = np.flatnonzero(sums <= max_distance)
    if not hit.size:
        return hit, np.zeros(0, dtype=np.int64)
    exact = bits.reshape(count, 4)[hit].sum(axis=1, dtype=np.int64)
    keep = exact <= max_distance
    return hit[keep], exact[keep]


def brute_force(
    bank: Hashes, query: Hashes, max_distance: int = PDQ_MATCH_DISTANCE
) -> list[NDArray[np.int64]]:
    """Rows of ``bank`` within ``max_distance`` of each query row: the reference for recall."""
    words = _words(np.ascontiguousarray(bank))
    out = []
    for q in _words(np.ascontiguousarray(query)):
        distances = np.bitwise_count(words ^ q).sum(axis=1, dtype=np.int64)
        out.append(np.flatnonzero(distances <= max_distance))
    return out


def _changed_ids(
    have_ids: NDArray[np.int64],
    have: Hashes,
    want_ids: NDArray[np.int64],
    want: Hashes,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Ids whose rows must be dropped from ``have`` and ids whose rows must be put from
    ``want`` so that the two hold the same rows (an id whose rows differ at all is both)."""
    if np.array_equal(have_ids, want_ids):  # the usual case: a save reloaded in the same order
        if np.array_equal(have, want):
            none = np.zeros(0, dtype=np.int64)
            return none, none
        differ = (_words(have) != _words(want)).any(axis=1)
        changed = np.unique(have_ids[differ])
        return changed, changed
    h_order = np.argsort(have_ids, kind="stable")
    w_order = np.argsort(want_ids, kind="stable")
    h_sorted, w_sorted = have_ids[h_order], want_ids[w_order]
    h_unique, h_counts = np.unique(h_sorted, return_counts=True)
    w_unique, w_counts = np.unique(w_sorted, return_counts=True)
    common, hi, wi = np.intersect1d(h_unique, w_unique, assume_unique=True, return_indices=True)
    same = h_counts[hi] == w_counts[wi]
    # Ids present on both sides with as many rows: their rows line up in sorted order.
    h_mask = np.isin(h_sorted, common[same])
    w_mask = np.isin(w_sorted, common[same])
    a = _words(np.ascontiguousarray(have[h_order[h_mask]]))
    b = _words(np.ascontiguousarray(want[w_order[w_mask]]))
    changed = np.unique(h_sorted[h_mask][(a != b).any(axis=1)])
    recount = common[~same]
    stale = np.union1d(np.setdiff1d(h_unique, w_unique, assume_unique=True), recount)
    put = np.union1d(np.setdiff1d(w_unique, h_unique, assume_unique=True), recount)
    return np.union1d(stale, changed), np.union1d(put, changed)


class PdqIndex:
    """Maps entry ids (int64, e.g. bank entry row ids) to PDQ hashes; one id may hold many rows."""

    def __init__(self) -> None:
        # Each table's entries in bucket order, as the first 128 bits of their hash (see _verify),
        # and every row's last 128 bits.
        self._heads: NDArray[np.uint64] = np.zeros((0, 2), dtype=np.uint64)
        self._tail: NDArray[np.uint64] = np.zeros((0, 2), dtype=np.uint64)
        self._ids: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._alive: NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self._perm: NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._offsets: NDArray[np.int64] = np.zeros(CHUNKS * (BUCKETS + 1), dtype=np.int64)
        self._id_order: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._delta_hashes: list[Hashes] = []
        self._delta_ids: list[NDArray[np.int64]] = []
        self._delta_cache: tuple[NDArray[np.uint64], NDArray[np.int64]] | None = None
        self._dead = 0

    # -- size ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size - self._dead + self._delta_size()

    @property
    def _size(self) -> int:
        return int(self._tail.shape[0])

    def _main_hashes(self) -> Hashes:
        n = self._size
        words = np.empty((n, 4), dtype=np.uint64)
        words[self._perm[:n], :2] = self._heads[:n]  # table 0 holds every row's head once
        words[:, 2:] = self._tail
        return words.view(np.uint8).reshape(-1, 32)

    def _delta_size(self) -> int:
        return sum(int(ids.shape[0]) for ids in self._delta_ids)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids, tables, tombstones)."""
        arrays = (
            self._heads,
            self._tail,
            self._ids,
            self._alive,
            self._perm,
            self._offsets,
            self._id_order,
        )
        return sum(int(a.nbytes) for a in arrays) + 40 * self._delta_size()

    # -- changes ---------------------------------------------------------------------------------

    def add(self, ids: Iterable[int] | NDArray[np.int64], hashes: Hashes | Sequence[str]) -> None:
        matrix = _as_matrix(hashes)
        id_array = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, np.int64)
        if id_array.shape[0] != matrix.shape[0]:
            raise InvalidInput(f"{id_array.shape[0]} ids for {matrix.shape[0]} hashes")
        if matrix.shape[0] == 0:
            return
        if matrix.shape[0] >= DELTA_LIMIT:
            self._merge(extra=(matrix, id_array))
            return
        self._delta_hashes.append(matrix)
        self._delta_ids.append(id_array)
        self._delta_cache = None
        if self._delta_size() > DELTA_LIMIT:
            self._merge()

    def remove(self, entry_id: int) -> int:
        """Drop every hash stored under ``entry_id``; returns how many were dropped."""
        removed = 0
        lo = int(np.searchsorted(self._ids, entry_id, side="left", sorter=self._id_order))
        hi = int(np.searchsorted(self._ids, entry_id, side="right", sorter=self._id_order))
        for row in self._id_order[lo:hi]:
            if self._alive[row]:
                if not self._alive.flags.writeable:
                    self._alive = self._alive.copy()
                self._alive[row] = False
                self._dead += 1
                removed += 1
        if self._delta_ids:
            words, ids = self._delta()
            keep = ids != entry_id
            if not keep.all():
                removed += int((~keep).sum())
                self._delta_ids = [ids[keep]]
                self._delta_hashes = [words[keep].view(np.uint8).reshape(-1, 32)]
                self._delta_cache = None
        if self._dead > max(DELTA_LIMIT, self._size // 8):
            self._merge()
        return removed

    def rows(self) -> tuple[NDArray[np.int64], Hashes]:
        """Every stored ``(id, hash)`` row: an id array and the matching ``(n, 32)`` matrix."""
        ids = [self._ids[self._alive] if self._dead else np.asarray(self._ids)]
        main = self._main_hashes()
        hashes = [main[self._alive] if self._dead else main]
        if self._delta_ids:
            words, delta_ids = self._delta()
            ids.append(delta_ids)
            hashes.append(words.view(np.uint8).reshape(-1, 32))
        return np.concatenate(ids), np.concatenate(hashes)

    def sync(
        self, ids: NDArray[np.int64] | Sequence[int], hashes: Hashes | Sequence[str]
    ) -> tuple[int, int]:
        """Make the index hold exactly these ``(id, hash)`` rows, touching only the rows that
        differ; returns ``(added, removed)`` row counts. When more than an eighth of the rows
        change, the tables are rebuilt instead (cheaper than thousands of tombstones)."""
        want_hashes = _as_matrix(hashes)
        want_ids = np.asarray(ids, dtype=np.int64)
        if want_ids.shape[0] != want_hashes.shape[0]:
            raise InvalidInput(f"{want_ids.shape[0]} ids for {want_hashes.shape[0]} hashes")
        have_ids, have_hashes = self.rows()
        stale_ids, put_ids = _changed_ids(have_ids, have_hashes, want_ids, want_hashes)
        put = np.isin(want_ids, put_ids)
        removed = int(np.isin(have_ids, stale_ids).sum())
        added = int(put.sum())
        if not removed and not added:
            return 0, 0
        if removed + added > max(DELTA_LIMIT, have_ids.shape[0] // 8):
            self._delta_hashes, self._delta_ids, self._delta_cache = [], [], None
            self._set_main(np.ascontiguousarray(want_hashes), want_ids.copy())
            return added, removed
        for entry in stale_ids.tolist():
            self.remove(entry)
        self.add(want_ids[put], want_hashes[put])
        return added, removed

    def compact(self) -> None:
        """Fold the delta and drop tombstones now (``save`` does this too)."""
        if self._delta_ids or self._dead:
            self._merge()

    def _merge(self, extra: tuple[Hashes, NDArray[np.int64]] | None = None) -> None:
        main = self._main_hashes()
        parts_h = [main[self._alive] if self._dead else main]
        parts_i = [self._ids[self._alive] if self._dead else np.asarray(self._ids)]
        parts_h += self._delta_hashes
        parts_i += self._delta_ids
        if extra is not None:
            parts_h.append(extra[0])
            parts_i.append(extra[1])
        self._set_main(np.concatenate(parts_h), np.concatenate(parts_i))
        self._delta_hashes, self._delta_ids, self._delta_cache = [], [], None

    def _set_main(self, hashes: Hashes, ids: NDArray[np.int64]) -> None:
        n = hashes.shape[0]
        if n >= 2**31:
            raise InvalidInput("PdqIndex holds at most 2^31 - 1 hashes")
        chunks = hashes.view(">u2").reshape(n, CHUNKS)
        perm = np.empty((CHUNKS, n), dtype=np.int32)
        offsets = np.empty((CHUNKS, BUCKETS + 1), dtype=np.int64)
        for t in range(CHUNKS):
            column = chunks[:, t]
            perm[t] = np.argsort(column, kind="stable")  # radix sort for 16-bit keys
            counts = np.bincount(column, minlength=BUCKETS)
            offsets[t, 0] = t * n
            np.cumsum(counts, out=offsets[t, 1:])
            offsets[t, 1:] += t * n
        words = _words(hashes)
        self._perm = perm.reshape(-1)
        self._heads = np.take(np.ascontiguousarray(words[:, :2]), self._perm, axis=0)
        self._tail = np.ascontiguousarray(words[:, 2:])
        self._ids = ids
        self._alive = np.ones(n, dtype=np.bool_)
        self._offsets = offsets.reshape(-1)
        self._id_order = np.argsort(ids, kind="stable").astype(np.int64)
        self._dead = 0

    # -- queries ---------------------------------------------------------------------------------

    def query(
        self, query: str | bytes | Hashes, max_distance: int = PDQ_MATCH_DISTANCE
    ) -> list[tuple[int, int]]:
        """``(entry_id, distance)`` for every stored hash within ``max_distance``, nearest first."""
        if isinstance(query, str):
            row = hashes_to_matrix([query])[0]
        elif isinstance(query, bytes):
            if len(query) != 32:
                raise InvalidInput(f"a PDQ hash is 32 bytes, got {len(query)}")
            row = np.frombuffer(query, dtype=np.uint8)
        else:
            row = np.ascontiguousarray(query, dtype=np.uint8).reshape(32)
        if not 0 <= max_distance <= MAX_EXACT_DISTANCE:
            raise InvalidInput(
                f"max_distance {max_distance} is outside 0..{MAX_EXACT_DISTANCE}, the range this "
                "index answers exactly"
            )
        q64 = row.view(np.uint64)
        found: dict[int, int] = {}
        if self._size:
            slots = ((row.view(">u2").astype(np.int64)[:, None] ^ _FLIPS) + _TABLE_BASE).ravel()
            starts = np.take(self._offsets, slots)
            lens = np.take(self._offsets, slots + 1) - starts
            ends = np.cumsum(lens)
            total = int(ends[-1])
            if total:
                # Every candidate's position in the tables: each bucket's start, repeated over
                # its run, plus the running offset within the run.
                pos = np.repeat(starts - ends + lens, lens)
                pos += _arange(total)
                rows, distances = self._verify(pos, q64, max_distance)
                if rows.size:
                    alive, ids = self._alive, self._ids
                    for r, d in zip(rows.tolist(), distances.tolist(), strict=True):
                        if alive[r]:
                            entry = int(ids[r])
                            found[entry] = min(d, found.get(entry, d))
        if self._delta_ids:
            words, ids = self._delta()
            hit, distances = _close(words.reshape(-1).copy(), q64, max_distance)
            for entry, d in zip(ids[hit].tolist(), distances.tolist(), strict=True):
                found[entry] = min(d, found.get(entry, d))
        return sorted(found.items(), key=lambda item: (item[1], item[0]))

    def _verify(
        self, pos: NDArray[np.int64], q64: NDArray[np.uint64], max_distance: int
    ) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
        """The rows of the candidates at table positions ``pos`` that are truly within
        ``max_distance``, and their distances.

        The first 128 bits alone rule out nearly every false candidate (two unrelated hashes
        differ in <= 31 of 128 bits about once in a billion); the tables keep them in bucket
        order, so this first pass reads short contiguous runs instead of scattered rows. Only
        the survivors' row numbers and last 128 bits are looked up."""
        x = np.take(self._heads, pos, axis=0).reshape(-1)
        x ^= np.tile(q64[:2], pos.shape[0])
        # Two per-word counts as the bytes of a uint16; times 0x0101, the top byte is their sum
        # (at most 128, so exact).
        head = np.bitwise_count(x).view(np.uint16) * np.uint16(0x0101)
        head >>= np.uint16(8)
        keep = np.flatnonzero(head <= max_distance)
        if not keep.size:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        rows = np.take(self._perm, pos[keep])
        y = np.take(self._tail, rows, axis=0).reshape(-1)
        y ^= np.tile(q64[2:], rows.shape[0])
        total = head[keep].astype(np.int64) + np.bitwise_count(y).reshape(-1, 2).sum(
            axis=1, dtype=np.int64
        )
        close = total <= max_distance
        return rows[close], total[close]

    def _delta(self) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
        if self._delta_cache is None:
            hashes, ids = np.concatenate(self._delta_hashes), np.concatenate(self._delta_ids)
            # Keep the concatenation: later removals and adds then touch one array, not many.
            self._delta_hashes, self._delta_ids = [hashes], [ids]
            self._delta_cache = (_words(hashes), ids)
        return self._delta_cache

    # -- persistence -----------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the index as ``.npy`` files in ``folder``, replacing it as a whole: a reader
        sees the old files, the new ones, or (for an instant) none, never a mix. Several
        processes may save at once; each writes its own temporary folder."""
        self.compact()
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        unique = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp = folder.with_name(f"{folder.name}.tmp-{unique}")
        old = folder.with_name(f"{folder.name}.old-{unique}")
        try:
            tmp.mkdir()
            for name in ("heads", "tail", "ids", "perm", "offsets", "id_order"):
                np.save(tmp / f"{name}.npy", np.asarray(getattr(self, f"_{name}")))
            meta = {"format": FORMAT_VERSION, "size": self._size}
            (tmp / "meta.json").write_text(json.dumps(meta))
            if folder.exists():
                os.replace(folder, old)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> PdqIndex:
        folder = Path(folder)
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            raise InvalidInput("not a saved PDQ index (no meta.json)", where=str(folder))
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT_VERSION:
            raise InvalidInput(f"unknown index format {meta.get('format')!r}", where=str(folder))
        mode: Literal["r"] | None = "r" if mmap else None
        index = cls()
        index._heads = np.load(folder / "heads.npy", mmap_mode=mode)
        index._tail = np.load(folder / "tail.npy", mmap_mode=mode)
        index._ids = np.load(folder / "ids.npy", mmap_mode=mode)
        index._perm = np.load(folder / "perm.npy", mmap_mode=mode)
        index._offsets = np.load(folder / "offsets.npy", mmap_mode=mode)
        index._id_order = np.load(folder / "id_order.npy", mmap_mode=mode)
        index._alive = np.ones(index._size, dtype=np.bool_)
        sizes = {a.shape[0] for a in (index._tail, index._ids, index._id_order)}
        n = int(meta["size"])
        tables = {index._heads.shape[0], index._perm.shape[0]}
        bounds = index._offsets.reshape(CHUNKS, BUCKETS + 1)[:, [0, -1]]
        # Cheap structural checks (a few ms at 1M): the tables cover 0..16n in order and the
        # permutation names real rows. Row contents are checked by sync() against the tables.
        if (
            sizes != {n}
            or tables != {CHUNKS * n}
            or index._offsets.shape[0] != CHUNKS * (BUCKETS + 1)
            or not np.array_equal(bounds[:, 0], np.arange(CHUNKS) * n)
            or not np.array_equal(bounds[:, 1], np.arange(1, CHUNKS + 1) * n)
            or (n and not 0 <= int(index._perm.min()) <= int(index._perm.max()) < n)
        ):
            raise InvalidInput("index files are inconsistent (damaged?)", where=str(folder))
        return index
