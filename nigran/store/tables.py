"""The core tables, in SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Other areas add their tables in ``tables_<area>.py`` on the same ``metadata``; every schema
change also gets an Alembic migration in ``migrations/versions/``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases (SQLite has no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


content = Table(
    "content",
    metadata,
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("author", String(256), nullable=False),
    Column("upload_country", String(2)),
    Column("language", String(16)),
    Column("fingerprint", String(64), nullable=False),
    Column("body", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("content_id", "version"),
)
Index("ix_content_author", content.c.author)
Index("ix_content_received_at", content.c.received_at)

signals = Table(
    "signals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source", String(32), nullable=False),
    Column("detector", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("language", String(16)),
    Column("severity", Integer),
    Column("evidence", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["content_id", "version"], ["content.content_id", "content.version"]),
)
Index("ix_signals_content", signals.c.content_id, signals.c.version)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("automated", Boolean, nullable=False),
    Column("decided_by", String(256)),
    Column("actions", JSON, nullable=False),
    Column("review", JSON),
    Column("statement", Text, nullable=False),
    Column("explanation", JSON, nullable=False),
    Column("signal_ids", JSON, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["content_id", "version"], ["content.content_id", "content.version"]),
)
Index("ix_decisions_content", decisions.c.content_id, decisions.c.version)

enforcement = Table(
    "enforcement",
    metadata,
    Column("content_id", String(256), nullable=False),
    # '*' is the global row; a country row overrides it for viewers in that country.
    Column("country", String(2), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("ground", String(80)),
    Column("min_age", Integer),
    Column("expires_at", UtcDateTime),
    Column("decision_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("restriction_id", String(32)),
    PrimaryKeyConstraint("content_id", "country"),
)

restrictions = Table(
    "restrictions",
    metadata,
    # One action in force on one item, with its provenance; visibility is a fold over the active
    # ones (``enforcement`` below is that fold, kept per country for the serving path).
    Column("id", String(32), primary_key=True),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("binds", String(8), nullable=False),
    Column("action", String(32), nullable=False),
    Column("countries", JSON),  # null: everywhere
    Column("min_age", Integer),
    Column("ground_kind", String(8), nullable=False),
    Column("ground_code", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    Column("source_ref", String(300)),
    Column("decision_id", Integer),
    Column("decided_by", String(256), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("lifted_at", UtcDateTime),
    Column("lifted_by", String(32)),
    Column("lifted_ref", String(300)),
)
Index("ix_restrictions_content", restrictions.c.content_id, restrictions.c.lifted_at)
Index("ix_restrictions_source_ref", restrictions.c.source_ref)

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision_id", Integer),
    Column("queue", String(128), nullable=False),
    Column("category", String(64), nullable=False),
    Column("language", String(16)),
    Column("severity", Integer, nullable=False),
    Column("priority", Float, nullable=False),
    Column("deadline", UtcDateTime),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_cases_queue_status", cases.c.queue, cases.c.status)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_ledger_subject", ledger.c.subject)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("ts", String(40), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)

jobs = Table(
    # Due jobs: every legal duty with a time attached (nigran/jobs.py). Written in the transaction
    # of the event that creates the duty; claimed with a lease; marked done in the transaction of
    # the duty's effect.
    "jobs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("kind", String(48), nullable=False),
    Column("ref", String(300), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(128)),
    Column("lease_until", UtcDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("done_at", UtcDateTime),
    Column("done_by", String(128)),
    Column("failed_at", UtcDateTime),
    Column("error", Text),
)
Index("ix_jobs_pending", jobs.c.done_at, jobs.c.failed_at, jobs.c.due_at)
Index("ix_jobs_ref", jobs.c.kind, jobs.c.ref)
