"""DSA submissions: what was sent to the Transparency Database, when, and its answer; trusted
flaggers gain the authority that awarded their status and their areas of expertise.

Trusted flaggers registered before this revision have neither, so their reports are ordinary
notices until they are registered again (``nigran reports trusted-flagger ... --awarded-by
--expertise``): status nobody can trace to an awarding authority is not granted.

Revision ID: 0005_dsa_submissions
Revises: 0004_restrictions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0005_dsa_submissions"
down_revision = "0004_restrictions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsa_submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("puid", sa.String(500), nullable=False),
        sa.Column("batch_id", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("answer", sa.JSON),
        sa.Column("answered_at", UtcDateTime),
    )
    op.create_index("ix_dsa_submissions_puid", "dsa_submissions", ["puid", "status"])
    with op.batch_alter_table("trusted_flaggers") as b:
        b.add_column(sa.Column("awarded_by", sa.String(256)))
        b.add_column(sa.Column("expertise", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("trusted_flaggers") as b:
        b.drop_column("expertise")
        b.drop_column("awarded_by")
    op.drop_index("ix_dsa_submissions_puid", table_name="dsa_submissions")
    op.drop_table("dsa_submissions")
