"""Review: an index that serves claims in priority order, whatever the backlog.

``ix_cases_next`` covers the live cases (open or claimed) of each queue in the order reviewers
are served outside the at-risk lane, so a claim walks the index from the top and stops at the
first row it may take instead of sorting the queue.

Revision ID: 0003_review_claims
Revises: 0002_review
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_review_claims"
down_revision = "0002_review"
branch_labels = None
depends_on = None

_LIVE = sa.text("status IN ('open', 'claimed')")


def upgrade() -> None:
    op.create_index(
        "ix_cases_next",
        "cases",
        ["queue", sa.text("priority DESC"), "created_at", "id"],
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_next", table_name="cases")
