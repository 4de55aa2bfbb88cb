"""The shipped text classifiers: one fastText ``.bin`` per language family, scored by the C++
predictor that ``fasttext-predict`` provides, plus a JSON header with each head's calibration.

Each family's file holds that family's heads (:mod:`nigran.training.linear`) as a fastText
supervised model whose softmax outputs carry, for every head member, the two sums ``x · v`` and
``x · u`` divided by the line's feature count, and ``1 / count`` itself. Softmax is used because
its probabilities are computed with ``exp`` (fastText's one-vs-all sigmoid is a 512-step table),
and a reference label with a zero output row lets each sum be read back exactly as a
log-probability ratio:

    label j:  log p_j - log p_ref = s_j · z_j          (s_j a per-label scale, stored here)

From those, ``raw = z_v / sqrt(z_u · z_n) + b``, the member's Platt scaling, the mean over the
head's members, and the head's threshold. One C++ call per text featurises and scores every head
of its family; the rest is a few NumPy operations per batch. Training writes these files
(:mod:`nigran.training.heads_file`); nothing here needs scikit-learn or SciPy.
"""

from __future__ import annotations

import copy
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from nigran.detect.text.fasttext_line import one_line
from nigran.detect.text.heads import read_header, sigmoid
from nigran.detect.text.normalize import normalize_text
from nigran.errors import ConfigError

if TYPE_CHECKING:
    from nigran.detect.text.encoder import Blend
    from nigran.detect.text.second_stage import SecondStage

HEADER_FILE = "classifiers.json"
FORMAT = "nigran-fasttext-heads/1"
Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class HeadInfo:
    name: str
    """``family/label``, e.g. ``ur-Latn/offensive``."""
    family: str
    """Language family the head was trained on (``ur-Latn``, ``ur``, ``en``)."""
    category: str
    """Taxonomy category a positive means (``harassment``, ``hate``, ``threat``), or empty for
    heads that only serve a multi-class prediction (RUHSOLD's "normal" class…)."""
    target: str = ""
    threshold: float = 0.5
    source: str = ""
    """Dataset it was trained on."""
    offset: float = 0.0
    """Added to this head's probability where it competes in an argmax with its siblings
    (RUHSOLD task 2's five classes); chosen on out-of-fold probabilities."""


def default_header_path() -> Path:
    override = os.environ.get("NIGRAN_TEXT_CLASSIFIERS")
    if override:
        return Path(override)
    return Path(str(resources.files("nigran.detect.text") / "models" / HEADER_FILE))


def model_input(text: str) -> str:
    """What the classifiers read: :func:`normalize_text` with punctuation split from words (so
    "yaar!!" and "yaar" share the word feature), as one line."""
    return one_line(_spaced(normalize_text(text)))


def _spaced(text: str) -> str:
    return text.translate(_PUNCT_SPACE)


# Every non-alphanumeric, non-space character of the BMP gets spaces around it; a translate
# table is several times faster than a regular expression here.
_PUNCT_SPACE = {
    cp: f" {chr(cp)} "
    for cp in range(0x10000)
    if unicodedata.category(chr(cp))[0] in "PS" and chr(cp) != "_"
}


class FamilyModel:
    """One family's heads in one fastText file."""

    def __init__(self, path: Path, spec: dict[str, Any]) -> None:
        import fasttext  # fasttext-predict: the C++ predictor only

        if not path.is_file():
            raise ConfigError(f"classifier file {path} not found: run `nigran train`")
        try:
            self._ft = fasttext.load_model(str(path)).f
        except (ValueError, RuntimeError, OSError) as exc:
            raise ConfigError(f"classifier file {path} is unreadable: {exc}") from exc
        self.path = path
        self.family = str(spec["family"])
        self.labels: list[str] = list(spec["labels"])
        self.scales = np.asarray(spec["scales"], dtype=np.float64)
        self.ref = self.labels.index("ref")
        self.index = {f"__label__{lab}": i for i, lab in enumerate(self.labels)}
        members = spec["members"]
        self.head_of_member = np.asarray([m["head"] for m in members], dtype=np.int64)
        self.v_col = np.asarray([self.labels.index(f"v{j}") for j in range(len(members))])
        self.u_col = np.asarray([self.labels.index(f"u{j}") for j in range(len(members))])
        self.n_col = self.labels.index("n")
        self.bias = np.asarray([m["bias"] for m in members], dtype=np.float64)
        self.platt = np.asarray([[m["platt_a"], m["platt_b"]] for m in members])
        self.n_heads = int(self.head_of_member.max()) + 1 if members else 0
        counts = np.bincount(self.head_of_member, minlength=self.n_heads)
        self._mean = np.zeros((len(members), self.n_heads))
        self._mean[np.arange(len(members)), self.head_of_member] = 1.0 / counts[self.head_of_member]

    def sums(self, lines: Sequence[str]) -> Array:
        """``(n, labels)``: each label's ``z`` (the scaled log-ratio read back), for lines from
        :func:`model_input`."""
        out = np.empty((len(lines), len(self.labels)))
        index, predict = self.index, self._ft.predict
        # One C++ call per line (fasttext-predict's multilinePredict returns labels only).
        for i, line in enumerate(lines):
            row = out[i]
            for p, lab in predict(line, -1, 0.0, "replace"):
                row[index[lab]] = p
        # fastText returns exp(log(p + 1e-5)).
        logp = np.log(np.maximum(out - 1e-5, 1e-30))
        z: Array = (logp - logp[:, self.ref : self.ref + 1]) / np.where(
            self.scales > 0, self.scales, 1.0
        )
        return z

    def proba(self, lines: Sequence[str]) -> Array:
        """``(n, heads)`` calibrated probabilities of this family's heads."""
        if not lines:
            return np.zeros((0, self.n_heads))
        z = self.sums(lines)
        zv, zu, zn = z[:, self.v_col], z[:, self.u_col], z[:, self.n_col : self.n_col + 1]
        den = np.sqrt(np.maximum(zu * zn, 0.0))
        raw = np.where(den > 0, zv / np.where(den > 0, den, 1.0), 0.0) + self.bias
        p = sigmoid(self.platt[:, 0] * raw + self.platt[:, 1])
        out: Array = p @ self._mean
        return out


class TextClassifiers:
    """Every family's heads; probabilities are calibrated per head."""

    def __init__(self, header_path: Path) -> None:
        header = read_header(header_path, "text classifiers", FORMAT, "`nigran train`")
        try:
            self._load(header_path, header)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(f"text classifiers {header_path} are unreadable: {exc!r}") from exc

    def _load(self, header_path: Path, header: dict[str, Any]) -> None:
        self.path = header_path
        self.meta: dict[str, Any] = header.get("meta", {})
        self.heads = [HeadInfo(**h) for h in header["heads"]]
        self.index = {h.name: i for i, h in enumerate(self.heads)}
        self.version = str(header["version"])
        self.families: dict[str, FamilyModel] = {}
        self._columns: dict[str, list[int]] = {}
        for spec in header["families"]:
            fam = FamilyModel(header_path.parent / spec["file"], spec)
            self.families[fam.family] = fam
            self._columns[fam.family] = [self.index[name] for name in spec["heads"]]
        self.thresholds = np.array([h.threshold for h in self.heads])
        self.blend: Blend | None = None
        self.second: SecondStage | None = None

    def with_blend(self, blend: Blend) -> TextClassifiers:
        """These heads with the encoder's blended in where ``blend`` has a head for them: those
        heads take the blend's threshold and offset, and the version names both."""
        trained_beside = blend.heads.meta.get("classifiers")
        base = self.version.split("+")[0]
        if trained_beside and trained_beside != base:
            raise ConfigError(
                f"encoder heads {blend.version} were trained beside text classifiers "
                f"{trained_beside}, not {base}: run `nigran train --only encoder` "
                "after retraining the classifiers"
            )
        clone = copy.copy(self)
        clone.blend = blend
        clone.heads = [
            replace(h, threshold=b.threshold, offset=b.offset)
            if (b := blend.by_name.get(h.name))
            else h
            for h in self.heads
        ]
        clone.thresholds = np.array([h.threshold for h in clone.heads])
        clone.version = f"{self.version}+{blend.version}"
        return clone

    def with_second_stage(self, stage: SecondStage) -> TextClassifiers:
        """These heads with the fine-tuned encoder rescoring the texts they are unsure about
        (:mod:`~nigran.detect.text.second_stage`); the version names both."""
        trained_beside = stage.header.meta.get("classifiers")
        base = self.version.split("+")[0]
        if trained_beside and trained_beside != base:
            raise ConfigError(
                f"second stage {stage.version} was calibrated beside text classifiers "
                f"{trained_beside}, not {base}: run `nigran train --only second-stage` "
                "after retraining the classifiers (or set NIGRAN_TEXT_SECOND_STAGE=off)"
            )
        clone = copy.copy(self)
        clone.second = stage
        clone.version = f"{self.version}+{stage.version}"
        return clone

    @classmethod
    def load(cls, path: Path | None = None) -> TextClassifiers:
        path = path or default_header_path()
        if path.is_dir():
            path = path / HEADER_FILE
        return cls(path)

    def head(self, name: str) -> int:
        if name not in self.index:
            raise ConfigError(f"no head {name!r} in text classifiers; heads: {sorted(self.index)}")
        return self.index[name]

    def columns(self, family: str) -> list[int]:
        """Indices (into :attr:`heads`) of a family's heads, in :meth:`family_proba` order."""
        return self._columns.get(family, [])

    def family_proba(
        self, family: str, lines: Sequence[str], texts: Sequence[str] | None = None
    ) -> Array:
        """One family's heads on lines already passed through :func:`model_input`; with a
        blend, ``texts`` (what the lines were made from) are what the encoder reads."""
        return self.family_scores(family, lines, texts)[0]

    def family_scores(
        self, family: str, lines: Sequence[str], texts: Sequence[str] | None = None
    ) -> tuple[Array, NDArray[np.bool_]]:
        """:meth:`family_proba` and, of the same shape, where the encoder's score is blended
        in (all False without a blend)."""
        probs = self.families[family].proba(lines)
        read = np.zeros(probs.shape, dtype=bool)
        if self.blend is None and self.second is None:
            return probs, read
        if texts is None:
            raise ValueError("family_proba with an encoder needs the texts")
        names = [self.heads[i].name for i in self._columns[family]]
        if self.blend is not None:
            probs, read = self.blend.mix(probs, names, texts)
            # A head the blend rescored keeps the blend's threshold; the second stage was
            # calibrated on the linear head's probabilities, so it leaves that head alone.
            names = ["" if n in self.blend.by_name else n for n in names]
        if self.second is not None:
            probs, second = self.second.mix(probs, names, texts)
            read |= second
        return probs, read

    def proba(self, texts: Sequence[str]) -> Array:
        """``(n, heads)``: every head on every text (evaluation; detection scores only the
        family a text's language belongs to)."""
        out = np.zeros((len(texts), len(self.heads)))
        if not texts:
            return out
        lines = [model_input(t) for t in texts]
        for family in self.families:
            out[:, self._columns[family]] = self.family_proba(family, lines, texts)
        return out


@lru_cache(maxsize=4)
def load_default(path: str | None = None) -> TextClassifiers:
    """The shipped classifiers, loaded once per process."""
    return TextClassifiers.load(Path(path) if path else None)
