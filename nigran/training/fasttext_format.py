"""Linear heads in fastText's binary format, so the C++ predictor (``fasttext-predict``, already
installed for lid.176) featurises and scores raw strings at run time.

A fastText supervised model averages one input row per feature of a line (the dictionary's
words, the hashed character n-grams of every word wrapped in ``<`` ``>``, and hashed word
n-grams) and multiplies the mean by an output matrix. With ``dim`` equal to the number of heads,
the output matrix the identity and the one-vs-all loss, each label's score is
``sigmoid(mean of that head's column over the line's features)``: exactly a linear model over
count features divided by their number. So the heads are trained here with scikit-learn on
features built by :func:`FastTextFeatures.transform`, a line-for-line port of fastText's
``Dictionary::getLine`` (same FNV-1a hash, byte-level n-grams that skip UTF-8 continuation
bytes, the same 64-bit word n-gram hash), and written with :func:`write_model`. Tests check the
port against the C++ predictor on real text.

fastText's sigmoid is a 512-entry table over [-8, 8]: scores come back on a grid of 1/32 and
clipped at ±8. :func:`raw_scores` undoes the sigmoid and centres each value in its grid cell.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from nigran.detect.text.fasttext_line import EOS, LABEL_PREFIX, tokens

MAGIC = 793712314
VERSION = 12
LOSS_SOFTMAX = 3
LOSS_OVA = 4
MODEL_SUPERVISED = 3
SIGMOID_STEP = 1.0 / 32
SIGMOID_CLIP = 8.0


def fnv1a(data: bytes) -> int:
    """fastText's ``Dictionary::hash``: FNV-1a over bytes read as *signed* chars."""
    h = 2166136261
    for b in data:
        h = ((h ^ (b | 0xFFFFFF00 if b >= 128 else b)) * 16777619) & 0xFFFFFFFF
    return h


def fnv1a_many(items: Sequence[bytes]) -> NDArray[np.uint32]:
    """:func:`fnv1a` of many byte strings, vectorised per byte position."""
    n = len(items)
    out = np.full(n, 2166136261, dtype=np.uint32)
    if not n:
        return out
    lengths = np.fromiter((len(b) for b in items), dtype=np.int64, count=n)
    width = int(lengths.max())
    buf = np.zeros((n, width), dtype=np.uint8)
    flat = np.frombuffer(b"".join(items), dtype=np.uint8)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    buf[rows, cols] = flat
    prime = np.uint32(16777619)
    with np.errstate(over="ignore"):
        for j in range(width):
            live = lengths > j
            b = buf[live, j].astype(np.uint32)
            signed = np.where(b >= 128, b | np.uint32(0xFFFFFF00), b)
            out[live] = (out[live] ^ signed) * prime
    return out


def char_ngrams(word: str, minn: int, maxn: int) -> list[bytes]:
    """``Dictionary::computeSubwords`` of ``<word>``: byte n-grams of ``minn..maxn`` characters
    (a character being a UTF-8 lead byte and its continuation bytes), except a lone ``<`` or
    ``>``."""
    w = ("<" + word + ">").encode("utf-8", "surrogatepass")
    size = len(w)
    out = []
    for i in range(size):
        if (w[i] & 0xC0) == 0x80:
            continue
        j, n = i, 1
        while j < size and n <= maxn:
            j += 1
            while j < size and (w[j] & 0xC0) == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == size)):
                out.append(w[i:j])
            n += 1
    return out


@dataclass(frozen=True, slots=True)
class FastTextConfig:
    minn: int = 2
    maxn: int = 5
    word_ngrams: int = 2
    bucket: int = 1 << 19
    min_count: int = 2
    """Words seen this often in the training text get a row of their own (the unigram)."""

    def as_dict(self) -> dict[str, int]:
        return {
            "minn": self.minn,
            "maxn": self.maxn,
            "word_ngrams": self.word_ngrams,
            "bucket": self.bucket,
            "min_count": self.min_count,
        }


class FastTextFeatures:
    """The feature ids fastText computes for a line, for a fixed word list, as a sparse matrix
    of counts (fastText averages: divide a row by its sum to get what it multiplies)."""

    def __init__(self, config: FastTextConfig, words: Sequence[str]) -> None:
        if not words or words[0] != EOS:
            raise ValueError("the word list must start with </s>")
        self.config = config
        self.words = list(words)
        self.word_id = {w: i for i, w in enumerate(self.words)}
        self.nwords = len(self.words)
        self.dims = self.nwords + config.bucket
        self._sub: dict[str, tuple[int, list[int]]] = {}

    @classmethod
    def fit(cls, config: FastTextConfig, texts: Iterable[str]) -> FastTextFeatures:
        counts = Counter(t for text in texts for t in tokens(text) if t != EOS)
        keep = sorted(
            (w for w, n in counts.items() if n >= config.min_count and not w.startswith("__")),
            key=lambda w: (-counts[w], w),
        )
        return cls(config, [EOS, *keep])

    def _prepare(self, vocab: Iterable[str]) -> None:
        """Word hash and subword ids of every token not seen before, hashed in one pass."""
        new = [t for t in dict.fromkeys(vocab) if t not in self._sub]
        if not new:
            return
        c = self.config
        grams = [char_ngrams(t, c.minn, c.maxn) if t != EOS else [] for t in new]
        unique = list(dict.fromkeys(g for gs in grams for g in gs))
        ids = fnv1a_many(unique) % np.uint32(c.bucket) + np.uint32(self.nwords)
        gid = dict(zip(unique, ids.tolist(), strict=True))
        hashes = fnv1a_many([t.encode("utf-8", "surrogatepass") for t in new]).tolist()
        for t, h, gs in zip(new, hashes, grams, strict=True):
            own = [self.word_id[t]] if t in self.word_id else []
            self._sub[t] = (h, own + [gid[g] for g in gs])

    def ids(self, text: str) -> list[int]:
        """Feature ids of one line, with repeats, in fastText's order."""
        toks = [t for t in tokens(text) if not t.startswith(LABEL_PREFIX)]
        self._prepare(toks)
        out: list[int] = []
        hashes: list[int] = []
        for t in toks:
            h, sub = self._sub[t]
            out.extend(sub)
            hashes.append(h - (1 << 32) if h >= 1 << 31 else h)  # stored as int32
        bucket, mask = self.config.bucket, (1 << 64) - 1
        for i in range(len(hashes)):
            h = hashes[i] & mask
            for j in range(i + 1, min(len(hashes), i + self.config.word_ngrams)):
                h = (h * 116049371 + hashes[j]) & mask
                out.append(self.nwords + h % bucket)
        return out

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows are count vectors over ``dims`` features."""
        self._prepare(t for text in texts for t in tokens(text))
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            for k, v in Counter(self.ids(text)).items():
                indices.append(k)
                data.append(float(v))
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(texts), self.dims),
        )


def write_model(
    path: Path,
    features: FastTextFeatures,
    weights: NDArray[np.floating[Any]],
    labels: Sequence[str],
    *,
    loss: int = LOSS_OVA,
    output: NDArray[np.floating[Any]] | None = None,
) -> None:
    """A fastText ``.bin``: ``weights`` is the ``(features.dims, dim)`` input matrix and
    ``output`` the ``(labels, dim)`` output matrix (default: the identity, one label per
    column)."""
    dims, heads = weights.shape
    out = np.eye(heads) if output is None else output
    if dims != features.dims or out.shape != (len(labels), heads):
        raise ValueError(
            f"input {weights.shape} and output {out.shape} do not fit "
            f"{features.dims} features and {len(labels)} labels"
        )
    c = features.config
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(struct.pack("<ii", MAGIC, VERSION))
        # Args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate t
        args = (heads, 5, 1, 1, 5, c.word_ngrams, loss, MODEL_SUPERVISED, c.bucket)
        fh.write(struct.pack("<12id", *args, c.minn, c.maxn, 100, 1e-4))
        _write_dictionary(fh, features.words, [LABEL_PREFIX + lab for lab in labels])
        fh.write(b"\x00")  # input not quantised
        _write_matrix(fh, weights)
        fh.write(b"\x00")  # output not quantised
        _write_matrix(fh, out)


def _write_dictionary(fh: BinaryIO, words: Sequence[str], labels: Sequence[str]) -> None:
    entries = [(w, 0) for w in words] + [(lab, 1) for lab in labels]
    fh.write(struct.pack("<iiiqq", len(entries), len(words), len(labels), len(words), -1))
    for word, kind in entries:
        fh.write(word.encode("utf-8", "surrogatepass") + b"\x00")
        fh.write(struct.pack("<qb", 1, kind))


def _write_matrix(fh: BinaryIO, m: NDArray[np.floating[Any]]) -> None:
    fh.write(struct.pack("<qq", *m.shape))
    fh.write(np.ascontiguousarray(m, dtype="<f4").tobytes())


def raw_scores(probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """The linear scores behind fastText's table sigmoid (returned as ``p + 1e-5``), each moved
    to the middle of its 1/32 grid cell; clipped scores stay at ±8."""
    p = np.clip(probabilities - 1e-5, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        z = np.log(p) - np.log1p(-p)
    z = np.clip(z, -SIGMOID_CLIP, SIGMOID_CLIP)
    grid = np.round((z + SIGMOID_CLIP) / SIGMOID_STEP) * SIGMOID_STEP - SIGMOID_CLIP
    out: NDArray[np.float64] = np.where(
        np.abs(z) >= SIGMOID_CLIP, z, np.minimum(grid + SIGMOID_STEP / 2, SIGMOID_CLIP)
    )
    return out


def mean_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Each row of counts divided by its sum: the mean of input rows fastText multiplies."""
    sums = np.asarray(x.sum(axis=1)).ravel()
    scale = np.divide(1.0, sums, out=np.zeros_like(sums, dtype=np.float64), where=sums > 0)
    out: sp.csr_matrix = sp.diags(scale) @ x
    return out.tocsr()


def write_softmax_model(
    path: Path,
    features: FastTextFeatures,
    weights: NDArray[np.floating[Any]],
    bias: NDArray[np.floating[Any]],
    labels: Sequence[str],
) -> None:
    """A multinomial logistic regression (``weights`` ``(labels, features.dims)``, ``bias``
    ``(labels,)``, trained on :func:`mean_rows` features) as a softmax fastText model: the
    input matrix is ``[Wᵀ | 1]`` and the output ``[I | b]``, so the mean of a line's rows times
    the output is ``W·x + b`` (every line has a feature: ``</s>`` is word 0)."""
    nlab = len(labels)
    if weights.shape != (nlab, features.dims) or bias.shape != (nlab,):
        raise ValueError(
            f"weights {weights.shape} / bias {bias.shape} do not fit "
            f"{nlab} labels x {features.dims} features"
        )
    a = np.ones((features.dims, nlab + 1))
    a[:, :nlab] = weights.T
    o = np.zeros((nlab, nlab + 1))
    o[:, :nlab] = np.eye(nlab)
    o[:, nlab] = bias
    write_model(path, features, a, labels, loss=LOSS_SOFTMAX, output=o)
