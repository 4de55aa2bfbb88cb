"""Detectors: content in, signals out.

A detector is one small class (see :class:`Detector`): pure, stateless between calls, loading its
artefacts once at construction. The pipeline hands it a batch and expects, for each item, the list
of signals it found (possibly empty). Adding a detector means writing one such class and listing
it in :func:`default_detectors`; nothing else in Nigran needs to know it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from nigran.model import Content, Signal


@runtime_checkable
class Detector(Protocol):
    """Why a batch and not one item? Models and indexes are far faster vectorised, and a runner
    (inline or a stream worker) always has a batch in hand; a detector that is naturally per-item
    just loops."""

    name: str
    """Stable identifier recorded on every signal (``Signal.detector``)."""

    version: str
    """Changes whenever the detector's behaviour can change (new bank, new model)."""

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        """Signals for each item, in the same order; must not raise on odd but valid content."""
        ...


def default_detectors() -> list[Detector]:
    """The detectors the embedded pipeline runs when none are given."""
    from nigran.detect.text.lexicon import LexiconDetector

    lexicon = LexiconDetector.from_default_banks()
    detectors: list[Detector] = [lexicon]
    try:  # media (NudeNet, OCR into the text detectors) only where its packages are installed
        from nigran.detect.media.detectors import media_detectors
    except ImportError:
        return detectors
    return detectors + media_detectors([lexicon])
