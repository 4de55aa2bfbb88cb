"""``nigran train --only langid``: the Latin-script language head and the Arabic-script rule.

The Latin head is a multinomial logistic regression over fastText's own features of
``langid.latin_text`` (word ids, character 2–5-grams, word bigrams; ``fasttext_format.py``), written
as a fastText ``.bin`` that ``fasttext-predict`` runs in C++. Why not the classifiers' NB-LR heads?
They featurise in Python (tens of microseconds a text) and shared one artefact with the harm
classifiers, so neither could be retrained alone. Why not lid.176? It has no Roman Urdu.

Steps, all seeded (``langid_data.SEED``): rows of one class that the other class's out-of-fold
model claims with 90% confidence are dropped as label noise (RUHSOLD holds English tweets, the
English sets a few Roman Urdu ones); C and the weight of each written sentence (``written.tsv``
is a few hundred sentences against 36,000 tweets) are chosen by accuracy on the validation
samples, each label counting alike; the code-mix rule is chosen on validation lines and on lines
spliced from a Roman Urdu and an English one; the chosen model is refitted on training plus
validation text and written beside a JSON sidecar (labels, sources, the choices and their grids,
code-mixing word lists, the Arabic-script rule). The written model is read back through
``fasttext`` and must give the regression's probabilities, or training fails.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from nigran.detect.text.fasttext_line import EOS
from nigran.detect.text.langid import (
    ArabicRule,
    LanguageIdentifier,
    LatinHead,
    latin_model_path,
    latin_text,
)
from nigran.training import langid_data as LD
from nigran.training.fasttext_format import (
    FastTextConfig,
    FastTextFeatures,
    mean_rows,
    write_softmax_model,
)
from nigran.training.reproducible import single_threaded

Log = Callable[[str], None]
MIN_COUNT = 3
CONFIG = FastTextConfig(minn=2, maxn=5, word_ngrams=2, bucket=1 << 17, min_count=MIN_COUNT)
C_GRID = (1.0, 3.0, 10.0)
FEATURE_SCALE = 100.0
WRITTEN_WEIGHT_GRID = (20.0, 50.0, 100.0, 200.0)
NOISE_CONFIDENCE = 0.9
MAX_FALSE_MIX = 0.05


def _fit(x: sp.csr_matrix, y: NDArray[np.int64], weight: NDArray[np.float64], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    # fastText's features are means (each about 1/100 here): scaled up for the solver, which
    # converges in a tenth of the iterations; the weights are scaled back so the model reads
    # fastText's own features.
    model.fit(x * FEATURE_SCALE, y, sample_weight=weight)
    model.coef_ *= FEATURE_SCALE
    return model


@dataclass
class _Rows:
    """Training lines with their label and whether a person wrote them for Nigran."""

    lines: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    written: list[bool] = field(default_factory=list)

    def add(self, texts: Sequence[str], label: str, *, written: bool) -> None:
        self.lines += [latin_text(t) for t in texts]
        self.labels += [LD.LATIN_LABELS.index(label)] * len(texts)
        self.written += [written] * len(texts)

    def y(self) -> NDArray[np.int64]:
        return np.asarray(self.labels, dtype=np.int64)

    def weights(self, written_weight: float) -> NDArray[np.float64]:
        """Dataset rows: Roman Urdu and English weigh the same in all. Written rows: each counts
        ``written_weight`` dataset rows (chosen on validation)."""
        y, w = self.y(), np.asarray(self.written)
        out = np.full(len(y), written_weight)
        for k in (0, 1):
            rows = (y == k) & ~w
            out[rows] = (~w & (y < 2)).sum() / (2 * max(1, int(rows.sum())))
        return out

    def subset(self, keep: NDArray[np.bool_]) -> _Rows:
        return _Rows(
            [x for x, k in zip(self.lines, keep, strict=True) if k],
            [x for x, k in zip(self.labels, keep, strict=True) if k],
            [x for x, k in zip(self.written, keep, strict=True) if k],
        )


def _noisy_rows(x: sp.csr_matrix, rows: _Rows, log: Log) -> NDArray[np.bool_]:
    """Dataset rows of Roman Urdu or English whose out-of-fold two-class model gives the
    *other* label at least ``NOISE_CONFIDENCE``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    y = rows.y()
    main = np.flatnonzero((y < 2) & ~np.asarray(rows.written))
    xm, ym = x[main], y[main]
    p_en = np.zeros(len(main))
    folds = StratifiedKFold(3, shuffle=True, random_state=LD.SEED)
    for fit_idx, out_idx in folds.split(xm, ym):
        m = LogisticRegression(C=10.0, max_iter=5000, class_weight="balanced")
        m.fit(xm[fit_idx] * FEATURE_SCALE, ym[fit_idx])
        p_en[out_idx] = m.predict_proba(xm[out_idx] * FEATURE_SCALE)[:, 1]
    noisy = np.zeros(len(y), dtype=bool)
    noisy[main] = np.where(ym == 0, p_en >= NOISE_CONFIDENCE, p_en <= 1 - NOISE_CONFIDENCE)
    for k, label in enumerate(LD.LATIN_LABELS[:2]):
        n = int((y[main] == k).sum())
        log(f"label noise: {int(noisy[y == k].sum())} of {n} {label} dataset rows dropped")
    return noisy


def _accuracy(model: Any, feats: FastTextFeatures, sample: LD.Sample) -> float:
    x = _features(feats, [latin_text(t) for t in sample.texts])
    pred = model.predict(x)
    want = LD.LATIN_LABELS.index(sample.language)
    return float(np.mean(pred == want))


def _selection_score(accs: Sequence[tuple[LD.Sample, float]]) -> float:
    """Mean over the three labels of each label's mean accuracy over its samples."""
    per: dict[str, list[float]] = {}
    for sample, acc in accs:
        per.setdefault(sample.language, []).append(acc)
    return float(np.mean([np.mean(v) for v in per.values()]))


def word_probabilities(model: Any, vocab: Sequence[str]) -> NDArray[np.float64]:
    """The head's label probabilities for each word read alone."""
    feats = FastTextFeatures(CONFIG, [EOS, *vocab])
    out: NDArray[np.float64] = model.predict_proba(_features(feats, list(vocab)))
    return out


@dataclass(frozen=True, slots=True)
class CodeMixRule:
    """A line is code-mixed when at least ``min_words`` words the head reads as Roman Urdu (alone,
    probability >= ``word_confidence``) and as many English ones each make ``min_share`` of the
    two."""

    word_confidence: float
    min_words: int
    min_share: float

    def words(self, vocab: Sequence[str], probs: NDArray[np.float64]) -> dict[str, list[str]]:
        return {
            label: sorted(
                w for w, p in zip(vocab, probs[:, k], strict=True) if p >= self.word_confidence
            )
            for k, label in enumerate(LD.LATIN_LABELS[:2])
        }


def _mixed(line: str, ur: frozenset[str], en: frozenset[str], rule: CodeMixRule) -> bool:
    words = line.split(" ")
    n_ur = sum(w in ur for w in words)
    n_en = sum(w in en for w in words)
    low = min(n_ur, n_en)
    return low >= rule.min_words and low >= rule.min_share * (n_ur + n_en)


def tune_codemix(
    model: Any, vocab: Sequence[str], validation: Sequence[LD.Sample], log: Log
) -> CodeMixRule:
    """Chosen on validation text: the rule that flags most lines made of the first half of a
    Roman Urdu line and the second half of an English one (clause-level switching, the common
    kind) while flagging at most ``MAX_FALSE_MIX`` of one-language lines (an upper bound on
    false flags: RUHSOLD's own lines often carry English words)."""
    probs = word_probabilities(model, vocab)
    ur_lines = [latin_text(t) for s in validation if s.language == "ur-Latn" for t in s.texts]
    en_lines = [latin_text(t) for s in validation if s.language == "en" for t in s.texts]
    rng = np.random.default_rng(LD.SEED)
    mixes = []
    for a in ur_lines:
        b = en_lines[int(rng.integers(len(en_lines)))]
        wa, wb = a.split(), b.split()
        mixes.append(" ".join(wa[: max(1, len(wa) // 2)] + wb[len(wb) // 2 :]))
    pure = ur_lines + en_lines
    best: tuple[float, CodeMixRule] | None = None
    for conf in (0.8, 0.9, 0.97):
        for k in (1, 2, 3):
            for share in (0.15, 0.25, 0.35):
                rule = CodeMixRule(conf, k, share)
                words = rule.words(vocab, probs)
                ur, en = frozenset(words["ur-Latn"]), frozenset(words["en"])
                hit = float(np.mean([_mixed(t, ur, en, rule) for t in mixes]))
                false = float(np.mean([_mixed(t, ur, en, rule) for t in pure]))
                score = hit if false <= MAX_FALSE_MIX else -false
                if best is None or score > best[0] + 1e-9:
                    best = (score, rule)
                log(f"code-mix {rule}: mixes flagged {hit:.3f}, one-language lines {false:.3f}")
    assert best is not None
    log(f"code-mix rule chosen: {best[1]}")
    return best[1]


def _features(feats: FastTextFeatures, lines: Sequence[str]) -> sp.csr_matrix:
    """fastText's mean over a line's features, with ``</s>`` (word 0, on every line) kept in the
    count but given no weight: an always-on feature would act as a second bias that grows as
    lines get shorter, which blunts the single-word probabilities the code-mix lists come from."""
    x = mean_rows(feats.transform(list(lines)))
    keep = np.ones(feats.dims)
    keep[0] = 0.0
    out: sp.csr_matrix = (x @ sp.diags(keep)).tocsr()
    out.eliminate_zeros()
    return out


def train_latin(
    root: Path, log: Log = print
) -> tuple[Any, list[str], FastTextFeatures, dict[str, Any]]:
    """The chosen regression refitted on training + validation text, with its lines,
    vocabulary and a record of every choice."""
    data = LD.latin_data(root)
    rows = _Rows()
    for label in LD.LATIN_LABELS:
        rows.add(data.train[label], label, written=False)
        rows.add(data.written[label], label, written=True)
    feats = FastTextFeatures.fit(CONFIG, rows.lines)
    x = _features(feats, rows.lines)
    log(
        f"latin head: {len(rows.lines)} training lines, {feats.nwords} words, {feats.dims} features"
    )
    keep = ~_noisy_rows(x, rows, log)
    fit_rows, x_fit = rows.subset(keep), x[keep]
    grid: list[dict[str, Any]] = []
    best_model: Any = None
    best_score = -1.0
    for c in C_GRID:
        for w in WRITTEN_WEIGHT_GRID:
            t0 = time.perf_counter()
            model = _fit(x_fit, fit_rows.y(), fit_rows.weights(w), c)
            accs = [(s, _accuracy(model, feats, s)) for s in data.validation]
            score = _selection_score(accs)
            grid.append(
                {
                    "c": c,
                    "written_weight": w,
                    "score": score,
                    "accuracy": {f"{s.language}: {s.source}": a for s, a in accs},
                }
            )
            if score > best_score + 1e-9:
                best_model, best_score = model, score
            log(
                f"C={c:g} written_weight={w:g}: validation score {score:.4f} "
                f"({', '.join(f'{a:.4f}' for _, a in accs)}) [{time.perf_counter() - t0:.0f}s]"
            )
    best = max(grid, key=lambda g: g["score"])
    log(f"chosen: C={best['c']:g}, written_weight={best['written_weight']:g}")
    codemix = tune_codemix(best_model, feats.words[1:], data.validation, log)

    # Refit on everything but the test splits: training plus validation text, noise dropped.
    final = fit_rows
    for s in data.validation:
        final.add(s.texts, s.language, written=s.source.startswith("written"))
    feats = FastTextFeatures.fit(CONFIG, final.lines)
    words = feats.words[1:]
    y = final.y()
    x = _features(feats, final.lines)
    model = _fit(x, y, final.weights(best["written_weight"]), best["c"])
    counts = np.bincount(y, minlength=len(LD.LATIN_LABELS))
    label_counts = [(lb, int(n)) for lb, n in zip(LD.LATIN_LABELS, counts, strict=True)]
    record = {
        "grid": grid,
        "chosen": {"c": best["c"], "written_weight": best["written_weight"]},
        "sources": data.sources,
        "rows": dict(label_counts),
        "codemix": {
            **codemix.words(words, word_probabilities(model, words)),
            "rule": asdict(codemix),
        },
        "args": CONFIG.as_dict(),
    }
    return model, final.lines, feats, record


def tune_arabic_rule(root: Path, log: Log = print) -> ArabicRule:
    """The Urdu/Punjabi rule's weights that maximise mean accuracy over the dev samples (Urdu
    threat train and the written dev sentences of each Arabic-script language)."""
    samples = LD.arabic_dev(root)
    best: tuple[float, ArabicRule] | None = None
    for weight in (0.5, 1.0, 1.5, 2.0, 3.0):
        for prior in (0.0, 0.35, 0.7, 1.0, 1.5, 2.0):
            rule = ArabicRule(word_weight=weight, urdu_prior=prior)
            ident = LanguageIdentifier(load=False, rule=rule)
            accs = [
                float(np.mean([r.language == s.language for r in ident.identify_batch(s.texts)]))
                for s in samples
            ]
            score = float(np.mean(accs))
            if best is None or score > best[0] + 1e-9:
                best = (score, rule)
            log(
                f"arabic rule weight={weight:g} prior={prior:g}: mean {score:.4f} ("
                + ", ".join(f"{s.language} {a:.3f}" for s, a in zip(samples, accs, strict=True))
                + ")"
            )
    assert best is not None
    log(f"arabic rule chosen: {best[1]}")
    return best[1]


@single_threaded
def train_langid(data: Path | None = None, out: Path | None = None, *, log: Log = print) -> Path:
    """Train and write the Latin head (``langid_latn.bin`` + ``.json``); returns the ``.bin``."""
    from nigran.training import datasets as D

    root = D.data_dir(data)
    t0 = time.perf_counter()
    model, texts, feats, record = train_latin(root, log)
    rule = tune_arabic_rule(root, log)
    path = out or latin_model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_softmax_model(path, feats, model.coef_, model.intercept_, list(LD.LATIN_LABELS))
    digest = _digest(path)
    meta = {
        "version": f"latn-{digest}",
        "labels": list(LD.LATIN_LABELS),
        "seed": LD.SEED,
        "arabic_rule": asdict(rule),
        **record,
    }
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    _check_written(path, model, texts, feats)
    log(
        f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) and {path.with_suffix('.json').name},"
        f" version {meta['version']}, in {time.perf_counter() - t0:.0f}s"
    )
    return path


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _check_written(path: Path, model: Any, texts: list[str], feats: FastTextFeatures) -> None:
    """The ``.bin`` read back by fastText must score like the regression it was written from."""
    head = LatinHead(path)
    sample = [t for t in texts[:: max(1, len(texts) // 500)] if t]
    want = model.predict_proba(_features(feats, sample))
    worst = 0.0
    for line, row in zip(sample, want, strict=True):
        got = head.predict(line)
        worst = max(
            worst,
            max(abs(got.get(lb, 0.0) - p) for lb, p in zip(LD.LATIN_LABELS, row, strict=True)),
        )
    if not math.isfinite(worst) or worst > 1e-3:
        raise RuntimeError(f"{path} scores differ from the trained model by {worst:.2g}")
