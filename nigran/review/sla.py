"""SLA clocks: raise at-risk and breach events once each, ledgered, and tell a webhook.

``sweep`` is idempotent: a case's ``sla_state`` only moves forward (ok → at_risk → breached), so
running it from a timer, the CLI or every console page load raises each event exactly once.
The webhook is called after the transaction commits, so it never announces a rolled-back event.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from nigran import ledger
from nigran.model import utcnow
from nigran.store import Store
from nigran.store.tables import cases

log = logging.getLogger(__name__)
Hook = Callable[[dict[str, Any]], None]


def post_webhook(url: str) -> Hook:
    def send(event: dict[str, Any]) -> None:
        req = urllib.request.Request(
            url,
            data=json.dumps(event).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(req, timeout=5).close()
        except OSError as exc:  # the ledger has the event; a down receiver must not stop review
            log.warning("SLA webhook %s failed: %s", url, exc)

    return send


def default_hook() -> Hook | None:
    url = os.environ.get("NIGRAN_REVIEW_WEBHOOK")
    return post_webhook(url) if url else None


def advance(
    conn: Connection, *, now: datetime, case_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Move the SLA state of live cases whose risk time or deadline has passed (all of them, or
    those in ``case_ids``), ledgering each move, in the caller's transaction. The scheduler calls
    it per case at the case's two moments; :func:`sweep` for all cases."""
    live = cases.c.status.in_(("open", "claimed"))
    cond = and_(
        live,
        or_(
            and_(cases.c.deadline <= now, cases.c.sla_state != "breached"),
            and_(cases.c.risk_at <= now, cases.c.sla_state == "ok"),
        ),
    )
    if case_ids is not None:
        cond = and_(cond, cases.c.id.in_(list(case_ids)))
    events: list[dict[str, Any]] = []
    for r in conn.execute(select(cases).where(cond)).all():
        state = "breached" if r.deadline is not None and r.deadline <= now else "at_risk"
        conn.execute(update(cases).where(cases.c.id == r.id).values(sla_state=state))
        events.append(
            {
                "event": f"case.sla_{state}",
                "case_id": r.id,
                "content_id": r.content_id,
                "queue": r.queue,
                "deadline": r.deadline.isoformat() if r.deadline else None,
                "at": now.isoformat(),
            }
        )
    ledger.append_many(conn, [(e["event"], e["content_id"], e) for e in events])
    return events


def sweep(
    store: Store, *, now: datetime | None = None, hook: Hook | None = None
) -> list[dict[str, Any]]:
    now = now or utcnow()
    with store.transaction() as conn:
        events = advance(conn, now=now)
    hook = hook or default_hook()
    if hook:
        for e in events:
            hook(e)
    return events
