"""Linear heads over weighted, L2-normalised n-gram counts, chosen by cross-validation.

A head scores a row of feature counts ``x`` as

    raw = (x · (r ⊙ w)) / sqrt(x · r²) + b

where ``r`` weights each feature and ``w``, ``b`` come from a logistic regression fitted on
``x ⊙ r / sqrt(x · r²)``. Two weightings compete: naive-Bayes log-count ratios (NB-LR, Wang &
Manning 2012) and inverse document frequency (TF-IDF + LR, the baseline's model). For binary
rows the normaliser is the row's L2 norm; for counts it stays linear in ``x``, which is what
lets fastText's C++ predictor compute it (see ``fasttext_format.py`` and ``classifiers.py``).

A head may average the calibrated probabilities of several members (say, the best NB and the
best IDF member). Each member's weighting, C and class weighting are chosen by cross-validated
macro-F1 on training data (or a validation split where the dataset has one), calibration is Platt
scaling on out-of-fold scores, and the threshold maximises out-of-fold macro-F1 — never a test
split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from nigran.detect.text.heads import sigmoid
from nigran.training.nblr import best_threshold, macro_f1_at, nb_ratio, platt

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Recipe:
    """How one member is fitted."""

    weighting: str
    """``nb`` or ``idf``."""
    c: float
    balanced: bool = False

    def __str__(self) -> str:
        return f"{self.weighting} C={self.c:g}{' balanced' if self.balanced else ''}"


DEFAULT_RECIPES: tuple[Recipe, ...] = (
    Recipe("nb", 0.3, True),
    Recipe("nb", 1.0, True),
    Recipe("nb", 3.0, True),
    Recipe("nb", 10.0, True),
    Recipe("idf", 0.3),
    Recipe("idf", 1.0),
    Recipe("idf", 3.0),
    Recipe("idf", 10.0),
)
"""On the training folds of RUHSOLD, Urdu threat and OLID, NB members did best at C 1-10 with
balanced classes and IDF members at C 1-10; C of 30 and more overfitted every head, and the
noisier sets (threat, OLID) preferred the low end, so the grid reaches down to 0.3."""


@dataclass(frozen=True, slots=True)
class Extra:
    """Rows from another dataset that join every fit but are never scored, each counting as
    ``weight`` of a row (NB ratios, IDF and the regression's loss alike)."""

    x: sp.csr_matrix
    y: IntArray
    weight: float | Array = 1.0
    """One weight for every row, or one per row (rows from several sources)."""


@dataclass(frozen=True, slots=True)
class Member:
    v: Array
    """``r ⊙ w``: the numerator weights."""
    u: Array
    """``r²``: the normaliser weights."""
    bias: float
    platt_a: float
    platt_b: float
    recipe: Recipe

    def raw(self, x: sp.csr_matrix) -> Array:
        return raw_scores(x, self.v, self.u, self.bias)

    def proba(self, x: sp.csr_matrix) -> Array:
        return sigmoid(self.platt_a * self.raw(x) + self.platt_b)


@dataclass(frozen=True, slots=True)
class LinearHead:
    members: tuple[Member, ...]
    threshold: float
    selection_macro_f1: float = 0.0
    """Macro-F1 of the chosen recipe(s) on the held-out rows they were chosen on."""
    oof_macro_f1: float = 0.0
    oof: Array | None = field(default=None, repr=False, compare=False)
    """Out-of-fold calibrated probabilities of the training rows (not saved)."""

    def proba(self, x: sp.csr_matrix) -> Array:
        out: Array = np.mean([m.proba(x) for m in self.members], axis=0)
        return out


def raw_scores(x: sp.csr_matrix, v: Array, u: Array, bias: float) -> Array:
    num = np.asarray(x @ v).ravel()
    den = np.sqrt(np.maximum(np.asarray(x @ u).ravel(), 0.0))
    out: Array = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) + bias
    return out


def feature_weights(
    kind: str, x: sp.csr_matrix, y: IntArray, weights: Array | None = None
) -> Array:
    """Per-feature weights from binary occurrence; ``weights`` count each row that many times
    (down-weighted rows from another dataset)."""
    xb = (x > 0).astype(np.float64)
    if weights is not None:
        xb = sp.diags(weights) @ xb
    if kind == "nb":
        return nb_ratio(xb, y)
    if kind == "idf":
        df = np.asarray(xb.sum(axis=0)).ravel()
        n = x.shape[0] if weights is None else float(weights.sum())
        r: Array = np.log((1.0 + n) / (1.0 + df)) + 1.0
        return r
    raise ValueError(f"unknown weighting {kind!r}")


def weighted_rows(x: sp.csr_matrix, r: Array) -> sp.csr_matrix:
    """``x ⊙ r / sqrt(x · r²)`` per row: what a member's regression is fitted on (and what
    :func:`raw_scores` computes from a row's counts)."""
    den = np.sqrt(np.maximum(np.asarray(x @ (r * r)).ravel(), 0.0))
    out: sp.csr_matrix = sp.diags(1.0 / np.where(den > 0, den, 1.0)) @ (x @ sp.diags(r))
    return out


def fit_member(
    x: sp.csr_matrix,
    y: IntArray,
    recipe: Recipe,
    seed: int,
    weights: Array | None = None,
) -> tuple[Array, Array, float]:
    """``(v, u, bias)`` of one logistic regression on weighted, normalised rows (``weights``:
    per-row sample weights, None for all ones)."""
    # Only the features these rows contain are fitted (liblinear's cost grows with the column
    # count: 15x faster on a quarter of the Urdu set), and the others get no weight at all,
    # numerator or normaliser: a head is then unaffected by features (say, vocabulary words)
    # that only other heads' data contain.
    seen = np.flatnonzero(np.asarray((x > 0).sum(axis=0)).ravel())
    xs = x[:, seen]
    r = feature_weights(recipe.weighting, xs, y, weights)
    xr = weighted_rows(xs, r)
    lr = LogisticRegression(
        C=recipe.c,
        solver="liblinear",
        max_iter=2000,
        random_state=seed,
        class_weight="balanced" if recipe.balanced else None,
    )
    lr.fit(xr, y, sample_weight=weights)
    v, u = np.zeros(x.shape[1]), np.zeros(x.shape[1])
    v[seen] = r * lr.coef_[0]
    u[seen] = r * r
    return v, u, float(lr.intercept_[0])


def folds_of(y: IntArray, folds: int, seed: int) -> list[tuple[IntArray, IntArray]]:
    kf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return list(kf.split(np.zeros(len(y)), y))


def out_of_fold(
    x: sp.csr_matrix,
    y: IntArray,
    recipe: Recipe,
    splits: Sequence[tuple[IntArray, IntArray]],
    seed: int,
    extra: Extra | None = None,
) -> Array:
    """Raw scores for the rows of every split's second part from a member fitted on its first
    (plus ``extra`` rows, which are only ever trained on)."""
    oof = np.full(len(y), np.nan)
    for tr, te in splits:
        xt, yt, wt = _plus(x[tr], y[tr], extra)
        v, u, b = fit_member(xt, yt, recipe, seed, wt)
        oof[te] = raw_scores(x[te], v, u, b)
    return oof


def _plus(
    x: sp.csr_matrix, y: IntArray, extra: Extra | None
) -> tuple[sp.csr_matrix, IntArray, Array | None]:
    """The head's rows followed by the extra rows, and the row weights (None: all ones)."""
    if extra is None:
        return x, y, None
    extra_w = np.broadcast_to(np.asarray(extra.weight, dtype=np.float64), (len(extra.y),))
    weights = np.concatenate([np.ones(len(y)), extra_w])
    return sp.vstack([x, extra.x], format="csr"), np.concatenate([y, extra.y]), weights


def calibrated(raw: Array, y: IntArray) -> tuple[Array, float, float]:
    """Platt-scaled probabilities of out-of-fold raw scores, and the scaling ``(a, b)``."""
    a, b = platt(raw, y)
    return sigmoid(a * raw + b), a, b


def train_head(
    x: sp.csr_matrix,
    y: IntArray,
    *,
    validation: tuple[sp.csr_matrix, IntArray] | None = None,
    recipes: Sequence[Recipe] = DEFAULT_RECIPES,
    folds: int = 5,
    ensemble: bool = True,
    extra: Extra | None = None,
    seed: int = 0,
    log: Log = lambda _: None,
) -> LinearHead:
    """Score every recipe on held-out rows (``validation`` if given, else ``folds``-fold CV);
    keep the best, and with ``ensemble`` also the best of the other weighting when averaging the
    two scores better on the same rows. Calibration and threshold come from out-of-fold scores
    over all rows (training plus validation); the members are then refitted on all rows.
    ``extra`` rows (another dataset) join every fit but are never scored: selection,
    calibration and threshold answer to the head's own data."""
    if validation is not None:
        xv, yv = validation
        n = x.shape[0]
        x = sp.vstack([x, xv], format="csr")
        y = np.concatenate([y, yv])
        select = [(np.arange(n), np.arange(n, len(y)))]
    else:
        select = folds_of(y, folds, seed)
    held = np.concatenate([te for _, te in select])
    yh = y[held]
    probs: dict[Recipe, Array] = {}
    scores: dict[Recipe, float] = {}
    raws: dict[Recipe, Array] = {}
    for recipe in recipes:
        raws[recipe] = out_of_fold(x, y, recipe, select, seed, extra)
        p, _, _ = calibrated(raws[recipe][held], yh)
        probs[recipe] = p
        scores[recipe] = macro_f1_at(yh, p, best_threshold(yh, p))
    best = max(recipes, key=lambda r: (scores[r], -r.c))
    chosen = [best]
    f1 = scores[best]
    others = [r for r in recipes if r.weighting != best.weighting]
    if ensemble and others:
        partner = max(others, key=lambda r: (scores[r], -r.c))
        avg = (probs[best] + probs[partner]) / 2
        f_avg = macro_f1_at(yh, avg, best_threshold(yh, avg))
        if f_avg > f1 + 1e-9:
            chosen, f1 = [best, partner], f_avg
    log(
        "selection macro-F1: "
        + ", ".join(f"{r} {s:.4f}" for r, s in scores.items())
        + f" -> {' + '.join(map(str, chosen))} ({f1:.4f})"
    )
    # Calibration and threshold: out-of-fold over every row with the chosen recipes.
    every = folds_of(y, folds, seed) if validation is not None else select
    members, oof_probs = [], []
    for recipe in chosen:
        oof = raws[recipe] if validation is None else out_of_fold(x, y, recipe, every, seed, extra)
        p, a, b = calibrated(oof, y)
        oof_probs.append(p)
        xa, ya, wa = _plus(x, y, extra)
        v, u, bias = fit_member(xa, ya, recipe, seed, wa)
        members.append(Member(v, u, bias, a, b, recipe))
    mean = np.mean(oof_probs, axis=0)
    threshold = best_threshold(y, mean)
    oof_f1 = macro_f1_at(y, mean, threshold)
    log(f"threshold {threshold:.3f} (out-of-fold macro-F1 {oof_f1:.4f})")
    return LinearHead(tuple(members), threshold, f1, oof_f1, mean)


def argmax_offsets(y: IntArray, probs: Array, steps: int = 3) -> Array:
    """Per-class additions to calibrated one-vs-rest probabilities before the argmax, chosen by
    coordinate ascent on macro-F1 over out-of-fold probabilities: rare classes lose most to
    the argmax of independently calibrated heads."""
    from sklearn.metrics import f1_score

    k = probs.shape[1]
    offsets = np.zeros(k)
    grid = np.round(np.arange(-0.3, 0.301, 0.02), 2)

    def score(o: Array) -> float:
        return float(f1_score(y, (probs + o).argmax(axis=1), average="macro"))

    best = score(offsets)
    for _ in range(steps):
        for c in range(k):
            for g in grid:
                trial = offsets.copy()
                trial[c] = g
                f = score(trial)
                if f > best + 1e-9:
                    best, offsets = f, trial
    return offsets
