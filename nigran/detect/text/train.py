"""``nigran train``: every shipped text head, rebuilt from the labelled sets, reproducibly.

Which data trains which head (test splits are never touched here):

- ``ur-Latn/offensive``: RUHSOLD task 1 train; C chosen on task 1 validation, then refitted on
  train + validation.
- ``ur-Latn/{offensive_fine,normal,religious_hate,sexism,profane}``: RUHSOLD task 2 train
  (one-vs-rest; the argmax of calibrated scores is the five-way prediction). Task 2's split
  differs from task 1's, so these heads are evaluated only on task 2's test.
- ``ur/abusive``: the Urdu abusive set, all of it (it has no split; ``nigran eval`` reports
  10-fold cross-validation with the head retrained per fold).
- ``ur/threat``: Urdu threat (FIRE 2022) train.
- ``en/offensive``: OLID train. ``en/hate``: Davidson's hate class against the rest.

Language ID is trained on its own (``langid_train.py``, ``nigran train --only langid``).

Every choice of C, calibration and threshold uses validation data or cross-validation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from nigran.detect.text import datasets as D
from nigran.detect.text.classify import HeadInfo, TextModel, default_model_path
from nigran.detect.text.features import FeatureConfig, Featurizer
from nigran.detect.text.nblr import BinaryHead, train_head

SEED = 20201116
Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything ``train`` reads, loaded once."""

    ruhsold1: D.Dataset
    ruhsold2: D.Dataset
    threat: D.Dataset
    abusive: D.Dataset
    olid: D.Dataset
    davidson: D.Dataset

    @classmethod
    def load(cls, root: Path) -> Corpus:
        return cls(
            D.ruhsold_task1(root),
            D.ruhsold_task2(root),
            D.urdu_threat(root),
            D.urdu_abusive(root),
            D.olid(root),
            D.davidson(root),
        )


def _y(labels: list[int]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.asarray(labels, dtype=np.int64)


class FeatureCache:
    """Each split is featurised once, however many heads train on it."""

    def __init__(self, feat: Featurizer) -> None:
        self.feat = feat
        self._cache: dict[int, tuple[list[str], sp.csr_matrix]] = {}

    def __call__(self, texts: list[str]) -> sp.csr_matrix:
        hit = self._cache.get(id(texts))
        if hit is None or hit[0] is not texts:
            hit = self._cache[id(texts)] = (texts, self.feat.transform(texts))
        return hit[1]


def fit_binary(
    feats: FeatureCache,
    texts: list[str],
    labels: list[int],
    *,
    validation: tuple[list[str], list[int]] | None = None,
    folds: int = 5,
    log: Log = lambda _: None,
) -> BinaryHead:
    x = feats(texts)
    val = (feats(validation[0]), _y(validation[1])) if validation else None
    return train_head(x, _y(labels), validation=val, folds=folds, seed=SEED, log=log)


def train_all(corpus: Corpus, *, log: Log = print) -> TextModel:
    feat = Featurizer(FeatureConfig())
    feats = FeatureCache(feat)
    heads: list[tuple[HeadInfo, BinaryHead]] = []
    r1, r2 = corpus.ruhsold1.splits, corpus.ruhsold2.splits

    def add(info: HeadInfo, make: Callable[[], BinaryHead]) -> None:
        t0 = time.perf_counter()
        log(f"[{info.name}] training on {info.source}")
        heads.append((info, make()))
        log(f"[{info.name}] done in {time.perf_counter() - t0:.1f}s")

    def h_log(name: str) -> Log:
        return lambda m: log(f"[{name}] {m}")

    add(
        HeadInfo(
            "ur-Latn/offensive", "ur-Latn", "harassment", source="ruhsold task1 train+validation"
        ),
        lambda: fit_binary(
            feats,
            r1["train"].texts,
            r1["train"].labels,
            validation=(r1["validation"].texts, r1["validation"].labels),
            log=h_log("ur-Latn/offensive"),
        ),
    )
    # Only the hate classes emit signals of their own: harassment in Roman Urdu comes from the
    # binary task-1 head, and the other three classes serve the five-way prediction.
    fine = {
        "offensive_fine": ("", ""),
        "normal": ("", ""),
        "religious_hate": ("hate", "religion"),
        "sexism": ("hate", "gender"),
        "profane": ("", ""),
    }
    for code, (label, (category, target)) in enumerate(fine.items()):
        name = f"ur-Latn/{label}"
        ys = [int(v == code) for v in r2["train"].labels]
        add(
            HeadInfo(name, "ur-Latn", category, target, source="ruhsold task2 train"),
            lambda ys=ys, name=name: fit_binary(feats, r2["train"].texts, ys, log=h_log(name)),  # type: ignore[misc]
        )
    ab = corpus.abusive.splits["all"]
    add(
        HeadInfo("ur/abusive", "ur", "harassment", source="urdu_abusive all"),
        lambda: fit_binary(feats, ab.texts, ab.labels, log=h_log("ur/abusive")),
    )
    th = corpus.threat.splits["train"]
    add(
        HeadInfo("ur/threat", "ur", "threat", source="urdu_threat train"),
        lambda: fit_binary(feats, th.texts, th.labels, log=h_log("ur/threat")),
    )
    ol = corpus.olid.splits["train"]
    add(
        HeadInfo("en/offensive", "en", "harassment", source="olid train"),
        lambda: fit_binary(feats, ol.texts, ol.labels, log=h_log("en/offensive")),
    )
    dv = corpus.davidson.splits["all"]
    add(
        HeadInfo("en/hate", "en", "hate", "other", source="davidson all (class 0 vs rest)"),
        lambda: fit_binary(
            feats, dv.texts, [int(v == 0) for v in dv.labels], folds=3, log=h_log("en/hate")
        ),
    )
    meta = {"seed": SEED, "c": {info.name: head.c for info, head in heads}}
    return TextModel.from_heads(heads, feat.config, meta)


def train(
    data: Path | None = None,
    out: Path | None = None,
    *,
    reviews: list[tuple[str, str, str, int]] | None = None,
    log: Log = print,
) -> Path:
    root = D.data_dir(data)
    corpus = Corpus.load(root)
    if reviews:
        corpus = with_reviews(corpus, reviews, log=log)
    model = train_all(corpus, log=log)
    path = out or default_model_path()
    model.save(path)
    log(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB), version {model.version}")
    return path


# -- reviewer labels -----------------------------------------------------------------------------

REVIEW_TARGETS: dict[tuple[str, str], tuple[str, str]] = {
    # (category, language family) -> (corpus field, split) the reviewed rows are added to
    ("harassment", "ur-Latn"): ("ruhsold1", "train"),
    ("harassment", "ur"): ("abusive", "all"),
    ("threat", "ur"): ("threat", "train"),
    ("harassment", "en"): ("olid", "train"),
    ("hate", "en"): ("davidson", "all"),
}


def review_rows(conn: Any) -> list[tuple[str, str, str, int]]:
    """``(text, category, language, label)`` for every reviewer label in the store."""
    from sqlalchemy import select

    from nigran.store.tables_review import review_labels

    rows = conn.execute(
        select(
            review_labels.c.text,
            review_labels.c.category,
            review_labels.c.language,
            review_labels.c.label,
        ).order_by(review_labels.c.id)
    ).all()
    return [
        (r.text, r.category, r.language or "", 1 if r.label == "violating" else 0) for r in rows
    ]


def with_reviews(
    corpus: Corpus, rows: list[tuple[str, str, str, int]], *, log: Log = print
) -> Corpus:
    """The corpus with reviewed rows appended to the training split of the matching head; rows
    whose language is missing get it from langid. Rows no head takes are counted and skipped."""
    from dataclasses import replace

    from nigran.detect.text.classify import FAMILY_OF_LANGUAGE
    from nigran.detect.text.langid import guess_language

    added: dict[tuple[str, str], tuple[list[str], list[int]]] = {}
    skipped = 0
    for text, category, language, label in rows:
        family = FAMILY_OF_LANGUAGE.get(language or guess_language(text), "")
        target = REVIEW_TARGETS.get((category, family))
        if target is None:
            skipped += 1
            continue
        texts, labels = added.setdefault(target, ([], []))
        texts.append(text)
        # Davidson's codes: 0 hate, 2 neither; everything else is 1 = harmful.
        labels.append((0 if label else 2) if target[0] == "davidson" else int(bool(label)))
    fields = {}
    for (name, split), (texts, labels) in added.items():
        ds: D.Dataset = getattr(corpus, name)
        old = ds.splits[split]
        new = D.Split(old.texts + texts, old.labels + labels, old.name + "+reviews")
        fields[name] = replace(ds, splits={**ds.splits, split: new})
        log(f"reviews: +{len(texts)} rows to {old.name}")
    if skipped:
        log(f"reviews: {skipped} rows had no matching head (category/language) and were skipped")
    return replace(corpus, **fields)
