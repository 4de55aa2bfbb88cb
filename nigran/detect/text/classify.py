"""The text classifier detector, and the NB-LR head store that language ID still reads.

:class:`ClassifierDetector` scores each text with the heads of its language family
(``classifiers.py``: fastText-format files run by the C++ predictor). :class:`TextModel` is the
older ``.npz`` store of NB-LR heads over hashed n-grams (``features.py``, ``nblr.py``); it now
holds only the Latin-script language head (``langid/ur-Latn``) and the code-mix word lists that
``langid.py`` reads. ``nigran train`` writes both.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from nigran.detect.text.classifiers import TextClassifiers, model_input
from nigran.detect.text.classifiers import load_default as load_classifiers
from nigran.detect.text.features import FeatureConfig, Featurizer
from nigran.detect.text.nblr import BinaryHead, sigmoid
from nigran.errors import ConfigError
from nigran.model import Content, Evidence, Signal, SignalSource, TextField

MODEL_FILE = "text_heads.npz"


@dataclass(frozen=True, slots=True)
class HeadInfo:
    name: str
    """``family/label``, e.g. ``ur-Latn/offensive``."""
    family: str
    """Language family the head was trained on (``ur-Latn``, ``ur``, ``en``) or ``langid``."""
    category: str
    """Taxonomy category a positive means (``harassment``, ``hate``, ``threat``), or empty for
    heads that only feed others (the language head, RUHSOLD's "normal" class)."""
    target: str = ""
    threshold: float = 0.5
    source: str = ""
    """Dataset it was trained on."""


def default_model_path() -> Path:
    override = os.environ.get("NIGRAN_TEXT_MODEL")
    if override:
        return Path(override)
    return Path(str(resources.files("nigran.detect.text") / "models" / MODEL_FILE))


class TextModel:
    """All heads over one featuriser. Probabilities are calibrated per head."""

    def __init__(
        self,
        heads: Sequence[HeadInfo],
        weights: NDArray[np.float32],
        bias: NDArray[np.float64],
        platt: NDArray[np.float64],
        features: FeatureConfig,
        meta: dict[str, Any] | None = None,
    ) -> None:
        h = len(heads)
        if weights.shape != (features.dims, 2 * h):
            raise ConfigError(
                f"weights have shape {weights.shape}, expected {(features.dims, 2 * h)}"
            )
        self.heads = list(heads)
        self.index = {hd.name: i for i, hd in enumerate(self.heads)}
        self.weights = weights
        self.bias = bias
        self.platt = platt
        self.features = features
        self.featurizer = Featurizer(features)
        self.meta = meta or {}
        self.thresholds = np.array([hd.threshold for hd in self.heads])
        digest = hashlib.sha256(weights.tobytes()[:: max(1, weights.nbytes // 4_000_000)])
        digest.update(json.dumps([asdict(hd) for hd in self.heads], sort_keys=True).encode())
        self.version = str(self.meta.get("version") or f"nblr-{digest.hexdigest()[:12]}")

    @classmethod
    def from_heads(
        cls,
        named: Sequence[tuple[HeadInfo, BinaryHead]],
        features: FeatureConfig,
        meta: dict[str, Any] | None = None,
    ) -> TextModel:
        infos = [HeadInfo(**{**asdict(info), "threshold": head.threshold}) for info, head in named]
        v = np.stack([head.v for _, head in named], axis=1)
        u = np.stack([head.u for _, head in named], axis=1)
        weights = np.concatenate([v, u], axis=1).astype(np.float16).astype(np.float32)
        bias = np.array([head.bias for _, head in named])
        platt = np.array([[head.platt_a, head.platt_b] for _, head in named])
        return cls(infos, weights, bias, platt, features, meta)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "heads": [asdict(h) for h in self.heads],
            "features": self.features.as_dict(),
            "meta": {**self.meta, "version": self.version},
        }
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                weights=self.weights.astype(np.float16),
                bias=self.bias,
                platt=self.platt,
                header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path | None = None) -> TextModel:
        path = path or default_model_path()
        if not path.is_file():
            raise ConfigError(f"text model {path} not found: run `nigran train` to build it")
        try:
            with np.load(path) as z:
                header = json.loads(bytes(z["header"]).decode())
                weights = z["weights"].astype(np.float32)
                bias, platt = z["bias"], z["platt"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"text model {path} is unreadable: {exc}") from exc
        heads = [HeadInfo(**h) for h in header["heads"]]
        return cls(heads, weights, bias, platt, FeatureConfig(**header["features"]), header["meta"])

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.featurizer.transform(texts)

    def proba_x(self, x: sp.csr_matrix) -> NDArray[np.float64]:
        """``(n, heads)`` calibrated probabilities for featurised rows."""
        h = len(self.heads)
        # float32 on both sides: a float64 matrix would make scipy upcast the whole weight
        # matrix (tens of MB) on every call, which cost 8 ms per single text when measured.
        prod = np.asarray(x.astype(np.float32, copy=False) @ self.weights, dtype=np.float64)
        num, den = prod[:, :h], np.sqrt(np.maximum(prod[:, h:], 0.0))
        raw = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) + self.bias
        out: NDArray[np.float64] = sigmoid(self.platt[:, 0] * raw + self.platt[:, 1])
        return out

    def proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if not texts:
            return np.zeros((0, len(self.heads)))
        return self.proba_x(self.transform(texts))

    def head(self, name: str) -> int:
        if name not in self.index:
            raise ConfigError(f"no head {name!r} in text model; heads: {sorted(self.index)}")
        return self.index[name]


@lru_cache(maxsize=4)
def load_default(path: str | None = None) -> TextModel:
    """The shipped model, loaded once per process."""
    return TextModel.load(Path(path) if path else None)


# Arabic-script languages without labelled data of their own are scored by the Urdu heads (they
# share script and much vocabulary); Gurmukhi and Devanagari get no classifier, only lexicon.
FAMILY_OF_LANGUAGE = {
    "ur": "ur",
    "pnb": "ur",
    "sd": "ur",
    "ps": "ur",
    "fa": "ur",
    "ar": "ur",
    "ur-Latn": "ur-Latn",
    "en": "en",
}


class ClassifierDetector:
    """Scores every text field with the heads of its language family; emits one signal per
    category whose calibrated score reaches that head's threshold (chosen on validation data)."""

    name = "text-classifier"

    def __init__(self, classifiers: TextClassifiers | None = None) -> None:
        self.model = classifiers or load_classifiers()
        self.version = self.model.version

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        rows: list[tuple[int, TextField, str]] = [
            (k, field, text)
            for k, item in enumerate(items)
            for field, text in item.texts.items()
            if text.strip()
        ]
        out: list[list[Signal]] = [[] for _ in items]
        if not rows:
            return out
        from nigran.detect.text.langid import guess_languages

        texts = [t for _, _, t in rows]
        # guess_languages remembers recent answers: the pipeline (and the lexicon) asked about
        # these texts already, so language ID runs once per text, not once per detector.
        langs = guess_languages(texts)
        by_family: dict[str, list[int]] = {}
        for r, (k, _, _) in enumerate(rows):
            lang = items[k].language_hint or langs[r]
            family = FAMILY_OF_LANGUAGE.get(lang)
            if family is not None and family in self.model.families:
                by_family.setdefault(family, []).append(r)
        best: dict[tuple[int, str], tuple[float, Signal]] = {}
        for family, members in by_family.items():
            probs = self.model.family_proba(family, [model_input(texts[r]) for r in members])
            columns = self.model.columns(family)
            for row, r in enumerate(members):
                k, field, _ = rows[r]
                lang = items[k].language_hint or langs[r]
                for col, i in enumerate(columns):
                    head = self.model.heads[i]
                    p = float(probs[row, col])
                    if not head.category or p < head.threshold:
                        continue
                    signal = Signal(
                        source=SignalSource.CLASSIFIER,
                        detector=self.name,
                        category=head.category,
                        score=round(p, 4),
                        language=lang,
                        evidence=Evidence(
                            model_version=self.version,
                            details={
                                "head": head.name,
                                "field": str(field),
                                "threshold": round(head.threshold, 4),
                                **({"target": head.target} if head.target else {}),
                            },
                        ),
                    )
                    key = (k, head.category if head.category != "hate" else f"hate:{head.target}")
                    if key not in best or p > best[key][0]:
                        best[key] = (p, signal)
        for (k, _), (_, signal) in sorted(best.items(), key=lambda kv: kv[0]):
            out[k].append(signal)
        return out
