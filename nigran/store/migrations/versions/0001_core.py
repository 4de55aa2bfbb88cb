"""Core tables: content, signals, decisions, enforcement, cases, ledger.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "content",
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("upload_country", sa.String(2)),
        sa.Column("language", sa.String(16)),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("content_id", "version", name="pk_content"),
    )
    op.create_index("ix_content_author", "content", ["author"])
    op.create_index("ix_content_received_at", "content", ["received_at"])
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("detector", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("severity", sa.Integer),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id", "version"],
            ["content.content_id", "content.version"],
            name="fk_signals_content_id_content",
        ),
    )
    op.create_index("ix_signals_content", "signals", ["content_id", "version"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("automated", sa.Boolean, nullable=False),
        sa.Column("decided_by", sa.String(256)),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("review", sa.JSON),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("signal_ids", sa.JSON, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id", "version"],
            ["content.content_id", "content.version"],
            name="fk_decisions_content_id_content",
        ),
    )
    op.create_index("ix_decisions_content", "decisions", ["content_id", "version"])
    op.create_table(
        "enforcement",
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("ground", sa.String(80)),
        sa.Column("min_age", sa.Integer),
        sa.Column("expires_at", UtcDateTime),
        sa.Column("decision_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("content_id", "country", name="pk_enforcement"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("decision_id", sa.Integer),
        sa.Column("queue", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("deadline", UtcDateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_cases_queue_status", "cases", ["queue", "status"])
    op.create_table(
        "ledger",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_ledger_subject", "ledger", ["subject"])
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])


def downgrade() -> None:
    for table in (
        "ledger_head",
        "ledger",
        "cases",
        "enforcement",
        "decisions",
        "signals",
        "content",
    ):
        op.drop_table(table)
