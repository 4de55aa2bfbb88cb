"""New decisions layered on the latest one: how orders, reports and appeals change enforcement.

``nigran.enforce`` makes a content item's visibility rows whatever its *latest* decision asks.
A legal step therefore writes a new decision that keeps the actions already in force and adds
(or, for a reversed appeal, drops) its own, then lets ``enforce`` bring the rows up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import Connection, func, select

from nigran import enforce, ledger
from nigran.model import Action, Decision, RuleHit
from nigran.store import queries
from nigran.store.tables import content, decisions


@dataclass(frozen=True, slots=True)
class Stored:
    """A content item as the legal room needs it: latest version, author, language, kind."""

    id: str
    version: int
    author: str
    language: str | None
    kind: str
    upload_country: str | None
    received_at: datetime
    created_at: str | None


def locate(conn: Connection, locator: str) -> Stored | None:
    """The stored item a locator names: its id, or a URL whose last path segment is the id."""
    candidates = [locator.strip()]
    if "://" in locator:
        path = urlparse(locator.strip()).path.rstrip("/")
        if path:
            candidates.insert(0, path.rsplit("/", 1)[-1])
    for cid in candidates:
        version = conn.execute(
            select(func.max(content.c.version)).where(content.c.content_id == cid)
        ).scalar()
        if version is None:
            continue
        row = conn.execute(
            select(content).where(content.c.content_id == cid, content.c.version == version)
        ).one()
        return Stored(
            id=cid,
            version=int(version),
            author=row.author,
            language=row.language,
            kind=row.kind,
            upload_country=row.upload_country,
            received_at=row.received_at,
            created_at=(row.body or {}).get("created_at"),
        )
    return None


def latest_decision(conn: Connection, content_id: str) -> tuple[int, Decision] | None:
    row = conn.execute(
        select(decisions)
        .where(decisions.c.content_id == content_id)
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return int(row.id), queries.decision_from_row(row)


def decision_by_id(conn: Connection, decision_id: int) -> Decision | None:
    row = conn.execute(select(decisions).where(decisions.c.id == decision_id)).one_or_none()
    return None if row is None else queries.decision_from_row(row)


def record(
    conn: Connection,
    item: Stored,
    *,
    add: list[Action] = (),  # type: ignore[assignment]
    drop: list[Action] = (),  # type: ignore[assignment]
    decided_by: str | None,
    automated: bool,
    policy_version: str,
    statement: str,
    rule: str,
    reason: str,
    now: datetime,
) -> tuple[int, Decision, list[dict[str, object]]]:
    """Write a decision = latest actions − ``drop`` + ``add``; apply and ledger it.

    Returns the decision id, the decision, and the enforcement changes it caused.
    """
    prior = latest_decision(conn, item.id)
    kept = [a for a in (prior[1].actions if prior else []) if a not in drop]
    actions = kept + [a for a in add if a not in kept]
    decision = Decision(
        content_id=item.id,
        content_version=item.version,
        actions=actions,
        automated=automated,
        decided_by=decided_by,
        policy_version=policy_version,
        statement=statement,
        explanation=[RuleHit(rule=rule, reason=reason)],
        decided_at=now,
    )
    did, entries = enforce.record_decision(conn, decision, now=now)
    ledger.append_many(conn, entries)
    changes = [p for kind, _, p in entries if kind == "enforcement.changed" and isinstance(p, dict)]
    return did, decision, changes
