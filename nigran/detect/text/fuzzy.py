"""Approximate search for lexicon terms in text read off pictures (OCR), Arabic script only.

Tesseract reads Nastaliq with a character error rate around 0.4 (``bench.ocr``): a threat such as
"گولی مار دوں گا" comes back as "سگولی ماردو ںگا" — the letters mostly right, the spaces moved,
some dots lost. Exact matching finds nothing in such text; this module finds a term where a few
edits turn part of the text into it:

- spaces are ignored on both sides (OCR moves them, Nastaliq barely shows them);
- a substitution between letters that differ only by their dots (ب ت ث پ ٹ ن ی, ج چ ح خ, د ڈ ذ,
  ر ڑ ز ژ, س ش, ص ض, ط ظ, ع غ, ف ق, ک گ) costs :data:`DOT_COST`, any other edit 1;
- a term is searched only if it has :data:`MIN_LETTERS` letters or more, with at most
  :data:`EDIT_RATE` edits per letter, never more than :data:`MAX_EDITS` (a ceiling, so long
  phrases do not match whatever is near them), and no word of it needing more than
  :func:`word_edits` (the edits must be spread: a threat and an ordinary sentence that ends
  the same way differ in one word, which must be read nearly right).

It is never used on typed text (a typed near-miss is a different word), only on what OCR read;
see :meth:`nigran.detect.text.lexicon.LexiconDetector.approximate_matches`. Measured false and
true matches: ``python -m bench.ocr --lexicon`` (figures in docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

__all__ = [
    "DOT_COST",
    "EDIT_RATE",
    "MAX_EDITS",
    "MIN_LETTERS",
    "Hit",
    "allowed_edits",
    "find",
    "word_edits",
]

MIN_LETTERS = 9
"""Terms shorter than this (spaces not counted) are only matched exactly: a few edits turn a
short term into too many ordinary words."""

EDIT_RATE = 0.25
"""Edits allowed per letter of the term."""

MAX_EDITS = 3.0
"""The most edits any term may need, however long."""

DOT_COST = 0.5
"""Cost of reading a letter as another of the same shape that differs only by its dots."""

_SKELETONS = ("بتثپٹنیىئ", "جچحخ", "دڈذ", "رڑزژ", "سش", "صض", "طظ", "عغ", "فق", "کگك", "هہۃةھ")
_SHAPE = {c: k for k, group in enumerate(_SKELETONS) for c in group}


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    shape = _SHAPE.get(a)
    return DOT_COST if shape is not None and shape == _SHAPE.get(b) else 1.0


def allowed_edits(letters: int) -> float:
    """Edits a term of ``letters`` letters may need to match (0: exact matching only)."""
    if letters < MIN_LETTERS:
        return 0.0
    return min(MAX_EDITS, letters * EDIT_RATE)


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    """Offsets in the searched text (spaces included)."""
    edits: float


def find(term: str, text: str, edits: float | None = None) -> list[Hit]:
    """Places in ``text`` that ``term`` matches with at most ``edits`` edits (default:
    :func:`allowed_edits`), spaces ignored, no word of the term needing more than
    :func:`word_edits`; the best ones first, none overlapping."""
    words = term.split()
    pattern = "".join(words)
    limit = allowed_edits(len(pattern)) if edits is None else edits
    if not pattern or limit <= 0:
        return []
    # Letters of the text without spaces, and where each one is.
    at = [i for i, c in enumerate(text) if not c.isspace()]
    letters = "".join(text[i] for i in at)
    word_of = [k for k, w in enumerate(words) for _ in w]
    m = len(pattern)
    ends: list[tuple[float, int, int]] = []  # cost, end, window start
    tables: dict[int, list[list[float]]] = {}
    for lo, hi in _windows(pattern, letters, limit):
        table = _table(pattern, letters[lo:hi])
        tables[lo] = table
        ends += [(cost, lo + j, lo) for j, cost in enumerate(table[m]) if j and cost <= limit]
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for cost, end, lo in sorted(ends):
        window = letters[lo : lo + len(tables[lo][0]) - 1]
        start, per_word = _trace(tables[lo], pattern, window, end - lo, word_of, len(words))
        start += lo
        if end <= start or any(start < e and s < end for s, e in taken):
            continue
        if any(e > word_edits(len(w)) for e, w in zip(per_word, words, strict=True)):
            continue
        taken.append((start, end))
        hits.append(Hit(at[start], at[end - 1] + 1, cost))
    return hits


def word_edits(letters: int) -> float:
    """Edits one word of a term may need: 1, or a third of its letters if more. A threat
    differs from an ordinary sentence in a word or two ("قتل کر دوں گا", I will kill, against
    "ختم کر دوں گا", I will finish): those words must be read nearly right, the edits spread."""
    return max(1.0, letters / 3)


def _table(pattern: str, letters: str) -> list[list[float]]:
    """Sellers' table: ``table[i][j]`` is the fewest edits that end the first ``i`` letters of
    the pattern at letter ``j`` of the text, starting anywhere."""
    n = len(letters)
    table = [[0.0] * (n + 1)]
    for i, p in enumerate(pattern, 1):
        above = table[-1]
        row = [float(i)] + [0.0] * n
        for j, c in enumerate(letters, 1):
            row[j] = min(above[j - 1] + _cost(p, c), above[j] + 1, row[j - 1] + 1)
        table.append(row)
    return table


def _trace(
    table: list[list[float]],
    pattern: str,
    letters: str,
    end: int,
    word_of: list[int],
    n_words: int,
) -> tuple[int, list[float]]:
    """Where the match ending at ``end`` starts, and the edits it spends on each word."""
    per_word = [0.0] * n_words
    i, j = len(pattern), end
    while i > 0:
        here = table[i][j]
        if j > 0 and here == table[i - 1][j - 1] + _cost(pattern[i - 1], letters[j - 1]):
            per_word[word_of[i - 1]] += _cost(pattern[i - 1], letters[j - 1])
            i, j = i - 1, j - 1
        elif here == table[i - 1][j] + 1:  # a letter of the term the text lacks
            per_word[word_of[i - 1]] += 1
            i -= 1
        else:  # a letter of the text the term lacks
            per_word[word_of[i - 1]] += 1
            j -= 1
    return j, per_word


def _windows(pattern: str, letters: str, limit: float) -> list[tuple[int, int]]:
    """The stretches of ``letters`` that can hold the pattern within ``limit`` edits: of the
    pattern split into one piece more than the whole edits allowed, one piece at least appears
    unedited (pigeonhole; letters of one shape folded together, since a dot costs less than an
    edit), so a match lies around an occurrence of a piece. Searching only there keeps long
    OCR text cheap."""
    m, slack = len(pattern), int(limit) + 1
    pieces = int(limit) + 1
    if pieces > m:
        return [(0, len(letters))]
    folded = _fold(letters)
    size = m // pieces
    bounds = [k * size for k in range(pieces)] + [m]
    spans: list[tuple[int, int]] = []
    for a, b in pairwise(bounds):
        piece = _fold(pattern[a:b])
        found = folded.find(piece)
        while found >= 0:
            spans.append((max(0, found - a - slack), min(len(letters), found - a + m + slack)))
            found = folded.find(piece, found + 1)
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _fold(text: str) -> str:
    return "".join(chr(0xE000 + _SHAPE[c]) if c in _SHAPE else c for c in text)
