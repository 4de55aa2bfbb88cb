"""The labelled sources of the Roman Urdu harassment head (``ur-Latn/offensive``) and the mixes
of them it can be trained on; ``loso.py`` judges the mixes, ``train.py`` trains the chosen one.

- ``ruhsold``: RUHSOLD task 1, train + validation (its test split is never read here).
- ``trac1``: TRAC-1 Hindi, train + dev, rows language ID sends to ``ur-Latn`` only (the
  Devanagari quarter is scored by the Urdu heads in production). Trained as overt aggression
  (OAG) = harmful, none (NAG) = not; covert aggression (CAG: insinuation, sarcasm) is left out of
  training or counted as either side (:data:`COVERT`). Scored, when left out, as OAG against NAG
  only, whatever the mix trains on, so every mix answers to the same target.
- ``hinglish``: the Hinglish hate-speech tweets (hate = harmful).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nigran.training import datasets as D

SOURCES = ("ruhsold", "trac1", "hinglish")
"""The Roman Urdu harassment sources, the head's own data first."""

COVERT = ("drop", "benign", "harmful")
"""How TRAC-1's covert aggression (CAG) is trained: left out, as not harmful, or as harmful."""


@dataclass(frozen=True, slots=True)
class Source:
    """One labelled source: ``train`` rows as a mix trains on them (label 1 = harmful) and the
    ``score`` rows a head that never saw the source is judged on."""

    name: str
    texts: list[str]
    labels: list[int]
    score_texts: list[str]
    score_labels: list[int]


@dataclass(frozen=True, slots=True)
class Mix:
    """A candidate training mix for ``ur-Latn/offensive``."""

    weights: Mapping[str, float]
    """Source name -> row weight (0 or absent: not trained on). The first of :data:`SOURCES`
    present is the head's own data (weight 1 whatever is given)."""
    covert: str = "drop"

    @property
    def name(self) -> str:
        used = [f"{s}×{w:g}" for s, w in self.weights.items() if w > 0]
        tag = f", CAG {self.covert}" if self.weights.get("trac1", 0) > 0 else ""
        return " + ".join(used) + tag

    def uses(self, source: str) -> bool:
        return self.weights.get(source, 0.0) > 0


def _is_roman(texts: Sequence[str]) -> list[bool]:
    """Which rows language ID sends to the ``ur-Latn`` heads (as detection would)."""
    from nigran.detect.text.classify import family_of
    from nigran.detect.text.langid import guess_languages

    return [family_of(lang)[0] == "ur-Latn" for lang in guess_languages(list(texts))]


def stride(texts: list[str], labels: list[int], n: int | None) -> tuple[list[str], list[int]]:
    """At most ``n`` rows by a fixed stride (files can be sorted by label)."""
    if n is None or len(texts) <= n:
        return texts, labels
    step = len(texts) / n
    idx = [int(i * step) for i in range(n)]
    return [texts[i] for i in idx], [labels[i] for i in idx]


def load_sources(
    root: Path, *, covert: str = "drop", max_rows: int | None = None
) -> dict[str, Source]:
    """The three sources read from the data folder (at most ``max_rows`` rows each, for tests
    and quick looks)."""
    return sources_of(
        D.ruhsold_task1(root),
        D.trac1_hindi(root),
        D.hinglish_hate(root),
        covert=covert,
        max_rows=max_rows,
    )


def sources_of(
    ruhsold1: D.Dataset,
    trac1: D.Dataset,
    hinglish: D.Dataset,
    *,
    covert: str = "drop",
    max_rows: int | None = None,
) -> dict[str, Source]:
    """The three sources from their datasets (RUHSOLD task 1's test split is not read)."""
    if covert not in COVERT:
        raise ValueError(f"covert must be one of {COVERT}, not {covert!r}")
    r1 = ruhsold1.splits
    rt, rl = stride(
        r1["train"].texts + r1["validation"].texts,
        r1["train"].labels + r1["validation"].labels,
        max_rows,
    )
    tt = [t for s in trac1.splits.values() for t in s.texts]
    tl = [v for s in trac1.splits.values() for v in s.labels]
    tt, tl = stride(tt, tl, None if max_rows is None else 2 * max_rows)
    keep = _is_roman(tt)
    tt = [t for t, k in zip(tt, keep, strict=True) if k]
    tl = [v for v, k in zip(tl, keep, strict=True) if k]
    tt, tl = stride(tt, tl, max_rows)
    hh = hinglish.splits["all"]
    ht, hl = stride(hh.texts, hh.labels, max_rows)
    return {
        "ruhsold": Source("ruhsold", rt, rl, rt, rl),
        "trac1": trac_source(tt, tl, covert),
        "hinglish": Source("hinglish", ht, hl, ht, hl),
    }


def trac_source(texts: list[str], labels: list[int], covert: str) -> Source:
    """TRAC-1 rows (0 NAG, 1 CAG, 2 OAG) as a source: trained per ``covert``, scored OAG vs NAG."""
    cag = {"drop": None, "benign": 0, "harmful": 1}[covert]
    train = [(t, 1 if v == 2 else 0 if v == 0 else cag) for t, v in zip(texts, labels, strict=True)]
    kept = [(t, v) for t, v in train if v is not None]
    scored = [(t, int(v == 2)) for t, v in zip(texts, labels, strict=True) if v != 1]
    return Source(
        "trac1",
        [t for t, _ in kept],
        [int(v) for _, v in kept],
        [t for t, _ in scored],
        [v for _, v in scored],
    )
