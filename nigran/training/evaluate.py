"""``nigran eval``: the shipped heads on each dataset's official split, beside the published best
and a TF-IDF + logistic-regression baseline trained in the same run; and any labelled file a
user brings. Reports are Markdown with confusion matrices and per-class F1.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_union

from nigran.detect.text.classifiers import TextClassifiers, load_default, model_input
from nigran.detect.text.classify import family_of, head_text
from nigran.detect.text.langid import LanguageIdentifier
from nigran.errors import InvalidInput
from nigran.training import datasets as D
from nigran.training.fasttext_format import FastTextFeatures
from nigran.training.linear import train_head
from nigran.training.operating import (
    OperatingPoint,
    QueueShare,
    automatic_bar,
    operating_points,
    targets_from_budget,
)
from nigran.training.reproducible import single_threaded
from nigran.training.train import FAMILY_FEATURES, FINE_HEADS, SEED

if TYPE_CHECKING:
    from nigran.review.queues import QueueConfig

Log = Callable[[str], None]
IntArray = NDArray[np.int64]

PUBLISHED = {
    "ruhsold_task1": ("macro-F1", 0.90, "CNN-gram, EMNLP 2020 (approx.)"),
    "ruhsold_task2": ("macro-F1", 0.70, "CNN-gram, EMNLP 2020 (reported as 0.7x)"),
    "urdu_threat": ("macro-F1", 0.716, "FIRE 2022 EmoThreat task B best"),
    "urdu_abusive": ("F1 (abusive class), 10-fold CV", 0.959, "Akhter et al. 2020"),
    "olid_a": ("macro-F1", 0.829, "OffensEval 2019 best (BERT)"),
}
TARGET = {
    "ruhsold_task1": 0.93,
    "ruhsold_task2": 0.80,
    "urdu_threat": 0.76,
    "urdu_abusive": 0.96,
    "olid_a": 0.80,
}


@dataclass
class Result:
    dataset: str
    metric: str
    ours: float
    baseline: float
    published: float
    note: str
    classes: tuple[str, ...]
    y_true: IntArray
    y_pred: IntArray
    base_pred: IntArray
    extra: dict[str, float] = field(default_factory=dict)
    shares: tuple[float, int, float, int] | None = None
    """Binary sets: the positive share and row count of the head's training rows (every split
    but test), then of the test rows. Macro-F1 moves with that share (docs/studies.md, "Prior
    shift")."""


def baseline_pipeline() -> Pipeline:
    """Char (1-5, word-bounded) + word (1-2) TF-IDF into logistic regression: the data README's
    baseline, untuned."""
    return Pipeline(
        [
            (
                "tfidf",
                make_union(
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2
                    ),
                    TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
                ),
            ),
            ("lr", LogisticRegression(max_iter=3000, random_state=SEED)),
        ]
    )


def _metric(name: str, y: IntArray, p: IntArray) -> float:
    if name.startswith("F1 (abusive"):
        return float(f1_score(y, p))
    return float(f1_score(y, p, average="macro"))


def _scored(name: str, ds: D.Dataset, y: IntArray, pred: IntArray, base: IntArray) -> Result:
    """The dataset's official metric for Nigran's and the baseline's predictions."""
    metric, published, note = PUBLISHED[name]
    return Result(
        name,
        metric,
        _metric(metric, y, pred),
        _metric(metric, y, base),
        published,
        note,
        ds.classes,
        y,
        pred,
        base,
    )


def _log_result(res: Result, log: Log) -> None:
    log(
        f"{res.dataset}: ours {res.ours:.4f}  baseline {res.baseline:.4f}  "
        f"published {res.published}"
    )


def _binary_result(name: str, model: TextClassifiers, head: str, ds: D.Dataset, log: Log) -> Result:
    tr, te = ds.splits["train"], ds.splits["test"]
    i = model.head(head)
    p = model.proba(te.texts)[:, i]
    pred = (p >= model.heads[i].threshold).astype(np.int64)
    y = np.asarray(te.labels, dtype=np.int64)
    base = baseline_pipeline().fit(tr.texts, tr.labels).predict(te.texts).astype(np.int64)
    res = _scored(name, ds, y, pred, base)
    res.extra["roc_auc"] = float(roc_auc_score(y, p))
    # The policy reads scores as probabilities: how far they are from that on this test set (a
    # class mix unlike training's, as in Urdu threat's, shows up here).
    res.extra["brier"] = float(np.mean((p - y) ** 2))
    res.extra["ece_10_bins"] = expected_calibration_error(y, p)
    fitted = [
        v for split_name, split in ds.splits.items() if split_name != "test" for v in split.labels
    ]
    res.shares = (float(np.mean(fitted)), len(fitted), float(y.mean()), len(y))
    _log_result(res, log)
    return res


def expected_calibration_error(y: IntArray, p: NDArray[np.float64], bins: int = 10) -> float:
    """Mean |observed positive rate - mean score| over equal-width score bins, weighted by rows."""
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    err = 0.0
    for b in range(bins):
        rows = which == b
        if rows.any():
            err += rows.sum() * abs(float(y[rows].mean()) - float(p[rows].mean()))
    return err / len(y)


def _ruhsold_task2(model: TextClassifiers, ds: D.Dataset, log: Log) -> Result:
    tr, te = ds.splits["train"], ds.splits["test"]
    idx = [model.head(f"ur-Latn/{n}") for n in FINE_HEADS]
    offsets = np.array([model.heads[i].offset for i in idx])
    pred = (model.proba(te.texts)[:, idx] + offsets).argmax(axis=1).astype(np.int64)
    y = np.asarray(te.labels, dtype=np.int64)
    base = baseline_pipeline().fit(tr.texts, tr.labels).predict(te.texts).astype(np.int64)
    res = _scored("ruhsold_task2", ds, y, pred, base)
    _log_result(res, log)
    return res


def _urdu_abusive_cv(log: Log, ds: D.Dataset, folds: int = 10) -> Result:
    """The head retrained from scratch on nine folds, scored on the tenth (recipe, calibration
    and threshold chosen inside the nine, as ``nigran train`` does); the baseline likewise."""
    split = ds.splits["all"]
    texts = np.asarray(split.texts, dtype=object)
    y = np.asarray(split.labels, dtype=np.int64)
    lines = [model_input(t) for t in split.texts]
    # The word list may include the held-out fold's words: a head gives no weight to features
    # its training rows lack, so they cannot move its scores.
    x = FastTextFeatures.fit(FAMILY_FEATURES["ur"], lines).transform(lines)
    pred = np.zeros_like(y)
    base = np.zeros_like(y)
    kf = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    for k, (tr, te) in enumerate(kf.split(np.zeros(len(y)), y), start=1):
        head = train_head(x[tr], y[tr], seed=SEED)
        pred[te] = (head.proba(x[te]) >= head.threshold).astype(np.int64)
        base[te] = baseline_pipeline().fit(list(texts[tr]), y[tr]).predict(list(texts[te]))
        log(f"urdu_abusive fold {k}/{folds}")
    res = _scored("urdu_abusive", ds, y, pred, base)
    res.extra["macro_f1"] = float(f1_score(y, pred, average="macro"))
    _log_result(res, log)
    return res


@single_threaded
def evaluate_all(
    data: Path | None = None,
    model: TextClassifiers | None = None,
    *,
    log: Log = print,
    only: Sequence[str] | None = None,
) -> list[Result]:
    root = D.data_dir(data)
    model = model or load_default()
    jobs: dict[str, Callable[[], Result]] = {
        "ruhsold_task1": lambda: _binary_result(
            "ruhsold_task1", model, "ur-Latn/offensive", D.ruhsold_task1(root), log
        ),
        "ruhsold_task2": lambda: _ruhsold_task2(model, D.ruhsold_task2(root), log),
        "urdu_threat": lambda: _binary_result(
            "urdu_threat", model, "ur/threat", D.urdu_threat(root), log
        ),
        "urdu_abusive": lambda: _urdu_abusive_cv(log, D.urdu_abusive(root)),
        "olid_a": lambda: _binary_result("olid_a", model, "en/offensive", D.olid(root), log),
    }
    return [job() for name, job in jobs.items() if not only or name in only]


# -- reports ---------------------------------------------------------------------------------------


def _confusion_md(classes: Sequence[str], y: IntArray, p: IntArray) -> str:
    labels = list(range(len(classes)))
    cm = confusion_matrix(y, p, labels=labels)
    head = "| true \\ predicted | " + " | ".join(classes) + " |\n"
    head += "|---" * (len(classes) + 1) + "|\n"
    rows = "".join(
        f"| {classes[i]} | " + " | ".join(str(v) for v in cm[i]) + " |\n" for i in labels
    )
    return head + rows


def _per_class_md(classes: Sequence[str], y: IntArray, p: IntArray, b: IntArray) -> str:
    labels = list(range(len(classes)))
    pr, rc, f1, n = precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    _, _, bf1, _ = precision_recall_fscore_support(y, b, labels=labels, zero_division=0)
    out = "| class | support | precision | recall | F1 | F1 bar | baseline F1 |\n"
    out += "|---|---|---|---|---|---|---|\n"
    for i in labels:
        bar = "█" * round(20 * f1[i])
        out += (
            f"| {classes[i]} | {n[i]} | {pr[i]:.3f} | {rc[i]:.3f} | {f1[i]:.3f} | `{bar}` "
            f"| {bf1[i]:.3f} |\n"
        )
    return out


def summary_table(results: Sequence[Result]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("dataset", "metric", "Nigran", "TF-IDF+LR", "published", "target")
    ]
    for r in results:
        rows.append(
            (
                r.dataset,
                r.metric,
                f"{r.ours:.4f}",
                f"{r.baseline:.4f}",
                f"{r.published:.3f}",
                f"{TARGET.get(r.dataset, float('nan')):.2f}",
            )
        )
    return rows


def _blend_md(model: TextClassifiers) -> list[str]:
    """What the encoder blend (``--encoder``) changed, for a report of a blended model."""
    from nigran.detect.text.encoder import MIN_GAIN

    if model.blend is None:
        return []
    heads = model.blend.heads
    lines = [
        f"With the pretrained encoder `{heads.encoder}` blended in (weight {heads.weight}; "
        "`encoder_heads.json`, kept by `nigran train --only encoder` where out-of-fold macro-F1 "
        f"gained at least {MIN_GAIN * 100:g} points). Blended heads, the rest as without it:\n",
        "| head | blended where the linear probability is in | threshold | out-of-fold macro-F1, "
        "linear → blend |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {h.name} | [{h.band_lo:g}, {h.band_hi:g}] | {h.threshold:.3f} "
        f"| {h.linear_oof_f1:.4f} → {h.blend_oof_f1:.4f} |"
        for h in heads.heads
    ]
    return [*lines, ""]


def write_report(
    results: Sequence[Result], path: Path, model: TextClassifiers, *, appendix: str = ""
) -> Path:
    """The Markdown report; ``appendix`` (say, the cross-dataset section) goes after the
    in-domain sections and before the heads table."""
    rows = summary_table(results)
    md = [
        f"# Nigran text classifiers: evaluation\n\nModel `{model.version}`, written by "
        "`nigran eval`.\n",
        "Official test splits (Urdu abusive: 10-fold CV, the head retrained per fold). The "
        "baseline is char+word TF-IDF with logistic regression, trained in the same run.\n",
        *_blend_md(model),
        "| " + " | ".join(rows[0]) + " |",
        "|---" * len(rows[0]) + "|",
    ]
    md += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    for r in results:
        md.append(
            f"\n## {r.dataset}\n\n{r.metric}: **{r.ours:.4f}** (baseline {r.baseline:.4f}, "
            f"published {r.published} — {r.note})"
        )
        if r.extra:
            md.append(", ".join(f"{k} {v:.4f}" for k, v in r.extra.items()) + "\n")
        if r.shares:
            fit_share, fit_n, test_share, test_n = r.shares
            md.append(
                f"{r.classes[1]} share: {fit_share:.3f} of the {fit_n:,} training rows, "
                f"{test_share:.3f} of the {test_n:,} test rows (macro-F1 moves with it: "
                'docs/studies.md, "Prior shift").\n'
            )
        md.append("\n### Per class\n\n" + _per_class_md(r.classes, r.y_true, r.y_pred, r.base_pred))
        md.append(
            "### Confusion matrix (Nigran)\n\n" + _confusion_md(r.classes, r.y_true, r.y_pred)
        )
        md.append(
            "### Confusion matrix (baseline)\n\n" + _confusion_md(r.classes, r.y_true, r.base_pred)
        )
    if appendix:
        md.append(appendix)
    md.append(
        "\n## Heads\n\n| head | category | trained on | threshold | argmax offset | recipe |\n"
        "|---|---|---|---|---|---|"
    )
    recipes = model.meta.get("recipes", {})
    md += [
        f"| {h.name} | {h.category or '-'}{':' + h.target if h.target else ''} | {h.source} "
        f"| {h.threshold:.3f} | {h.offset:+.2f} | {' + '.join(recipes.get(h.name, []))} |"
        for h in model.heads
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return path


# -- a user's own labelled file --------------------------------------------------------------------

CATEGORY_HEADS = {
    "harassment": {"ur-Latn": ["ur-Latn/offensive"], "ur": ["ur/abusive"], "en": ["en/offensive"]},
    "hate": {"ur-Latn": ["ur-Latn/religious_hate", "ur-Latn/sexism"], "en": ["en/hate"]},
    "threat": {"ur": ["ur/threat"]},
}


def read_labelled(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """Texts and raw label strings from a CSV, TSV or JSONL file; errors name file and line."""
    if not path.is_file():
        raise InvalidInput(f"file {path} not found")
    texts, labels = [], []
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"not JSON: {exc.msg}", where=f"{path}:{lineno}") from exc
                if not isinstance(row, dict) or text_col not in row or label_col not in row:
                    raise InvalidInput(
                        f"needs keys {text_col!r} and {label_col!r}", where=f"{path}:{lineno}"
                    )
                texts.append(str(row[text_col]))
                labels.append(str(row[label_col]))
        return texts, labels
    if suffix not in (".csv", ".tsv", ".tab"):
        raise InvalidInput(
            f"unsupported file type {suffix!r}: use .csv, .tsv or .jsonl", where=str(path)
        )
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t" if suffix != ".csv" else ",")
        cols = reader.fieldnames or []
        for col in (text_col, label_col):
            if col not in cols:
                raise InvalidInput(f"no column {col!r}; columns are {cols}", where=f"{path}:1")
        for row in reader:
            texts.append(row[text_col] or "")
            labels.append((row[label_col] or "").strip())
    return texts, labels


BENIGN_RATES = (0.05, 0.10, 0.20)
"""Shares of benign items flagged at which ``nigran eval --file`` reports the recall of harmful
items (issue #20: operating points are set by what reviewers can take, not only macro-F1)."""


def recall_at_benign_rate(y: IntArray, score: NDArray[np.float64], rate: float) -> float:
    """Recall of the harmful rows (``y == 1``) when rows scoring above a cut are flagged and the
    cut lets at most ``rate`` of the benign rows through (ties at the cut are not flagged, so
    the benign share flagged never exceeds ``rate``)."""
    benign = np.sort(score[y == 0])[::-1]
    harmful = score[y == 1]
    if len(harmful) == 0 or len(benign) == 0:
        return float("nan")
    k = int(np.floor(rate * len(benign)))
    if k >= len(benign):
        return 1.0
    cut = benign[k]
    return float(np.mean(harmful > cut))


@dataclass(frozen=True, slots=True)
class ProductFigures:
    """The whole product on a labelled file (``--pipeline``): every text detector and the
    active policy, as ``nigran moderate`` decides (no store, nothing recorded)."""

    harmful: int
    benign: int
    harmful_acted: float
    """Share of harmful items with an automated action."""
    harmful_handled: float
    """Share of harmful items acted on or sent to human review."""
    benign_acted: float
    benign_flagged: float
    """Share of benign items acted on or sent to review."""
    review_share: float
    """Share of all items sent to review (what reviewers must look at)."""


@dataclass
class FileResult:
    n: int
    metrics: dict[str, float]
    per_class: list[dict[str, float | str]]
    languages: dict[str, int]
    threshold: str
    confusion: list[list[int]]
    recall_at: dict[float, float] = field(default_factory=dict)
    """Recall of harmful items at each of :data:`BENIGN_RATES` of benign items flagged."""
    product: ProductFigures | None = None
    points: list[OperatingPoint] = field(default_factory=list)
    """Per language, the review cut for a target share of traffic (``review_share``/``budget``)."""


def evaluate_file(
    path: Path,
    text_col: str,
    label_col: str,
    positive: str,
    category: str = "harassment",
    model: TextClassifiers | None = None,
    *,
    pipeline: bool = False,
    review_share: float | None = None,
    budget: Sequence[QueueShare] = (),
    queues: QueueConfig | None = None,
) -> FileResult:
    """Metrics of ``model``'s heads for ``category`` on a labelled file; with ``pipeline`` the
    whole product too; with ``review_share`` (one share of traffic for every language) or
    ``budget`` (the staffing plan's review budget, per language queue) the review cut per
    language that keeps to it, and what it catches (:mod:`nigran.training.operating`); with
    ``queues`` and neither of those, each language's target is the ``review_share`` of the
    review queue its flagged ``category`` items go to."""
    if category not in CATEGORY_HEADS:
        raise InvalidInput(f"unknown category {category!r}; choose one of {sorted(CATEGORY_HEADS)}")
    model = model or load_default()
    texts, raw = read_labelled(path, text_col, label_col)
    if not texts:
        raise InvalidInput("no rows", where=str(path))
    y = np.asarray([int(v == positive) for v in raw], dtype=np.int64)
    langs = LanguageIdentifier().identify_batch(texts)
    # As detection reads them: Hindi and Gurmukhi rows in Urdu script, by the Urdu heads.
    families = [family_of(lang.language) for lang in langs]
    probs = model.proba([head_text(t, via) for t, (_, via) in zip(texts, families, strict=True)])
    score = np.zeros(len(texts))
    pred = np.zeros(len(texts), dtype=np.int64)
    # Per row, the scores of the category's signals the classifier emits (a head emits at its
    # own threshold), as the rules see them.
    emitted: list[list[float]] = [[] for _ in texts]
    counts: dict[str, int] = {}
    used: set[str] = set()
    for r, (lang, (family, _)) in enumerate(zip(langs, families, strict=True)):
        counts[lang.language] = counts.get(lang.language, 0) + 1
        for name in CATEGORY_HEADS[category].get(family or "", []):
            i = model.head(name)
            used.add(f"{name}>={model.heads[i].threshold:.3f}")
            # Scores are compared through each head's own threshold: margin 0 = on the line.
            s = float(probs[r, i])
            if s >= model.heads[i].threshold:
                pred[r] = 1
                emitted[r].append(round(s, 4))
            score[r] = max(score[r], s)
    points: list[OperatingPoint] = []
    if review_share is not None or budget or queues is not None:
        names = [lang.language for lang in langs]
        targets: dict[str, float] = {}
        if queues is not None and review_share is None and not budget:
            targets = queues.review_shares(names, category)
        if budget:
            today = {lang: float(pred[[n == lang for n in names]].mean()) for lang in set(names)}
            targets = targets_from_budget(budget, today, category)
        from nigran.policy.engine import load_engine

        # Rows the active rules act on automatically are not sent to review: the share counts
        # the band between the cut and that bar.
        ceiling = automatic_bar(load_engine().rules, category)
        # The bars apply to what detection emits for the category, classifier signals and
        # term-bank hits, each weighed on its own: an item is sent to review when one of its
        # signals is in the band from the cut to the removal bar, even if another is removed.
        signals = [c + t for c, t in zip(emitted, lexicon_scores(texts, category), strict=True)]
        band = np.asarray(
            [
                max((v for v in row if v < ceiling(lang)), default=0.0)
                for row, lang in zip(signals, names, strict=True)
            ]
        )
        points = operating_points(
            names,
            np.asarray([max(row, default=0.0) for row in signals]),
            y,
            targets,
            default=review_share,
            ceiling=ceiling,
            review_scores=band,
        )
    pr, rc, f1, n = precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    metrics = {"macro_f1": float(np.mean(f1))}
    recall_at: dict[float, float] = {}
    if len(set(y.tolist())) == 2:
        metrics["roc_auc"] = float(roc_auc_score(y, score))
        recall_at = {r: recall_at_benign_rate(y, score, r) for r in BENIGN_RATES}
    per_class: list[dict[str, float | str]] = [
        {
            "class": name,
            "precision": float(pr[i]),
            "recall": float(rc[i]),
            "f1": float(f1[i]),
            "support": int(n[i]),
        }
        for i, name in enumerate(("other", str(positive)))
    ]
    return FileResult(
        len(texts),
        metrics,
        per_class,
        counts,
        ", ".join(sorted(used)) or "none",
        confusion_matrix(y, pred, labels=[0, 1]).tolist(),
        recall_at,
        product_figures(texts, y, model) if pipeline else None,
        points,
    )


def lexicon_scores(texts: Sequence[str], category: str) -> list[list[float]]:
    """Per text, the scores of the shipped term banks' ``category`` signals."""
    from nigran.detect.text.lexicon import LexiconDetector
    from nigran.model import Content, ContentKind, TextField

    lexicon = LexiconDetector.from_default_banks()
    out: list[list[float]] = [[] for _ in texts]
    rows = [r for r, t in enumerate(texts) if t.strip()]
    items = [
        Content(
            id=f"eval-{r}",
            kind=ContentKind.COMMENT,
            author="eval",
            texts={TextField.BODY: texts[r]},
        )
        for r in rows
    ]
    for r, found in zip(rows, lexicon.detect(items), strict=True):
        out[r] = [s.score for s in found if s.category == category]
    return out


def product_figures(
    texts: Sequence[str], y: IntArray, model: TextClassifiers, batch: int = 512
) -> ProductFigures:
    """Every text through the shipped term banks and ``model`` and the active policy, as
    ``nigran moderate`` detects and decides (no store: nothing recorded). An item counts as
    handled when the decision acts on it or sends it to review, for any category."""
    from datetime import UTC, datetime

    from nigran.detect import Detector
    from nigran.detect.text.classify import ClassifierDetector
    from nigran.detect.text.lexicon import LexiconDetector
    from nigran.model import Content, ContentKind, TextField
    from nigran.policy import PolicyContext, default_policy

    detectors: list[Detector] = [
        LexiconDetector.from_default_banks(),
        ClassifierDetector(model, encoder="off", second_stage=model.second is not None),
    ]
    policy = default_policy()
    ctx = PolicyContext(now=datetime(2026, 1, 1, tzinfo=UTC))
    acted = np.zeros(len(texts), dtype=bool)
    reviewed = np.zeros(len(texts), dtype=bool)
    # A blank text is no content (nigran moderate refuses it): never acted on nor reviewed.
    rows = [r for r, t in enumerate(texts) if t.strip()]
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        items = [
            Content(
                id=f"eval-{r}",
                kind=ContentKind.COMMENT,
                author="eval",
                texts={TextField.BODY: texts[r]},
            )
            for r in chunk
        ]
        signals: list[list[Any]] = [[] for _ in items]
        for det in detectors:
            for i, found in enumerate(det.detect(items)):
                signals[i].extend(found)
        for r, item, sigs in zip(chunk, items, signals, strict=True):
            d = policy.decide(item, sigs, ctx)
            acted[r] = bool(d.actions)
            reviewed[r] = d.review is not None
    harm, ok = y == 1, y == 0

    def share(mask: NDArray[np.bool_], of: NDArray[np.bool_]) -> float:
        return float(mask[of].mean()) if of.any() else float("nan")

    handled = acted | reviewed
    return ProductFigures(
        int(harm.sum()),
        int(ok.sum()),
        share(acted, harm),
        share(handled, harm),
        share(acted, ok),
        share(handled, ok),
        float((reviewed & ~acted).mean()),
    )


# -- comparing two models before one is promoted --------------------------------------------------


def official_scores(model: TextClassifiers, data: Path | None = None) -> dict[str, float]:
    """The official-split metric of each dataset for ``model``'s own heads (no baseline; Urdu
    abusive has no split and its CV retrains heads, so it is left out of comparisons)."""
    root = D.data_dir(data)
    out: dict[str, float] = {}
    for name, head, ds in (
        ("ruhsold_task1", "ur-Latn/offensive", D.ruhsold_task1(root)),
        ("urdu_threat", "ur/threat", D.urdu_threat(root)),
        ("olid_a", "en/offensive", D.olid(root)),
    ):
        te = ds.splits["test"]
        i = model.head(head)
        pred = (model.proba(te.texts)[:, i] >= model.heads[i].threshold).astype(np.int64)
        out[name] = float(f1_score(te.labels, pred, average="macro"))
    t2 = D.ruhsold_task2(root).splits["test"]
    idx = [model.head(f"ur-Latn/{n}") for n in FINE_HEADS]
    offsets = np.array([model.heads[i].offset for i in idx])
    pred2 = (model.proba(t2.texts)[:, idx] + offsets).argmax(axis=1)
    out["ruhsold_task2"] = float(f1_score(t2.labels, pred2, average="macro"))
    return out


def compare(
    old: TextClassifiers, new: TextClassifiers, data: Path | None = None
) -> list[tuple[str, float, float, float]]:
    """``(dataset, old, new, new - old)`` for each dataset both models can be scored on."""
    a, b = official_scores(old, data), official_scores(new, data)
    return [(k, a[k], b[k], b[k] - a[k]) for k in a]
