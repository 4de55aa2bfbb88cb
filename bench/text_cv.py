"""Cross-validated effect of another dataset's rows as ``extra`` on a head, over fold seeds.

    python -m bench.text_cv olid [--weights 0,0.1,0.3,1] [--seeds 20201116,1,2,3]
    python -m bench.text_cv threat [--weights 0,0.2,1]

``olid``: the OLID head with Davidson (hate + offensive as OFF, neither as NOT) as extra rows;
``threat``: the Urdu threat head with the Urdu abusive set as extra rows. Each weight's line is
the selection macro-F1 (five-fold CV over the head's own training rows; extra rows are only ever
trained on) for each seed and their mean: the figures behind the "tried and not kept" notes in
``train.py``. Weight 0 means no extra rows. Test splits are never read. The recipe grid is a
short one (NB C 1 and 3 balanced, IDF C 1 and 3) to keep a run to minutes on one core."""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from nigran.training import datasets as D  # noqa: E402
from nigran.training import train as T  # noqa: E402
from nigran.training.linear import Extra, Recipe, train_head  # noqa: E402

GRID = (Recipe("nb", 1.0, True), Recipe("nb", 3.0, True), Recipe("idf", 1.0), Recipe("idf", 3.0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("head", choices=("olid", "threat"))
    ap.add_argument("--data", default=None)
    ap.add_argument("--weights", default="0,0.1,0.3,1")
    ap.add_argument("--seeds", default=f"{T.SEED},1,2,3")
    args = ap.parse_args()
    corpus = T.Corpus.load(D.data_dir(args.data))
    families = {d.family: d for d in T.family_specs(corpus)}
    if args.head == "olid":
        data = families["en"]
        spec = next(s for s in data.specs if s.info.name == "en/offensive")
        dv = corpus.davidson.splits["all"]
        extra_texts, extra_y = dv.texts, [int(v != 2) for v in dv.labels]
    else:
        data = families["ur"]
        spec = next(s for s in data.specs if s.info.name == "ur/threat")
        ab = corpus.abusive.splits["all"]
        extra_texts, extra_y = ab.texts, ab.labels
    x, y = data.rows(spec.texts), np.asarray(spec.labels, dtype=np.int64)
    xe, ye = data.rows(extra_texts), np.asarray(extra_y, dtype=np.int64)
    seeds = [int(s) for s in args.seeds.split(",")]
    for w in (float(v) for v in args.weights.split(",")):
        t0 = time.perf_counter()
        extra = Extra(xe, ye, w) if w > 0 else None
        f1 = [
            train_head(x, y, recipes=GRID, folds=5, seed=s, extra=extra).selection_macro_f1
            for s in seeds
        ]
        print(
            f"{args.head} extra weight {w:g}: "
            + " ".join(f"{v:.4f}" for v in f1)
            + f"  mean {np.mean(f1):.4f}  ({time.perf_counter() - t0:.0f}s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
