"""How much of a head's macro-F1 is the share of harmful rows, measured on training rows only.

    python -m bench.prior_shift threat [--shares 0.5,0.33,0.2,0.1] [--draws 200]

Urdu threat's training split is balanced (1,782 threats of 3,564) while its test split is a
third threats (307 of 935, the support ``nigran eval`` prints), and macro-F1 depends on that
share even for a model that is equally good on both. This takes the head's out-of-fold
probabilities on its training rows (five folds, as ``nigran train`` computes them), keeps every
harmless row and draws harmful ones without replacement until they make up each share, and
prints the mean macro-F1 over the draws: at the shipped rule's threshold (the out-of-fold best
on all training rows), and after a Bayes prior correction of the probabilities from the training
share to the drawn one (the textbook fix, which a deployment could apply if it knew its share).
No test split is read.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from bench.neural_cv import DATASETS, linear_oof, load_task  # noqa: E402
from nigran.training import datasets as D  # noqa: E402
from nigran.training import train as T  # noqa: E402
from nigran.training.nblr import best_threshold, macro_f1_at  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=[d for d in DATASETS if d != "ruhsold2"])
    ap.add_argument("--data", default=None)
    ap.add_argument("--shares", default="0.5,0.33,0.2,0.1")
    ap.add_argument("--draws", type=int, default=200)
    args = ap.parse_args()
    task = load_task(args.task, T.Corpus.load(D.data_dir(args.data)))
    y = task.y
    p = linear_oof(task, T.SEED)
    t = best_threshold(y, p)
    base = float(y.mean())
    print(
        f"{args.task}: {len(y)} training rows, harmful share {base:.3f}; out-of-fold macro-F1 "
        f"{macro_f1_at(y, p, t):.4f} at threshold {t:.3f}"
    )
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    rng = np.random.default_rng(T.SEED)
    print(f"{'harmful share':>14} {'at threshold':>13} {'prior-corrected':>16}")
    for share in (float(s) for s in args.shares.split(",")):
        k = round(len(neg) * share / (1 - share))
        if k > len(pos):
            print(f"{share:14.2f} {'(not enough harmful rows)':>30}")
            continue
        odds = (share / (1 - share)) / (base / (1 - base))
        plain, corrected = [], []
        for _ in range(args.draws):
            idx = np.concatenate([neg, rng.choice(pos, k, replace=False)])
            ys, ps = y[idx], p[idx]
            q = ps * odds / (ps * odds + (1 - ps))
            plain.append(macro_f1_at(ys, ps, t))
            corrected.append(macro_f1_at(ys, q, t))
        print(f"{share:14.2f} {np.mean(plain):13.4f} {np.mean(corrected):16.4f}")


if __name__ == "__main__":
    main()
