"""Facts about each language Nigran handles, in one table.

Every part that needs to know something about a language reads it here: the language identifier
(which Arabic-script languages it tells apart, which language a script means), the text
classifiers (which family's heads read it, and whether its text is first carried into Urdu
script), the review console (direction and font), notices (the language a reader of it gets
them in), OCR (the tesseract model that reads its on-screen text), review queues, policy rules
and term banks (which codes they may name).

Two kinds of lookup, on purpose:

- :func:`language` is for codes Nigran's own configuration and data name (queues, rule
  thresholds, term banks, ``nigran lexicon add --language``): a code missing from the table is an
  :class:`~nigran.errors.UnknownLanguage` error naming the code and where it was found, never a
  silent skip.
- :func:`find` is for codes that come from outside: what the language identifier reports for
  arbitrary text (lid.176 names some 170 languages) or a user's profile. It returns None for a
  language Nigran does not handle, and each caller says what that means (no classifier heads,
  notices in English, direction from the letters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nigran.errors import UnknownLanguage

Direction = Literal["ltr", "rtl"]
Font = Literal["nastaliq", "naskh"]


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    """The canonical code: what the language identifier reports and what is stored."""
    name: str
    """English name."""
    native: str
    """The name in the language itself."""
    script: str
    """ISO 15924 (``Arab``, ``Latn``, ``Guru``, ``Deva``; ``Zyyy`` for undetermined)."""
    direction: Direction
    font: Font | None
    """How the console sets its text: Nastaliq (Urdu-script languages read in it), Naskh (the
    style Pashto, Sindhi, Persian and Arabic readers expect), or None (the page's own font)."""
    family: str | None
    """The classifier family whose heads read it (``clf-<family>.bin``), or None."""
    via_urdu_script: bool
    """Whether its text is carried into Urdu script before the family's heads (and the Urdu term
    banks) read it: Hindi from Devanagari, Punjabi from Gurmukhi (``transliterate.py``)."""
    notice: str | None
    """The language its readers get notices (statements of reasons) in; None when the code says
    nothing about the reader (undetermined), so the next clue decides."""
    ocr: str | None
    """The tesseract model that reads its on-screen text, or None (not read)."""
    identified: bool
    """Whether the language identifier reports it (others arrive as hints or configuration)."""
    aliases: tuple[str, ...] = ()
    """Other codes that mean this language (accepted, never stored)."""
    iso639_1: str | None = None
    """The two-letter ISO 639-1 code of the language itself, for registries that know only
    those (the DSA Transparency Database's ``content_language``): Roman Urdu is Urdu (``ur``),
    Shahmukhi and Gurmukhi Punjabi are Punjabi (``pa``); None where there is none (Saraiki)."""


TABLE: tuple[Language, ...] = (
    # Order matters where lists are derived: Urdu first (OCR tries its model first).
    Language("ur", "Urdu", "اردو", "Arab", "rtl", "nastaliq", "ur", False, "ur", "urd", True,
             ("ur-Arab",), "ur"),
    Language("ur-Latn", "Roman Urdu", "Roman Urdu", "Latn", "ltr", None, "ur-Latn", False, "ur",
             "eng", True, ("roman_ur",), "ur"),
    Language("en", "English", "English", "Latn", "ltr", None, "en", False, "en", "eng", True, (),
             "en"),
    # Punjabi in Shahmukhi: Pakistan's Punjabi, written like Urdu and read with its heads.
    Language("pnb", "Punjabi (Shahmukhi)", "پنجابی", "Arab", "rtl", "nastaliq", "ur", False,
             "ur", "urd", True, ("pa-Arab",), "pa"),
    Language("ps", "Pashto", "پښتو", "Arab", "rtl", "naskh", "ur", False, "ur", "pus",
             True, (), "ps"),
    Language("sd", "Sindhi", "سنڌي", "Arab", "rtl", "naskh", "ur", False, "ur", "snd",
             True, (), "sd"),
    # Saraiki arrives only as a hint (the identifier does not tell it apart); no heads read it.
    Language("skr", "Saraiki", "سرائیکی", "Arab", "rtl", "nastaliq", None, False, "ur", "urd",
             False),
    # Persian and Arabic: the identifier reports them, and short Urdu is often misread as them,
    # so the Urdu heads read them too. No OCR model is installed for them.
    Language("fa", "Persian", "فارسی", "Arab", "rtl", "naskh", "ur", False, "en", None,
             True, (), "fa"),
    Language("ar", "Arabic", "العربية", "Arab", "rtl", "naskh", "ur", False, "en", None,
             True, (), "ar"),
    # Cross-script: no labelled data of their own; read in Urdu script by the Urdu heads.
    Language("pa", "Punjabi (Gurmukhi)", "ਪੰਜਾਬੀ", "Guru", "ltr", None, "ur", True, "en", "pan",
             True, ("pa-Guru",), "pa"),
    Language("hi", "Hindi", "हिन्दी", "Deva", "ltr", None, "ur", True, "hi", None, True, (), "hi"),
    # Languages only notices are written in (the EU and DE packs name them): no classifier
    # heads, not reported by the identifier; a profile in them gets notices in them.
    Language("de", "German", "Deutsch", "Latn", "ltr", None, None, False, "de", None, False, (),
             "de"),
    Language("fr", "French", "Français", "Latn", "ltr", None, None, False, "fr", None, False, (),
             "fr"),
    # Undetermined: no letters, or Latin script whose language was not told (mostly Roman
    # Urdu on this platform; the rules give it Roman Urdu's bars).
    Language("und", "Undetermined", "", "Zyyy", "ltr", None, None, False, None, None, True),
    Language("und-Latn", "Undetermined (Latin script)", "", "Latn", "ltr", None, None, False,
             None, None, False),
)  # fmt: skip

_BY_CODE: dict[str, Language] = {}
for _lang in TABLE:
    for _code in (_lang.code, *_lang.aliases):
        if _code in _BY_CODE:
            raise AssertionError(f"language code {_code!r} is in the table twice")
        _BY_CODE[_code] = _lang


def find(code: str | None) -> Language | None:
    """The language ``code`` (or an alias) names, or None when Nigran does not handle it."""
    return _BY_CODE.get(code) if code else None


def language(code: str, *, where: str) -> Language:
    """The language ``code`` (or an alias) names; :class:`UnknownLanguage` (saying ``where``)
    when it is not in the table."""
    found = _BY_CODE.get(code)
    if found is None:
        raise UnknownLanguage(code, codes(), where=where)
    return found


def codes() -> tuple[str, ...]:
    """The canonical codes, in table order."""
    return tuple(lang.code for lang in TABLE)


def identified(script: str) -> tuple[str, ...]:
    """The codes the language identifier reports for text in ``script`` (ISO 15924)."""
    return tuple(lang.code for lang in TABLE if lang.identified and lang.script == script)


def notice_languages() -> tuple[str, ...]:
    """The languages notices are written in."""
    return tuple(sorted({lang.notice for lang in TABLE if lang.notice}))


def ocr_models(*, own_family_only: bool = False) -> tuple[str, ...]:
    """Tesseract models the table names, first use first; ``own_family_only``: those of the
    languages with classifier heads of their own (the models OCR runs by default)."""
    chosen = (
        lang.ocr for lang in TABLE if lang.ocr and (not own_family_only or lang.family == lang.code)
    )
    return tuple(dict.fromkeys(m for m in chosen if m))
