"""Leave-one-source-out ("LOSO") evaluation of the Roman Urdu harassment head, and the choice of
its training sources, weights and threshold from it.

Issue #20: a head tuned on one dataset's own splits flatters itself; what the product meets is
text from sources it never saw. So each candidate *training mix* (which labelled sources join
``ur-Latn/offensive``, and at what weight) is judged by training on every source of the mix but
one and scoring the one left out, for each source in turn. The head is trained exactly as
``nigran train`` trains it (:func:`nigran.training.linear.train_head`: recipe by cross-validation,
Platt calibration and a threshold from out-of-fold scores; the first source present is the head's
own data, the others join as down-weighted extra rows that are never scored), with the short
recipe grid to keep the run to minutes.

The sources and their label mappings are in ``sources.py`` (covert aggression in TRAC-1 read as
not harmful won; see ``train.py`` for the figures).

Nothing here reads a test split. :func:`loso_threshold` finds the threshold that maximises the
mean over sources of macro-F1 on the left-out scores (each source's rows scored by a head that
never saw it), each source's two classes weighed alike: the sources' harmful shares differ (0.47
RUHSOLD, 0.74 TRAC-1 overt vs none, 0.36 Hinglish) and unweighed macro-F1's best threshold follows
the share, which says more about a source's class mix than about the head. ``nigran train`` gives
``ur-Latn/offensive`` the threshold it chose (``train.ROMAN_THRESHOLD``). Where the product meets a
source, what it sends to review is set by review capacity on top (``operating.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from nigran.detect.text.classifiers import model_input
from nigran.training.fasttext_format import FastTextConfig, FastTextFeatures
from nigran.training.linear import Extra, LinearHead, Recipe, train_head
from nigran.training.nblr import macro_f1_at, macro_f1_grid
from nigran.training.reproducible import single_threaded
from nigran.training.sources import (
    COVERT,
    SOURCES,
    Mix,
    Source,
    load_sources,
    sources_of,
    trac_source,
)
from nigran.training.train import FAMILY_FEATURES, FAST_RECIPES, ROMAN_THRESHOLD, SEED

__all__ = [
    "COVERT",
    "DEFAULT_MIXES",
    "SOURCES",
    "Fold",
    "Mix",
    "MixResult",
    "Source",
    "evaluate_mix",
    "load_sources",
    "loso_md",
    "loso_threshold",
    "run_loso",
    "select",
    "sources_of",
    "trac_source",
]

Log = Callable[[str], None]
Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Fold:
    """One left-out source under one mix."""

    left_out: str
    rows: int
    macro_f1: float
    """At the threshold of the head trained without the source (its own out-of-fold choice)."""
    roc_auc: float
    proba: Array = field(repr=False)
    y: IntArray = field(repr=False)


@dataclass
class MixResult:
    mix: Mix
    folds: list[Fold]

    def mean(self, over: Sequence[str] | None = None) -> float:
        got = [f.macro_f1 for f in self.folds if over is None or f.left_out in over]
        return float(np.mean(got)) if got else float("nan")


def train_mix(
    sources: Mapping[str, Source],
    weights: Mapping[str, float],
    *,
    family_features: FastTextConfig,
    recipes: Sequence[Recipe],
    folds: int,
    seed: int,
    log: Log = lambda _: None,
) -> tuple[FastTextFeatures, LinearHead]:
    """A head trained on the sources with weight > 0: the first in :data:`SOURCES` order is the
    head's own data, the rest extra rows at their weights."""
    used = [s for s in SOURCES if weights.get(s, 0.0) > 0 and s in sources]
    if not used:
        raise ValueError("a mix needs at least one source")
    texts = [t for s in used for t in sources[s].texts]
    feats = FastTextFeatures.fit(family_features, [model_input(t) for t in dict.fromkeys(texts)])
    own = sources[used[0]]
    x = feats.transform([model_input(t) for t in own.texts])
    y = np.asarray(own.labels, dtype=np.int64)
    extra = None
    if len(used) > 1:
        xs = [feats.transform([model_input(t) for t in sources[s].texts]) for s in used[1:]]
        ys = [np.asarray(sources[s].labels, dtype=np.int64) for s in used[1:]]
        ws = [np.full(len(sources[s].labels), float(weights[s])) for s in used[1:]]
        extra = Extra(sp.vstack(xs, format="csr"), np.concatenate(ys), np.concatenate(ws))
    head = train_head(x, y, recipes=recipes, folds=folds, extra=extra, seed=seed, log=log)
    return feats, head


@single_threaded
def evaluate_mix(
    sources: Mapping[str, Source],
    mix: Mix,
    *,
    seed: int,
    recipes: Sequence[Recipe] | None = None,
    folds: int = 3,
    cache: dict[tuple[object, ...], Fold] | None = None,
    log: Log = print,
) -> MixResult:
    """Each source left out in turn (where the rest of the mix still trains something).
    ``cache`` keeps folds that several mixes share (the same training sources and weights)."""
    out = []
    for left in SOURCES:
        if left not in sources:
            continue
        rest = {s: w for s, w in mix.weights.items() if s != left and w > 0}
        if not rest:
            continue
        key = (left, tuple(sorted(rest.items())), mix.covert if "trac1" in rest else "")
        if cache is not None and key in cache:
            out.append(cache[key])
            continue
        t0 = time.perf_counter()
        feats, head = train_mix(
            sources,
            rest,
            family_features=FAMILY_FEATURES["ur-Latn"],
            recipes=recipes or FAST_RECIPES,
            folds=folds,
            seed=seed,
        )
        src = sources[left]
        y = np.asarray(src.score_labels, dtype=np.int64)
        p = head.proba(feats.transform([model_input(t) for t in src.score_texts]))
        f1 = macro_f1_at(y, p, head.threshold)
        auc = float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else float("nan")
        out.append(Fold(left, len(y), f1, auc, p, y))
        if cache is not None:
            cache[key] = out[-1]
        log(
            f"LOSO [{mix.name}] left out {left} ({len(y)} rows): macro-F1 {f1:.4f}, "
            f"ROC-AUC {auc:.4f} ({time.perf_counter() - t0:.0f}s)"
        )
    return MixResult(mix, out)


def loso_threshold(folds: Sequence[Fold]) -> tuple[float, float]:
    """The threshold maximising the mean over left-out sources of macro-F1 (each source's rows
    scored by a head that never saw it, its two classes weighed alike), and that mean. Ties go
    to the one nearest 0.5."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    per = np.stack([macro_f1_grid(f.y, f.proba, grid, balanced=True) for f in folds])
    mean = per.mean(axis=0)
    order = np.argsort(np.abs(grid - 0.5), kind="stable")
    best = order[int(np.argmax(mean[order] >= mean.max() - 1e-9))]
    return float(grid[best]), float(mean[best])


DEFAULT_MIXES: tuple[Mix, ...] = (
    Mix({"ruhsold": 1.0}),
    Mix({"ruhsold": 1.0, "trac1": 0.3}),
    Mix({"ruhsold": 1.0, "trac1": 1.0}),
    Mix({"ruhsold": 1.0, "hinglish": 0.3}),
    Mix({"ruhsold": 1.0, "hinglish": 1.0}),
    Mix({"ruhsold": 1.0, "trac1": 0.3, "hinglish": 0.3}),
    Mix({"ruhsold": 1.0, "trac1": 1.0, "hinglish": 1.0}),
    Mix({"ruhsold": 1.0, "trac1": 0.3}, covert="benign"),
    Mix({"ruhsold": 1.0, "trac1": 0.3}, covert="harmful"),
)
"""The mixes ``nigran eval --loso`` compares, in the order :func:`select` meets them: each new
source alone and together, at two weights, then TRAC-1's covert aggression three ways."""


def _common(a: MixResult, b: MixResult) -> list[str]:
    return sorted({f.left_out for f in a.folds} & {f.left_out for f in b.folds})


def select(results: Sequence[MixResult]) -> MixResult:
    """The mixes in order, each challenging the one kept so far on the sources both can leave out
    (a mix of one source cannot leave that source out): the challenger is kept when its mean
    left-out macro-F1 there beats the incumbent's by more than 0.004, the project's tie margin
    (a tie stays with the earlier, simpler mix)."""
    best = results[0]
    for r in results[1:]:
        common = _common(best, r)
        if common and r.mean(common) > best.mean(common) + 0.004:
            best = r
    return best


def loso_md(results: Sequence[MixResult], chosen: MixResult | None = None) -> str:
    cols = list(SOURCES)
    out = [
        "\n## Leave-one-source-out (Roman Urdu harassment)\n",
        "Each training mix is trained on every source but one and scored on the one left out "
        "(`nigran.training.loso`; no test split is read). Macro-F1 at the head's own "
        "out-of-fold threshold; TRAC-1 is scored as overt aggression against none. "
        "Each mix in turn challenges the one kept so far on the sources both can leave out and "
        "is kept when it wins by more than 0.004 (`loso.select`).\n",
        "| training mix | " + " | ".join(f"left out: {c}" for c in cols) + " | mean |",
        "|---" * (len(cols) + 2) + "|",
    ]
    for r in results:
        by = {f.left_out: f for f in r.folds}
        cells = [
            f"{by[c].macro_f1:.4f} (AUC {by[c].roc_auc:.3f})" if c in by else "—" for c in cols
        ]
        mark = " **(chosen)**" if chosen is not None and r is chosen else ""
        out.append(f"| {r.mix.name}{mark} | " + " | ".join(cells) + f" | {r.mean():.4f} |")
    return "\n".join(out) + "\n"


def run_loso(
    root: Path,
    *,
    mixes: Sequence[Mix] = DEFAULT_MIXES,
    max_rows: int | None = None,
    seed: int | None = None,
    log: Log = print,
) -> str:
    """``nigran eval``'s leave-one-source-out section: every mix scored, the chosen one marked,
    and the threshold its left-out scores choose."""
    seed = SEED if seed is None else seed
    by_covert: dict[str, dict[str, Source]] = {}
    results = []
    cache: dict[tuple[object, ...], Fold] = {}
    for mix in mixes:
        if mix.covert not in by_covert:
            by_covert[mix.covert] = load_sources(root, covert=mix.covert, max_rows=max_rows)
        results.append(evaluate_mix(by_covert[mix.covert], mix, seed=seed, cache=cache, log=log))
    chosen = select(results)
    threshold, mean = loso_threshold(chosen.folds)
    at = {f.left_out: macro_f1_at(f.y, f.proba, threshold) for f in chosen.folds}
    cells = ", ".join(
        f"{f.left_out} {f.macro_f1:.4f} -> {at[f.left_out]:.4f}" for f in chosen.folds
    )
    shipped = (
        "the threshold `nigran train` gives `ur-Latn/offensive` (`train.ROMAN_THRESHOLD`)"
        if abs(threshold - ROMAN_THRESHOLD) < 1e-9
        else f"**not** `train.ROMAN_THRESHOLD` ({ROMAN_THRESHOLD:.2f}): update it and retrain"
    )
    return loso_md(results, chosen) + (
        f"\nThe chosen mix's left-out scores, each source's two classes weighed alike, put the "
        f"threshold at **{threshold:.2f}** (mean weighed macro-F1 {mean:.4f}): {shipped}. "
        f"Macro-F1 on the source left out, at each fold's own out-of-fold threshold -> at "
        f"{threshold:.2f}: {cells}.\n"
    )
