"""Lexicon terms managed in the database, on top of the shipped TSV banks.

Every add or remove is one row change in ``lexicon_terms`` plus a ledger entry in the same
transaction, so who changed which term, and when, is part of the verifiable record.

The pipeline runs the shipped banks with the database's changes applied, and follows later
changes the way hash-bank changes are followed (:mod:`nigran.banks.hashes`): :class:`TermStore`
reads the ``lexicon.*`` ledger entries after the last one it has seen and, if there are any,
rebuilds the detector from the tables. A ``nigran lexicon add`` in another process reaches a
running ``serve`` or ``worker`` at its next batch (pipelines follow at most once a second).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from nigran import languages, ledger
from nigran.detect.text.lexicon import COLUMNS, LexiconDetector, Term, default_bank_dir, load_banks
from nigran.detect.text.normalize import normalize_text
from nigran.errors import InvalidInput, NotFound
from nigran.model import Content, Signal
from nigran.store import Store
from nigran.store.tables import ledger as ledger_t
from nigran.store.tables_text import lexicon_terms

CATEGORIES = ("harassment", "hate", "threat", "sexual", "self_harm", "violent_extremism")


def _check(term: str, category: str, severity: int) -> str:
    key = normalize_text(term)
    if not key:
        raise InvalidInput("term is empty after normalisation", where="term")
    if category not in CATEGORIES:
        raise InvalidInput(f"unknown category {category!r}; one of {', '.join(CATEGORIES)}")
    if not 1 <= severity <= 4:
        raise InvalidInput(f"severity must be 1..4, got {severity}")
    return key


def add_term(conn: Connection, term: Term, *, by: str) -> int:
    """Add (or re-activate and update) a term; returns the ledger sequence number."""
    key = _check(term.term, term.category, term.severity)
    # Only a language of the table (UnknownLanguage otherwise); an alias is stored as its code.
    language = languages.language(term.language or "und", where="language").code
    row = {
        "key": key,
        "term": term.term,
        "category": term.category,
        "severity": term.severity,
        "language": language,
        "target": term.target,
        "note": term.note,
        "active": True,
        "changed_by": by,
        "changed_at": datetime.now(UTC),
    }
    existing = conn.execute(
        select(lexicon_terms.c.id).where(
            lexicon_terms.c.key == key, lexicon_terms.c.category == term.category
        )
    ).first()
    if existing:
        conn.execute(lexicon_terms.update().where(lexicon_terms.c.id == existing.id).values(**row))
    else:
        conn.execute(lexicon_terms.insert().values(**row))
    payload = {k: v for k, v in row.items() if k not in ("changed_at", "active")}
    return ledger.append(conn, "lexicon.add", f"lexicon:{term.category}:{key}", payload)


def remove_term(
    conn: Connection,
    term: str,
    category: str,
    *,
    by: str,
    shipped: Iterable[Term] | None = None,
) -> int:
    """Deactivate a term (shipped or added); unknown terms are a ``NotFound``."""
    key = normalize_text(term)
    bank = load_banks(default_bank_dir()) if shipped is None else shipped
    is_shipped = any(t.key == key and t.category == category for t in bank)
    existing = conn.execute(
        select(lexicon_terms).where(
            lexicon_terms.c.key == key, lexicon_terms.c.category == category
        )
    ).first()
    if existing is None and not is_shipped:
        raise NotFound(f"no {category} term {term!r} in the banks or the database")
    now = datetime.now(UTC)
    if existing is not None:
        conn.execute(
            lexicon_terms.update()
            .where(lexicon_terms.c.id == existing.id)
            .values(active=False, changed_by=by, changed_at=now)
        )
    else:
        conn.execute(
            lexicon_terms.insert().values(
                key=key,
                term=term,
                category=category,
                severity=1,
                language="und",
                target="",
                note="removed shipped term",
                active=False,
                changed_by=by,
                changed_at=now,
            )
        )
    return ledger.append(
        conn,
        "lexicon.remove",
        f"lexicon:{category}:{key}",
        {"key": key, "category": category, "by": by},
    )


def effective_terms(conn: Connection, shipped: Iterable[Term] | None = None) -> list[Term]:
    """The shipped banks with the database's additions and removals applied."""
    rows = conn.execute(select(lexicon_terms).order_by(lexicon_terms.c.id)).all()
    changes = {(r.key, r.category): r for r in rows}
    out = []
    for t in load_banks(default_bank_dir()) if shipped is None else shipped:
        r = changes.get((t.key, t.category))
        if r is None:
            out.append(t)
        elif r.active:
            out.append(replace(t, severity=r.severity, target=r.target, note=r.note))
    seen = {(t.key, t.category) for t in out}
    for r in rows:
        if r.active and (r.key, r.category) not in seen:
            out.append(
                Term(r.term, r.category, r.severity, r.language, r.target, r.note, "database")
            )
    return out


class LiveLexicon:
    """The lexicon detector a long-running pipeline holds: it answers with the detector built
    from the latest terms, which :class:`TermStore` swaps in whole (the OCR detector, which hands
    on-screen text to the text detectors, holds this same object, so it follows too)."""

    name = LexiconDetector.name

    def __init__(self, detector: LexiconDetector) -> None:
        self.current = detector
        self.version = detector.version

    def swap(self, detector: LexiconDetector) -> None:
        self.current = detector
        self.version = detector.version

    def detect(self, items: Sequence[Content]) -> list[list[Signal]]:
        return self.current.detect(items)

    def detect_read(self, items: Sequence[Content]) -> list[list[Signal]]:
        return self.current.detect_read(items)


class TermStore:
    """The shipped banks plus the store's term changes, as one detector kept in step with the
    store by :meth:`follow`."""

    def __init__(self, store: Store, *, shipped: Iterable[Term] | None = None) -> None:
        self.store = store
        self.shipped = list(load_banks(default_bank_dir()) if shipped is None else shipped)
        self._seq = 0
        """The ledger head when the terms were last read: changes after it are not in memory."""
        self._followed_at = 0.0
        with store.read() as conn:
            self.detector = LiveLexicon(self._read(conn))

    def _read(self, conn: Connection) -> LexiconDetector:
        # The ledger head first: a change committed while the table is read is then also
        # followed later, which reads the same rows again (following is idempotent).
        self._seq = max(self._seq, _ledger_head(conn))
        return LexiconDetector(effective_terms(conn, self.shipped))

    def follow(self, *, at_most_every: float = 0.0) -> int:
        """Rebuild the detector if terms changed since the last call; returns how many term
        changes were found. ``at_most_every``: seconds; a call sooner does nothing."""
        now = time.monotonic()
        if at_most_every and now - self._followed_at < at_most_every:
            return 0
        self._followed_at = now
        with self.store.read() as conn:
            # Up to the head read first: ledger appends are serialised, so nothing at or below
            # it can still commit, and the terms read after it include every change counted.
            head = _ledger_head(conn)
            changes = int(
                conn.execute(
                    select(func.count()).where(
                        ledger_t.c.seq > self._seq,
                        ledger_t.c.seq <= head,
                        ledger_t.c.kind.like("lexicon.%"),
                    )
                ).scalar_one()
            )
            if changes:
                self.detector.swap(self._read(conn))
            self._seq = max(self._seq, head)
        return changes


def _ledger_head(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(ledger_t.c.seq), 0))).scalar_one())


def export_tsv(terms: Iterable[Term]) -> str:
    """The terms as one bank file (the same format ``read_bank`` reads)."""
    buf = io.StringIO()
    w = csv.writer(
        buf, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n"
    )
    w.writerow(COLUMNS)
    for t in sorted(terms, key=lambda t: (t.language, t.category, t.key)):
        w.writerow([t.term, t.category, t.severity, t.language, t.target, t.note])
    return buf.getvalue()
