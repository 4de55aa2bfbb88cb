"""Restrictions: one record per action in force, with its provenance.

Before this revision an item's enforcement was whatever its latest decision asked, and every
legal step wrote a decision that copied the actions already in force. This revision adds the
``restrictions`` table and fills it from what is in force today: for each item with enforcement,
each action of its latest decision becomes a restriction, whose source, reference and decider are
those of the earliest decision since which that action has been in force without a break — an
authority order (``order:<id>`` in the decision's explanation), a reviewed report
(``report:<id>``: a trusted flagger's or a user's notice), a reviewer's decision (its case, when
the review tables name one), or automated detection. Each migrated restriction is ledgered
(``restriction.migrated``), so the chain stays whole and says where every restriction came
from. Notices and open appeals are linked to the restriction they concern.

Revision ID: 0004_restrictions
Revises: 0002_legal, 0003_review_claims
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_restrictions"
down_revision = ("0002_legal", "0003_review_claims")
branch_labels = None
depends_on = None

_VISIBILITY_ACTIONS = ("remove", "withhold", "age_restrict")


def upgrade() -> None:
    op.create_table(
        "restrictions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("content_id", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("binds", sa.String(8), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("countries", sa.JSON),
        sa.Column("min_age", sa.Integer),
        sa.Column("ground_kind", sa.String(8), nullable=False),
        sa.Column("ground_code", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_ref", sa.String(300)),
        sa.Column("decision_id", sa.Integer),
        sa.Column("decided_by", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime),
        sa.Column("lifted_at", sa.DateTime),
        sa.Column("lifted_by", sa.String(32)),
        sa.Column("lifted_ref", sa.String(300)),
    )
    op.create_index(
        "ix_restrictions_content", "restrictions", ["content_id", "lifted_at"], unique=False
    )
    op.create_index("ix_restrictions_source_ref", "restrictions", ["source_ref"], unique=False)
    with op.batch_alter_table("enforcement") as b:
        b.add_column(sa.Column("restriction_id", sa.String(32)))
    with op.batch_alter_table("notices") as b:
        b.add_column(sa.Column("restriction_id", sa.String(32)))
    with op.batch_alter_table("appeals") as b:
        b.add_column(sa.Column("restriction_id", sa.String(32)))
        b.add_column(sa.Column("due_at", sa.DateTime))
        b.add_column(sa.Column("order_id", sa.String(64)))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("appeals") as b:
        b.drop_column("order_id")
        b.drop_column("due_at")
        b.drop_column("restriction_id")
    with op.batch_alter_table("notices") as b:
        b.drop_column("restriction_id")
    with op.batch_alter_table("enforcement") as b:
        b.drop_column("restriction_id")
    op.drop_index("ix_restrictions_source_ref", table_name="restrictions")
    op.drop_index("ix_restrictions_content", table_name="restrictions")
    op.drop_table("restrictions")


# -- backfill ------------------------------------------------------------------------------------


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("type", "scope", "ground", "min_age")
    return all(a.get(k) == b.get(k) for k in keys)


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _provenance(conn: sa.Connection, d: Any) -> tuple[str, str | None, str]:
    """Source, reference and decider of the decision that first put an action in force."""
    rule = ""
    if d.explanation:
        first = d.explanation[0]
        rule = str(first.get("rule", "")) if isinstance(first, dict) else ""
    if rule.startswith("order:"):
        return "order", rule, d.decided_by or "unknown"
    if rule.startswith("report:"):
        report_id = rule.split(":", 1)[1]
        src = conn.execute(
            sa.text("SELECT source FROM reports WHERE id = :id"), {"id": report_id}
        ).scalar()
        return (
            "trusted_flagger" if src == "trusted_flagger" else "notice",
            rule,
            d.decided_by or "unknown",
        )
    if d.automated:
        return "automated", f"decision:{d.id}", f"policy:{d.policy_version}"
    case_id = conn.execute(
        sa.text("SELECT id FROM cases WHERE decision_id = :d ORDER BY created_at LIMIT 1"),
        {"d": d.id},
    ).scalar()
    return (
        "reviewer",
        f"case:{case_id}" if case_id else f"decision:{d.id}",
        d.decided_by or "unknown",
    )


def _backfill(conn: sa.Connection) -> None:
    from nigran import ledger  # the chain's own append, so the entries verify like any other

    now = datetime.now(UTC)
    items = [
        r[0]
        for r in conn.execute(
            sa.text("SELECT DISTINCT content_id FROM enforcement ORDER BY content_id")
        )
    ]
    entries: list[tuple[str, str, object]] = []
    for cid in items:
        history = conn.execute(
            sa.text(
                "SELECT id, version, policy_version, automated, decided_by, actions, explanation, "
                "decided_at FROM decisions WHERE content_id = :c ORDER BY id"
            ),
            {"c": cid},
        ).all()
        history = [_normalise(h) for h in history]
        if not history:
            continue
        latest = history[-1]
        for action in latest.actions:
            # The earliest decision since which this action has been in force without a break.
            origin = latest
            for d in reversed(history[:-1]):
                if any(_same(action, a) for a in d.actions):
                    origin = d
                else:
                    break
            source, ref, decider = _provenance(conn, origin)
            scope = action.get("scope") or {}
            countries = scope.get("countries")
            ground = action["ground"]
            kind, code = (
                (ground["kind"], ground["code"])
                if isinstance(ground, dict)
                else str(ground).split(":", 1)
            )
            rid = uuid.uuid4().hex[:24]
            row = {
                "id": rid,
                "content_id": cid,
                "version": origin.version,
                "binds": "version" if source == "automated" else "item",
                "action": action["type"],
                "countries": countries,
                "min_age": action.get("min_age"),
                "ground_kind": kind,
                "ground_code": code,
                "source": source,
                "source_ref": ref,
                "decision_id": origin.id,
                "decided_by": decider,
                "created_at": _utc(origin.decided_at).replace(tzinfo=None),
                "expires_at": _utc(action["expires_at"]).replace(tzinfo=None)
                if action.get("expires_at")
                else None,
            }
            conn.execute(
                sa.text(
                    "INSERT INTO restrictions (id, content_id, version, binds, action, countries,"
                    " min_age, ground_kind, ground_code, source, source_ref, decision_id,"
                    " decided_by, created_at, expires_at) VALUES (:id, :content_id, :version,"
                    " :binds, :action, :countries, :min_age, :ground_kind, :ground_code, :source,"
                    " :source_ref, :decision_id, :decided_by, :created_at, :expires_at)"
                ).bindparams(sa.bindparam("countries", type_=sa.JSON)),
                row,
            )
            scope_text = "global" if countries is None else ",".join(countries)
            conn.execute(
                sa.text(
                    "UPDATE notices SET restriction_id = :r WHERE content_id = :c"
                    " AND kind = 'restriction' AND ground_kind = :k AND ground_code = :g"
                    " AND scope = :s AND restriction_id IS NULL"
                ),
                {"r": rid, "c": cid, "k": kind, "g": code, "s": scope_text},
            )
            conn.execute(
                sa.text(
                    "UPDATE appeals SET restriction_id = :r WHERE content_id = :c"
                    " AND status = 'open' AND restriction_id IS NULL AND notice_id IN"
                    " (SELECT id FROM notices WHERE restriction_id = :r)"
                ),
                {"r": rid, "c": cid},
            )
            if action["type"] in _VISIBILITY_ACTIONS:
                conn.execute(
                    sa.text(
                        "UPDATE enforcement SET restriction_id = :r WHERE content_id = :c"
                        " AND ground = :g AND restriction_id IS NULL"
                    ),
                    {"r": rid, "c": cid, "g": f"{kind}:{code}"},
                )
            payload = {k: v for k, v in row.items() if v is not None}
            payload["created_at"] = _utc(origin.decided_at).isoformat()
            if row["expires_at"] is not None:
                payload["expires_at"] = _utc(action["expires_at"]).isoformat()
            payload["migrated_at"] = now.isoformat()
            entries.append(("restriction.migrated", cid, payload))
    if entries:
        ledger.append_many(conn, entries)


def _normalise(row: Any) -> Any:
    import json
    from types import SimpleNamespace

    def load(v: Any) -> Any:
        return json.loads(v) if isinstance(v, str) else v

    return SimpleNamespace(
        id=row.id,
        version=row.version,
        policy_version=row.policy_version,
        automated=bool(row.automated),
        decided_by=row.decided_by,
        actions=load(row.actions) or [],
        explanation=load(row.explanation) or [],
        decided_at=row.decided_at,
    )
