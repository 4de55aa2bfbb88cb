"""Reads that more than one edge needs (API, CLI, console): one place, one shape."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from nigran import enforce
from nigran.errors import NotFound
from nigran.model import Content, Decision, Evidence, Signal, SignalSource
from nigran.store.tables import content, decisions, ledger, signals


@dataclass(frozen=True, slots=True)
class ContentRecord:
    content: Content
    language: str | None
    received_at: str
    signals: list[Signal]
    signal_ids: list[int]
    decision: Decision
    decision_id: int
    restrictions: dict[str, enforce.Restriction]
    ledger: list[int]
    versions: list[int]


def latest_version(conn: Connection, content_id: str) -> int:
    v = conn.execute(
        select(func.max(content.c.version)).where(content.c.content_id == content_id)
    ).scalar()
    if v is None:
        raise NotFound(f"no content with id {content_id!r}", where=content_id)
    return int(v)


def decision_row(d: Decision, signal_ids: list[int], *, json: bool = False) -> dict[str, object]:
    row: dict[str, object] = {
        "content_id": d.content_id,
        "version": d.content_version,
        "policy_version": d.policy_version,
        "outcome": d.outcome,
        "automated": d.automated,
        "decided_by": d.decided_by,
        "actions": [a.model_dump(mode="json", exclude_none=True) for a in d.actions],
        "review": d.review.model_dump(mode="json", exclude_none=True) if d.review else None,
        "statement": d.statement,
        "explanation": [h.model_dump(mode="json") for h in d.explanation],
        "signal_ids": signal_ids,
        "decided_at": d.decided_at.isoformat() if json else d.decided_at,
    }
    return row


def decision_from_row(r: object) -> Decision:
    return Decision.model_validate(
        {
            "content_id": r.content_id,  # type: ignore[attr-defined]
            "content_version": r.version,  # type: ignore[attr-defined]
            "actions": r.actions,  # type: ignore[attr-defined]
            "review": r.review,  # type: ignore[attr-defined]
            "automated": r.automated,  # type: ignore[attr-defined]
            "decided_by": r.decided_by,  # type: ignore[attr-defined]
            "policy_version": r.policy_version,  # type: ignore[attr-defined]
            "statement": r.statement,  # type: ignore[attr-defined]
            "explanation": r.explanation,  # type: ignore[attr-defined]
            "decided_at": r.decided_at,  # type: ignore[attr-defined]
        }
    )


def content_record(conn: Connection, content_id: str, version: int | None = None) -> ContentRecord:
    if version is None:
        version = latest_version(conn, content_id)
    row = conn.execute(
        select(content).where(content.c.content_id == content_id, content.c.version == version)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no content {content_id}@{version}", where=f"{content_id}@{version}")
    sig_rows = conn.execute(
        select(signals)
        .where(signals.c.content_id == content_id, signals.c.version == version)
        .order_by(signals.c.id)
    ).all()
    drow = conn.execute(
        select(decisions)
        .where(decisions.c.content_id == content_id, decisions.c.version == version)
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).one()
    seqs = [
        int(s)
        for s in conn.execute(
            select(ledger.c.seq).where(ledger.c.subject == content_id).order_by(ledger.c.seq)
        ).scalars()
    ]
    versions = [
        int(v)
        for v in conn.execute(
            select(content.c.version)
            .where(content.c.content_id == content_id)
            .order_by(content.c.version)
        ).scalars()
    ]
    return ContentRecord(
        content=Content.model_validate(row.body),
        language=row.language,
        received_at=row.received_at.isoformat(),
        signals=[
            Signal(
                source=SignalSource(s.source),
                detector=s.detector,
                category=s.category,
                score=s.score,
                language=s.language,
                severity=s.severity,
                evidence=Evidence.model_validate(s.evidence),
            )
            for s in sig_rows
        ],
        signal_ids=[int(s.id) for s in sig_rows],
        decision=decision_from_row(drow),
        decision_id=int(drow.id),
        restrictions=enforce.current(conn, content_id),
        ledger=seqs,
        versions=versions,
    )
