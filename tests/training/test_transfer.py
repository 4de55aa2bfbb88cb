"""Cross-dataset evaluation: heads trained on one source, scored on another, on small slices."""

from __future__ import annotations

from pathlib import Path

from nigran.training import transfer as X
from nigran.training.train import SEED


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


def test_transfer_with_an_encoder_reports_the_blend_beside(shared_data: Path) -> None:
    from tests.training.test_encoder import HashEncoder

    sources = X.english_sources(shared_data)
    src, tgt = _slice(sources["olid train"], 300), _slice(sources["davidson"], 200)
    enc = HashEncoder()
    res = X.transfer_pair("en", src, tgt, seed=SEED, encoder=enc)
    assert res.blend is not None and 0 < res.blend <= 1
    assert res.blend_source_oof is not None and 0 < res.blend_source_oof <= 1
    # The encoder read the source (to train) and the target (to score), nothing else.
    assert set(enc.embedded) == set(src.texts) | set(tgt.texts)
    md = X.transfer_md([res])
    assert "Nigran + encoder" in md and f"{res.blend:.4f}" in md
    assert X.transfer_pair("en", src, tgt, seed=SEED).blend is None
