"""Human review: case claims, priority and SLA columns; reviewers, sessions, outcomes, labels.

Revision ID: 0002_review
Revises: 0001_core
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0002_review"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("source", sa.String(32), nullable=False, server_default="proactive"))
        b.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="primary"))
        b.add_column(sa.Column("parent_id", sa.String(64)))
        b.add_column(sa.Column("reach", sa.Float, nullable=False, server_default="1.0"))
        b.add_column(sa.Column("risk_at", UtcDateTime))
        b.add_column(sa.Column("claimed_by", sa.String(64)))
        b.add_column(sa.Column("claimed_at", UtcDateTime))
        b.add_column(sa.Column("claim_expires_at", UtcDateTime))
        b.add_column(sa.Column("claim_seq", sa.Integer, nullable=False, server_default="0"))
        b.add_column(sa.Column("escalated_to", sa.String(16)))
        b.add_column(sa.Column("excluded_reviewer", sa.String(64)))
        b.add_column(sa.Column("expected", sa.JSON))
        b.add_column(sa.Column("sla_state", sa.String(16), nullable=False, server_default="ok"))
        b.add_column(sa.Column("note", sa.Text))
        b.add_column(sa.Column("closed_at", UtcDateTime))
    op.create_index("ix_cases_claimable", "cases", ["status", "queue", "risk_at"])

    op.create_table(
        "review_users",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("queues", sa.JSON, nullable=False),
        sa.Column("wellness", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "review_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_review_sessions_user", "review_sessions", ["user_id"])
    op.create_table(
        "review_api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
    )
    op.create_table(
        "review_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_review_login_attempts_user_at", "review_login_attempts", ["username", "at"])
    op.create_table(
        "review_outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("root_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("queue", sa.String(128), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("ground", sa.String(80)),
        sa.Column("decision_id", sa.Integer),
        sa.Column("correct", sa.Boolean),
        sa.Column("decided_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_review_outcomes_root", "review_outcomes", ["root_id"])
    op.create_index("ix_review_outcomes_reviewer_at", "review_outcomes", ["reviewer", "decided_at"])
    op.create_table(
        "review_labels",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("bank_action", sa.String(16)),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("labelled_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_review_labels_labelled_at", "review_labels", ["labelled_at"])


def downgrade() -> None:
    for table in (
        "review_labels",
        "review_outcomes",
        "review_login_attempts",
        "review_api_tokens",
        "review_sessions",
        "review_users",
    ):
        op.drop_table(table)
    op.drop_index("ix_cases_claimable", table_name="cases")
    with op.batch_alter_table("cases") as b:
        for name in (
            "closed_at",
            "note",
            "sla_state",
            "expected",
            "excluded_reviewer",
            "escalated_to",
            "claim_seq",
            "claim_expires_at",
            "claimed_at",
            "claimed_by",
            "risk_at",
            "reach",
            "parent_id",
            "kind",
            "source",
        ):
            b.drop_column(name)
