"""Lexicon changes in the database: applied over the shipped banks, each one in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nigran import ledger
from nigran.banks.terms import (
    add_term,
    effective_terms,
    export_tsv,
    remove_term,
)
from nigran.detect.text.lexicon import LexiconDetector, Term, read_bank
from nigran.errors import InvalidInput, NotFound
from nigran.model import TextField
from nigran.store import Store
from nigran.store.tables_review import review_labels
from nigran.training.train import review_rows

SHIPPED = [Term("chor", "harassment", 1, "ur-Latn", bank="test")]


def test_add_remove_and_ledger(store: Store) -> None:
    with store.transaction() as conn:
        seq = add_term(conn, Term("Jaahil Insaan", "harassment", 2, "ur-Latn"), by="rev1")
    with store.read() as conn:
        terms = effective_terms(conn, SHIPPED)
        entries = list(ledger.entries(conn))
    assert {t.key for t in terms} == {"chor", "jaahil insaan"}
    assert entries[-1].seq == seq and entries[-1].kind == "lexicon.add"
    detector = LexiconDetector(terms)
    (m,) = detector.matches(TextField.BODY, "tum JAAHIL  insaan ho")
    assert (m.start, m.end) == (4, 18)

    with store.transaction() as conn:
        remove_term(
            conn, "chor", "harassment", by="rev1", shipped=SHIPPED
        )  # a shipped term: masked, not deleted
        remove_term(conn, "jaahil insaan", "harassment", by="rev1")
    with store.read() as conn:
        assert effective_terms(conn, SHIPPED) == []
        kinds = [e.kind for e in ledger.entries(conn)]
    assert kinds[-2:] == ["lexicon.remove", "lexicon.remove"]


def test_bad_changes_are_refused_and_leave_nothing(sqlite_store: Store) -> None:
    with pytest.raises(InvalidInput, match="category"), sqlite_store.transaction() as conn:
        add_term(conn, Term("x y", "nonsense", 2, "en"), by="r")
    with pytest.raises(InvalidInput, match="empty"), sqlite_store.transaction() as conn:
        add_term(conn, Term("\u200b", "harassment", 2, "en"), by="r")
    with pytest.raises(NotFound), sqlite_store.transaction() as conn:
        remove_term(conn, "never added", "harassment", by="r")
    with sqlite_store.read() as conn:
        assert list(ledger.entries(conn)) == []


def test_export_reads_back_as_a_bank(sqlite_store: Store, tmp_path: object) -> None:
    with sqlite_store.transaction() as conn:
        add_term(conn, Term("maar dalunga", "threat", 4, "ur-Latn", note="n"), by="r")
        terms = effective_terms(conn, SHIPPED)
    from pathlib import Path

    path = Path(str(tmp_path)) / "bank.tsv"
    path.write_text(export_tsv(terms), encoding="utf-8")
    assert {(t.key, t.category, t.severity) for t in read_bank(path)} == {
        (t.key, t.category, t.severity) for t in terms
    }


def test_review_labels_come_back_as_training_rows(sqlite_store: Store) -> None:
    with sqlite_store.transaction() as conn:
        conn.execute(
            review_labels.insert(),
            [
                {
                    "content_id": "c1",
                    "version": 1,
                    "field": "body",
                    "text": "t1",
                    "language": "ur-Latn",
                    "category": "harassment",
                    "label": "violating",
                    "reviewer": "r",
                    "case_id": "k1",
                    "labelled_at": datetime.now(UTC),
                },
                {
                    "content_id": "c2",
                    "version": 1,
                    "field": "body",
                    "text": "t2",
                    "language": None,
                    "category": "threat",
                    "label": "not_violating",
                    "reviewer": "r",
                    "case_id": "k2",
                    "labelled_at": datetime.now(UTC),
                },
            ],
        )
    with sqlite_store.read() as conn:
        assert review_rows(conn) == [("t1", "harassment", "ur-Latn", 1), ("t2", "threat", "", 0)]
