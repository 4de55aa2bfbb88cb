"""Should code-mixed Latin text be read by both Latin families' heads? Training rows only.

    python -m bench.code_mixed

The classifier detector sends a text to the heads of the family its identified language belongs
to. The alternative for text mixing Roman Urdu and English: flag it harmful when either family's
offence head says so. For the training rows of RUHSOLD task 1 (train + validation) and OLID, this
compares the row's own family's head (out of fold, five folds, its out-of-fold best threshold)
with that head OR the other family's shipped offence head at its shipped threshold (trained on
the other dataset only, so out of sample here), on the rows language ID flags code-mixed, on
those it identifies as the other language, and on all. Macro-F1 of offensive vs not. No test
split is read.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from bench.neural_cv import linear_oof, load_task  # noqa: E402
from nigran.detect.text.classifiers import load_default, model_input  # noqa: E402
from nigran.detect.text.langid import default_identifier  # noqa: E402
from nigran.training import datasets as D  # noqa: E402
from nigran.training import train as T  # noqa: E402
from nigran.training.nblr import best_threshold  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    args = ap.parse_args()
    corpus = T.Corpus.load(D.data_dir(args.data))
    clf = load_default()
    ident = default_identifier()

    def other_says(family: str, texts: list[str]) -> np.ndarray:
        i = clf.head(f"{family}/offensive")
        p = clf.family_proba(family, [model_input(t) for t in texts])
        out: np.ndarray = p[:, clf.columns(family).index(i)] >= clf.heads[i].threshold
        return out

    print(f"{'training rows':44} {'rows':>6} {'harmful':>8} {'own head':>9} {'own OR other':>13}")
    for name, other in (("ruhsold1", "en"), ("olid", "ur-Latn")):
        task = load_task(name, corpus)
        y = task.y
        oof = linear_oof(task, T.SEED)
        own = oof >= best_threshold(y, oof)
        either = own | other_says(other, task.texts)
        found = ident.identify_batch(task.texts)
        masks = {
            "flagged code-mixed": np.asarray([r.code_mixed for r in found]),
            f"identified as {other}": np.asarray([r.language == other for r in found]),
            "all": np.ones(len(y), dtype=bool),
        }
        for what, m in masks.items():
            a = f1_score(y[m], own[m], average="macro")
            b = f1_score(y[m], either[m], average="macro")
            label = f"{name}, {what}"
            print(f"{label:44} {int(m.sum()):6d} {y[m].mean():8.2f} {a:9.4f} {b:13.4f}")


if __name__ == "__main__":
    main()
