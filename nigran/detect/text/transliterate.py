"""Devanagari (Hindi) and Gurmukhi (Punjabi) into Urdu script, for cross-script signals.

Hindi and Urdu are one spoken language in two scripts, and Eastern Punjabi writes in Gurmukhi
what Pakistani Punjabi writes in Shahmukhi: the abuse, threats and slurs are largely the same
words. Nigran has no labelled Hindi or Gurmukhi data, so text in those scripts is carried into
Urdu script and read by the Urdu term banks and classifiers ("cross-script signals"), every
signal saying so.

The tables are written here: the permissive transliteration libraries on PyPI cover Brahmic
scripts among themselves but not Urdu script, and Aksharamukha, which does, is AGPL-3.0 (Nigran
is Apache-2.0). The conversion follows Hindustani spelling: consonants letter for letter
(aspirates as letter + ھ, nukta letters as their Persian-Arabic sources), long vowels as
ا ی و ے, short vowels unwritten as in Urdu, nasalisation as ن or word-final ں, a doubled
consonant written once. Urdu's Arabic letters (ح ع ث ص ض ط ظ ذ) have no Devanagari spelling
of their own; :func:`phonetic_fold` folds them, on both sides, where cross-script text is
matched against Urdu terms.

Every output character keeps the range of the characters it came from (a
:class:`~nigran.detect.text.normalize.Normalized`), so a term found in the transliteration is an
evidence span in what the user wrote.
"""

from __future__ import annotations

import re

from nigran.detect.text.normalize import Normalized

VIA_URDU_SCRIPT = "transliterated to Urdu script"
"""What a signal's ``details.via`` says when it was found in text carried into Urdu script."""

_DEVANAGARI_CONSONANTS = {
    "क": "ک", "ख": "کھ", "ग": "گ", "घ": "گھ", "ङ": "ن",
    "च": "چ", "छ": "چھ", "ज": "ج", "झ": "جھ", "ञ": "ن",
    "ट": "ٹ", "ठ": "ٹھ", "ड": "ڈ", "ढ": "ڈھ", "ण": "ن",
    "त": "ت", "थ": "تھ", "द": "د", "ध": "دھ", "न": "ن",
    "प": "پ", "फ": "پھ", "ब": "ب", "भ": "بھ", "म": "م",
    "य": "ی", "र": "ر", "ल": "ل", "ळ": "ل", "व": "و",
    "श": "ش", "ष": "ش", "स": "س", "ह": "ہ",
    # Nukta letters, precomposed (U+0958..U+095F) and as consonant + nukta (see _NUKTA).
    "क़": "ق", "ख़": "خ", "ग़": "غ", "ज़": "ز", "ड़": "ڑ", "ढ़": "ڑھ", "फ़": "ف", "य़": "ی",
}  # fmt: skip
_DEVANAGARI_NUKTA = {
    "क": "ق", "ख": "خ", "ग": "غ", "ज": "ز", "ड": "ڑ", "ढ": "ڑھ", "फ": "ف", "य": "ی",
}  # fmt: skip
_GURMUKHI_CONSONANTS = {
    "ਕ": "ک", "ਖ": "کھ", "ਗ": "گ", "ਘ": "گھ", "ਙ": "ن",
    "ਚ": "چ", "ਛ": "چھ", "ਜ": "ج", "ਝ": "جھ", "ਞ": "ن",
    "ਟ": "ٹ", "ਠ": "ٹھ", "ਡ": "ڈ", "ਢ": "ڈھ", "ਣ": "ݨ",
    "ਤ": "ت", "ਥ": "تھ", "ਦ": "د", "ਧ": "دھ", "ਨ": "ن",
    "ਪ": "پ", "ਫ": "پھ", "ਬ": "ب", "ਭ": "بھ", "ਮ": "م",
    "ਯ": "ی", "ਰ": "ر", "ਲ": "ل", "ਵ": "و", "ੜ": "ڑ",
    "ਸ": "س", "ਹ": "ہ",
    "ਸ਼": "ش", "ਖ਼": "خ", "ਗ਼": "غ", "ਜ਼": "ز", "ਫ਼": "ف", "ਲ਼": "ل",
}  # fmt: skip
_GURMUKHI_NUKTA = {"ਸ": "ش", "ਖ": "خ", "ਗ": "غ", "ਜ": "ز", "ਫ": "ف", "ਲ": "ل"}

# Independent vowels: word-initial after alef; after another vowel on a hamza carrier.
_INITIAL_VOWELS = {
    "अ": "ا", "आ": "آ", "इ": "ا", "ई": "ای", "उ": "ا", "ऊ": "او", "ऋ": "ر",
    "ए": "اے", "ऐ": "اے", "ओ": "او", "औ": "او",
    "ਅ": "ا", "ਆ": "آ", "ਇ": "ا", "ਈ": "ای", "ਉ": "ا", "ਊ": "او",
    "ਏ": "اے", "ਐ": "اے", "ਓ": "او", "ਔ": "او",
}  # fmt: skip
_INNER_VOWELS = {
    "अ": "ا", "आ": "ا", "इ": "ئ", "ई": "ئی", "उ": "ؤ", "ऊ": "ؤ", "ऋ": "ر",
    "ए": "ئے", "ऐ": "ئے", "ओ": "و", "औ": "و",
    "ਅ": "ا", "ਆ": "ا", "ਇ": "ئ", "ਈ": "ئی", "ਉ": "ؤ", "ਊ": "ؤ",
    "ਏ": "ئے", "ਐ": "ئے", "ਓ": "و", "ਔ": "و",
}  # fmt: skip
# Vowel signs after a consonant. "e"/"ai" are ے at a word's end and ی inside it.
_SIGNS = {
    "ा": "ا", "ि": "", "ी": "ی", "ु": "", "ू": "و", "ृ": "ر", "ॅ": "", "ॉ": "ا",
    "ो": "و", "ौ": "و",
    "ਾ": "ا", "ਿ": "", "ੀ": "ی", "ੁ": "", "ੂ": "و", "ੋ": "و", "ੌ": "و",
}  # fmt: skip
_E_SIGNS = frozenset("ेैੇੈ")
_NASALS = frozenset("ंँਂੰ")  # anusvara, chandrabindu; bindi, tippi
_VIRAMAS = frozenset("्੍")
_NUKTAS = frozenset("़਼")
_GEMINATION = "ੱ"  # addak: the next consonant is doubled, which Urdu writes once
_OTHER = {
    "ः": "ہ", "।": "۔", "॥": "۔", "ॐ": "اوم", "ੴ": "اک اونکار",
    **{chr(0x0966 + i): str(i) for i in range(10)},
    **{chr(0x0A66 + i): str(i) for i in range(10)},
}  # fmt: skip

_CARRIERS = {
    "ੲ": {"": "ਇ", "ਿ": "ਇ", "ੀ": "ਈ", "ੇ": "ਏ", "ੈ": "ਐ"},
    "ੳ": {"": "ਉ", "ੁ": "ਉ", "ੂ": "ਊ", "ੋ": "ਓ", "ੌ": "ਔ"},
    "ਅ": {"": "ਅ", "ਾ": "ਆ", "ੈ": "ਐ", "ੌ": "ਔ"},
}
_CARRIERS_SIGNS = frozenset(sign for signs in _CARRIERS.values() for sign in signs if sign)

_CONSONANTS = {**_DEVANAGARI_CONSONANTS, **_GURMUKHI_CONSONANTS}
_NUKTA_OF = {**_DEVANAGARI_NUKTA, **_GURMUKHI_NUKTA}
_BRAHMIC = re.compile("[\u0900-\u097f\u0a00-\u0a7f]")


def has_brahmic(text: str) -> bool:
    """Whether ``text`` holds Devanagari or Gurmukhi (what :func:`to_urdu_script` converts)."""
    return not text.isascii() and _BRAHMIC.search(text) is not None


def _is_mark(c: str) -> bool:
    return c in _SIGNS or c in _E_SIGNS or c in _NASALS or c in _VIRAMAS or c in _NUKTAS


def _word_ends_after(text: str, i: int) -> bool:
    """No letter of the word follows position ``i`` (marks of the same syllable aside)."""
    j = i + 1
    while j < len(text) and _is_mark(text[j]):
        j += 1
    return j >= len(text) or not (text[j] in _CONSONANTS or text[j] in _INITIAL_VOWELS)


def to_urdu_script(text: str) -> Normalized:
    """``text`` with its Devanagari and Gurmukhi in Urdu script (anything else as it was), and
    each output character's range in ``text``."""
    pieces: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    prev_letter = False  # the previous character belongs to the same word
    carry: int | None = None  # where a consonant written together with the next one began
    while i < n:
        c = text[i]
        start = i if carry is None else carry
        carry = None
        if c in _CONSONANTS:
            out = _CONSONANTS[c]
            i += 1
            if i < n and text[i] in _NUKTAS:
                out = _NUKTA_OF.get(c, out)
                i += 1
            if i + 1 < n and text[i] in _VIRAMAS and text[i + 1] == c:
                # A doubled consonant ("त्त") is written once: by the second, covering both.
                carry, i = start, i + 1
                continue
            if i < n and text[i] in _VIRAMAS:
                i += 1
            elif i < n and text[i] in _E_SIGNS:
                nasal_next = i + 1 < n and text[i + 1] in _NASALS
                # "मैं", "हैं", "नहीं": Urdu writes میں, ہیں, نہیں (ی before the nasal).
                out += "ے" if _word_ends_after(text, i) and not nasal_next else "ی"
                i += 1
            elif i < n and text[i] in _SIGNS:
                out += _SIGNS[text[i]]
                i += 1
            if i < n and text[i] in _NASALS:
                out += "ں" if _word_ends_after(text, i) else "ن"
                i += 1
            pieces.append((out, start, i))
            prev_letter = True
        elif c in _INITIAL_VOWELS or c in _CARRIERS:
            i += 1
            if c in _CARRIERS:
                # Gurmukhi also writes a vowel as its bearer plus a vowel sign ("ੲੀ" for "ਈ").
                sign = text[i] if i < n else ""
                c = _CARRIERS[c].get(sign, _CARRIERS[c][""])
                i += 1 if sign in _CARRIERS_SIGNS else 0
            out = (_INNER_VOWELS if prev_letter else _INITIAL_VOWELS)[c]
            if i < n and text[i] in _NASALS:
                out += "ں" if _word_ends_after(text, i) else "ن"
                i += 1
            pieces.append((out, start, i))
            prev_letter = True
        elif c == _GEMINATION or c in _VIRAMAS or c in _NUKTAS:
            i += 1  # nothing of its own to write (stray or doubling marks)
        elif c in _NASALS:
            pieces.append(("ں" if _word_ends_after(text, i) else "ن", start, i + 1))
            i += 1
        elif c in _SIGNS or c in _E_SIGNS:
            # A vowel sign with no consonant before it (malformed input): as after one.
            pieces.append((_SIGNS.get(c, "ی"), start, i + 1))
            i += 1
        else:
            pieces.append((_OTHER.get(c, c), start, i + 1))
            prev_letter = c.isalpha()
            i += 1
    return Normalized.from_pieces(pieces)


# Letters Urdu takes from Arabic that sound like, and so are transliterated as, plainer ones; and
# the nukta letters Hindi often writes without their nukta (ज़ as ज, क़ as क, ग़ as ग).
_PHONETIC = str.maketrans(
    {
        "ح": "ہ",
        "ع": "ا",
        "ث": "س",
        "ص": "س",
        "ض": "ج",
        "ظ": "ج",
        "ذ": "ج",
        "ز": "ج",
        "ق": "ک",
        "غ": "گ",
        "ط": "ت",
        "ۃ": "ت",
        "ة": "ت",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ئ": "ی",
        "ؤ": "و",
        "ۓ": "ے",
        "ۂ": "ہ",
        "ݨ": "ن",
    }
)
_FINAL_HEH = re.compile("(?<=[\u0621-\u06ff])ہ(?![\u0621-\u06ff])")


def phonetic_fold(text: str) -> str:
    """Urdu-script text with the letters a transliteration cannot tell apart made one (and a
    word-final ہ, Urdu's spelling of a final "a", made ا), one character for one, so offsets
    stay. Applied to both sides of a cross-script match, never to Urdu text itself."""
    return _FINAL_HEH.sub("ا", text.translate(_PHONETIC))


def cross_script_keys(term: str) -> set[str]:
    """What a normalised Urdu term looks like in folded, transliterated Hindi or Gurmukhi: Urdu
    writes the future apart ("مار دوں گا"), Hindi as one word ("मार दूँगा", read "مار دونگا")."""
    folded = phonetic_fold(term)
    return {folded, folded.replace("ں گ", "نگ")}
