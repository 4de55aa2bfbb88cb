from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nigran.detect.media import index as index_module
from nigran.detect.media.index import PdqIndex, brute_force
from nigran.errors import InvalidInput


def _flip(rows: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = rows.copy()
    for i, k in enumerate(counts):
        for bit in rng.choice(256, int(k), replace=False):
            out[i, bit // 8] ^= 1 << (bit % 8)
    return out


def _ids(found: list[tuple[int, int]]) -> set[int]:
    return {entry for entry, _ in found}


def test_recall_equals_brute_force_up_to_31() -> None:
    rng = np.random.default_rng(7)
    bank = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    # Plant near neighbours at every distance 0..40 around some queries.
    queries = bank[:82].copy()
    planted = _flip(queries, np.arange(82) % 41, rng)
    bank[20_000 - 82 :] = planted
    index = PdqIndex()
    index.add(np.arange(len(bank)), bank)
    truth = brute_force(bank, queries, 31)
    for q, expected in zip(queries, truth, strict=True):
        found = index.query(q)
        assert _ids(found) == set(expected.tolist())
        assert [d for _, d in found] == sorted(d for _, d in found)
    for radius in (0, 8, 20):
        truth = brute_force(bank, queries, radius)
        for q, expected in zip(queries, truth, strict=True):
            assert _ids(index.query(q, radius)) == set(expected.tolist())
    with pytest.raises(InvalidInput, match=r"outside 0\.\.31"):
        index.query(queries[0], 40)
    with pytest.raises(InvalidInput, match=r"outside 0\.\.31"):
        index.query(queries[0], -1)


def test_a_hash_differing_in_every_bit_is_not_a_match() -> None:
    # The per-hash popcount is summed modulo 256 on the fast path; 256 must not read as 0.
    rng = np.random.default_rng(11)
    bank = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    index = PdqIndex()
    index.add(np.arange(300), bank)
    index.add([1000], ~bank[:1])  # goes to the delta segment
    index.compact()
    index.add([1001], ~bank[:1])  # and one more in the delta
    assert index.query(bank[0]) == [(0, 0)]
    assert _ids(index.query(~bank[0])) == {1000, 1001}


def test_incremental_add_remove_and_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "DELTA_LIMIT", 64)
    rng = np.random.default_rng(3)
    bank = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    index = PdqIndex()
    for start in range(0, 1000, 10):  # small batches: delta, then merges
        index.add(np.arange(start, start + 10), bank[start : start + 10])
    assert len(index) == 1000
    assert index.query(bank[500])[0] == (500, 0)
    assert index.remove(500) == 1
    assert 500 not in _ids(index.query(bank[500]))
    index.add([999_999], bank[500:501])  # the same hash under a new entry
    assert index.query(bank[500])[0] == (999_999, 0)
    index.add([7], [bank[0].tobytes().hex()])  # entry 7 now holds two hashes
    assert index.remove(7) == 2
    assert len(index) == 999
    for i in range(0, 400):
        index.remove(i)
    assert len(index) == 600
    assert _ids(index.query(bank[300])) == set()
    assert index.query(bank[800])[0] == (800, 0)


def test_save_and_reload(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    bank = rng.integers(0, 256, (5000, 32), dtype=np.uint8)
    index = PdqIndex()
    index.add(np.arange(5000) * 3, bank)
    index.add([1], bank[:1])
    index.remove(6)
    index.save(tmp_path / "idx")
    index.save(tmp_path / "idx")  # replacing an existing save is atomic and fine
    loaded = PdqIndex.load(tmp_path / "idx")
    assert len(loaded) == len(index) == 5000
    for row in (0, 2, 4999):
        assert loaded.query(bank[row]) == index.query(bank[row])
    loaded.remove(0)  # a memory-mapped index still takes changes
    loaded.add([42], bank[2:3])
    assert _ids(loaded.query(bank[0])) == {1}
    assert _ids(loaded.query(bank[2])) == {6, 42} - {6}
    with pytest.raises(InvalidInput, match=r"meta\.json"):
        PdqIndex.load(tmp_path)


def test_sync_applies_only_the_difference() -> None:
    rng = np.random.default_rng(9)
    bank = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    index = PdqIndex()
    index.add(np.arange(3000), bank)
    assert index.sync(np.arange(3000), bank) == (0, 0)
    # Same rows in another order: nothing to do either.
    order = rng.permutation(3000)
    assert index.sync(np.arange(3000)[order], bank[order]) == (0, 0)
    want_ids = np.concatenate([np.arange(1, 3000), [5000, 5000]])
    want = np.concatenate([bank[1:], bank[:1], bank[1:2]])
    want[10] ^= 0xFF  # entry 11's hash changed
    added, removed = index.sync(want_ids, want)
    assert (added, removed) == (3, 2)  # 11 and 5000 (two rows) put; 0 and the old 11 dropped
    got_ids, got = index.rows()
    key = lambda i, h: (int(i), h.tobytes())  # noqa: E731
    assert sorted(map(key, got_ids, got)) == sorted(map(key, want_ids, want))
    assert _ids(index.query(bank[0])) == {5000}
    assert index.query(want[10])[0] == (11, 0)
    # Most rows changed: rebuilt rather than patched, same result.
    fresh = rng.integers(0, 256, (2000, 32), dtype=np.uint8)
    assert index.sync(np.arange(2000), fresh) == (2000, 3001)
    assert len(index) == 2000
    assert index.query(fresh[1999]) == [(1999, 0)]


def test_load_refuses_inconsistent_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    index = PdqIndex()
    index.add(np.arange(500), rng.integers(0, 256, (500, 32), dtype=np.uint8))
    index.save(tmp_path / "idx")
    perm = np.load(tmp_path / "idx" / "perm.npy")
    perm[3] = 10_000  # a row that does not exist
    np.save(tmp_path / "idx" / "perm.npy", perm)
    with pytest.raises(InvalidInput, match="inconsistent"):
        PdqIndex.load(tmp_path / "idx")
