"""Leave-one-source-out evaluation of the Roman Urdu harassment head, on small slices."""

from __future__ import annotations

from pathlib import Path

import pytest

from nigran.training import loso as L
from nigran.training.linear import Recipe
from nigran.training.train import SEED

QUICK = (Recipe("nb", 1.0, True),)


@pytest.fixture(scope="module")
def sources(shared_data: Path) -> dict[str, L.Source]:
    return L.load_sources(shared_data, max_rows=240)


def test_sources_map_labels_and_score_trac_as_overt_against_none(shared_data: Path) -> None:
    texts = ["a", "b", "c", "d"]
    labels = [0, 1, 2, 1]  # NAG, CAG, OAG, CAG
    for covert, trained in (("drop", [0, 1]), ("benign", [0, 0, 1, 0]), ("harmful", [0, 1, 1, 1])):
        src = L.trac_source(texts, labels, covert)
        assert src.labels == trained
        # Scored the same way whatever the mix trains on.
        assert (src.score_texts, src.score_labels) == (["a", "c"], [0, 1])
    with pytest.raises(ValueError, match="covert"):
        L.load_sources(shared_data, covert="maybe", max_rows=10)


def test_each_source_is_scored_by_a_head_that_never_saw_it(
    sources: dict[str, L.Source],
) -> None:
    assert all(0 < len(s.texts) <= 240 for s in sources.values())
    logs: list[str] = []
    mix = L.Mix({"ruhsold": 1.0, "trac1": 0.5, "hinglish": 0.5})
    res = L.evaluate_mix(sources, mix, seed=SEED, recipes=QUICK, folds=3, log=logs.append)
    assert [f.left_out for f in res.folds] == list(L.SOURCES)
    for f in res.folds:
        assert f.rows == len(sources[f.left_out].score_labels) == len(f.proba)
        assert 0 < f.macro_f1 <= 1 and 0 <= f.roc_auc <= 1
    assert any("left out trac1" in m for m in logs)
    # A mix of one source cannot leave it out: only the other two are scored.
    alone = L.evaluate_mix(sources, L.Mix({"ruhsold": 1.0}), seed=SEED, recipes=QUICK, folds=3)
    assert [f.left_out for f in alone.folds] == ["trac1", "hinglish"]
    # Selection compares mixes on the sources both can leave out, and the report says which.
    chosen = L.select([alone, res])
    md = L.loso_md([alone, res], chosen)
    assert "(chosen)" in md and "left out: ruhsold" in md and "—" in md
    t, mean = L.loso_threshold(res.folds)
    assert 0 < t < 1 and 0 < mean <= 1


def test_folds_shared_by_mixes_are_trained_once(sources: dict[str, L.Source]) -> None:
    cache: dict[tuple[object, ...], L.Fold] = {}
    logs: list[str] = []
    a = L.evaluate_mix(
        sources, L.Mix({"ruhsold": 1.0}), seed=SEED, recipes=QUICK, cache=cache, log=logs.append
    )
    b = L.evaluate_mix(
        sources,
        L.Mix({"ruhsold": 1.0, "hinglish": 1.0}),
        seed=SEED,
        recipes=QUICK,
        cache=cache,
        log=logs.append,
    )
    # "Leave hinglish out" trains on RUHSOLD alone in both mixes: one fit, the same scores.
    assert b.folds[-1] is a.folds[-1]
    assert sum("left out hinglish" in m for m in logs) == 1


def test_run_loso_writes_the_report_section(shared_data: Path) -> None:
    mixes = (L.Mix({"ruhsold": 1.0}), L.Mix({"ruhsold": 1.0, "trac1": 0.3}))
    md = L.run_loso(shared_data, mixes=mixes, max_rows=120, log=lambda _: None)
    assert "Leave-one-source-out" in md and md.count("(chosen)") == 1
    assert "threshold at" in md
