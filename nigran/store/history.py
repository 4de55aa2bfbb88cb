"""The stored history that shadow mode replays (:mod:`nigran.policy.shadow`): each content
version with the signals recorded for it, as the policies were given them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from nigran.model import Content, Evidence, Signal, SignalSource
from nigran.policy import PolicyContext
from nigran.store import Store
from nigran.store.tables import content, signals


def stored_history(
    store: Store, since: datetime | None = None
) -> Iterator[tuple[Content, list[Signal], PolicyContext]]:
    """Every stored content version (received at or after ``since``) with its stored signals.

    Reads in pages so a large history streams.
    """
    page = 500
    last: tuple[str, int] | None = None
    while True:
        with store.read() as conn:
            q = select(
                content.c.content_id, content.c.version, content.c.body, content.c.received_at
            )
            if since is not None:
                q = q.where(content.c.received_at >= since)
            if last is not None:
                q = q.where(
                    (content.c.content_id > last[0])
                    | ((content.c.content_id == last[0]) & (content.c.version > last[1]))
                )
            rows = conn.execute(
                q.order_by(content.c.content_id, content.c.version).limit(page)
            ).all()
            if not rows:
                return
            keys = [(r.content_id, r.version) for r in rows]
            sig_rows = conn.execute(
                select(signals)
                .where(signals.c.content_id.in_([k[0] for k in keys]))
                .order_by(signals.c.id)
            ).all()
        by_item: dict[tuple[str, int], list[Signal]] = {}
        for s in sig_rows:
            by_item.setdefault((s.content_id, s.version), []).append(
                Signal(
                    source=SignalSource(s.source),
                    detector=s.detector,
                    category=s.category,
                    score=s.score,
                    language=s.language,
                    severity=s.severity,
                    evidence=Evidence.model_validate(s.evidence),
                )
            )
        for r in rows:
            yield (
                Content.model_validate(r.body),
                by_item.get((r.content_id, r.version), []),
                PolicyContext(now=r.received_at),
            )
        last = keys[-1]
