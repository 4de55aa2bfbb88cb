"""The text classifier detector: :class:`ClassifierDetector` scores each text with the heads of
its language family (``classifiers.py``: fastText-format files run by the C++ predictor); Hindi
and Gurmukhi Punjabi, which have no heads, with the Urdu heads after transliteration."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nigran.detect.text.classifiers import TextClassifiers, model_input
from nigran.detect.text.classifiers import load_default as load_classifiers
from nigran.detect.text.transliterate import to_urdu_script
from nigran.model import Content, Evidence, Signal, SignalSource, TextField

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
CROSS_SCRIPT = {"hi": "ur", "pa": "ur"}
"""Languages with no heads of their own, read by the Urdu heads after transliteration into
Urdu script (Hindi from Devanagari, Punjabi from Gurmukhi; see ``transliterate.py``)."""


def family_of(language: str) -> tuple[str | None, bool]:
    """The family whose heads score text in ``language`` (None: no heads do), and whether the
    text is carried into Urdu script first. Detection, evaluation and retraining on reviewer
    labels all ask this, so a text is read the same way by each."""
    family = FAMILY_OF_LANGUAGE.get(language)
    if family is None and language in CROSS_SCRIPT:
        return CROSS_SCRIPT[language], True
    return family, False


def head_text(text: str, crossed: bool) -> str:
    """What the heads read of ``text`` (before :func:`model_input`)."""
    return to_urdu_script(text).text if crossed else text


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
        crossed: set[int] = set()
        for r, (k, _, _) in enumerate(rows):
            lang = items[k].language_hint or langs[r]
            family, via = family_of(lang)
            if via:
                crossed.add(r)
            if family is not None and family in self.model.families:
                by_family.setdefault(family, []).append(r)
        best: dict[tuple[int, str], tuple[float, Signal]] = {}
        for family, members in by_family.items():
            lines = [model_input(head_text(texts[r], r in crossed)) for r in members]
            probs = self.model.family_proba(family, lines)
            columns = self.model.columns(family)
            heads = [self.model.heads[i] for i in columns]
            # Heads without a category of their own (they serve a multi-class prediction) never
            # emit; only scores at or above a head's threshold are looked at one by one.
            floor = np.asarray([h.threshold if h.category else np.inf for h in heads])
            for row, col in zip(*np.nonzero(probs >= floor), strict=True):
                r = members[row]
                k, field, _ = rows[r]
                head = heads[col]
                p = float(probs[row, col])
                lang = items[k].language_hint or langs[r]
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
                            **({"via": "transliterated to Urdu script"} if r in crossed else {}),
                        },
                    ),
                )
                key = (k, head.category if head.category != "hate" else f"hate:{head.target}")
                if key not in best or p > best[key][0]:
                    best[key] = (p, signal)
        for (k, _), (_, signal) in sorted(best.items(), key=lambda kv: kv[0]):
            out[k].append(signal)
        return out
