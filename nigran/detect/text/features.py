"""Hashed character and word n-grams: the one featuriser that training and inference share.

Why hashing and not a fitted vocabulary? Nothing to store or look up at run time (the artefact is
only weights), unseen words still land on features their character n-grams share with training
text, and scikit-learn's C implementation keeps it fast. Features are binary (present or not);
each head weights and normalises them itself (see ``classify.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from nigran.detect.text.normalize import normalize_text


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    char_min: int = 2
    char_max: int = 6
    word_max: int = 2
    bits: int = 18
    """Each of the char and word spaces has ``2**bits`` slots."""

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def dims(self) -> int:
        return 2 * (1 << self.bits)


class Featurizer:
    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()
        c = self.config
        common = {
            "n_features": 1 << c.bits,
            "alternate_sign": False,
            "norm": None,
            "binary": True,
            "lowercase": False,
            "dtype": float,
        }
        self._char = HashingVectorizer(
            analyzer="char_wb", ngram_range=(c.char_min, c.char_max), **common
        )
        self._word = HashingVectorizer(
            analyzer="word",
            ngram_range=(1, c.word_max),
            token_pattern=r"(?u)\b\w+\b",
            **common,
        )

    def prepare(self, texts: Sequence[str]) -> list[str]:
        return [normalize_text(t) for t in texts]

    def transform(self, texts: Sequence[str], *, prepared: bool = False) -> sp.csr_matrix:
        """Binary CSR matrix ``(len(texts), dims)``; char n-grams first, then words."""
        docs = list(texts) if prepared else self.prepare(texts)
        x = sp.hstack([self._char.transform(docs), self._word.transform(docs)], format="csr")
        return x
