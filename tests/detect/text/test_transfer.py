"""Cross-dataset evaluation: heads trained on one source, scored on another, on small slices."""

from __future__ import annotations

from pathlib import Path

from nigran.detect.text import transfer as X
from nigran.detect.text.train import SEED


def _slice(src: X.Source, n: int) -> X.Source:
    # A stride, not a prefix: some files are sorted by label.
    step = max(1, len(src.texts) // n)
    return X.Source(src.name, src.texts[::step][:n], src.labels[::step][:n])


def test_transfer_pairs_score_the_target_and_report_apart(shared_data: Path) -> None:
    sources = X.english_sources(shared_data)
    dav = sources["davidson"]
    # Davidson's "neither" is the only non-harmful class.
    assert 0.7 < sum(dav.labels) / len(dav.labels) < 0.9
    logs: list[str] = []
    res = X.transfer_pair(
        "en", _slice(sources["olid train"], 600), _slice(dav, 400), seed=SEED, log=logs.append
    )
    assert res.rows == 400 and 0 < res.ours <= 1 and 0 < res.baseline <= 1
    assert 0 < res.source_oof <= 1 and res.recipe
    assert any("transfer olid train" in m for m in logs)
    md = X.transfer_md([res])
    assert "Cross-dataset transfer" in md and "Not measured" in md and "threat" in md
