"""``nigran train --only encoder``: the encoder heads (``encoder.py``), and which of them to keep.

For each candidate head, on that head's own training rows only (test splits are never read):

1. the linear head is trained exactly as ``nigran train`` trains it (same data, folds and seed),
   for its out-of-fold probabilities;
2. over the same folds, a logistic regression on the embeddings (C from an inner three-fold CV
   on each fold's training rows, balanced classes) gives out-of-fold margins, Platt-calibrated;
3. the blend ``(1 - w) * linear + w * encoder`` (``w`` = :data:`encoder.BLEND_WEIGHT`) gets its
   threshold from those out-of-fold probabilities, and is kept only if its out-of-fold macro-F1
   beats the linear head's by :data:`encoder.MIN_GAIN`. RUHSOLD task 2's five heads are judged
   together, by five-way macro-F1 after argmax offsets, and kept or dropped together;
4. a kept binary head blends only where its linear probability lies in a band (:func:`choose_band`:
   the narrowest of :data:`BANDS` that keeps the full blend's out-of-fold macro-F1): outside it
   the linear head is sure, and the encoder is not run at all (about half of English text).

Davidson's hate head is not a candidate: embedding its 24,783 tweets takes about a quarter of an
hour here, and it was measured once the same way (the embeddings cached by ``nigran eval
--encoder``'s transfer section): out-of-fold macro-F1 0.707 linear, 0.680 encoder alone, 0.710
blended, inside the tie band.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from nigran.detect.text import classifiers as C
from nigran.detect.text.encoder import (
    HEADS_FILE,
    MIN_GAIN,
    EmbeddingCache,
    EncoderHead,
    EncoderHeads,
    SentenceEncoder,
    blended,
    load_encoder,
    probe_of,
)
from nigran.training import datasets as D
from nigran.training import train as T
from nigran.training.linear import LinearHead, argmax_offsets, calibrated, folds_of
from nigran.training.nblr import best_threshold, macro_f1_at
from nigran.training.reproducible import single_threaded

Array = Any
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
BANDS = ((0.05, 0.95), (0.1, 0.9), (0.15, 0.85), (0.2, 0.8), (0.25, 0.75), (0.3, 0.7))
"""Linear-probability bands tried for where to blend, widest first."""
BAND_TOLERANCE = 0.001
"""A band may cost at most this much of the full blend's out-of-fold macro-F1."""
NOT_CANDIDATES = frozenset({"en/hate"})
GROUP = tuple(f"ur-Latn/{n}" for n in T.FINE_HEADS)


def _lr(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000, class_weight="balanced")


def fit_lr(x: Array, y: Array, seed: int) -> tuple[LogisticRegression, float]:
    """C by inner three-fold CV (log loss) on these rows, then refitted on all of them. ``y``
    holds class indices (0/1, or 0..k-1 for a multi-class study)."""
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    best_c, best_loss = C_GRID[0], np.inf
    for c in C_GRID:
        loss = 0.0
        for tr, va in inner.split(x, y):
            p = _lr(c).fit(x[tr], y[tr]).predict_proba(x[va])
            q = p[np.arange(len(va)), y[va]]
            loss -= float(np.log(np.clip(q, 1e-12, 1)).sum())
        if loss < best_loss:
            best_c, best_loss = c, loss
    return _lr(best_c).fit(x, y), best_c


def encoder_oof(x: Array, y: Array, folds: int, seed: int) -> Array:
    """Out-of-fold margins over the folds ``linear.train_head`` uses for its out-of-fold scores."""
    out = np.zeros(len(y))
    for tr, te in folds_of(y, folds, seed):
        model, _ = fit_lr(x[tr], y[tr], seed)
        out[te] = model.decision_function(x[te])
    return out


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """An encoder head's out-of-fold margins on a head's training rows, Platt-calibrated."""

    proba: NDArray[np.float64]
    platt_a: float
    platt_b: float


def out_of_fold(x: Array, y: Array, folds: int, seed: int) -> OutOfFold:
    return OutOfFold(*calibrated(encoder_oof(x, y, folds, seed), y))


def choose_band(
    y: Array, linear: NDArray[np.float64], mix: NDArray[np.float64], threshold: float
) -> tuple[float, float]:
    """The band that blends the fewest rows while keeping the full blend's out-of-fold macro-F1
    (within :data:`BAND_TOLERANCE`); rows outside it keep the linear probability."""
    full = macro_f1_at(y, mix, threshold)
    best, share = (0.0, 1.0), 1.0
    for lo, hi in BANDS:
        inside = (linear >= lo) & (linear <= hi)
        blended: NDArray[np.float64] = np.where(inside, mix, linear)
        f = macro_f1_at(y, blended, threshold)
        if f >= full - BAND_TOLERANCE and inside.mean() < share:
            best, share = (lo, hi), float(inside.mean())
    return best


def encoder_head(
    name: str, x: Array, y: Array, oof: OutOfFold, seed: int, **kw: float
) -> EncoderHead:
    """The encoder head refitted on all rows, with the Platt scaling of its out-of-fold margins."""
    model, c = fit_lr(x, y, seed)
    return EncoderHead(
        name,
        [round(float(v), 7) for v in model.coef_[0]],
        float(model.intercept_[0]),
        oof.platt_a,
        oof.platt_b,
        c=c,
        **kw,
    )


@single_threaded
def train_encoder_heads(
    corpus: T.Corpus,
    embed: EmbeddingCache,
    *,
    linear_heads: dict[str, LinearHead] | None = None,
    log: T.Log = print,
) -> tuple[list[EncoderHead], list[dict[str, Any]]]:
    """Every candidate's figures, and the heads kept. ``linear_heads`` holds linear heads
    already trained on this corpus by name (reused; those trained here are added)."""
    trained = {} if linear_heads is None else linear_heads
    kept: list[EncoderHead] = []
    report: list[dict[str, Any]] = []
    for data in T.family_specs(corpus):
        group: list[tuple[T.HeadSpec, LinearHead, Array]] = []
        for spec in data.specs:
            name = spec.info.name
            if name in NOT_CANDIDATES:
                continue
            t0 = time.perf_counter()
            if name not in trained:
                trained[name] = T.train_spec(data, spec, lambda _: None)
            linear = trained[name]
            texts = spec.texts + (spec.validation[0] if spec.validation else [])
            y = np.asarray(spec.labels + (spec.validation[1] if spec.validation else []))
            log(f"[{name}] embedding {len(texts)} texts")
            x = embed.embed(texts, log=T.prefixed(log, name))
            oof = out_of_fold(x, y, spec.folds, T.SEED)
            if name in GROUP:
                group.append((spec, linear, (x, y, oof)))
                continue
            assert linear.oof is not None
            mix = blended(linear.oof, oof.proba)
            threshold = best_threshold(y, mix)
            f_mix = macro_f1_at(y, mix, threshold)
            f_lin = linear.oof_macro_f1
            keep = f_mix >= f_lin + MIN_GAIN
            report.append(
                {"head": name, "linear": f_lin, "blend": f_mix, "kept": keep, "rows": len(y)}
            )
            log(
                f"[{name}] out-of-fold macro-F1: linear {f_lin:.4f}, blend {f_mix:.4f} -> "
                f"{'kept' if keep else 'not kept'} ({time.perf_counter() - t0:.0f}s)"
            )
            if keep:
                lo, hi = choose_band(y, linear.oof, mix, threshold)
                inside = float(((linear.oof >= lo) & (linear.oof <= hi)).mean())
                report[-1] |= {"band": [lo, hi], "blended_share": inside}
                log(
                    f"[{name}] blends where the linear probability is in [{lo}, {hi}]: "
                    f"{inside:.0%} of its training rows"
                )
                head = encoder_head(
                    name,
                    x,
                    y,
                    oof,
                    T.SEED,
                    threshold=threshold,
                    band_lo=lo,
                    band_hi=hi,
                    linear_oof_f1=f_lin,
                    blend_oof_f1=f_mix,
                )
                kept.append(head)
        if group:
            k, r = _group(group, corpus, log)
            kept += k
            report += r
    return kept, report


def _group(
    group: Sequence[tuple[T.HeadSpec, LinearHead, Array]], corpus: T.Corpus, log: T.Log
) -> tuple[list[EncoderHead], list[dict[str, Any]]]:
    """RUHSOLD task 2's five heads, judged by the five-way prediction they serve together."""
    y5 = np.asarray(corpus.ruhsold2.splits["train"].labels)
    oofs = [h.oof for _, h, _ in group]
    assert all(o is not None for o in oofs)
    lin = np.stack(oofs, axis=1)  # type: ignore[arg-type]
    mix = blended(lin, np.stack([oof.proba for _, _, (_, _, oof) in group], axis=1))
    off_lin, off_mix = argmax_offsets(y5, lin), argmax_offsets(y5, mix)
    f_lin = float(f1_score(y5, (lin + off_lin).argmax(axis=1), average="macro"))
    f_mix = float(f1_score(y5, (mix + off_mix).argmax(axis=1), average="macro"))
    keep = f_mix >= f_lin + MIN_GAIN
    log(
        f"[ruhsold task2, five heads] out-of-fold five-way macro-F1: linear {f_lin:.4f}, "
        f"blend {f_mix:.4f} -> {'kept' if keep else 'not kept'}"
    )
    report = [
        {
            "head": "ruhsold task2 (five heads)",
            "linear": f_lin,
            "blend": f_mix,
            "kept": keep,
            "rows": len(y5),
        }
    ]
    if not keep:
        return [], report
    heads = []
    for j, (spec, _, (x, y, oof)) in enumerate(group):
        head = encoder_head(
            spec.info.name,
            x,
            y,
            oof,
            T.SEED,
            threshold=0.5,
            offset=float(off_mix[j]),
            linear_oof_f1=f_lin,
            blend_oof_f1=f_mix,
        )
        heads.append(head)
    return heads, report


def train_encoder(
    data: Path | None = None,
    out: Path | None = None,
    *,
    reviews: list[tuple[str, str, str, int]] | None = None,
    encoder: SentenceEncoder | None = None,
    cache_dir: Path | None = None,
    corpus: T.Corpus | None = None,
    log: T.Log = print,
) -> Path:
    """Train the encoder heads and write ``encoder_heads.json`` beside the classifiers (``out``,
    default the shipped models folder). Returns its path. Embeddings are cached on disk."""
    t0 = time.perf_counter()
    if corpus is None:
        corpus = T.Corpus.load(D.data_dir(data))
    if reviews:
        corpus = T.with_reviews(corpus, reviews, log=log)
    folder = out or C.default_header_path().parent
    # The blends' thresholds answer to these linear heads: a later retrain of the classifiers
    # must not be read through heads fitted beside the old ones (see Blend).
    classifiers = C.TextClassifiers.load(folder / C.HEADER_FILE)
    enc = encoder or load_encoder()
    cache = EmbeddingCache(enc, cache_dir)
    log(f"encoder {enc.name}; embedding cache {cache.path}; beside {classifiers.version}")
    heads, report = train_encoder_heads(corpus, cache, log=log)
    path = folder / HEADS_FILE
    result = EncoderHeads(
        enc.name,
        probe_of(enc),
        heads,
        meta={"seed": T.SEED, "classifiers": classifiers.version, "candidates": report},
    )
    version = result.save(path)
    log(
        f"wrote {path} ({len(heads)} blended heads: "
        f"{', '.join(h.name for h in heads) or 'none'}), version {version}, "
        f"in {time.perf_counter() - t0:.0f}s"
    )
    return path
