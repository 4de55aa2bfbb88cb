"""RUHSOLD task 2: the shipped one-vs-rest heads against one softmax regression over the classes.

    python -m bench.task2_cv [--c 10,30] [--seeds 20201116,1]

Five-fold CV over task 2's training rows, per fold seed (the protocol of ``bench.neural_cv``:
five-way macro-F1 after argmax offsets fitted on the same out-of-fold rows, for every model
alike). ``ovr``: the five linear heads as ``nigran train`` fits them (each its own recipe
search); ``softmax C=…``: one multinomial logistic regression on the family's features, IDF
weighted and normalised per row exactly as an IDF member's input (``linear.weighted_rows``),
balanced classes; ``+ovr``: its probabilities averaged with the one-vs-rest scores
(renormalised to sum to one). Test splits are never read.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from bench.neural_cv import Array, folds_of, linear_oof, load_task, score  # noqa: E402
from nigran.detect.text import classifiers as C  # noqa: E402
from nigran.training import datasets as D  # noqa: E402
from nigran.training import train as T  # noqa: E402
from nigran.training.linear import feature_weights, weighted_rows  # noqa: E402


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out: Array = e / e.sum(axis=1, keepdims=True)
    return out


def softmax_oof(x: sp.csr_matrix, y: np.ndarray, c: float, seed: int) -> Array:
    out = np.zeros((len(y), int(y.max()) + 1))
    for tr, te in folds_of(y, seed):
        seen = np.flatnonzero(np.asarray((x[tr] > 0).sum(axis=0)).ravel())
        r = feature_weights("idf", x[tr][:, seen], y[tr])
        lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        lr.fit(weighted_rows(x[tr][:, seen], r), y[tr])
        out[te] = lr.predict_log_proba(weighted_rows(x[te][:, seen], r))
    return _softmax(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--c", default="10,30")
    ap.add_argument("--seeds", default=f"{T.SEED},1")
    args = ap.parse_args()
    task = load_task("ruhsold2", T.Corpus.load(D.data_dir(args.data)))
    x = task.features.transform([C.model_input(t) for t in task.texts])
    rows: dict[str, list[float]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        t0 = time.perf_counter()
        ovr = linear_oof(task, seed)
        rows.setdefault("ovr", []).append(score(task.y, ovr))
        for c in (float(v) for v in args.c.split(",")):
            p = softmax_oof(x, task.y, c, seed)
            rows.setdefault(f"softmax C={c:g}", []).append(score(task.y, p))
            mix = (p + ovr / ovr.sum(axis=1, keepdims=True)) / 2
            rows.setdefault(f"softmax C={c:g} +ovr", []).append(score(task.y, mix))
        print(
            f"seed {seed}: "
            + "  ".join(f"{k} {v[-1]:.4f}" for k, v in rows.items())
            + f"  ({time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
    print("mean: " + "  ".join(f"{k} {np.mean(v):.4f}" for k, v in rows.items()))


if __name__ == "__main__":
    main()
