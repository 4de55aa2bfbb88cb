"""Text normalisation for matching, with a map back to the original text.

Each concern is one function from a :class:`Normalized` to a :class:`Normalized`; ``normalize``
composes them. Every output character remembers the ``[start, end)`` range of original code points
it came from, so a match found in normalised text becomes an evidence span a reviewer can see
highlighted in what the user actually wrote.

The composition is idempotent (normalising normalised text changes nothing) and total (any
Unicode string, including lone surrogates, gives a defined result); both are property-tested.
"""

from __future__ import annotations

import itertools
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

    @classmethod
    def from_pieces(cls, pieces: list[tuple[str, int, int]]) -> Normalized:
        """Text made of ``(output, start, end)`` pieces: every character of ``output`` came
        from the original range ``[start, end)``."""
        text: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for out, s, e in pieces:
            for _ in out:
                starts.append(s)
                ends.append(e)
            text.append(out)
        return cls("".join(text), tuple(starts), tuple(ends))

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


def _per_char(n: Normalized, fn: Callable[[str], str]) -> Normalized:
    return Normalized.from_pieces(
        [(fn(c), s, e) for c, s, e in zip(n.text, n.starts, n.ends, strict=True)]
    )


def _drop_surrogates(c: str) -> str:
    return "\ufffd" if "\ud800" <= c <= "\udfff" else c


def replace_surrogates(n: Normalized) -> Normalized:
    """Lone surrogates (invalid in UTF-8) become U+FFFD, so every later step sees valid text."""
    if n.text.isascii() or not _SURROGATES.search(n.text):
        return n  # nothing to replace: keep the offsets as they are (most texts)
    return _per_char(n, _drop_surrogates)


_INVISIBLE = {cp: None for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"} | {
    0x0640: None
}


def strip_invisible(n: Normalized) -> Normalized:
    """Remove format characters (Cf): zero-width joiners and spaces, bidi overrides and
    isolates, the BOM, soft hyphens, and the Arabic tatweel used to stretch words past filters."""

    if n.text.isascii() or n.text.translate(_INVISIBLE) == n.text:
        return n  # nothing to strip (ASCII has no format characters): the offsets stay
    return _per_char(n, lambda c: "" if ord(c) in _INVISIBLE else c)


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
    folded = n.text.casefold()
    if (
        len(folded) == len(n.text)
        and unicodedata.is_normalized("NFKC", n.text)
        and unicodedata.is_normalized("NFKC", folded)
    ):
        # Most text: already in normal form, and case folding (a per-character mapping) maps
        # one character to one. Only the ranges may change: each character of a cluster takes
        # the whole cluster's (so a letter whose vowel mark is folded away later covers it).
        n = Normalized(folded, n.starts, n.ends)
        if not any(map(unicodedata.combining, folded)):
            return n
        return Normalized.from_pieces(_clusters(n))
    pieces = []
    for text, s, e in _clusters(n):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        pieces.append((folded, s, e))
    return Normalized.from_pieces(pieces)


def _is_arabic_mark(c: str) -> bool:
    return unicodedata.combining(c) != 0 and (
        "\u0610" <= c <= "\u061a"
        or "\u064b" <= c <= "\u065f"
        or c == "\u0670"
        or "\u06d6" <= c <= "\u06ed"
        or "\u08d3" <= c <= "\u08ff"
    )


def _fold_arabic_char(c: str) -> str:
    if c in DIGIT_FOLD:
        return DIGIT_FOLD[c]
    if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u08ff":
        base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not _is_arabic_mark(ch))
        return "".join(ARABIC_FOLD.get(ch, ch) for ch in base)
    return c


_ARABIC_TABLE: dict[int, str | None] = {
    cp: _fold_arabic_char(chr(cp))
    for cp in [*range(0x0600, 0x0700), *range(0x0750, 0x0900), *map(ord, DIGIT_FOLD)]
    if _fold_arabic_char(chr(cp)) != chr(cp)
}
"""Every character the fold changes, and what it becomes (used to skip the per-character pass
when there is nothing to fold, and by the fast path)."""


def fold_arabic_script(n: Normalized) -> Normalized:
    """Urdu/Persian vs Arabic letter variants to one form, Arabic-Indic digits to ASCII, and
    vowel marks (zer, zabar, pesh, tashdeed, hamza above…) removed."""
    if n.text.isascii():
        return n
    folded = n.text.translate(_ARABIC_TABLE)
    if len(folded) == len(n.text):
        # Every fold is one character to one or to none (a test checks it): the same length
        # means nothing was dropped and the offsets stay.
        return Normalized(folded, n.starts, n.ends)
    return _per_char(n, lambda c: _ARABIC_BY_CHAR.get(c, c))


_ARABIC_BY_CHAR = {chr(cp): v or "" for cp, v in _ARABIC_TABLE.items()}


class _Builder:
    """A new :class:`Normalized` from an old one: unchanged stretches are copied as slices
    (a step changes a few characters of a text, not all of them), new text is added with the
    range it stands for."""

    __slots__ = ("changed", "ends", "n", "pos", "starts", "text")

    def __init__(self, n: Normalized) -> None:
        self.n = n
        self.pos = 0
        self.changed = False
        self.text: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def copy_to(self, end: int) -> None:
        n, pos = self.n, self.pos
        if end > pos:
            self.text.append(n.text[pos:end])
            self.starts.extend(n.starts[pos:end])
            self.ends.extend(n.ends[pos:end])
        self.pos = max(pos, end)

    def add(self, text: str, start: int, end: int) -> None:
        self.text.append(text)
        self.starts.extend([start] * len(text))
        self.ends.extend([end] * len(text))
        self.changed = True

    def skip_to(self, pos: int) -> None:
        """Drop the characters up to ``pos``."""
        if pos > self.pos:
            self.changed = True
            self.pos = pos

    def done(self) -> Normalized:
        if not self.changed:
            return self.n
        self.copy_to(len(self.n.text))
        return Normalized("".join(self.text), tuple(self.starts), tuple(self.ends))


def collapse_whitespace(n: Normalized) -> Normalized:
    """Any run of whitespace becomes one space; leading and trailing space is dropped."""
    if not _UNTIDY_SPACE.search(n.text):
        return n  # already single spaces between words
    # Word by word, not character by character: a space between two words keeps the range of
    # the first whitespace character of the run it replaces.
    out = _Builder(n)
    for k, m in enumerate(_WORD.finditer(n.text)):
        space, word = m.start(1), m.start(2)
        if k:
            out.add(" ", n.starts[space], n.ends[space])
        out.skip_to(word)
        out.copy_to(m.end())
    out.skip_to(len(n.text))
    return out.done()


_WORD = re.compile(r"(\s*)(\S+)")


# -- token-level steps: one regex and one replacement each, applied the same way to a plain string
# (the fast path) and to a Normalized (the exact path), so the two cannot drift apart. -----------

Piece = tuple[str, int, int]
"""Replacement text and the ``[start, end)`` range, relative to the match, it stands for."""


@dataclass(frozen=True, slots=True)
class RegexStep:
    """Replace every match of ``pattern`` by ``replace(match)``: pieces that each map to a part
    of the match, which keeps evidence spans tight, or None to leave the match as it is.
    ``may_apply`` is a cheap test that is true of every text the step would change; texts it is
    false of skip the step (most texts have no digits in words, no Cyrillic, no spaced
    letters)."""

    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], list[Piece] | None]
    may_apply: Callable[[str], object]

    def on_text(self, text: str) -> str:
        if not self.may_apply(text):
            return text
        return self.pattern.sub(self._replaced_text, text)

    def _replaced_text(self, m: re.Match[str]) -> str:
        pieces = self.replace(m)
        return m.group() if pieces is None else "".join(p[0] for p in pieces)

    def __call__(self, n: Normalized) -> Normalized:
        if not self.may_apply(n.text):
            return n
        out = _Builder(n)
        for m in self.pattern.finditer(n.text):
            pieces = self.replace(m)
            if pieces is None:
                continue
            start = m.start()
            out.copy_to(start)
            for text, a, b in pieces:
                out.add(text, n.starts[start + a], n.ends[start + b - 1])
            out.skip_to(m.end())
        return out.done()


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


def _fold_confusable_word(m: re.Match[str]) -> list[Piece] | None:
    word = m.group()
    if not _LATIN.search(word):
        return None
    return _each(word, _CONFUSABLE_TABLE)


fold_confusables = RegexStep(
    "fold_confusables",
    re.compile(r"(?<![^\W\d_])[^\W\d_]++"),
    _fold_confusable_word,
    re.compile("[" + "".join(CONFUSABLES) + "]").search,
)

# Digits and symbols standing for letters ("sh1t", "a$$", "b!tch"), replaced only inside a
# token where one touches a Latin letter, so "2 baje", "100%", "#psl2020" and "@user" stay.
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


# A stand-in touching a letter is what marks a word written to dodge a filter ("sh1t", "a$$");
# digits elsewhere in a word ("psl2020") are left alone, whatever else the text holds.
_LEET_BESIDE_LETTER = re.compile(r"[a-z][013457@$!]|[013457$][a-z]|(?<=.)[@!][a-z]")


def _fold_leet_token(m: re.Match[str]) -> list[Piece] | None:
    token = m.group()
    core = token.rstrip("!")
    if token.startswith("@") or not _LEET_BESIDE_LETTER.search(core):
        return None
    return _each(core, _LEET_TABLE) + [
        (c, len(core) + i, len(core) + i + 1) for i, c in enumerate(token[len(core) :])
    ]


_STAND_IN = re.compile(r"[013457@$!]")
_LETTER_SET = frozenset("abcdefghijklmnopqrstuvwxyz")
_TOKEN_SET = _LETTER_SET | frozenset("0123456789@$!")
_INNER_BANG = re.compile(r"!++[a-z0-9@$]")
"""A "!" the token goes on after: a word's trailing "!"s are not folded."""


def _may_have_leet(text: str) -> bool:
    """True of every text with a stand-in touching a letter inside a token (what
    ``_fold_leet_token`` folds), false of nearly all others. A regular expression saying the
    same took longer than the rest of normalising English: tweets are full of "@user" and "!",
    and this looks only at those characters, from a plain character-class search."""
    for m in _STAND_IN.finditer(text):
        i = m.start()
        prev = text[i - 1] if i else " "
        if prev in _LETTER_SET and (text[i] != "!" or _INNER_BANG.match(text, i)):
            return True
        if text[i + 1 : i + 2] in _LETTER_SET and (prev in _TOKEN_SET or text[i] in "013457$"):
            return True
    return False


fold_leetspeak = RegexStep(
    "fold_leetspeak",
    re.compile(r"(?<![\w@$!])[a-z0-9@$!]++(?![\w@$])"),
    _fold_leet_token,
    _may_have_leet,
)


def _join_letters(m: re.Match[str]) -> list[Piece]:
    """The letters without their separators, with elongation squeezed as
    ``squeeze_elongation`` would ("f u u u c k" joins into a run): a joined token stands
    alone, so squeezing it is squeezing the text, and the step after joining is not needed."""
    letters = [(c, i) for i, c in enumerate(m.group()) if c not in " .*_-"]
    pieces: list[Piece] = []
    for _, group in itertools.groupby(letters, key=lambda ci: ci[0]):
        run = list(group)
        if len(run) >= 3:
            pieces.append((run[0][0], run[0][1], run[-1][1] + 1))
        else:
            pieces.extend((c, i, i + 1) for c, i in run)
    return pieces


# "c h o r", "c.h.o.r": three or more single Latin letters, one separator between each.
join_spaced_letters = RegexStep(
    "join_spaced_letters",
    re.compile(r"(?<![\w.*_-])[a-z](?:[ .*_-][a-z]){2,}(?![\w*_-]|\.\w)"),
    _join_letters,
    re.compile(r"(?<![\w.*_-])[a-z][ .*_-][a-z][ .*_-][a-z]").search,
)

# Elongation ("bohhhhat", "sooo"): a Latin letter three or more times becomes one. Doubles stay:
# "allah", "acchha" and "ass" are spelled that way.
squeeze_elongation = RegexStep(
    "squeeze_elongation",
    re.compile(r"([a-z])\1{2,}+"),
    lambda m: [(m.group(1), 0, len(m.group()))],
    re.compile(r"([a-z])\1\1").search,
)

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
# Emoji glued to words become their own tokens, so a model sees the word and the emoji apart.
_EMOJI_GLUE = re.compile(rf"(?<=[^\s{_EMOJI}])(?=[{_EMOJI}])|(?<=[{_EMOJI}])(?=[^\s{_EMOJI}])")
_HAS_EMOJI = re.compile(f"[{_EMOJI}]")


def _has_emoji(text: str) -> bool:
    return not text.isascii() and _HAS_EMOJI.search(text) is not None


def space_emoji_text(text: str) -> str:
    return _EMOJI_GLUE.sub(" ", text) if _has_emoji(text) else text


def space_emoji(n: Normalized) -> Normalized:
    """The inserted space takes the range of the character it precedes."""
    if not _has_emoji(n.text):
        return n
    out = _Builder(n)
    for m in _EMOJI_GLUE.finditer(n.text):
        cut = m.start()
        out.copy_to(cut)
        out.add(" ", n.starts[cut], n.ends[cut])
    return out.done()


TOKEN_STEPS: tuple[RegexStep, ...] = (
    fold_confusables,
    fold_leetspeak,
    squeeze_elongation,
    join_spaced_letters,
)
"""Applied after the character steps, in this order, by both ``normalize`` and
``normalize_text``. Squeezing runs before joining ("a a a b" must not join into a new run on a
second pass); joining squeezes what it joins ("f u u u c k")."""


_ASCII_TOKEN_STEPS = tuple(s for s in TOKEN_STEPS if s is not fold_confusables)


def token_steps_for(text: str) -> tuple[RegexStep, ...]:
    """The token steps that can change ``text``: every one of them acts only on words holding a
    Latin letter, and confusables are never ASCII. Checked once, instead of one trigger per
    step (most Urdu text has no Latin letter at all)."""
    if text.isascii():
        return _ASCII_TOKEN_STEPS
    return TOKEN_STEPS if _LATIN.search(text) else ()


def token_steps(n: Normalized) -> Normalized:
    for step in token_steps_for(n.text):
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
# Folding then stripping in one table: no folded letter is a format character and no format
# character folds, so one pass gives what the two steps give (and each pass over non-ASCII text
# costs about as much as NFKC itself).
_FOLD_AND_STRIP: dict[int, str | None] = {**_INVISIBLE, **_ARABIC_TABLE}


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
    # " ".join(text.split()) is the whitespace collapse: str.split and the regex \s agree on
    # what whitespace is, and it is several times faster than a substitution.
    if text.isascii():
        text = " ".join(text.lower().split())
    else:
        # Printable text has no format characters (Cf) and no surrogates; tatweel is a letter
        # (Lm) to Python and is looked for on its own.
        if not text.isprintable() or "\u0640" in text:
            text = _SURROGATES.sub("\ufffd", text).translate(_INVISIBLE)
        text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        text = " ".join(text.translate(_FOLD_AND_STRIP).split())
    for step in token_steps_for(text):
        text = step.on_text(text)
    text = space_emoji_text(text)
    return " ".join(text.split())


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
    _LATIN_WORD.search,
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
