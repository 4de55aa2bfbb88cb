"""Tables of the text area: lexicon terms managed in the database, and reviewer labels.

``lexicon_terms`` holds the terms added or removed through the API/CLI on top of the shipped TSV
banks (a removal of a shipped term is a row with ``active`` false). Reviewers' verdicts on text,
which ``nigran train --include-reviews`` reads back, are the review area's ``review_labels``
(``nigran/store/tables_review.py``).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, UniqueConstraint

from nigran.store.tables import UtcDateTime, metadata

lexicon_terms = Table(
    "lexicon_terms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(512), nullable=False),
    Column("term", String(512), nullable=False),
    Column("category", String(64), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("language", String(16), nullable=False),
    Column("target", String(64), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False),
    Column("changed_by", String(256), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    UniqueConstraint("key", "category", name="uq_lexicon_terms_key_category"),
)
