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

_UNTIDY_SPACE = re.compile(r"^\s|\s$|\s\s|[^\S ]")
"""Whitespace that collapsing would change: at either end, doubled, or other than a space."""


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
    if n.text.isascii() or not _SURROGATES.search(n.text):
        return n  # nothing to replace: keep the offsets as they are (most texts)
    return _per_char(n, _drop_surrogates)


def strip_invisible(n: Normalized) -> Normalized:
    """Remove format characters (Cf): zero-width joiners and spaces, bidi overrides and
    isolates, the BOM, soft hyphens, and the Arabic tatweel used to stretch words past filters."""

    def keep(c: str) -> str:
        if c == "\u0640" or unicodedata.category(c) == "Cf":
            return ""
        return c

    if n.text.isascii():
        return n  # ASCII has no format characters
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
    if n.text.isascii():
        # NFKC leaves ASCII alone and case folding is lowercasing, one character for one.
        return Normalized(n.text.lower(), n.starts, n.ends)
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

    if n.text.isascii():
        return n  # no Arabic-script letters or digits to fold
    return _per_char(n, fold)


def collapse_whitespace(n: Normalized) -> Normalized:
    """Any run of whitespace becomes one space; leading and trailing space is dropped."""
    if not _UNTIDY_SPACE.search(n.text):
        return n  # already single spaces between words
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


# -- token-level steps: one regex and one replacement each, applied the same way to a plain string
# (the fast path) and to a Normalized (the exact path), so the two cannot drift apart. -----------

Piece = tuple[str, int, int]
"""Replacement text and the ``[start, end)`` range, relative to the match, it stands for."""


@dataclass(frozen=True, slots=True)
class RegexStep:
    """Replace every match of ``pattern`` by ``replace(match)``: pieces that each map to a part
    of the match, which keeps evidence spans tight. ``trigger`` is a cheap test: texts it does not
    match skip the step (most texts have no digits in words, no Cyrillic, no spaced letters)."""

    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], list[Piece]]
    trigger: re.Pattern[str]

    def on_text(self, text: str) -> str:
        if not self.trigger.search(text):
            return text
        return self.pattern.sub(lambda m: "".join(p[0] for p in self.replace(m)), text)

    def __call__(self, n: Normalized) -> Normalized:
        if not self.trigger.search(n.text):
            return n
        pieces: list[tuple[str, int, int]] = []
        pos = 0
        for m in self.pattern.finditer(n.text):
            for i in range(pos, m.start()):
                pieces.append((n.text[i], n.starts[i], n.ends[i]))
            for text, a, b in self.replace(m):
                pieces.append((text, n.starts[m.start() + a], n.ends[m.start() + b - 1]))
            pos = m.end()
        for i in range(pos, len(n.text)):
            pieces.append((n.text[i], n.starts[i], n.ends[i]))
        return _rebuild(n, pieces)


def _each(text: str, table: dict[int, str] | None = None) -> list[Piece]:
    return [(c.translate(table) if table else c, i, i + 1) for i, c in enumerate(text)]


# Cyrillic and Greek letters that look like Latin ones, used inside Latin words to dodge filters
# (a Cyrillic "с" and "о" in "chor"). Only words that also hold a Latin letter are touched, so real
# Russian or Greek text stays as written. Fullwidth forms are already folded by NFKC.
CONFUSABLES: dict[str, str] = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ɡ": "g",
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "γ": "y",
    "ω": "w",
}
_CONFUSABLE_TABLE = str.maketrans(CONFUSABLES)
_LATIN = re.compile("[a-z]")


def _fold_confusable_word(m: re.Match[str]) -> list[Piece]:
    word = m.group()
    if not _LATIN.search(word):
        return _each(word)
    return _each(word, _CONFUSABLE_TABLE)


fold_confusables = RegexStep(
    "fold_confusables",
    re.compile(r"(?<![^\W\d_])[^\W\d_]++"),
    _fold_confusable_word,
    re.compile("[" + "".join(CONFUSABLES) + "]"),
)

# Digits and symbols standing for letters ("sh1t", "a$$", "b!tch"), replaced only inside a
# token that also has a Latin letter, so "2 baje", "100%" and "@user" mentions stay.
LEET: dict[str, str] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "@": "a",
    "$": "s",
    "!": "i",
}
_LEET_TABLE = str.maketrans(LEET)
_LEET_CHAR = re.compile(r"[013457@$!]")


def _fold_leet_token(m: re.Match[str]) -> list[Piece]:
    token = m.group()
    core = token.rstrip("!")
    if token.startswith("@") or not _LATIN.search(core) or not _LEET_CHAR.search(core):
        return _each(token)
    return _each(core, _LEET_TABLE) + [
        (c, len(core) + i, len(core) + i + 1) for i, c in enumerate(token[len(core) :])
    ]


fold_leetspeak = RegexStep(
    "fold_leetspeak",
    re.compile(r"(?<![\w@$!])[a-z0-9@$!]++(?![\w@$])"),
    _fold_leet_token,
    re.compile(r"[a-z][013457@$!]|[013457@$][a-z]"),
)


def _join_letters(m: re.Match[str]) -> list[Piece]:
    return [(c, i, i + 1) for i, c in enumerate(m.group()) if c not in " .*_-"]


# "c h o r", "c.h.o.r": three or more single Latin letters, one separator between each.
join_spaced_letters = RegexStep(
    "join_spaced_letters",
    re.compile(r"(?<![\w.*_-])[a-z](?:[ .*_-][a-z]){2,}(?![\w*_-]|\.\w)"),
    _join_letters,
    re.compile(r"(?<![\w.*_-])[a-z][ .*_-][a-z][ .*_-][a-z]"),
)

# Elongation ("bohhhhat", "sooo"): a Latin letter three or more times becomes one. Doubles stay:
# "allah", "acchha" and "ass" are spelled that way.
squeeze_elongation = RegexStep(
    "squeeze_elongation",
    re.compile(r"([a-z])\1{2,}+"),
    lambda m: [(m.group(1), 0, len(m.group()))],
    re.compile(r"([a-z])\1\1"),
)

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
# Emoji glued to words become their own tokens, so a model sees the word and the emoji apart.
_EMOJI_GLUE = re.compile(rf"(?<=[^\s{_EMOJI}])(?=[{_EMOJI}])|(?<=[{_EMOJI}])(?=[^\s{_EMOJI}])")
_HAS_EMOJI = re.compile(f"[{_EMOJI}]")


def space_emoji_text(text: str) -> str:
    return _EMOJI_GLUE.sub(" ", text) if _HAS_EMOJI.search(text) else text


def space_emoji(n: Normalized) -> Normalized:
    """The inserted space takes the range of the character it precedes."""
    if not _HAS_EMOJI.search(n.text):
        return n
    cuts = {m.start() for m in _EMOJI_GLUE.finditer(n.text)}
    pieces: list[tuple[str, int, int]] = []
    for i, (c, s, e) in enumerate(zip(n.text, n.starts, n.ends, strict=True)):
        if i in cuts:
            pieces.append((" ", s, e))
        pieces.append((c, s, e))
    return _rebuild(n, pieces)


TOKEN_STEPS: tuple[RegexStep, ...] = (
    fold_confusables,
    fold_leetspeak,
    squeeze_elongation,
    join_spaced_letters,
    squeeze_elongation,
)
"""Applied after the character steps, in this order, by both ``normalize`` and
``normalize_text``. Squeezing runs before joining ("a a a b" must not join into a new run on a
second pass) and after it ("f u u u c k" joins into a run to squeeze)."""


def token_steps(n: Normalized) -> Normalized:
    for step in TOKEN_STEPS:
        n = step(n)
    return space_emoji(n)


STEPS: tuple[Step, ...] = (
    replace_surrogates,
    strip_invisible,
    nfkc_casefold,
    fold_arabic_script,
    strip_invisible,
    collapse_whitespace,
    token_steps,
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


_RECENT: dict[str, str] = {}
_RECENT_MAX = 8192
_RECENT_LONGEST = 2000


def normalize_text(text: str) -> str:
    """``normalize(text).text``, computed with whole-string operations.

    Matching runs on this; the slower offset map is built only for texts that matched. The two
    can differ only where canonical composition crosses a starter (Hangul jamo, a few Indic
    vowel signs); callers that need exactness compare them (see ``lexicon.py``).

    Recent short texts are remembered: language ID, the lexicon and the classifiers each
    normalise the same text of an item, and normalising costs more than all three lookups.
    """
    hit = _RECENT.get(text)
    if hit is not None:
        return hit
    out = _normalize_text(text)
    if len(text) <= _RECENT_LONGEST:
        if len(_RECENT) >= _RECENT_MAX:
            _RECENT.clear()
        _RECENT[text] = out
    return out


def _normalize_text(text: str) -> str:
    if text.isascii():
        text = _SPACES.sub(" ", text.lower()).strip(" ")
    else:
        text = _SURROGATES.sub("\ufffd", text).translate(_INVISIBLE)
        text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        text = text.translate(_ARABIC_TABLE).translate(_INVISIBLE)
        text = _SPACES.sub(" ", text).strip(" ")
    for step in TOKEN_STEPS:
        text = step.on_text(text)
    text = space_emoji_text(text)
    return _SPACES.sub(" ", text).strip(" ")


# -- Roman Urdu spelling folding: for models and fuzzy matching, never for the default lexicon path,
# because it merges English words too ("ass" and "as" both end as "as"). ------------------------

ROMAN_FOLD: tuple[tuple[str, str, str], ...] = (
    # (pattern, replacement, why) — applied in order to each Latin word.
    (r"ee", "i", "meri/meree, teri/teree: long i spelled ee"),
    (r"oo", "u", "hum/hoom, tum/toom, koon: long u spelled oo"),
    (r"kh", "k", "khan/kan, khuda/kuda: kh and k are typed interchangeably"),
    (r"q", "k", "qasam/kasam, qatl/katl"),
    (r"v", "w", "wo/vo, wala/vala"),
    (r"(?<=[a-z])(?:ai|ay|ey|ae|y)$", "e", "hai/hay/hy/he, bhai/bhae: word-final e sound"),
    (r"(?<=[aeiou])h$", "", "yeh/ye, woh/wo, kah/ka: silent final h"),
    (r"([a-z])\1+", r"\1", "acha/achha/accha, pagal/paagal: doubled letters"),
    (r"(?<=[a-z])n$", "", "nahin/nahi, main/mai, mein/mei: final nasal n"),
)
"""Each rule merges spellings seen in RUHSOLD's training text (``nigran eval`` reports how many
distinct words the table merges). The order matters: vowels are unified before doubles are
collapsed, so "meeree" and "meri" meet."""

_ROMAN_RULES = tuple((re.compile(p), r) for p, r, _ in ROMAN_FOLD)
_LATIN_WORD = re.compile(r"(?<![^\W\d_])[a-z]{2,}+(?![^\W\d_])")


def fold_roman_word(word: str) -> str:
    """The rules applied until nothing changes (one rule can expose another's pattern), so
    folding is idempotent; never empty."""
    for _ in range(8):
        before = word
        for pattern, repl in _ROMAN_RULES:
            word = pattern.sub(repl, word) or word
        if word == before:
            break
    return word


fold_roman_urdu = RegexStep(
    "fold_roman_urdu",
    _LATIN_WORD,
    lambda m: [(fold_roman_word(m.group()), 0, len(m.group()))],
    _LATIN_WORD,
)

ROMAN_STEPS: tuple[Step, ...] = (*STEPS, fold_roman_urdu)
"""``normalize(text, ROMAN_STEPS)``: the default steps plus Roman Urdu spelling folding."""

_word_cache: dict[str, str] = {}


def model_text(text: str) -> str:
    """What the classifiers see: ``normalize_text`` plus Roman Urdu folding, words cached."""
    norm = normalize_text(text)
    if len(_word_cache) > 200_000:
        _word_cache.clear()

    def fold(m: re.Match[str]) -> str:
        w = m.group()
        f = _word_cache.get(w)
        if f is None:
            f = _word_cache[w] = fold_roman_word(w)
        return f

    return _LATIN_WORD.sub(fold, norm)
