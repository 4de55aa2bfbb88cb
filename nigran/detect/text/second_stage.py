"""The text path's second stage: multilingual-e5-small fine-tuned here on the labelled sources
(:mod:`nigran.training.second_stage`), run by onnxruntime with int8 weights and a vocabulary cut
to the pieces Nigran's languages use.

The linear heads stay the first stage and score every text. A text goes on to the second stage
only where some head it serves is unsure: its first-stage probability lies in that head's band
(``band_lo``–``band_hi``, chosen at training so that at most 15% of a family's validation texts
fall inside). There the two are mixed, ``(1 - w) · first + w · second`` with ``w`` chosen on
validation rows, and the mix is mapped onto the first stage's scale (its own threshold onto the
head's), so one threshold, the head's, still decides and an emitted score stays comparable.

On with ``NIGRAN_TEXT_SECOND_STAGE=on`` (or ``text_second_stage = true`` in the config file);
off by default, since the network costs tens of milliseconds a text it reads on one core
(``python -m bench.text``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nigran.detect.text.encoder import utf8_prefix
from nigran.detect.text.heads import (
    body_version,
    in_bands,
    read_header,
    sigmoid,
    write_header,
)
from nigran.errors import ConfigError

Array = NDArray[np.float64]
HEADER_FILE = "second_stage.json"
FORMAT = "nigran-second-stage/1"
ENV = "NIGRAN_TEXT_SECOND_STAGE"
THREADS_ENV = "NIGRAN_TEXT_SECOND_STAGE_THREADS"
MAX_CHARS = 2000
"""Read at most this many characters (the tokenizer keeps the first 64 pieces anyway)."""
BATCH = 32


@dataclass(frozen=True, slots=True)
class StageHead:
    """One first-stage head the second stage rescores."""

    name: str
    output: int
    """Column of the network's logits."""
    platt_a: float
    platt_b: float
    weight: float
    """The second stage's share of the mixed probability."""
    threshold: float
    """The mixed probability's threshold (validation rows)."""
    linear_threshold: float
    """The first-stage head's threshold the mix is mapped onto."""
    band_lo: float
    band_hi: float
    val_linear_f1: float = 0.0
    val_cascade_f1: float = 0.0
    val_routed: float = 0.0

    def on_first_scale(self, mixed: Array) -> Array:
        """``mixed`` mapped piecewise-linearly so that :attr:`threshold` lands on
        :attr:`linear_threshold` (and 0 on 0, 1 on 1)."""
        t, s = self.threshold, self.linear_threshold
        low = mixed * (s / t) if t > 0 else np.full_like(mixed, s)
        high = s + (mixed - t) * ((1 - s) / (1 - t)) if t < 1 else np.full_like(mixed, s)
        out: Array = np.where(mixed < t, low, high)
        return out


@dataclass
class StageHeader:
    heads: list[StageHead]
    model: str = "second_stage.onnx"
    tokenizer: str = "second_stage_tokenizer.json"
    prefix: str = "query: "
    max_tokens: int = 64
    model_sha256: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return body_version("ss", self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model,
            "tokenizer": self.tokenizer,
            "prefix": self.prefix,
            "max_tokens": self.max_tokens,
            "model_sha256": self.model_sha256,
            "heads": [asdict(h) for h in self.heads],
            "meta": self.meta,
        }

    def save(self, path: Path) -> str:
        return write_header(path, self.as_dict(), self.version)

    @classmethod
    def load(cls, path: Path) -> StageHeader:
        body = read_header(path, "second stage", FORMAT, "`nigran train --only second-stage`")
        try:
            return cls(
                [StageHead(**h) for h in body["heads"]],
                str(body["model"]),
                str(body["tokenizer"]),
                str(body["prefix"]),
                int(body["max_tokens"]),
                str(body.get("model_sha256", "")),
                dict(body.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"second stage {path} is unreadable: {exc!r}") from exc


class SecondStage:
    """The fine-tuned encoder and its heads, applied to first-stage probabilities."""

    def __init__(self, header_path: Path, *, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        self.header = StageHeader.load(header_path)
        self.path = header_path
        folder = header_path.parent
        model = folder / self.header.model
        if not model.is_file():
            raise ConfigError(f"second stage model {model} not found: run `nigran train`")
        blob = model.read_bytes()
        if self.header.model_sha256 and hashlib.sha256(blob).hexdigest() != (
            self.header.model_sha256
        ):
            raise ConfigError(
                f"second stage model {model} is not the one {header_path} was written with"
            )
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / self.header.tokenizer))
        except Exception as exc:  # the tokenizers library raises its own Exception type
            raise ConfigError(
                f"second stage tokenizer {folder / self.header.tokenizer} is unreadable: {exc}"
            ) from exc
        self.tokenizer.enable_truncation(self.header.max_tokens)
        self.session = _session(blob, threads)
        self.by_name = {h.name: h for h in self.header.heads}
        self.version = self.header.version

    @classmethod
    def raw(cls, model: Path, tokenizer_json: dict[str, Any], threads: int = 2) -> SecondStage:
        """Only the network and its tokenizer, for training to calibrate (no heads yet)."""
        from tokenizers import Tokenizer

        self = cls.__new__(cls)
        self.header = StageHeader([], prefix="query: ")
        self.tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
        self.session = _session(model.read_bytes(), threads)
        return self

    def logits(self, texts: Sequence[str]) -> Array:
        """``(n, outputs)`` raw logits."""
        out: Array | None = None
        if not texts:
            return np.zeros((0, 1 + max((h.output for h in self.header.heads), default=0)))
        pfx = self.header.prefix
        encs = self.tokenizer.encode_batch([pfx + utf8_prefix(t, MAX_CHARS) for t in texts])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        for s in range(0, len(order), BATCH):
            idx = order[s : s + BATCH]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                row = encs[i].ids
                ids[r, : len(row)] = row
                mask[r, : len(row)] = 1
            (got,) = self.session.run(["logits"], {"ids": ids, "mask": mask})
            if out is None:
                out = np.zeros((len(texts), got.shape[1]))
            out[idx] = got
        assert out is not None
        return out

    def proba(self, texts: Sequence[str], names: Sequence[str]) -> Array:
        """``(n, len(names))``: each named head's calibrated second-stage probability."""
        z = self.logits(texts)
        heads = [self.by_name[n] for n in names]
        a = np.asarray([h.platt_a for h in heads])
        b = np.asarray([h.platt_b for h in heads])
        return sigmoid(a * z[:, [h.output for h in heads]] + b)

    def routed(
        self, first: Array, names: Sequence[str]
    ) -> tuple[NDArray[np.bool_], list[tuple[int, StageHead]]]:
        """Where the second stage reads (rows × heads ``names``: inside a served head's band),
        and the served heads with their columns."""
        return in_bands(first, names, self.by_name)

    def mix(
        self, first: Array, names: Sequence[str], texts: Sequence[str]
    ) -> tuple[Array, NDArray[np.bool_]]:
        """``first`` (rows = ``texts``, columns = heads ``names``) with the served heads'
        columns mixed with the second stage inside each head's band; and where (True)."""
        inside, cols = self.routed(first, names)
        rows = np.flatnonzero(inside.any(axis=1))
        if not rows.size:
            return first, inside
        second = self.proba([texts[i] for i in rows.tolist()], [h.name for _, h in cols])
        out = first.copy()
        for k, (j, h) in enumerate(cols):
            keep = inside[rows, j]
            r = rows[keep]
            mixed = (1 - h.weight) * first[r, j] + h.weight * second[keep, k]
            out[r, j] = h.on_first_scale(mixed)
        return out, inside


def _session(blob: bytes, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(blob, opts, providers=["CPUExecutionProvider"])


def header_path_beside(classifiers_header: Path) -> Path:
    return classifiers_header.parent / HEADER_FILE


def second_stage_requested() -> bool:
    """``NIGRAN_TEXT_SECOND_STAGE`` / ``text_second_stage`` (default off)."""
    from nigran.config import settings

    return settings().text_second_stage


def load_second_stage(classifiers_header: Path) -> SecondStage | None:
    """The second stage beside ``classifiers.json``, or None where none was trained there;
    loaded once per process (an onnxruntime session takes a fraction of a second)."""
    path = header_path_beside(classifiers_header)
    if not path.is_file():
        return None
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> SecondStage:
    return SecondStage(Path(path), threads=int(os.environ.get(THREADS_ENV, "1")))
