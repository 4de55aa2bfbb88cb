"""Cross-dataset ("transfer") evaluation: a head trained on one source, scored on another that it
never saw, beside the TF-IDF + LR baseline trained the same way.

In-domain test splits flatter a model (same annotators, same collection period, same topics), and
the product meets text from sources it never saw. These pairs measure that drop. Each head is
trained here, inside ``nigran eval``, by the same procedure as ``nigran train`` (recipe chosen by
cross-validation on the source, Platt calibration and threshold from the source's out-of-fold
scores) with a short recipe grid so the whole section takes about a minute; the featuriser's word
list comes from the source alone. Seeds are fixed.

A pair is only measured where a label mapping between the two sets is honest:

- English: OLID subtask A (OFF = profanity or a targeted offence) against Davidson (hate and
  offensive vs neither). Both call any profanity or insult offensive, so "hate or offensive" ~
  OFF. Davidson's "offensive" leans on slurs and profanity more than OLID's OFF does, so some of
  the drop is label drift, not model failure.
- Urdu: threat (FIRE 2022 tweets) and abusive (YouTube comments) label different things — a
  threat need not be abusive and abuse is mostly not a threat — so no pair is scored (see
  :data:`NOT_MEASURED`). Roman Urdu has one source (RUHSOLD; its two tasks share the tweets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import f1_score

from nigran.detect.text.classifiers import model_input
from nigran.training import datasets as D
from nigran.training.evaluate import baseline_pipeline
from nigran.training.fasttext_format import FastTextFeatures
from nigran.training.linear import LinearHead, train_head
from nigran.training.reproducible import single_threaded
from nigran.training.train import FAMILY_FEATURES, FAST_RECIPES

if TYPE_CHECKING:
    from nigran.detect.text.encoder import SentenceEncoder

Log = Callable[[str], None]
IntArray = NDArray[np.int64]

NOT_MEASURED: tuple[tuple[str, str], ...] = (
    (
        "ur/abusive → urdu_threat, ur/threat → urdu_abusive",
        "labels differ in kind (threat ≠ abusive); forcing a mapping would measure the mapping",
    ),
    (
        "ur-Latn (RUHSOLD) → another Roman Urdu source",
        "no second labelled Roman Urdu set in the data folder",
    ),
)


@dataclass(frozen=True, slots=True)
class Source:
    """Labelled rows under the project's convention (1 = harmful) and what they are called."""

    name: str
    texts: list[str]
    labels: list[int]


@dataclass(frozen=True, slots=True)
class TransferResult:
    source: str
    target: str
    rows: int
    positive_rate: float
    ours: float
    """Macro-F1 on the target of the head trained on the source."""
    baseline: float
    source_oof: float
    """The same head's out-of-fold macro-F1 on its source (its in-domain figure)."""
    recipe: str
    blend: float | None = None
    """With an encoder: the linear head blended with an encoder head trained on the same source
    (as ``encoder_train`` trains one), scored on the target."""
    blend_source_oof: float | None = None


def english_sources(root: Path) -> dict[str, Source]:
    olid = D.olid(root).splits
    dav = D.davidson(root).splits["all"]
    # Davidson: 0 hate, 1 offensive, 2 neither -> harmful unless "neither".
    dav_y = [int(v != 2) for v in dav.labels]
    return {
        "olid train": Source("olid train", olid["train"].texts, olid["train"].labels),
        "olid test": Source("olid test (OFF vs NOT)", olid["test"].texts, olid["test"].labels),
        "davidson": Source("davidson all (hate+offensive vs neither)", dav.texts, dav_y),
    }


PAIRS: tuple[tuple[str, str, str], ...] = (
    ("en", "olid train", "davidson"),
    ("en", "davidson", "olid test"),
)
"""``(family, source, target)`` pairs scored by :func:`evaluate_transfer`."""


def transfer_pair(
    family: str,
    source: Source,
    target: Source,
    *,
    seed: int,
    encoder: SentenceEncoder | None = None,
    log: Log = lambda _: None,
) -> TransferResult:
    lines = [model_input(t) for t in source.texts]
    feats = FastTextFeatures.fit(FAMILY_FEATURES[family], list(dict.fromkeys(lines)))
    x = feats.transform(lines)
    y = np.asarray(source.labels, dtype=np.int64)
    head = train_head(x, y, recipes=FAST_RECIPES, folds=3, seed=seed)
    yt = np.asarray(target.labels, dtype=np.int64)
    p = head.proba(feats.transform([model_input(t) for t in target.texts]))
    pred = (p >= head.threshold).astype(np.int64)
    base = baseline_pipeline().fit(source.texts, y).predict(target.texts).astype(np.int64)
    blend = blend_oof = None
    if encoder is not None:
        blend, blend_oof = _blend_transfer(head, y, yt, p, source, target, encoder, seed)
    res = TransferResult(
        source.name,
        target.name,
        len(yt),
        float(yt.mean()),
        float(f1_score(yt, pred, average="macro")),
        float(f1_score(yt, base, average="macro")),
        head.oof_macro_f1,
        " + ".join(str(m.recipe) for m in head.members),
        blend,
        blend_oof,
    )
    log(
        f"transfer {source.name} -> {target.name}: ours {res.ours:.4f} baseline "
        f"{res.baseline:.4f} (source out-of-fold {res.source_oof:.4f})"
        + ("" if blend is None else f"; with the encoder {blend:.4f} (source {blend_oof:.4f})")
    )
    return res


def _blend_transfer(
    head: LinearHead,
    y: IntArray,
    yt: IntArray,
    p_target: NDArray[np.float64],
    source: Source,
    target: Source,
    encoder: SentenceEncoder,
    seed: int,
) -> tuple[float, float]:
    """Target macro-F1 of the linear head blended with an encoder head trained on the source,
    threshold from the source's out-of-fold blend; and that out-of-fold macro-F1."""
    from nigran.detect.text.encoder import blended
    from nigran.training.encoder_train import encoder_head, out_of_fold
    from nigran.training.nblr import best_threshold, macro_f1_at

    assert head.oof is not None
    xs = encoder.embed(source.texts)
    oof = out_of_fold(xs, y, 3, seed)
    mix = blended(head.oof, oof.proba)
    threshold = best_threshold(y, mix)
    enc_head = encoder_head(source.name, xs, y, oof, seed, threshold=threshold)
    pe = enc_head.proba(encoder.embed(target.texts))
    pred = (blended(p_target, pe) >= threshold).astype(np.int64)
    return float(f1_score(yt, pred, average="macro")), macro_f1_at(y, mix, threshold)


@single_threaded
def evaluate_transfer(
    root: Path, *, seed: int, encoder: SentenceEncoder | None = None, log: Log = print
) -> list[TransferResult]:
    sources = english_sources(root)
    return [
        transfer_pair(family, sources[s], sources[t], seed=seed, encoder=encoder, log=log)
        for family, s, t in PAIRS
    ]


def transfer_md(results: list[TransferResult]) -> str:
    """The report section: transfer figures, clearly apart from the in-domain ones."""
    out = [
        "\n## Cross-dataset transfer (trained on one source, scored on another it never saw)\n",
        "Not comparable with the in-domain table above: these heads are trained inside "
        "`nigran eval` on the source alone (the same procedure as `nigran train`, shorter recipe "
        "grid) and scored on a different dataset. The baseline is the same TF-IDF+LR, trained on "
        "the same source. Metric: macro-F1 on the target.\n",
        "| trained on | scored on (transfer) | rows | harmful share | Nigran recipe | TF-IDF+LR "
        "| Nigran in-domain (source out-of-fold) | recipe |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {r.source} | {r.target} | {r.rows} | {r.positive_rate:.2f} | {r.ours:.4f} "
        f"| {r.baseline:.4f} | {r.source_oof:.4f} | {r.recipe} |"
        for r in results
    ]
    blended = [r for r in results if r.blend is not None]
    if blended:
        from nigran.detect.text.encoder import BLEND_WEIGHT

        out += [
            "\nThe same heads blended with an encoder head trained on the same source "
            f"(`--encoder`; weight {BLEND_WEIGHT:g}, threshold from the source's out-of-fold "
            "blend):\n",
            "| trained on | scored on (transfer) | Nigran | Nigran + encoder "
            "| in-domain, linear → blend (source out-of-fold) |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {r.source} | {r.target} | {r.ours:.4f} | {r.blend:.4f} "
            f"| {r.source_oof:.4f} → {r.blend_source_oof:.4f} |"
            for r in blended
        ]
    out.append("\nNot measured, and why:\n")
    out += [f"- {what}: {why}." for what, why in NOT_MEASURED]
    return "\n".join(out) + "\n"
