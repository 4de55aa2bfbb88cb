"""Media: hash banks, bank entries, catalogue of stored media hashes.

Revision ID: 0003_media
Revises: 0002_ledger_checkpoints
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0003_media"
down_revision = "0002_ledger_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_banks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("negative", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("pdq_distance", sa.Integer, nullable=False),
        sa.Column("video_share", sa.Float, nullable=False),
        sa.Column("hot_limit", sa.Integer),
        sa.Column("hot_window_s", sa.Integer, nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "media_bank_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bank", sa.String(64), sa.ForeignKey("media_banks.name"), nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_media_bank_entries_bank", "media_bank_entries", ["bank"])
    op.create_table(
        "media_hashes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("media_ref", sa.String(2048), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("md5", sa.String(32)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("hashes", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_media_hashes_content", "media_hashes", ["content_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_media_hashes_content", table_name="media_hashes")
    op.drop_table("media_hashes")
    op.drop_index("ix_media_bank_entries_bank", table_name="media_bank_entries")
    op.drop_table("media_bank_entries")
    op.drop_table("media_banks")
