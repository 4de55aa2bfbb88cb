"""The media detectors: hash-bank matches, nudity, and on-screen text.

Each is a :class:`~nigran.detect.Detector`; they share one :class:`MediaLoader` so a video is
decoded once per batch whichever of them look at it. A media file that cannot be read raises
:class:`~nigran.errors.InvalidMedia` naming the ref: the pipeline records it as that item's error.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from nigran.detect import Detector, ReadTextDetector
from nigran.detect.media.banks import BankMatch, HashBanks
from nigran.detect.media.refs import Analysed, MediaLoader
from nigran.model import Content, Evidence, Signal, SignalSource, TextField

log = logging.getLogger(__name__)

__all__ = [
    "HashMatchDetector",
    "NudityDetector",
    "OcrDetector",
    "bank_signal",
    "media_detectors",
]


def match_score(match: BankMatch, threshold: int) -> float:
    """1.0 for an exact or zero-distance match, falling to 0.8 at the bank's threshold: a banked
    hash is strong evidence, and a nearer one stronger."""
    if threshold <= 0 or match.distance <= 0:
        return 1.0
    return round(1.0 - 0.2 * min(match.distance, threshold) / threshold, 4)


class HashMatchDetector:
    """Images: 8 dihedral PDQ variants plus MD5/SHA-256; videos: vPDQ plus MD5/SHA-256."""

    name = "media_hash"

    def __init__(self, banks: HashBanks, loader: MediaLoader | None = None) -> None:
        self.banks = banks
        self.loader = loader or MediaLoader()
        self.version = "media-hash-1"

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        return [self._item(item) for item in items]

    def _item(self, item: Content) -> list[Signal]:
        out: list[Signal] = []
        for ref in item.media:
            media = self.loader.load(ref)
            digests = media.digests()
            if media.is_video:
                result = self.banks.match_video(
                    media.video_variants(), md5=digests.md5, sha256=digests.sha256
                )
            else:
                result = self.banks.match_image(
                    media.dihedral(), md5=digests.md5, sha256=digests.sha256
                )
            out.extend(self.signal(m, ref.ref) for m in result.matches)
        return out

    def signal(self, match: BankMatch, media_ref: str) -> Signal:
        return bank_signal(self.banks, match, media_ref, detector=self.name)


def bank_signal(
    banks: HashBanks, match: BankMatch, media_ref: str, *, detector: str = "media_hash"
) -> Signal:
    """The signal for one bank match (also used by the retroactive scan)."""
    bank = banks.banks[match.bank]
    return Signal(
        source=SignalSource.HASH_MATCH,
        detector=detector,
        category=match.category,
        score=match_score(match, bank.pdq_distance),
        severity=bank.severity,
        evidence=Evidence(
            bank=match.bank,
            distance=match.distance,
            details={
                "entry_id": match.entry_id,
                "signal_type": match.signal_type.value,
                "media": media_ref,
                **match.details,
            },
        ),
    )


class NudityDetector:
    """One ``sexual`` signal per item carrying every reported box (label, score, box, frame time);
    its score is the highest label score. Labels below their threshold are not reported."""

    name = "nudenet"

    def __init__(
        self,
        model: Any = None,
        *,
        thresholds: Mapping[str, float] | None = None,
        loader: MediaLoader | None = None,
        max_frames: int = 16,
    ) -> None:
        from nigran.detect.media.nudity import (
            DEFAULT_THRESHOLDS,
            SEVERITY,
            NudityModel,
            _package_version,
        )

        # The ONNX session is built on first use: a text-only pipeline never pays for it.
        self._model = model
        self._factory = NudityModel
        self.thresholds = dict(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
        self.severity = SEVERITY
        self.loader = loader or MediaLoader()
        self.max_frames = max_frames
        digest = hashlib.sha256(repr(sorted(self.thresholds.items())).encode()).hexdigest()
        model_version = model.version if model is not None else NudityModel.name
        self.version = (
            f"{model_version}/nudenet-{_package_version('nudenet')}/thresholds-{digest[:8]}"
        )

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = self._factory()
        return self._model

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        return [self._item(item) for item in items]

    def _item(self, item: Content) -> list[Signal]:
        found: list[dict[str, Any]] = []
        for ref in item.media:
            media = self.loader.load(ref)
            for at, picture in media.pictures(self.max_frames):
                for d in self.model.detect(picture):
                    if d.score >= self.thresholds.get(d.label, 2.0):
                        found.append(
                            {
                                "label": d.label,
                                "score": d.score,
                                "box": list(d.box),
                                "media": ref.ref,
                                "t": at,
                            }
                        )
        if not found:
            return []
        top = max(found, key=lambda f: f["score"])
        return [
            Signal(
                source=SignalSource.NUDITY,
                detector=self.name,
                category="sexual",
                score=min(1.0, float(top["score"])),
                severity=max(self.severity.get(f["label"], 2) for f in found),
                evidence=Evidence(
                    model_version=self.model.version,
                    details={
                        "labels": sorted({f["label"] for f in found}),
                        "detections": found[:64],
                        "thresholds": self.thresholds,
                    },
                ),
            )
        ]


class OcrDetector:
    """Reads on-screen text and runs the text detectors over it as the ``on_screen`` field.

    Signals keep the text detector's category, score and spans (which point into the OCR text,
    carried in ``evidence.details['on_screen_text']`` since the platform never sent it). Their
    language is the language of the text read, not the item's: an Urdu threat on an image with
    an English caption is judged, and reviewed, as Urdu.

    Each item has ``item_seconds`` of OCR in all: frames past it are not read, and a read that
    runs over is no text; both are logged and counted (:attr:`timeouts`), never a stall."""

    name = "ocr"

    def __init__(
        self,
        text_detectors: Sequence[Detector],
        engine: Any = None,
        *,
        loader: MediaLoader | None = None,
        max_frames: int = 6,
        item_seconds: float = 12.0,
    ) -> None:
        from nigran.detect.media.ocr import OcrEngine

        self.engine = engine or OcrEngine()
        self.text_detectors = list(text_detectors)
        self.loader = loader or MediaLoader()
        self.max_frames = max_frames
        self.item_seconds = item_seconds
        self.timeouts = 0
        """Items whose OCR ran out of time (part or all of their text read as none)."""
        inner = "+".join(f"{d.name}:{d.version}" for d in self.text_detectors)
        settings = getattr(self.engine, "settings", "")
        self.version = (
            f"{self.engine.version}/{'+'.join(self.engine.languages)}/{settings}/{inner}"[:200]
        )

    def on_screen_text(self, item: Content) -> tuple[str, list[dict[str, Any]]]:
        where: list[dict[str, Any]] = []
        lines: list[str] = []
        deadline = time.monotonic() + self.item_seconds
        ran_out = False
        for ref in item.media:
            media: Analysed = self.loader.load(ref)
            for at, picture in media.pictures(self.max_frames):
                left = deadline - time.monotonic()
                if left <= 0:
                    ran_out = True
                    break
                read = self.engine.read_text(picture, timeout=left)
                ran_out = ran_out or read.timed_out
                for text in (read.text, getattr(read, "also", "")):
                    if text and text not in lines:
                        lines.append(text)
                        where.append({"media": ref.ref, "t": at})
        if ran_out:
            self.timeouts += 1
            log.warning(
                "OCR of item %s ran past its %.0f s budget; frames after it read as no text "
                "(%d items so far)",
                item.id,
                self.item_seconds,
                self.timeouts,
            )
        return "\n".join(lines), where

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        from nigran.detect.media.ocr import text_language

        out: list[list[Signal]] = []
        for item in items:
            text, where = self.on_screen_text(item) if item.media else ("", [])
            if not text.strip():
                out.append([])
                continue
            language = text_language(text, self.engine.languages)
            only_text = Content(
                id=item.id,
                version=item.version,
                kind=item.kind,
                author=item.author,
                texts={TextField.ON_SCREEN: text[:20_000]},
                # The text detectors (and so the signals, and review routing) take the
                # language of what was read, never the item's caption language.
                language_hint=language,
            )
            signals: list[Signal] = []
            for detector in self.text_detectors:
                judge = (
                    detector.detect_read
                    if isinstance(detector, ReadTextDetector)
                    else detector.detect
                )
                for s in judge([only_text])[0]:
                    details = {
                        **s.evidence.details,
                        "on_screen_text": text[:2000],
                        "read_from": where,
                        "ocr": self.engine.version,
                        "ocr_language": language,
                    }
                    signals.append(
                        s.model_copy(
                            update={
                                "source": SignalSource.OCR,
                                "detector": f"ocr+{s.detector}"[:64],
                                "language": language or s.language,
                                "evidence": s.evidence.model_copy(update={"details": details}),
                            }
                        )
                    )
            out.append(signals)
        return out


def media_detectors(
    text_detectors: Sequence[Detector] = (),
    *,
    banks: HashBanks | None = None,
    loader: MediaLoader | None = None,
) -> list[Detector]:
    """The media detectors whose dependencies are present (NudeNet, tesseract), sharing one
    loader; the hash detector only when banks are given."""
    loader = loader or MediaLoader()
    out: list[Detector] = []
    if banks is not None:
        out.append(HashMatchDetector(banks, loader))
    if all(importlib.util.find_spec(m) is not None for m in ("nudenet", "onnxruntime")):
        out.append(NudityDetector(loader=loader))
    from nigran.detect.media.ocr import OcrEngine
    from nigran.errors import ConfigError

    if text_detectors and OcrEngine.available():
        with contextlib.suppress(ConfigError):
            out.append(OcrDetector(text_detectors, loader=loader))
    return out
