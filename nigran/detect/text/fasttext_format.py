"""fastText's supervised model file, written from weights trained here.

Why write the file ourselves? ``fasttext-predict`` (already a dependency, for lid.176) runs a
fastText model in C++ in a few microseconds, but it cannot train one, and the ``fasttext`` package
that can installs the same ``fasttext`` module over it. So the Latin-script language head is a
logistic regression over exactly the features fastText computes for a line (word ids, hashed
character n-grams, hashed word n-grams: :class:`FastTextFeatures` reproduces ``Dictionary::getLine``
byte for byte), and :func:`write_model` lays its weights out as a fastText ``.bin`` (format
version 12) that ``fasttext.load_model`` reads. fastText's prediction is
``softmax(O · mean(A[f] for f in features))``; with ``A = [W | 1]`` and ``O = [I | b]`` that is
the regression's ``softmax(W · x + b)`` for ``x`` the features' counts divided by their number.
The tests compare the two on real text.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

MAGIC = 793712314
VERSION = 12
EOS = "</s>"
LABEL_PREFIX = "__label__"
_LOSS_SOFTMAX = 3
_MODEL_SUPERVISED = 3
_U64 = (1 << 64) - 1


def fnv1a(data: bytes) -> int:
    """fastText's 32-bit FNV-1a, which xors each byte *sign-extended* (it was compiled with a
    signed ``char``, and every released model depends on that)."""
    h = 2166136261
    for b in data:
        h = ((h ^ (b | 0xFFFFFF00 if b & 0x80 else b)) * 16777619) & 0xFFFFFFFF
    return h


def _as_int32_u64(h: int) -> int:
    """A uint32 stored in an ``int32_t`` vector and read back into a ``uint64_t``."""
    return h | 0xFFFFFFFF00000000 if h & 0x80000000 else h


@dataclass(frozen=True, slots=True)
class FastTextArgs:
    minn: int = 2
    maxn: int = 5
    word_ngrams: int = 2
    bucket: int = 1 << 17


class FastTextFeatures:
    """The feature ids fastText's ``getLine`` gives one line of space-separated tokens."""

    def __init__(self, words: Sequence[str], args: FastTextArgs) -> None:
        self.words = list(words)
        self.args = args
        self.nwords = len(self.words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._subwords: dict[str, tuple[int, ...]] = {}

    @property
    def dims(self) -> int:
        return self.nwords + self.args.bucket

    def char_ngrams(self, token: str) -> tuple[int, ...]:
        """``computeSubwords`` on ``<token>``: n-grams of ``minn..maxn`` characters (counted as
        UTF-8 sequences), except the lone ``<`` and ``>``; ids offset by the vocabulary size."""
        hit = self._subwords.get(token)
        if hit is not None:
            return hit
        a = self.args
        data = ("<" + token + ">").encode("utf-8", "surrogatepass")
        starts = [i for i, b in enumerate(data) if b & 0xC0 != 0x80] + [len(data)]
        out: list[int] = []
        for k in range(len(starts) - 1):
            for n in range(1, a.maxn + 1):
                if k + n >= len(starts):
                    break
                end = starts[k + n]
                if n >= a.minn and not (n == 1 and (k == 0 or end == len(data))):
                    out.append(self.nwords + fnv1a(data[starts[k] : end]) % a.bucket)
        res = tuple(out)
        if len(self._subwords) < 500_000:
            self._subwords[token] = res
        return res

    def ids(self, line: str) -> list[int]:
        """Feature ids (with repeats) of ``line`` as fastText reads it followed by a newline."""
        tokens = [t for t in line.split(" ") if t]
        tokens.append(EOS)
        out: list[int] = []
        hashes: list[int] = []
        for tok in tokens:
            wid = self.index.get(tok, -1)
            if wid >= 0:
                out.append(wid)
            if tok != EOS:
                out.extend(self.char_ngrams(tok))
            hashes.append(_as_int32_u64(fnv1a(tok.encode("utf-8", "surrogatepass"))))
        n, bucket = self.args.word_ngrams, self.args.bucket
        for i in range(len(hashes)):
            h = hashes[i]
            for j in range(i + 1, min(len(hashes), i + n)):
                h = (h * 116049371 + hashes[j]) & _U64
                out.append(self.nwords + h % bucket)
        return out

    def matrix(self, lines: Iterable[str]) -> sp.csr_matrix:
        """Rows of feature counts divided by the row's number of features: fastText's mean."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for line in lines:
            ids = self.ids(line)
            indices.extend(ids)
            data.extend([1.0 / len(ids)] * len(ids) if ids else [])
            indptr.append(len(indices))
        x = sp.csr_matrix(
            (np.asarray(data), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(indptr) - 1, self.dims),
        )
        x.sum_duplicates()
        return x


def vocabulary(lines: Iterable[str], min_count: int) -> list[tuple[str, int]]:
    """Tokens seen at least ``min_count`` times, most frequent first (fastText's own order)."""
    counts: dict[str, int] = {}
    for line in lines:
        for tok in line.split(" "):
            if tok:
                counts[tok] = counts.get(tok, 0) + 1
    kept = [(w, n) for w, n in counts.items() if n >= min_count]
    return sorted(kept, key=lambda wn: (-wn[1], wn[0]))


def write_model(
    path: Path,
    words: Sequence[tuple[str, int]],
    labels: Sequence[tuple[str, int]],
    weights: NDArray[np.float64],
    bias: NDArray[np.float64],
    args: FastTextArgs,
) -> None:
    """A fastText ``.bin``: ``weights`` is ``(labels, nwords + bucket)``, ``bias`` ``(labels,)``;
    label names without the ``__label__`` prefix, each with its training count."""
    nlab = len(labels)
    rows = len(words) + args.bucket
    if weights.shape != (nlab, rows) or bias.shape != (nlab,):
        raise ValueError(f"weights {weights.shape} / bias {bias.shape} do not fit {nlab}x{rows}")
    dim = nlab + 1
    ntokens = sum(n for _, n in words)
    with path.open("wb") as fh:
        fh.write(struct.pack("<ii", MAGIC, VERSION))
        # Args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate t
        fh.write(
            struct.pack(
                "<12id",
                dim,
                5,
                1,
                1,
                5,
                args.word_ngrams,
                _LOSS_SOFTMAX,
                _MODEL_SUPERVISED,
                args.bucket,
                args.minn,
                args.maxn,
                100,
                1e-4,
            )
        )
        entries = [(w, n, 0) for w, n in words] + [(LABEL_PREFIX + lb, n, 1) for lb, n in labels]
        # size, nwords, nlabels, ntokens, pruneidx_size (-1: nothing pruned)
        fh.write(struct.pack("<iiiqq", len(entries), len(words), nlab, ntokens, -1))
        for word, count, kind in entries:
            fh.write(word.encode("utf-8") + b"\0" + struct.pack("<qb", count, kind))
        a = np.ones((rows, dim), dtype="<f4")
        a[:, :nlab] = weights.T
        fh.write(struct.pack("<?qq", False, rows, dim))
        fh.write(a.tobytes())
        o = np.zeros((nlab, dim), dtype="<f4")
        o[:, :nlab] = np.eye(nlab)
        o[:, nlab] = bias
        fh.write(struct.pack("<?qq", False, nlab, dim))
        fh.write(o.tobytes())
