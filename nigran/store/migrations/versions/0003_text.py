"""Text area: lexicon terms managed in the database, reviewer labels.

Revision ID: 0003_text
Revises: 0002_ledger_checkpoints
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0003_text"
down_revision = "0002_ledger_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lexicon_terms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("term", sa.String(512), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_by", sa.String(256), nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("key", "category", name="uq_lexicon_terms_key_category"),
    )


def downgrade() -> None:
    op.drop_table("lexicon_terms")
