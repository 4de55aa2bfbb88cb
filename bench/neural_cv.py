"""Issue #3: do small neural text models trained on CPU beat the shipped linear heads, alone or
averaged with them? Cross-validated on training rows only; no test split is ever read.

Needs torch (CPU), which Nigran does not depend on: run it from a separate virtual environment
that has torch, numpy, scipy, scikit-learn, orjson and pydantic, with this checkout on the path::

    export OMP_NUM_THREADS=1 PYTHONPATH=.
    python -m bench.neural_cv cv ruhsold1 [--models linear,cnn,bag] [--seeds 20201116,1]
    python -m bench.neural_cv report            # every saved out-of-fold run, side by side
    python -m bench.neural_cv speed             # inference µs per text, one thread

Datasets: ``ruhsold1`` (task 1 train + validation pooled), ``ruhsold2`` (task 2 train, five-way),
``threat`` (Urdu threat train), ``olid`` (OLID A train). Per fold seed, five stratified folds:

- ``linear``: the production head (``linear.train_head``, the recipe grid ``train.py`` uses for
  that head; for task 2 the five one-vs-rest heads), its calibrated out-of-fold probabilities.
  Its recipe is selected on the same folds it is scored on, which flatters it slightly.
- ``cnn``: a character CNN over ``classifiers.model_input`` (embedding 32, widths 2-5 with 64
  filters each, max-pool, dropout 0.5), Adam, epochs by early stopping on 10% of the training fold.
- ``bag``: fastText-style mean of learned 64-d embeddings of the family's own fastText feature ids
  (words, char n-grams, word bigrams: the linear heads' inputs), dropout, a softmax layer.
- ``bagpre`` / ``bagpre3``: ``bag`` whose embeddings start from fastText-style CBOW pretraining
  (``pretrain_bag``) on the task's training texts plus, for OLID, Davidson and, for Urdu threat,
  the Urdu abusive set (labels unused; the held-out fold's texts are among them, which flatters
  it slightly); ``bagpre3`` averages three such models' logits.

Scores are the protocol ``train.py`` uses: Platt-calibrated out-of-fold probabilities, the
macro-F1 at the out-of-fold best threshold (task 2: argmax after ``linear.argmax_offsets``). The
ensemble ``linear+cnn`` averages the two calibrated probabilities, with no weight tuned;
``best-w`` rows pick the neural weight (0.1-0.5) on the rows they score, an upper bound only.
Neural hyper-parameters were fixed before any run, not searched. Out-of-fold arrays are saved
under ``--out`` (default ``/tmp/neural_cv``) so ``report`` can combine them without retraining.

Results (2026-11-29, fold seeds 20201116 and 1, mean macro-F1; one thread):

    set       linear  cnn     bag     bagpre  lin+cnn lin+bag lin+bagpre best-w upper bound
    ruhsold1  0.8943  0.8589  0.8666  0.8684  0.8876  0.8889  0.8901     0.8951 (+0.08 pt)
    ruhsold2  0.7407  0.6760  0.6809  0.6824  0.7291  0.7221  0.7204     0.7409 (+0.02 pt)
    threat    0.7387  0.6842  0.7209  0.7330  0.7324  0.7351  0.7402     0.7403 (+0.16 pt)
    olid      0.7408  0.6912  0.7128  0.7168  0.7334  0.7335  0.7358     0.7415 (+0.07 pt)

Every neural model alone loses by 0.6-6.5 points, every fixed-weight ensemble loses or ties, and
even the weight picked on the scored rows gains under 0.4 points: a tie, so the linear heads stay
and no test split was read (a candidate that won would be trained on all training rows by
``nigran train`` and scored once by ``nigran eval``, as the linear heads are).
``bagpre3`` (three seeds) moved neural-alone by at most 0.39 points and its ensembles by at most
0.05. Inference, one thread, torch
eager, ``model_input`` included: cnn ~310 µs/text single, ~580 batched (256, unsorted padding);
bag 87-99 µs single, 47-66 batched, mostly Python featurisation (a bag model is a fastText
supervised model, so the C++ predictor could serve it). Training per five-fold seed: linear
4-37 s, cnn 30-250 s, bag 13-47 s, CBOW pretraining 8-64 s once per set.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from nigran.detect.text import classifiers as C  # noqa: E402
from nigran.detect.text.heads import sigmoid  # noqa: E402
from nigran.training import datasets as D  # noqa: E402
from nigran.training import train as T  # noqa: E402
from nigran.training.linear import DEFAULT_RECIPES, argmax_offsets, train_head  # noqa: E402
from nigran.training.nblr import best_threshold, macro_f1_at, platt  # noqa: E402

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
DATASETS = ("ruhsold1", "ruhsold2", "threat", "olid")
FOLDS = 5
WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5)
"""Neural weights scanned for the ensemble upper bound in ``report``."""


@dataclass
class Task:
    name: str
    family: str
    texts: list[str]
    y: IntArray
    classes: int
    features: Any  # FastTextFeatures of the family, as the linear heads use
    recipes: tuple[Any, ...]


def load_task(name: str, corpus: T.Corpus) -> Task:
    families = {d.family: d for d in T.family_specs(corpus)}
    if name == "ruhsold1":
        r1 = corpus.ruhsold1.splits
        texts = r1["train"].texts + r1["validation"].texts
        labels = r1["train"].labels + r1["validation"].labels
        return Task(
            name, "ur-Latn", texts, _y(labels), 2, families["ur-Latn"].features, DEFAULT_RECIPES
        )
    if name == "ruhsold2":
        tr = corpus.ruhsold2.splits["train"]
        return Task(
            name,
            "ur-Latn",
            tr.texts,
            _y(tr.labels),
            5,
            families["ur-Latn"].features,
            T.FAST_RECIPES,
        )
    if name == "threat":
        tr = corpus.threat.splits["train"]
        return Task(
            name, "ur", tr.texts, _y(tr.labels), 2, families["ur"].features, DEFAULT_RECIPES
        )
    tr = corpus.olid.splits["train"]
    return Task(name, "en", tr.texts, _y(tr.labels), 2, families["en"].features, DEFAULT_RECIPES)


def _y(labels: list[int]) -> IntArray:
    return np.asarray(labels, dtype=np.int64)


def folds_of(y: IntArray, seed: int) -> list[tuple[IntArray, IntArray]]:
    kf = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    return list(kf.split(np.zeros(len(y)), y))


# -- scoring ---------------------------------------------------------------------------------


def score(y: IntArray, p: Array) -> float:
    """Binary: macro-F1 at the best threshold; five-way: macro-F1 after argmax offsets (both
    fitted on the same out-of-fold rows, for every model alike)."""
    if p.ndim == 1:
        return macro_f1_at(y, p, best_threshold(y, p))
    off = argmax_offsets(y, p)
    return float(f1_score(y, (p + off).argmax(axis=1), average="macro"))


def calibrate(logits: Array, y: IntArray) -> tuple[Array, Any]:
    """Binary: Platt on the logit margin; five-way: softmax (the model's own probabilities)."""
    if logits.shape[1] == 2:
        m = logits[:, 1] - logits[:, 0]
        a, b = platt(m, y)
        return sigmoid(a * m + b), (a, b)
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True), None


def apply_calibration(logits: Array, cal: Any) -> Array:
    if cal is None:
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        out: Array = e / e.sum(axis=1, keepdims=True)
        return out
    a, b = cal
    return sigmoid(a * (logits[:, 1] - logits[:, 0]) + b)


# -- linear ----------------------------------------------------------------------------------


def linear_oof(task: Task, seed: int) -> Array:
    x = task.features.transform([C.model_input(t) for t in task.texts])
    if task.classes == 2:
        head = train_head(x, task.y, recipes=task.recipes, folds=FOLDS, seed=seed)
        assert head.oof is not None
        return head.oof
    cols = []
    for c in range(task.classes):
        head = train_head(
            x, (task.y == c).astype(np.int64), recipes=task.recipes, folds=FOLDS, seed=seed
        )
        assert head.oof is not None
        cols.append(head.oof)
    return np.stack(cols, axis=1)


# -- neural ----------------------------------------------------------------------------------

MAX_CHARS = 320


def char_vocab(texts: list[str]) -> dict[str, int]:
    counts = Counter(ch for t in texts for ch in t)
    keep = sorted(ch for ch, n in counts.items() if n >= 2)
    return {ch: i + 2 for i, ch in enumerate(keep)}  # 0 pad, 1 unknown


def char_ids(texts: list[str], vocab: dict[str, int]) -> list[list[int]]:
    return [[vocab.get(ch, 1) for ch in t[:MAX_CHARS]] or [1] for t in texts]


def build(kind: str, n_in: int, classes: int) -> Any:
    import torch
    from torch import nn

    class CharCNN(nn.Module):  # type: ignore[misc]  # torch is not installed where mypy runs
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(n_in, 32, padding_idx=0)
            self.convs = nn.ModuleList(nn.Conv1d(32, 64, k, padding=k - 1) for k in (2, 3, 4, 5))
            self.drop = nn.Dropout(0.5)
            self.out = nn.Linear(64 * 4, classes)

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            h = self.emb(ids).transpose(1, 2)
            pooled = []
            for conv in self.convs:
                c = torch.relu(conv(h))[:, :, : ids.shape[1]]
                c = c.masked_fill(~mask[:, None, :], 0.0)
                pooled.append(c.max(dim=2).values)
            return self.out(self.drop(torch.cat(pooled, dim=1)))

    class Bag(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.EmbeddingBag(n_in, 64, mode="mean", sparse=True)
            self.drop = nn.Dropout(0.3)
            self.out = nn.Linear(64, classes)

        def forward(self, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
            return self.out(self.drop(self.emb(flat, offsets)))

    return CharCNN() if kind == "cnn" else Bag()  # bag, bagpre


def batches(seqs: list[list[int]], idx: IntArray, size: int, kind: str) -> Any:
    import torch

    for s in range(0, len(idx), size):
        rows = idx[s : s + size]
        if kind == "cnn":
            width = max(len(seqs[i]) for i in rows)
            ids = torch.zeros(len(rows), max(width, 5), dtype=torch.long)
            for j, i in enumerate(rows):
                ids[j, : len(seqs[i])] = torch.tensor(seqs[i])
            yield rows, (ids, ids != 0)
        else:
            lens = [len(seqs[i]) for i in rows]
            flat = torch.tensor([t for i in rows for t in seqs[i]], dtype=torch.long)
            offsets = torch.tensor(np.concatenate([[0], np.cumsum(lens)[:-1]]), dtype=torch.long)
            yield rows, (flat, offsets)


def predict_logits(model: Any, seqs: list[list[int]], idx: IntArray, kind: str) -> Array:
    import torch

    model.eval()
    out = np.zeros((len(idx), model.out.out_features))
    order = idx[np.argsort([len(seqs[i]) for i in idx], kind="stable")]
    where = {int(i): k for k, i in enumerate(idx)}
    with torch.no_grad():
        for rows, inputs in batches(seqs, order, 256, kind):
            z = model(*inputs).double().numpy()
            for r, v in zip(rows, z, strict=True):
                out[where[int(r)]] = v
    return out


def fit_neural(
    kind: str,
    seqs: list[list[int]],
    n_in: int,
    y: IntArray,
    train: IntArray,
    classes: int,
    seed: int,
    max_epochs: int = 12,
    patience: int = 2,
    init: Any = None,
) -> tuple[Any, int]:
    """Train on ``train`` rows, early-stopping on a stratified 10% of them; returns the model
    restored to its best epoch and that epoch's number."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    inner = StratifiedKFold(10, shuffle=True, random_state=seed)
    fit_pos, stop_pos = next(inner.split(np.zeros(len(train)), y[train]))
    fit_idx, stop_idx = train[fit_pos], train[stop_pos]
    model = build(kind, n_in, classes)
    if init is not None:
        with torch.no_grad():
            model.emb.weight.copy_(init)
    if kind != "cnn":
        opts = [
            torch.optim.SparseAdam(list(model.emb.parameters()), lr=5e-3),
            torch.optim.Adam(model.out.parameters(), lr=5e-3),
        ]
    else:
        opts = [torch.optim.Adam(model.parameters(), lr=2e-3)]
    loss_fn = torch.nn.CrossEntropyLoss()
    yt = torch.tensor(y)
    best, best_state, best_epoch, bad = np.inf, None, 0, 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        # Shuffle, then sort within chunks by length so padding stays small.
        perm = rng.permutation(fit_idx)
        chunks = [perm[i : i + 64 * 20] for i in range(0, len(perm), 64 * 20)]
        perm = np.concatenate([c[np.argsort([len(seqs[i]) for i in c])] for c in chunks])
        groups = [perm[i : i + 64] for i in range(0, len(perm), 64)]
        rng.shuffle(groups)
        for g in groups:
            for _, inputs in batches(seqs, g, 64, kind):
                for o in opts:
                    o.zero_grad()
                loss = loss_fn(model(*inputs), yt[g])
                loss.backward()
                for o in opts:
                    o.step()
        z = torch.tensor(predict_logits(model, seqs, stop_idx, kind))
        val = float(loss_fn(z, yt[stop_idx]))
        if val < best - 1e-4:
            best, best_epoch, bad = val, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad >= patience:
                break
    assert best_state is not None
    model.load_state_dict(best_state)
    return model, best_epoch


def neural_inputs(kind: str, task: Task, lines: list[str], train: IntArray) -> tuple[Any, int]:
    """Sequences for every line and the input size; the char vocabulary comes from ``train``."""
    if kind == "cnn":
        vocab = char_vocab([lines[i] for i in train])
        return char_ids(lines, vocab), len(vocab) + 2
    return [task.features.ids(t) or [0] for t in lines], task.features.dims


def unlabelled_texts(name: str, corpus: T.Corpus) -> list[str]:
    """Training texts for pretraining (never a test split): the task's own training rows, plus
    the family's other unsplit set where it has one (Davidson for English, Urdu abusive for Urdu).
    RUHSOLD's two tasks keep to their own rows: each task's training texts hold the other's test."""
    task = load_task(name, corpus)
    extra = {
        "olid": corpus.davidson.splits["all"].texts,
        "threat": corpus.abusive.splits["all"].texts,
    }.get(name, [])
    return list(dict.fromkeys(task.texts + extra))


def pretrain_bag(features: Any, texts: list[str], seed: int, dim: int = 64, epochs: int = 3) -> Any:
    """fastText CBOW with negative sampling over the family's own feature ids: the mean of the
    subword/word ids of the two tokens either side predicts the middle word (a vocabulary word).
    Returns the input embedding matrix (``features.dims`` x ``dim``)."""
    import torch
    from torch import nn

    from nigran.detect.text.fasttext_line import EOS, tokens

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    lines = [[t for t in tokens(C.model_input(x)) if t != EOS] for x in texts]
    features._prepare(t for toks in lines for t in toks)
    ctx_flat: list[int] = []
    ctx_len: list[int] = []
    target: list[int] = []
    for toks in lines:
        subs = [features._sub[t][1] for t in toks]
        for i, t in enumerate(toks):
            w = features.word_id.get(t, 0)
            if w <= 0:
                continue
            ctx = [
                g for j in range(max(0, i - 2), min(len(toks), i + 3)) if j != i for g in subs[j]
            ]
            if not ctx:
                continue
            ctx_flat.extend(ctx)
            ctx_len.append(len(ctx))
            target.append(w)
    counts = np.bincount(target, minlength=features.nwords).astype(np.float64) ** 0.75
    noise = torch.tensor(counts / counts.sum())
    starts = np.concatenate([[0], np.cumsum(ctx_len)[:-1]])
    flat_all = torch.tensor(ctx_flat, dtype=torch.long)
    inp = nn.EmbeddingBag(features.dims, dim, mode="mean", sparse=True)
    nn.init.uniform_(inp.weight, -1.0 / dim, 1.0 / dim)
    out = nn.Embedding(features.nwords, dim, sparse=True)
    nn.init.zeros_(out.weight)
    opt = torch.optim.SparseAdam([inp.weight, out.weight], lr=5e-3)
    tgt = torch.tensor(target, dtype=torch.long)
    for _ in range(epochs):
        order = rng.permutation(len(target))
        for s in range(0, len(target), 1024):
            idx = order[s : s + 1024]
            pieces = [flat_all[starts[i] : starts[i] + ctx_len[i]] for i in idx]
            offsets = torch.tensor(np.concatenate([[0], np.cumsum([len(p) for p in pieces])[:-1]]))
            h = inp(torch.cat(pieces), offsets)
            pos = out(tgt[idx])
            neg = out(torch.multinomial(noise, len(idx) * 5, replacement=True).view(len(idx), 5))
            lp = nn.functional.logsigmoid((h * pos).sum(1))
            ln = nn.functional.logsigmoid(-(neg @ h[:, :, None]).squeeze(2)).sum(1)
            loss = -(lp + ln).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return inp.weight.detach().clone()


def neural_oof(kind: str, task: Task, seed: int, init: Any = None, log: Any = print) -> Array:
    lines = [C.model_input(t) for t in task.texts]
    logits = np.zeros((len(lines), task.classes))
    for k, (tr, te) in enumerate(folds_of(task.y, seed)):
        t0 = time.perf_counter()
        seqs, n_in = neural_inputs(kind, task, lines, tr)
        # ``bagpre3``: the mean logits of three bagpre models that differ only in torch's seed.
        for r in range(3 if kind == "bagpre3" else 1):
            model, epoch = fit_neural(
                kind, seqs, n_in, task.y, tr, task.classes, seed + k + 1000 * r, init=init
            )
            logits[te] += predict_logits(model, seqs, te, kind) / (3 if kind == "bagpre3" else 1)
        log(f"  {kind} fold {k}: best epoch {epoch}, {time.perf_counter() - t0:.0f}s")
    return logits


# -- commands --------------------------------------------------------------------------------


def cmd_cv(args: argparse.Namespace) -> None:
    corpus = T.Corpus.load(D.data_dir(args.data))
    task = load_task(args.dataset, corpus)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for seed in (int(s) for s in args.seeds.split(",")):
        for kind in args.models.split(","):
            path = out / f"{task.name}-{kind}-{seed}.npy"
            if path.exists():
                continue
            t0 = time.perf_counter()
            if kind == "linear":
                arr = linear_oof(task, seed)
                f1 = score(task.y, arr)
            else:
                init = pretrained(task, corpus, out) if kind.startswith("bagpre") else None
                arr = neural_oof(kind, task, seed, init)
                f1 = score(task.y, calibrate(arr, task.y)[0])
            np.save(path, arr)
            print(
                f"{task.name} seed {seed} {kind}: {f1:.4f} ({time.perf_counter() - t0:.0f}s)",
                flush=True,
            )


def pretrained(task: Task, corpus: T.Corpus, out: Path) -> Any:
    """The task's CBOW-pretrained input embeddings, computed once and cached under ``out``."""
    import torch

    path = out / f"{task.name}-pretrained.pt"
    if not path.exists():
        t0 = time.perf_counter()
        texts = unlabelled_texts(task.name, corpus)
        torch.save(pretrain_bag(task.features, texts, T.SEED), path)
        print(f"pretrained on {len(texts)} texts in {time.perf_counter() - t0:.0f}s", flush=True)
    return torch.load(path)


def _probs(task: Task, kind: str, arr: Array) -> Array:
    return arr if kind == "linear" else calibrate(arr, task.y)[0]


def cmd_report(args: argparse.Namespace) -> None:
    corpus = T.Corpus.load(D.data_dir(args.data))
    out = Path(args.out)
    for name in DATASETS:
        runs = sorted(out.glob(f"{name}-*.npy"))
        if not runs:
            continue
        task = load_task(name, corpus)
        by: dict[int, dict[str, Array]] = {}
        for p in runs:
            _, kind, seed = p.stem.split("-")
            by.setdefault(int(seed), {})[kind] = _probs(task, kind, np.load(p))
        rows: dict[str, list[float]] = {}
        for _seed, got in sorted(by.items()):
            combos: dict[str, Array | list[float]] = dict(got)
            for a in ("cnn", "bag", "bagpre", "bagpre3"):
                if "linear" in got and a in got:
                    combos[f"linear+{a}"] = (got["linear"] + got[a]) / 2
            if all(k in got for k in ("linear", "cnn", "bag")):
                combos["linear+cnn+bag"] = (got["linear"] + got["cnn"] + got["bag"]) / 3
            for a in ("cnn", "bag", "bagpre", "bagpre3"):
                if "linear" in got and a in got:
                    # An upper bound, not a candidate: the weight is picked on the rows it is
                    # scored on.
                    scan = [score(task.y, (1 - w) * got["linear"] + w * got[a]) for w in WEIGHTS]
                    combos[f"best-w linear+{a}"] = scan
            for k, probs in combos.items():
                if isinstance(probs, list):
                    best = int(np.argmax(probs))
                    rows.setdefault(k, []).append(probs[best])
                    rows.setdefault(f"  (its weight, {k.split('+')[1]})", []).append(WEIGHTS[best])
                    continue
                rows.setdefault(k, []).append(score(task.y, probs))
        print(f"{name} (seeds {sorted(by)})")
        for k, v in rows.items():
            print(f"  {k:16s} " + " ".join(f"{s:.4f}" for s in v) + f"  mean {np.mean(v):.4f}")


def cmd_speed(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(1)
    corpus = T.Corpus.load(D.data_dir(args.data))
    for name in ("ruhsold1", "olid"):
        task = load_task(name, corpus)
        texts = task.texts[:2000]
        all_idx = np.arange(len(task.texts))
        for kind in ("cnn", "bag"):
            lines = [C.model_input(t) for t in task.texts]
            _, n_in = neural_inputs(kind, task, lines, all_idx)
            vocab = char_vocab(lines) if kind == "cnn" else None
            model = build(kind, n_in, 2).eval()

            def run(
                batch: list[str],
                model: Any = model,
                vocab: Any = vocab,
                kind: str = kind,
                task: Task = task,
            ) -> None:
                ls = [C.model_input(t) for t in batch]
                s = (
                    char_ids(ls, vocab)
                    if kind == "cnn"
                    else [task.features.ids(t) or [0] for t in ls]
                )
                with torch.no_grad():
                    for _, inputs in batches(s, np.arange(len(s)), 256, kind):
                        model(*inputs)

            run(texts[:256])
            t0 = time.perf_counter()
            for i in range(0, len(texts), 256):
                run(texts[i : i + 256])
            batch_us = (time.perf_counter() - t0) / len(texts) * 1e6
            t0 = time.perf_counter()
            for t in texts[:500]:
                run([t])
            single_us = (time.perf_counter() - t0) / 500 * 1e6
            t0 = time.perf_counter()
            for t in texts:
                C.model_input(t)
            norm_us = (time.perf_counter() - t0) / len(texts) * 1e6
            print(
                f"{name} {kind}: batch-256 {batch_us:.0f} µs/text, single {single_us:.0f} "
                f"µs/text (of which model_input {norm_us:.0f} µs), mean "
                f"{np.mean([len(t) for t in lines]):.0f} chars",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default="/tmp/neural_cv")
    sub = ap.add_subparsers(dest="cmd", required=True)
    cv = sub.add_parser("cv")
    cv.add_argument("dataset", choices=DATASETS)
    cv.add_argument("--models", default="linear,cnn,bag")
    cv.add_argument("--seeds", default=f"{T.SEED},1")
    sub.add_parser("report")
    sub.add_parser("speed")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    {"cv": cmd_cv, "report": cmd_report, "speed": cmd_speed}[args.cmd](args)


if __name__ == "__main__":
    main()
