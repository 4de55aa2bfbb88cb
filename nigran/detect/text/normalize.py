"""Text normalisation for matching, with a map back to the original text.

Each concern is one function from a :class:`Normalized` to a :class:`Normalized`; ``normalize``
composes them. Every output character remembers the ``[start, end)`` range of original code points
it came from, so a match found in normalised text becomes an evidence span a reviewer can see
highlighted in what the user actually wrote.

The composition is idempotent (normalising normalised text changes nothing) and total (any
Unicode string, including lone surrogates, gives a defined result); both are property-tested.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Arabic-script letters that look alike but have different code points. Urdu keyboards, Arabic
# keyboards and copy-paste mix them freely; matching must not care.
ARABIC_FOLD: dict[str, str] = {
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH (Urdu choti ye)
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u06d2": "\u06d2",  # YEH BARREE stays: it is its own letter in Urdu
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH (Urdu kaf)
    "\u0647": "\u06c1",  # ARABIC HEH -> HEH GOAL (Urdu gol he)
    "\u06d5": "\u06c1",  # AE -> HEH GOAL
    "\u0629": "\u06c3",  # TEH MARBUTA -> TEH MARBUTA GOAL
}

# Arabic-Indic (U+0660..) and Extended Arabic-Indic (U+06F0..) digits -> ASCII digits.
DIGIT_FOLD: dict[str, str] = {
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
}


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, per character, the original range it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> Normalized:
        n = len(original)
        return cls(original, tuple(range(n)), tuple(range(1, n + 1)))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` in the normalised text to a range in the original."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside text of length {len(self.text)}")
        if start == end:
            pos = (
                self.starts[start]
                if start < len(self.starts)
                else (self.ends[-1] if self.ends else 0)
            )
            return pos, pos
        return self.starts[start], self.ends[end - 1]


Step = Callable[[Normalized], Normalized]


def _rebuild(n: Normalized, pieces: list[tuple[str, int, int]]) -> Normalized:
    text: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for out, s, e in pieces:
        for ch in out:
            text.append(ch)
            starts.append(s)
            ends.append(e)
    return Normalized("".join(text), tuple(starts), tuple(ends))


def _per_char(n: Normalized, fn: Callable[[str], str]) -> Normalized:
    return _rebuild(n, [(fn(c), s, e) for c, s, e in zip(n.text, n.starts, n.ends, strict=True)])


def _drop_surrogates(c: str) -> str:
    return "\ufffd" if "\ud800" <= c <= "\udfff" else c


def replace_surrogates(n: Normalized) -> Normalized:
    """Lone surrogates (invalid in UTF-8) become U+FFFD, so every later step sees valid text."""
    return _per_char(n, _drop_surrogates)


def strip_invisible(n: Normalized) -> Normalized:
    """Remove format characters (Cf): zero-width joiners and spaces, bidi overrides and
    isolates, the BOM, soft hyphens, and the Arabic tatweel used to stretch words past filters."""

    def keep(c: str) -> str:
        if c == "\u0640" or unicodedata.category(c) == "Cf":
            return ""
        return c

    return _per_char(n, keep)


def _clusters(n: Normalized) -> list[tuple[str, int, int]]:
    """Group a starter with the combining marks after it: composition never crosses a cluster."""
    out: list[tuple[str, int, int]] = []
    for c, s, e in zip(n.text, n.starts, n.ends, strict=True):
        if out and unicodedata.combining(c):
            text, s0, _ = out[-1]
            out[-1] = (text + c, s0, e)
        else:
            out.append((c, s, e))
    return out


def nfkc_casefold(n: Normalized) -> Normalized:
    """Compatibility forms (fullwidth Latin, Arabic presentation forms, ligatures) to their
    plain letters, and case folded; done per cluster so offsets stay exact."""
    pieces = []
    for text, s, e in _clusters(n):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        pieces.append((folded, s, e))
    return _rebuild(n, pieces)


def _is_arabic_mark(c: str) -> bool:
    return unicodedata.combining(c) != 0 and (
        "\u0610" <= c <= "\u061a"
        or "\u064b" <= c <= "\u065f"
        or c == "\u0670"
        or "\u06d6" <= c <= "\u06ed"
        or "\u08d3" <= c <= "\u08ff"
    )


def fold_arabic_script(n: Normalized) -> Normalized:
    """Urdu/Persian vs Arabic letter variants to one form, Arabic-Indic digits to ASCII, and
    vowel marks (zer, zabar, pesh, tashdeed, hamza above…) removed."""

    def fold(c: str) -> str:
        if c in DIGIT_FOLD:
            return DIGIT_FOLD[c]
        if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u08ff":
            base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not _is_arabic_mark(ch))
            return "".join(ARABIC_FOLD.get(ch, ch) for ch in base)
        return c

    return _per_char(n, fold)


def collapse_whitespace(n: Normalized) -> Normalized:
    """Any run of whitespace becomes one space; leading and trailing space is dropped."""
    pieces: list[tuple[str, int, int]] = []
    for c, s, e in zip(n.text, n.starts, n.ends, strict=True):
        if c.isspace():
            if pieces and pieces[-1][0] != " ":
                pieces.append((" ", s, e))
        else:
            pieces.append((c, s, e))
    if pieces and pieces[-1][0] == " ":
        pieces.pop()
    return _rebuild(n, pieces)


STEPS: tuple[Step, ...] = (
    replace_surrogates,
    strip_invisible,
    nfkc_casefold,
    fold_arabic_script,
    strip_invisible,
    collapse_whitespace,
)


def normalize(text: str, steps: tuple[Step, ...] = STEPS) -> Normalized:
    n = Normalized.of(text)
    for step in steps:
        n = step(n)
    return n


# -- the fast path: the same result as ``normalize(text).text`` without the offset map -----------

_SURROGATES = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_INVISIBLE = {cp: None for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"} | {
    0x0640: None
}
_ARABIC_TABLE: dict[int, str] = {}
for _cp in [*range(0x0600, 0x0700), *range(0x0750, 0x0900)]:
    _c = chr(_cp)
    _folded = fold_arabic_script(Normalized.of(_c)).text
    if _folded != _c:
        _ARABIC_TABLE[_cp] = _folded
for _d, _ascii in DIGIT_FOLD.items():
    _ARABIC_TABLE[ord(_d)] = _ascii


def normalize_text(text: str) -> str:
    """``normalize(text).text``, computed with whole-string operations.

    Matching runs on this; the slower offset map is built only for texts that matched. The two
    can differ only where canonical composition crosses a starter (Hangul jamo, a few Indic
    vowel signs); callers that need exactness compare them (see ``lexicon.py``).
    """
    if text.isascii():
        return _SPACES.sub(" ", text.lower()).strip(" ")
    text = _SURROGATES.sub("\ufffd", text).translate(_INVISIBLE)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = text.translate(_ARABIC_TABLE).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip(" ")
