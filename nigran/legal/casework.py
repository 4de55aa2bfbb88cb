"""Legal work as review cases: orders, reports and appeals become rows of the core ``cases``
table, opened through the review room's ``open_case`` so they are routed, prioritised and
claimed like every other case (orders go to the authority-order queue with their legal deadline;
an appeal excludes the reviewer who took the original decision).

Where an order names nothing stored on the platform there is no content to route by, and the
case is written directly to ``legal:<CC>`` so legal still sees it; appeals go to the
``appeals`` queue the same way (the review room has no appeal source to route by).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from nigran import ledger
from nigran.legal.restrict import Stored
from nigran.model import Content
from nigran.store.tables import cases, content


def _content(conn: Connection, item: Stored) -> Content:
    body = conn.execute(
        select(content.c.body).where(
            content.c.content_id == item.id, content.c.version == item.version
        )
    ).scalar_one()
    return Content.model_validate(body)


def open_for(
    conn: Connection,
    item: Stored | None,
    *,
    category: str,
    severity: int,
    source: str,
    deadline: datetime | None,
    now: datetime,
    subject: str,
    fallback_queue: str,
    decision_id: int | None = None,
    excluded_reviewer: str | None = None,
    priority_factor: float = 1.0,
    route: bool = True,
) -> str:
    """Open a case for ``item`` routed by the review room, or (no item, or ``route=False``)
    directly in ``fallback_queue``; returns its id."""
    if item is not None and route:
        from nigran.review.cases import open_case

        case_id = open_case(
            conn,
            _content(conn, item),
            category=category,
            severity=severity,
            language=item.language,
            source=source,
            decision_id=decision_id,
            legal_deadline=deadline,
            excluded_reviewer=excluded_reviewer,
            now=now,
        )
        if priority_factor != 1.0:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(priority=cases.c.priority * priority_factor)
            )
        return case_id
    case_id = uuid.uuid4().hex
    conn.execute(
        insert(cases).values(
            id=case_id,
            content_id=item.id if item else subject,
            version=item.version if item else 0,
            decision_id=decision_id,
            queue=fallback_queue,
            category=category,
            language=item.language if item else None,
            severity=severity,
            priority=float(severity) * priority_factor,
            deadline=deadline,
            status="open",
            created_at=now,
            source=source,
            risk_at=deadline,
            excluded_reviewer=excluded_reviewer,
        )
    )
    ledger.append(
        conn,
        "case.opened",
        subject,
        {
            "case_id": case_id,
            "queue": fallback_queue,
            "source": source,
            "category": category,
            "deadline": deadline.isoformat() if deadline else None,
        },
    )
    return case_id


def close(conn: Connection, case_id: str | None, outcome: str, now: datetime) -> None:
    """The legal workflow decided the matter: the case is done."""
    if case_id is None:
        return
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(status="decided", closed_at=now, claimed_by=None, claim_expires_at=None)
    )
    ledger.append(
        conn,
        "case.decided",
        f"case:{case_id}",
        {"case_id": case_id, "outcome": outcome, "at": now.isoformat()},
    )
