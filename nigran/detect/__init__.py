"""Detectors: content in, signals out.

A detector is one small class (see :class:`Detector`): pure, stateless between calls, loading its
artefacts once at construction. The pipeline hands it a batch and expects, for each item, the list
of signals it found (possibly empty). Adding a detector means writing one such class and listing
it in :func:`default_detectors`; nothing else in Nigran needs to know it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from nigran.model import Content, Signal

if TYPE_CHECKING:
    from nigran.detect.media.banks import HashBanks


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


@runtime_checkable
class ReadTextDetector(Detector, Protocol):
    """A text detector with a way of its own to judge text read off pictures (OCR), which comes
    with errors typed text does not have (the lexicon also finds terms approximately there)."""

    def detect_read(self, items: Sequence[Content]) -> list[list[Signal]]:
        """As :meth:`Detector.detect`, for items whose text was read by OCR."""
        ...


def default_detectors(
    banks: HashBanks | None = None, *, lexicon: Detector | None = None
) -> list[Detector]:
    """The detectors the embedded pipeline runs when none are given; hash matching joins them
    when the caller has hash banks, and ``lexicon`` replaces the shipped term banks when the
    caller has the store's terms (both live in the store: :mod:`nigran.banks`)."""
    from nigran.detect.media.detectors import media_detectors
    from nigran.detect.text.classify import ClassifierDetector
    from nigran.detect.text.lexicon import LexiconDetector

    text: list[Detector] = [lexicon or LexiconDetector.from_default_banks(), ClassifierDetector()]
    # OCR hands on-screen text to the text detectors, so it is judged like a caption; the media
    # detectors share one loader, so a video is decoded once.
    return text + media_detectors(text, banks=banks)
