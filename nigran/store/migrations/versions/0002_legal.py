"""Legal room: authorities and keys, orders and their events, reports, notices, appeals.

Revision ID: 0002_legal
Revises: 0001_core
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nigran.store.tables import UtcDateTime

revision = "0002_legal"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("jurisdiction", sa.String(2), nullable=False),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "legal_api_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("principal", sa.String(256), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("authority_id", sa.String(64)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("authority_id", sa.String(64), nullable=False),
        sa.Column("external_ref", sa.String(256)),
        sa.Column("jurisdiction", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("order_type", sa.String(64), nullable=False),
        sa.Column("legal_ground", sa.String(64)),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("written_reasons", sa.Text),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("requested_scope", sa.String(16), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("pack_version", sa.String(32), nullable=False),
        sa.Column("term_from", sa.String(10), nullable=False),
        sa.Column("standard", sa.String(32), nullable=False),
        sa.Column("clock_running", sa.Boolean, nullable=False),
        sa.Column("clock_started_at", UtcDateTime),
        sa.Column("deadline", UtcDateTime),
        sa.Column("slo_at", UtcDateTime),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64)),
        sa.Column("action", sa.JSON),
        sa.Column("decided_by", sa.String(256)),
        sa.Column("acted_at", UtcDateTime),
        sa.Column("response", sa.Text),
        sa.Column("responded_at", UtcDateTime),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_orders_authority", "orders", ["authority_id", "received_at"])
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(32)),
        sa.Column("to_status", sa.String(32)),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_order_events_order", "order_events", ["order_id", "id"])
    op.create_table(
        "trusted_flaggers",
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("jurisdiction", sa.String(2), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "reporters",
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("founded", sa.Integer, nullable=False),
        sa.Column("unfounded", sa.Integer, nullable=False),
        sa.Column("warned_at", UtcDateTime),
        sa.Column("suspended_until", UtcDateTime),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("reporter", sa.String(256), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(2)),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("legal_ground", sa.String(64)),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("location", sa.String(2048), nullable=False),
        sa.Column("reporter_name", sa.String(256)),
        sa.Column("reporter_email", sa.String(256)),
        sa.Column("identity_exempt", sa.Boolean, nullable=False),
        sa.Column("good_faith", sa.Boolean, nullable=False),
        sa.Column("lane", sa.String(64), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(64)),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("resolved_at", UtcDateTime),
        sa.Column("resolved_by", sa.String(256)),
    )
    op.create_index("ix_reports_reporter", "reports", ["reporter"])
    op.create_index("ix_reports_content", "reports", ["content_id"])
    op.create_table(
        "notices",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("decision_id", sa.Integer),
        sa.Column("recipient", sa.String(256), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ground_kind", sa.String(8)),
        sa.Column("ground_code", sa.String(64)),
        sa.Column("scope", sa.String(512)),
        sa.Column("automated", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("withheld_by_law", sa.Boolean, nullable=False),
        sa.Column("withheld_citation", sa.String(512)),
        sa.Column("order_id", sa.String(64)),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_notices_decision", "notices", ["decision_id"])
    op.create_index("ix_notices_content", "notices", ["content_id"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("decision_id", sa.Integer, nullable=False),
        sa.Column("notice_id", sa.String(64)),
        sa.Column("appellant", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("filed_at", UtcDateTime, nullable=False),
        sa.Column("window_ends_at", UtcDateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("original_decider", sa.String(256)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("decided_by", sa.String(256)),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("outcome_reason", sa.Text),
        sa.Column("new_decision_id", sa.Integer),
    )
    op.create_index("ix_appeals_content", "appeals", ["content_id"])


def downgrade() -> None:
    for table in (
        "appeals",
        "notices",
        "reports",
        "reporters",
        "trusted_flaggers",
        "order_events",
        "orders",
        "legal_api_keys",
        "authorities",
    ):
        op.drop_table(table)
