"""NB-LR: logistic regression over naive-Bayes-weighted n-grams (Wang & Manning, 2012).

Each binary feature is scaled by its log-count ratio between the classes, the row is
L2-normalised, and a logistic regression is fitted on that. On RUHSOLD's validation split this
beat plain binary or TF-IDF features by two to three macro-F1 points (see the issue's notes and
``nigran eval``). The scaling folds into two weight vectors, so inference is one sparse product:

    score = (x · (r ⊙ w)) / sqrt(x · r²) + b          (x binary, r the ratios, w the LR weights)

Calibration is Platt scaling fitted on out-of-fold scores, and the decision threshold is the one
that maximises macro-F1 on those same out-of-fold probabilities — never on a test split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from nigran.detect.text.heads import sigmoid

Array = NDArray[np.float64]

C_GRID: tuple[float, ...] = (3.0, 10.0, 30.0)
"""Higher C always won over lower on RUHSOLD validation in our trials (1 was worst)."""


@dataclass(frozen=True, slots=True)
class BinaryHead:
    """One fitted binary head: raw score weights, Platt parameters and the chosen threshold."""

    v: Array
    u: Array
    bias: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    threshold: float = 0.5
    c: float = 1.0

    def raw(self, x: sp.csr_matrix) -> Array:
        return raw_scores(x, self.v[:, None], self.u[:, None], np.array([self.bias]))[:, 0]

    def proba(self, x: sp.csr_matrix) -> Array:
        return sigmoid(self.platt_a * self.raw(x) + self.platt_b)


def raw_scores(x: sp.csr_matrix, v: Array, u: Array, bias: Array) -> Array:
    """``(n, heads)`` raw scores for binary features ``x``; a row with no features gets the bias."""
    num = np.asarray(x @ v)
    den = np.sqrt(np.maximum(np.asarray(x @ u), 0.0))
    safe = np.where(den > 0, den, 1.0)
    out: Array = np.where(den > 0, num / safe, 0.0) + bias
    return out


def nb_ratio(x: sp.csr_matrix, y: NDArray[np.int_], alpha: float = 1.0) -> Array:
    p = np.asarray(x[y == 1].sum(axis=0)).ravel() + alpha
    q = np.asarray(x[y == 0].sum(axis=0)).ravel() + alpha
    r: Array = np.log(p / p.sum()) - np.log(q / q.sum())
    return r


def fit(x: sp.csr_matrix, y: NDArray[np.int_], c: float, seed: int = 0) -> BinaryHead:
    r = nb_ratio(x, y)
    xr = x @ sp.diags(r)
    norms = np.sqrt(np.asarray(xr.multiply(xr).sum(axis=1)).ravel())
    xr = sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ xr
    lr = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
    lr.fit(xr, y)
    w = lr.coef_[0]
    return BinaryHead(v=r * w, u=r * r, bias=float(lr.intercept_[0]), c=c)


def macro_f1_at(y: NDArray[np.int_], p: Array, threshold: float) -> float:
    return float(f1_score(y, (p >= threshold).astype(int), average="macro", zero_division=0))


def best_threshold(y: NDArray[np.int_], p: Array) -> float:
    """The threshold maximising macro-F1 on ``(y, p)``; ties go to the one nearest 0.5."""
    grid = np.unique(np.round(np.quantile(p, np.linspace(0.02, 0.98, 97)), 4))
    grid = np.asarray(sorted(grid, key=lambda t: abs(t - 0.5)))
    f1 = macro_f1_grid(np.asarray(y), p, grid)
    best = int(np.argmax(f1 >= f1.max() - 1e-9))
    return float(grid[best])


def macro_f1_grid(
    y: NDArray[np.int_], p: Array, thresholds: Array, *, balanced: bool = False
) -> Array:
    """Binary macro-F1 at each threshold (``p >= t`` is positive), as scikit-learn computes it
    with ``zero_division=0``, without its per-call overhead. ``balanced``: each class's rows
    weighed to half the total (as scikit-learn's ``sample_weight`` would), so the answer does not
    move with the share of positives."""
    pred = p[None, :] >= thresholds[:, None]
    pos = y[None, :] == 1
    tp: Array = (pred & pos).sum(axis=1).astype(np.float64)
    fp: Array = (pred & ~pos).sum(axis=1).astype(np.float64)
    fn: Array = (~pred & pos).sum(axis=1).astype(np.float64)
    tn: Array = len(y) - tp - fp - fn
    if balanced:
        n_pos = max(1, int((y == 1).sum()))
        n_neg = max(1, len(y) - n_pos)
        tp, fn = tp / n_pos, fn / n_pos
        fp, tn = fp / n_neg, tn / n_neg

    def f1(a: Array, b: Array) -> Array:
        den = 2 * a + b
        out: Array = np.where(den > 0, 2 * a / np.where(den > 0, den, 1.0), 0.0)
        return out

    out: Array = (f1(tp, fp + fn) + f1(tn, fn + fp)) / 2
    return out


def out_of_fold(
    x: sp.csr_matrix, y: NDArray[np.int_], c: float, folds: int = 5, seed: int = 0
) -> Array:
    """Raw scores for every row from a head that never saw it."""
    oof = np.zeros(len(y))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(
        np.zeros(len(y)), y
    ):
        oof[te] = fit(x[tr], y[tr], c, seed).raw(x[te])
    return oof


def platt(scores: Array, y: NDArray[np.int_]) -> tuple[float, float]:
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(scores[:, None], y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def train_head(
    x: sp.csr_matrix,
    y: NDArray[np.int_],
    *,
    validation: tuple[sp.csr_matrix, NDArray[np.int_]] | None = None,
    grid: Sequence[float] = C_GRID,
    folds: int = 5,
    seed: int = 0,
    log: Callable[[str], None] = lambda _: None,
) -> BinaryHead:
    """Choose C on ``validation`` (or, without one, on a seeded stratified fifth held out of
    ``x``), then calibrate and pick the threshold on out-of-fold scores over all rows, then fit
    on all rows."""
    if validation is None:
        idx = np.arange(len(y))
        tr, va = next(
            StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
        )
        xt, yt, xv, yv = x[tr], y[tr], x[va], y[va]
        where = "held-out fifth"
        del idx
    else:
        xt, yt = x, y
        xv, yv = validation
        x = sp.vstack([x, xv], format="csr")
        y = np.concatenate([y, yv])
        where = "validation"
    scored = [(macro_f1_at(yv, sigmoid(fit(xt, yt, c, seed).raw(xv)), 0.5), c) for c in grid]
    f1, c = max(scored, key=lambda t: (t[0], -t[1]))
    log(f"C={c:g} (macro-F1 {f1:.4f} on {where}; grid {[round(f, 4) for f, _ in scored]})")
    oof = out_of_fold(x, y, c, folds, seed)
    a, b = platt(oof, y)
    threshold = best_threshold(y, sigmoid(a * oof + b))
    log(
        f"Platt a={a:.3f} b={b:.3f}, threshold {threshold:.3f} "
        f"(out-of-fold macro-F1 {macro_f1_at(y, sigmoid(a * oof + b), threshold):.4f})"
    )
    head = fit(x, y, c, seed)
    return BinaryHead(head.v, head.u, head.bias, a, b, threshold, c)
