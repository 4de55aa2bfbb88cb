"""Lexicon terms managed in the database, on top of the shipped TSV banks.

Every add or remove is one row change in ``lexicon_terms`` plus a ledger entry in the same
transaction, so who changed which term, and when, is part of the verifiable record. The detector
that the pipeline runs is built from the banks with the database's changes applied
(:func:`detector_from_store`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from nigran import ledger
from nigran.detect.text.lexicon import COLUMNS, LexiconDetector, Term, default_bank_dir, load_banks
from nigran.detect.text.normalize import normalize_text
from nigran.errors import InvalidInput, NotFound
from nigran.store import Store
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
    row = {
        "key": key,
        "term": term.term,
        "category": term.category,
        "severity": term.severity,
        "language": term.language or "und",
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


def detector_from_store(store: Store) -> LexiconDetector:
    with store.read() as conn:
        return LexiconDetector(effective_terms(conn))


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
