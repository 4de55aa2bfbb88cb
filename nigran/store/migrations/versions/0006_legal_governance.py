"""Legal governance: a notifier's identity kept confidential, retention erasure, trusted flaggers
as accounts (awarded, revoked).

- ``reports.complainant_confidential``: the notifier's identity is withheld from the author, from
  views of anyone without the legal role, and from exports (the pack's notice type says so, or
  the notifier asked); ``reports.erased_at``: when retention erased the notifier's personal data.
- ``trusted_flaggers.account``: the platform account (an API key's principal) that holds the
  status, so only that authenticated account's notices count as a trusted flagger's;
  ``awarded_at`` / ``revoked_at`` / ``revoked_by`` / ``recorded_by``: the status's life, and the
  legal staff member who recorded each change.

Revision ID: 0006_legal_governance
Revises: 0005_dsa_submissions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0006_legal_governance"
down_revision = "0005_dsa_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as b:
        b.add_column(
            sa.Column(
                "complainant_confidential",
                sa.Boolean,
                nullable=False,
                server_default=sa.false(),
            )
        )
        b.add_column(sa.Column("erased_at", UtcDateTime))
    with op.batch_alter_table("trusted_flaggers") as b:
        b.add_column(sa.Column("account", sa.String(256)))
        b.add_column(sa.Column("awarded_at", UtcDateTime))
        b.add_column(sa.Column("revoked_at", UtcDateTime))
        b.add_column(sa.Column("revoked_by", sa.String(256)))
        b.add_column(sa.Column("recorded_by", sa.String(256)))
    # Flaggers registered before: the account is their id (it files with a 'flagger' key for
    # that principal), the award date their registration.
    op.execute(
        "UPDATE trusted_flaggers SET account = id, awarded_at = created_at WHERE account IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("trusted_flaggers") as b:
        for c in ("recorded_by", "revoked_by", "revoked_at", "awarded_at", "account"):
            b.drop_column(c)
    with op.batch_alter_table("reports") as b:
        b.drop_column("erased_at")
        b.drop_column("complainant_confidential")
