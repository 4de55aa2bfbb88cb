"""Reads that more than one edge needs (API, CLI, console): one place, one shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from nigran.errors import NotFound
from nigran.model import (
    Action,
    ActionType,
    Binding,
    Content,
    Decision,
    Evidence,
    Ground,
    Lifter,
    Restriction,
    RestrictionSource,
    Scope,
    Signal,
    SignalSource,
    Visibility,
)
from nigran.policy.visibility import CountryState
from nigran.store.tables import content, decisions, enforcement, ledger, restrictions, signals


@dataclass(frozen=True, slots=True)
class ContentRecord:
    content: Content
    language: str | None
    received_at: str
    signals: list[Signal]
    signal_ids: list[int]
    decision: Decision
    decision_id: int
    visibility: dict[str, CountryState]
    """The per-country fold of the restrictions in force (no row: visible there)."""
    restrictions: list[Restriction]
    """Every restriction the item has had, lifted ones included, oldest first."""
    ledger: list[int]
    versions: list[int]


def latest_version(conn: Connection, content_id: str) -> int:
    v = conn.execute(
        select(func.max(content.c.version)).where(content.c.content_id == content_id)
    ).scalar()
    if v is None:
        raise NotFound(f"no content with id {content_id!r}", where=content_id)
    return int(v)


def decision_row(
    d: Decision, signal_ids: Sequence[int], *, json: bool = False
) -> dict[str, object]:
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
        "signal_ids": list(signal_ids),
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
        visibility=country_states_of(conn, content_id),
        restrictions=restrictions_of(conn, content_id),
        ledger=seqs,
        versions=versions,
    )


def country_states_of(conn: Connection, content_id: str) -> dict[str, CountryState]:
    """An item's per-country enforcement rows."""
    rows = conn.execute(select(enforcement).where(enforcement.c.content_id == content_id)).all()
    return {
        r.country: CountryState(
            Visibility(r.visibility), r.ground, r.min_age, r.expires_at, r.restriction_id
        )
        for r in rows
    }


def restriction_row(r: Restriction) -> dict[str, Any]:
    a = r.action
    return {
        "id": r.id,
        "content_id": r.content_id,
        "version": r.version,
        "binds": r.binds.value,
        "action": a.type.value,
        "countries": list(a.scope.countries) if a.scope.countries is not None else None,
        "min_age": a.min_age,
        "ground_kind": a.ground.kind,
        "ground_code": a.ground.code,
        "source": r.source.value,
        "source_ref": r.source_ref,
        "decision_id": r.decision_id,
        "decided_by": r.decided_by,
        "created_at": r.created_at,
        "expires_at": a.expires_at,
        "lifted_at": r.lifted_at,
        "lifted_by": r.lifted_by.value if r.lifted_by else None,
        "lifted_ref": r.lifted_ref,
    }


def restriction_from_row(row: Any) -> Restriction:
    return Restriction(
        id=row.id,
        content_id=row.content_id,
        version=row.version,
        binds=Binding(row.binds),
        action=Action(
            type=ActionType(row.action),
            scope=Scope(countries=tuple(row.countries) if row.countries is not None else None),
            ground=Ground(kind=row.ground_kind, code=row.ground_code),
            min_age=row.min_age,
            expires_at=row.expires_at,
        ),
        source=RestrictionSource(row.source),
        source_ref=row.source_ref,
        decision_id=row.decision_id,
        decided_by=row.decided_by,
        created_at=row.created_at,
        lifted_at=row.lifted_at,
        lifted_by=Lifter(row.lifted_by) if row.lifted_by else None,
        lifted_ref=row.lifted_ref,
    )


def restrictions_of(conn: Connection, content_id: str) -> list[Restriction]:
    """Every restriction an item ever had, lifted ones included, oldest first."""
    rows = conn.execute(
        select(restrictions)
        .where(restrictions.c.content_id == content_id)
        .order_by(restrictions.c.created_at, restrictions.c.id)
    )
    return [restriction_from_row(r) for r in rows]
