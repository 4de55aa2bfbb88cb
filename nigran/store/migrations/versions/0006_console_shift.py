"""Console for long shifts: one claim per reviewer, looked up by index.

``ix_cases_claimed_by`` covers only claimed rows, so checking what a reviewer already holds
before a claim is one small index probe whatever the backlog.

This revision merges the two 0005 heads (``0005_jobs`` and ``0005_dsa_submissions``).

Revision ID: 0006_console_shift
Revises: 0005_jobs, 0005_dsa_submissions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_console_shift"
down_revision = ("0005_jobs", "0005_dsa_submissions")
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


def downgrade() -> None:
    op.drop_index("ix_cases_claimed_by", table_name="cases")
