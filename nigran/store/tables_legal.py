"""Tables of the legal room: authorities and their keys, orders, reports, notices, appeals.

Legal-review work items are rows in the core ``cases`` table (queue ``legal:<CC>``, the order's
deadline as ``deadline``), so the review room's queues see them without a second table.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Index, Integer, String, Table, Text, false

from nigran.store.tables import UtcDateTime, metadata

authorities = Table(
    "authorities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("jurisdiction", String(2), nullable=False),
    # The pack's requester key (``PTA``, ``IN_GOVT``): which order types it may send.
    Column("requester", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "legal_api_keys",
    metadata,
    # Only the SHA-256 of a key is kept: a leaked database does not leak working keys.
    Column("key_hash", String(64), primary_key=True),
    Column("principal", String(256), nullable=False),
    Column("role", String(32), nullable=False),
    Column("authority_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("authority_id", String(64), nullable=False),
    Column("external_ref", String(256)),
    Column("jurisdiction", String(2), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("order_type", String(64), nullable=False),
    Column("legal_ground", String(64)),
    Column("items", JSON, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("written_reasons", Text),
    Column("details", JSON, nullable=False),
    Column("requested_scope", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("pack_version", String(32), nullable=False),
    Column("term_from", String(10), nullable=False),
    Column("standard", String(32), nullable=False),
    Column("clock_running", Boolean, nullable=False),
    Column("clock_started_at", UtcDateTime),
    Column("deadline", UtcDateTime),
    Column("slo_at", UtcDateTime),
    Column("missing", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("status", String(32), nullable=False),
    Column("case_id", String(64)),
    Column("action", JSON),
    Column("decided_by", String(256)),
    Column("acted_at", UtcDateTime),
    Column("response", Text),
    Column("responded_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_orders_authority", orders.c.authority_id, orders.c.received_at)
Index("ix_orders_status", orders.c.status)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("from_status", String(32)),
    Column("to_status", String(32)),
    Column("actor", String(256), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("ledger_seq", Integer, nullable=False),
)
Index("ix_order_events_order", order_events.c.order_id, order_events.c.id)

trusted_flaggers = Table(
    "trusted_flaggers",
    metadata,
    Column("id", String(256), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("jurisdiction", String(2), nullable=False),
    Column("priority", Float, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Art. 22: status is awarded by a Digital Services Coordinator (or the law of the pack) for
    # areas of expertise; a report outside them is an ordinary notice. Null on rows registered
    # before revision 0005: those flaggers must be registered again with both.
    Column("awarded_by", String(256)),
    Column("expertise", JSON),
    # Revision 0006: the account holding the status (only its authenticated notices count), and
    # the status's life: awarded, revoked, and by which legal staff member each was recorded.
    Column("account", String(256)),
    Column("awarded_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("revoked_by", String(256)),
    Column("recorded_by", String(256)),
)

reporters = Table(
    "reporters",
    metadata,
    Column("id", String(256), primary_key=True),
    Column("founded", Integer, nullable=False),
    Column("unfounded", Integer, nullable=False),
    Column("warned_at", UtcDateTime),
    Column("suspended_until", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

reports = Table(
    "reports",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("content_id", String(256), nullable=False),
    Column("reporter", String(256), nullable=False),
    Column("source", String(32), nullable=False),
    Column("jurisdiction", String(2)),
    Column("category", String(64), nullable=False),
    Column("legal_ground", String(64)),
    Column("explanation", Text, nullable=False),
    Column("location", String(2048), nullable=False),
    Column("reporter_name", String(256)),
    Column("reporter_email", String(256)),
    Column("identity_exempt", Boolean, nullable=False),
    Column("good_faith", Boolean, nullable=False),
    Column("lane", String(64), nullable=False),
    Column("priority", Float, nullable=False),
    Column("weight", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("case_id", String(64)),
    Column("received_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("resolved_by", String(256)),
    # Revision 0006: the notifier's identity withheld from the author, non-legal views and
    # exports; when retention erased the notifier's personal data.
    Column("complainant_confidential", Boolean, nullable=False, server_default=false()),
    Column("erased_at", UtcDateTime),
)
Index("ix_reports_reporter", reports.c.reporter)
Index("ix_reports_content", reports.c.content_id)

notices = Table(
    "notices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("content_id", String(256), nullable=False),
    Column("decision_id", Integer),
    Column("recipient", String(256), nullable=False),
    Column("language", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("ground_kind", String(8)),
    Column("ground_code", String(64)),
    Column("scope", String(512)),
    Column("automated", Boolean, nullable=False),
    Column("source", String(32), nullable=False),
    Column("withheld_by_law", Boolean, nullable=False),
    Column("withheld_citation", String(512)),
    Column("order_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("restriction_id", String(32)),
)
Index("ix_notices_decision", notices.c.decision_id)
Index("ix_notices_content", notices.c.content_id)

appeals = Table(
    "appeals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("content_id", String(256), nullable=False),
    Column("decision_id", Integer, nullable=False),
    Column("notice_id", String(64)),
    Column("appellant", String(256), nullable=False),
    Column("reason", Text, nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("window_ends_at", UtcDateTime),
    Column("status", String(16), nullable=False),
    Column("original_decider", String(256)),
    Column("case_id", String(64)),
    Column("decided_by", String(256)),
    Column("decided_at", UtcDateTime),
    Column("outcome_reason", Text),
    Column("new_decision_id", Integer),
    Column("restriction_id", String(32)),
    Column("due_at", UtcDateTime),
    Column("order_id", String(64)),
)
Index("ix_appeals_content", appeals.c.content_id)

dsa_submissions = Table(
    "dsa_submissions",
    metadata,
    # One row per statement per attempt to send it to the DSA Transparency Database: what was
    # sent (the statement itself and its hash), when, and the answer. A puid with an
    # ``accepted`` (or ``already_present``) row is never sent again.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("puid", String(500), nullable=False),
    Column("batch_id", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("http_status", Integer),
    Column("answer", JSON),
    Column("answered_at", UtcDateTime),
)
Index("ix_dsa_submissions_puid", dsa_submissions.c.puid, dsa_submissions.c.status)
