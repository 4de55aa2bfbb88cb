"""Leave-one-source-out evaluation of the Roman Urdu harassment head, on small slices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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
    assert "threshold at" in md and "ROMAN_THRESHOLD" in md


def test_threshold_weighs_each_sources_classes_alike() -> None:
    from sklearn.metrics import f1_score

    from nigran.training.nblr import macro_f1_grid

    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.8).astype(np.int64)
    p = np.clip(0.35 * y + rng.normal(0.4, 0.2, 400), 0, 1)
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    w = np.where(y == 1, 0.5 / y.sum(), 0.5 / (len(y) - y.sum()))
    want = [f1_score(y, (p >= t).astype(int), average="macro", sample_weight=w) for t in grid]
    assert np.allclose(macro_f1_grid(y, p, grid, balanced=True), want)
    # Repeating a source's benign rows moves plain macro-F1's best threshold, not this one.
    fold = L.Fold("a", len(y), 0.0, 0.0, p, y)
    neg = y == 0
    more = L.Fold(
        "a", 0, 0.0, 0.0, np.concatenate([p] + [p[neg]] * 6), np.concatenate([y] + [y[neg]] * 6)
    )
    assert L.loso_threshold([fold])[0] == L.loso_threshold([more])[0]
    fine = np.round(np.arange(0.05, 0.951, 0.01), 2)
    plain = [grid_best(f, fine) for f in (fold, more)]
    assert plain[0] != plain[1]


def grid_best(fold: L.Fold, grid: np.ndarray) -> float:
    from nigran.training.nblr import macro_f1_grid

    return float(grid[int(np.argmax(macro_f1_grid(fold.y, fold.proba, grid)))])
