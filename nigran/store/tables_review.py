"""Tables of human review: who reviews, what they decided, and what they taught the detectors.

The core's ``cases`` table is extended here (columns appended to the shared ``Table`` object and
added by migration ``0002_review``) rather than replaced: the pipeline keeps inserting cases and
the review area owns everything that happens to them afterwards.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from nigran.store.tables import UtcDateTime, cases, metadata

# -- columns the review area adds to the core's cases table --------------------------------------

_CASE_COLUMNS = [
    # Where the case came from: proactive | user_report | trusted_flagger | authority_order.
    Column("source", String(32), nullable=False, server_default=text("'proactive'")),
    # primary | second_opinion | qa | golden: how the outcome is used (only primary enforces).
    Column("kind", String(16), nullable=False, server_default=text("'primary'")),
    Column("parent_id", String(64)),
    Column("reach", Float, nullable=False, server_default=text("1.0")),
    # When the case counts as at risk of missing its deadline (earliest-deadline-first from then).
    Column("risk_at", UtcDateTime),
    Column("claimed_by", String(64)),
    Column("claimed_at", UtcDateTime),
    Column("claim_expires_at", UtcDateTime),
    # Incremented on every claim: a fencing token, so a stale holder can never decide.
    Column("claim_seq", Integer, nullable=False, server_default=text("0")),
    # A role (lead | legal) that must take the case; NULL: any reviewer of the queue.
    Column("escalated_to", String(16)),
    # A reviewer who may not take the case (asked for a second opinion, or decided the original).
    Column("excluded_reviewer", String(64)),
    Column("expected", JSON),
    Column("sla_state", String(16), nullable=False, server_default=text("'ok'")),
    Column("note", Text),
    Column("closed_at", UtcDateTime),
]
for _col in _CASE_COLUMNS:
    if _col.name not in cases.c:
        cases.append_column(_col)

# -- people ---------------------------------------------------------------------------------------

users = Table(
    "review_users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("languages", JSON, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("queues", JSON, nullable=False),
    Column("wellness", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

sessions = Table(
    "review_sessions",
    metadata,
    # SHA-256 of the cookie value: a leaked table does not leak live sessions.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)
Index("ix_review_sessions_user", sessions.c.user_id)

api_tokens = Table(
    "review_api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

login_attempts = Table(
    "review_login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
Index("ix_review_login_attempts_user_at", login_attempts.c.username, login_attempts.c.at)

# -- outcomes -------------------------------------------------------------------------------------

outcomes = Table(
    "review_outcomes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    # The primary case a QA, golden or second-opinion case is about (itself for a primary case):
    # agreement is measured between outcomes sharing a root.
    Column("root_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("queue", String(128), nullable=False),
    Column("language", String(16)),
    Column("category", String(64), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("reviewer", String(64), nullable=False),
    # The reviewer's answer in one comparable word: ``none`` or the action type (``remove``...).
    Column("label", String(32), nullable=False),
    Column("ground", String(80)),
    Column("decision_id", Integer),
    Column("correct", Boolean),
    Column("decided_at", UtcDateTime, nullable=False),
)
Index("ix_review_outcomes_root", outcomes.c.root_id)
Index("ix_review_outcomes_reviewer_at", outcomes.c.reviewer, outcomes.c.decided_at)

review_labels = Table(
    "review_labels",
    metadata,
    # What the text learning loop reads: one row per text field a reviewer judged.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("field", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(16)),
    Column("category", String(64), nullable=False),
    # violating | not_violating
    Column("label", String(16), nullable=False),
    # add | negative | NULL: whether the reviewer asked for the item's hashes in a (negative) bank.
    Column("bank_action", String(16)),
    Column("reviewer", String(64), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("labelled_at", UtcDateTime, nullable=False),
)
Index("ix_review_labels_labelled_at", review_labels.c.labelled_at)

Index("ix_cases_claimable", cases.c.status, cases.c.queue, cases.c.risk_at)
# The claims a reviewer holds (one claim per reviewer is checked on every claim).
Index(
    "ix_cases_claimed_by",
    cases.c.claimed_by,
    postgresql_where=cases.c.status == "claimed",
    sqlite_where=cases.c.status == "claimed",
)

# -- exposure -------------------------------------------------------------------------------------

exposures = Table(
    "review_exposures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("case_id", String(64), nullable=False),
    # Which of the case's media was revealed, and whether it counted as graphic then.
    Column("media", Integer, nullable=False),
    Column("graphic", Boolean, nullable=False),
    Column("revealed_at", UtcDateTime, nullable=False),
    # How long it stayed revealed on the page, summed over reveals (None: not reported yet).
    Column("seconds", Float),
)
Index("ix_review_exposures_user", exposures.c.user_id, exposures.c.revealed_at)
