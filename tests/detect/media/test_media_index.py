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
    with pytest.raises(InvalidInput, match="above 31"):
        index.query(queries[0], 40)


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
