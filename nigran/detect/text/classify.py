"""The text classifier detector: :class:`ClassifierDetector` scores each text with the heads of
its language family (``classifiers.py``: fastText-format files run by the C++ predictor); Hindi
and Gurmukhi Punjabi, which have no heads, with the Urdu heads after transliteration."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nigran import languages
from nigran.detect.text.classifiers import HeadInfo, TextClassifiers, model_input
from nigran.detect.text.classifiers import load_default as load_classifiers
from nigran.detect.text.transliterate import VIA_URDU_SCRIPT, to_urdu_script
from nigran.errors import ConfigError
from nigran.model import Content, Evidence, Signal, SignalSource, TextField

log = logging.getLogger(__name__)


def family_of(language: str) -> tuple[str | None, bool]:
    """The family whose heads score text in ``language`` (None: no heads do), and whether the
    text is carried into Urdu script first (Hindi, Gurmukhi Punjabi), both from the table of
    languages; a language Nigran does not handle has no heads. Detection, evaluation and
    retraining on reviewer labels all ask this, so a text is read the same way by each."""
    found = languages.find(language)
    if found is None:
        return None, False
    return found.family, found.via_urdu_script


def head_text(text: str, crossed: bool) -> str:
    """What the heads read of ``text`` (before :func:`model_input`)."""
    return to_urdu_script(text).text if crossed else text


class ClassifierDetector:
    """Scores every text field with the heads of its language family; emits one signal per
    category whose calibrated score reaches that head's threshold (chosen on validation data)."""

    name = "text-classifier"

    def __init__(
        self,
        classifiers: TextClassifiers | None = None,
        *,
        encoder: str | None = None,
        second_stage: bool | None = None,
    ) -> None:
        """``encoder``: ``e5`` blends the pretrained encoder's heads in (``encoder.py``; about
        20 ms a text), ``off`` never does; None asks ``NIGRAN_TEXT_ENCODER`` (default off).
        ``second_stage``: whether unsure texts go on to the fine-tuned encoder
        (``second_stage.py``); None asks ``NIGRAN_TEXT_SECOND_STAGE`` (default off)."""
        from nigran.detect.text.encoder import encoder_requested, load_blend
        from nigran.detect.text.second_stage import load_second_stage, second_stage_requested

        model = classifiers or load_classifiers()
        kind = encoder_requested() if encoder is None else (None if encoder == "off" else encoder)
        if kind and model.blend is None:
            model = model.with_blend(load_blend(model.path, kind))
        wanted = second_stage_requested() if second_stage is None else second_stage
        if wanted and model.second is None:
            stage = load_second_stage(model.path)
            if stage is not None:
                try:
                    model = model.with_second_stage(stage)
                except ConfigError as exc:
                    if second_stage:  # asked for by name: refuse
                        raise
                    # Asked for by the settings: a retrain of the classifiers must not stop
                    # moderation; the first stage alone decides until it is recalibrated.
                    log.warning("second stage off: %s", exc)
        self.model = model
        self.version = self.model.version
        # Per family: its heads, the score each must reach to emit (heads without a category of
        # their own serve a multi-class prediction and never emit), and the key a signal is
        # deduplicated by.
        self._emitting: dict[str, tuple[list[HeadInfo], NDArray[np.float64], list[str]]] = {}
        for family in self.model.families:
            heads = [self.model.heads[i] for i in self.model.columns(family)]
            floor = np.asarray([h.threshold if h.category else np.inf for h in heads])
            keys = [h.category if h.category != "hate" else f"hate:{h.target}" for h in heads]
            self._emitting[family] = (heads, floor, keys)

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
        crossed: set[int] = set()
        for r, (k, _, _) in enumerate(rows):
            lang = items[k].language_hint or langs[r]
            family, via = family_of(lang)
            if via:
                crossed.add(r)
            if family is not None and family in self.model.families:
                by_family.setdefault(family, []).append(r)
        # Per (item, category) the highest-scoring head wins; only winners become signals.
        best: dict[tuple[int, str], tuple[float, int, HeadInfo, bool]] = {}
        for family, members in by_family.items():
            read = [head_text(texts[r], r in crossed) for r in members]
            lines = [model_input(t) for t in read]
            probs, blended = self.model.family_scores(family, lines, read)
            heads, floor, keys = self._emitting[family]
            hit_rows, hit_cols = np.nonzero(probs >= floor)
            hits = probs[hit_rows, hit_cols].tolist()
            for row, col, p in zip(hit_rows.tolist(), hit_cols.tolist(), hits, strict=True):
                r = members[row]
                key = (rows[r][0], keys[col])
                if key not in best or p > best[key][0]:
                    best[key] = (p, r, heads[col], bool(blended[row, col]))
        for (k, _), (p, r, head, read_by_encoder) in sorted(best.items(), key=lambda kv: kv[0]):
            details: dict[str, Any] = {
                "head": head.name,
                "field": str(rows[r][1]),
                "threshold": round(head.threshold, 4),
            }
            if head.target:
                details["target"] = head.target
            if r in crossed:
                details["via"] = VIA_URDU_SCRIPT
            if read_by_encoder:
                # The version names both stages either way; this says which scored this text.
                blend, second = self.model.blend, self.model.second
                if blend is not None and head.name in blend.by_name:
                    details["encoder"] = blend.encoder.name
                elif second is not None:
                    details["second_stage"] = second.version
            out[k].append(
                Signal(
                    source=SignalSource.CLASSIFIER,
                    detector=self.name,
                    category=head.category,
                    score=round(p, 4),
                    language=items[k].language_hint or langs[r],
                    evidence=Evidence(model_version=self.version, details=details),
                )
            )
        return out
