"""Console for long shifts: one claim per reviewer, looked up by index; exposure to media.

``ix_cases_claimed_by`` covers only claimed rows, so checking what a reviewer already holds
before a claim is one small index probe whatever the backlog. ``review_exposures`` records each
reveal of a case's media by a reviewer (graphic or not) and how long it stayed revealed, which
the console counts over a shift to suggest a break.

This revision merges the two heads before it (``0005_jobs`` and ``0006_legal_governance``).

Revision ID: 0007_console_shift
Revises: 0005_jobs, 0006_legal_governance
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0007_console_shift"
down_revision = ("0005_jobs", "0006_legal_governance")
branch_labels = None
depends_on = None

_CLAIMED = sa.text("status = 'claimed'")


def upgrade() -> None:
    op.create_index(
        "ix_cases_claimed_by",
        "cases",
        ["claimed_by"],
        postgresql_where=_CLAIMED,
        sqlite_where=_CLAIMED,
    )
    op.create_table(
        "review_exposures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("media", sa.Integer, nullable=False),
        sa.Column("graphic", sa.Boolean, nullable=False),
        sa.Column("revealed_at", UtcDateTime, nullable=False),
        sa.Column("seconds", sa.Float),
    )
    op.create_index("ix_review_exposures_user", "review_exposures", ["user_id", "revealed_at"])


def downgrade() -> None:
    op.drop_index("ix_review_exposures_user", table_name="review_exposures")
    op.drop_table("review_exposures")
    op.drop_index("ix_cases_claimed_by", table_name="cases")
