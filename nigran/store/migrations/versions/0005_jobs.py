"""Due jobs: the scheduler's table (nigran/jobs.py).

Revision ID: 0005_jobs
Revises: 0004_restrictions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_jobs"
down_revision = "0004_restrictions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("ref", sa.String(300), nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("claimed_by", sa.String(128)),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done_at", sa.DateTime),
        sa.Column("done_by", sa.String(128)),
        sa.Column("failed_at", sa.DateTime),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_jobs_pending", "jobs", ["done_at", "failed_at", "due_at"])
    op.create_index("ix_jobs_ref", "jobs", ["kind", "ref"])


def downgrade() -> None:
    op.drop_table("jobs")
