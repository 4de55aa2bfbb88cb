"""Term banks matched with Aho–Corasick on word boundaries, in every script.

A bank is a TSV file (``data/lexicon/*.tsv`` in the package, or any directory given by
``NIGRAN_LEXICON_DIR`` / ``--lexicon-dir``) with a header row and the columns::

    term  category  severity  language  target  note

``severity`` is 1 (mild) to 4 (most severe); ``target`` names the group a hate term attacks
(``religion``, ``gender``, ``ethnicity``…) or is empty. Terms are normalised with the same
function as the text (see ``normalize.py``), so a bank written in Arabic-keyboard Urdu matches
text typed on an Urdu keyboard and vice versa.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import ahocorasick

from nigran import languages
from nigran.detect.text import fuzzy
from nigran.detect.text.langid import guess_language
from nigran.detect.text.normalize import normalize, normalize_text
from nigran.detect.text.transliterate import (
    VIA_URDU_SCRIPT,
    cross_script_keys,
    has_brahmic,
    phonetic_fold,
    to_urdu_script,
)
from nigran.errors import ConfigError
from nigran.model import Content, Evidence, Signal, SignalSource, Span, TextField

COLUMNS = ("term", "category", "severity", "language", "target", "note")
SEVERITY_SCORE = {1: 0.55, 2: 0.7, 3: 0.85, 4: 0.97}
"""A lexicon hit is strong but context-blind evidence: scores stay below a confident model's."""

APPROXIMATE_CHARS = 4000
"""Only the first characters of a text are searched approximately (what OCR reads off an item is
mostly far shorter): the search costs about 0.1 ms a character on text dense with near
misses (``bench``-style Urdu sentences ending as threats do)."""

APPROXIMATE_CEILING = 0.8
"""The highest score of a term found only approximately in text read off a picture (OCR): below
every removal threshold, so such a finding goes to a reviewer, never straight to removal."""


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    category: str
    severity: int
    language: str
    target: str = ""
    note: str = ""
    bank: str = ""

    @property
    def key(self) -> str:
        return normalize_text(self.term)


@dataclass(frozen=True, slots=True)
class Match:
    term: Term
    field: TextField
    start: int
    end: int
    """Offsets in the original text of ``field``."""
    via: str = ""
    """``transliterated``: found in the text carried into Urdu script (Hindi, Gurmukhi);
    ``approximate``: found in text read off a picture with a few edits (:mod:`.fuzzy`)."""
    edits: float = 0.0
    """Edits the approximate match needed (0 for the others)."""


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f]")


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def read_bank(path: Path) -> list[Term]:
    """Read one TSV bank; a bad row is an error naming the file and line."""
    terms: list[Term] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header[:4]) != COLUMNS[:4]:
            raise ConfigError(
                "first row must be the tab-separated header: " + " ".join(COLUMNS),
                where=f"{path}:1",
            )
        for lineno, row in enumerate(reader, start=2):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            row = row + [""] * (len(COLUMNS) - len(row))
            term, category, severity, language, target, note = (c.strip() for c in row[:6])
            if not severity.isdigit() or not 1 <= int(severity) <= 4:
                raise ConfigError(
                    f"severity must be 1..4, got {severity!r}", where=f"{path}:{lineno}"
                )
            if not category:
                raise ConfigError("category is empty", where=f"{path}:{lineno}")
            if not normalize_text(term):
                raise ConfigError("term is empty after normalisation", where=f"{path}:{lineno}")
            # A bank may only name a language of the table (an alias is stored as its code).
            code = languages.language(language or "und", where=f"{path}:{lineno}").code
            terms.append(Term(term, category, int(severity), code, target, note, path.stem))
    return terms


def default_bank_dir() -> Path:
    override = os.environ.get("NIGRAN_LEXICON_DIR")
    if override:
        return Path(override)
    return Path(str(resources.files("nigran.detect.text") / "data" / "lexicon"))


def load_banks(directory: Path) -> list[Term]:
    if not directory.is_dir():
        raise ConfigError(f"lexicon directory {directory} does not exist")
    terms: list[Term] = []
    for path in sorted(directory.glob("*.tsv")):
        terms.extend(read_bank(path))
    return terms


def _automaton_of(by_key: dict[str, list[Term]]) -> ahocorasick.Automaton:
    """An automaton over ``by_key``'s keys, each yielding ``(length, terms)``; left empty (and
    never searched, see ``_scan``) when there are no keys."""
    automaton = ahocorasick.Automaton()
    for key, entries in by_key.items():
        automaton.add_word(key, (len(key), tuple(entries)))
    if by_key:
        automaton.make_automaton()
    return automaton


class LexiconDetector:
    """Finds bank terms in every text field of an item; one signal per category."""

    name = "lexicon"

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = list(terms)
        by_key: dict[str, list[Term]] = defaultdict(list)
        for t in self.terms:
            by_key[t.key].append(t)
        self._automaton = _automaton_of(by_key)
        # Urdu-script terms, folded as transliterated Hindi and Gurmukhi text is (see
        # transliterate.py), for the cross-script scan.
        cross: dict[str, list[Term]] = defaultdict(list)
        for key, entries in by_key.items():
            if _ARABIC_SCRIPT.search(key):
                for variant in cross_script_keys(key):
                    cross[variant].extend(entries)
        self._cross = _automaton_of(cross)
        # Arabic-script terms long enough to be searched approximately in OCR text.
        self._approximate = [
            (key, tuple(entries))
            for key, entries in sorted(by_key.items())
            if _ARABIC_SCRIPT.search(key) and fuzzy.allowed_edits(len("".join(key.split())))
        ]
        digest = hashlib.sha256()
        for t in sorted(self.terms, key=lambda t: (t.bank, t.key, t.category)):
            digest.update(f"{t.bank}\t{t.key}\t{t.category}\t{t.severity}\n".encode())
        self.version = f"lexicon-{len(self.terms)}-{digest.hexdigest()[:12]}"

    @classmethod
    def from_default_banks(cls) -> LexiconDetector:
        return cls(load_banks(default_bank_dir()))

    @classmethod
    def from_dir(cls, directory: Path) -> LexiconDetector:
        return cls(load_banks(directory))

    def _scan(
        self, text: str, automaton: ahocorasick.Automaton | None = None
    ) -> list[tuple[int, int, tuple[Term, ...]]]:
        """Matches as ``(start, end, terms)`` in ``text``, kept only on word boundaries."""
        automaton = automaton or self._automaton
        if not text or automaton.kind != ahocorasick.AHOCORASICK:
            return []
        hits = []
        for end_idx, (length, entries) in automaton.iter(text):
            start, end = end_idx - length + 1, end_idx + 1
            if start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
                continue
            if end < len(text) and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
                continue
            hits.append((start, end, entries))
        return hits

    def matches(self, field: TextField, original: str) -> list[Match]:
        fast = normalize_text(original)
        if not self._scan(fast):
            return []
        # Only texts that hit pay for the offset map; if the fast path ever disagrees with the
        # exact one, the exact text is the one that counts.
        exact = normalize(original)
        out: list[Match] = []
        for start, end, entries in self._scan(exact.text):
            o_start, o_end = exact.original_span(start, end)
            out.extend(Match(t, field, o_start, o_end) for t in entries)
        return out

    def cross_script_matches(self, field: TextField, original: str) -> list[Match]:
        """Urdu-script terms in Hindi (Devanagari) or Punjabi (Gurmukhi) text, read in Urdu
        script; spans point into what the user wrote."""
        if not has_brahmic(original):
            return []
        urdu = to_urdu_script(original)
        norm = normalize(urdu.text)
        out: list[Match] = []
        for start, end, entries in self._scan(phonetic_fold(norm.text), self._cross):
            u_start, u_end = norm.original_span(start, end)
            o_start, o_end = urdu.original_span(u_start, u_end)
            out.extend(Match(t, field, o_start, o_end, "transliterated") for t in entries)
        return out

    def approximate_matches(self, field: TextField, original: str) -> list[Match]:
        """Arabic-script terms found with a few edits (:mod:`.fuzzy`): only for text read off a
        picture, where Nastaliq comes back with moved spaces and lost dots; spans point into
        ``original``."""
        original = original[:APPROXIMATE_CHARS]
        if not _ARABIC_SCRIPT.search(original):
            return []
        exact = normalize(original)
        out: list[Match] = []
        for key, entries in self._approximate:
            for hit in fuzzy.find(key, exact.text):
                o_start, o_end = exact.original_span(hit.start, hit.end)
                out.extend(
                    Match(t, field, o_start, o_end, "approximate", hit.edits) for t in entries
                )
        return out

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        return [self._detect_one(item) for item in items]

    def detect_read(self, items: Sequence[Content]) -> list[list[Signal]]:
        """:meth:`detect` for text read off pictures (OCR): Arabic-script terms are also found
        approximately, at scores no higher than :data:`APPROXIMATE_CEILING`."""
        return [self._detect_one(item, approximate=True) for item in items]

    def _detect_one(self, item: Content, *, approximate: bool = False) -> list[Signal]:
        found: dict[str, list[Match]] = defaultdict(list)
        for field, text in item.texts.items():
            ms = self.matches(field, text) + self.cross_script_matches(field, text)
            if approximate:
                exact_spans = {(m.start, m.end) for m in ms}
                ms += [
                    m
                    for m in self.approximate_matches(field, text)
                    if not any(m.start < e and s < m.end for s, e in exact_spans)
                ]
            for m in ms:
                found[m.term.category].append(m)
        if not found:
            return []
        language = item.language_hint or guess_language(" ".join(item.texts.values()))
        signals = []
        for category, ms in sorted(found.items()):
            exact = [m for m in ms if m.via != "approximate"]
            if exact:
                worst = max(exact, key=lambda m: m.term.severity)
                score = SEVERITY_SCORE[worst.term.severity]
            else:
                # Only approximate findings: the fewer edits, the closer to the ceiling.
                worst = max(ms, key=lambda m: (m.term.severity, -m.edits))
                length = len("".join(worst.term.key.split()))
                score = min(SEVERITY_SCORE[worst.term.severity], APPROXIMATE_CEILING)
                score *= 1 - worst.edits / max(1, length)
            signals.append(
                Signal(
                    source=SignalSource.LEXICON,
                    detector=self.name,
                    category=category,
                    score=round(score, 3),
                    severity=worst.term.severity,
                    language=language,
                    evidence=Evidence(
                        spans=[Span(field=m.field, start=m.start, end=m.end) for m in ms],
                        term=worst.term.term,
                        bank=worst.term.bank,
                        model_version=self.version,
                        details={
                            "targets": sorted({m.term.target for m in ms if m.term.target}),
                            "terms": sorted({m.term.term for m in ms}),
                            **(
                                {"via": VIA_URDU_SCRIPT}
                                if any(m.via == "transliterated" for m in ms)
                                else {}
                            ),
                            **(
                                {
                                    "approximate": {
                                        m.term.term: m.edits for m in ms if m.via == "approximate"
                                    }
                                }
                                if not exact
                                else {}
                            ),
                        },
                    ),
                )
            )
        return signals
