"""Cases: opening them (routed, prioritised), and exclusive, expiring claims on them.

A claim is a conditional UPDATE: a case moves to ``claimed`` only if it is still claimable
(open, or claimed with the claim run out) at the moment of the write. On PostgreSQL the
candidate is picked with ``FOR UPDATE SKIP LOCKED`` so concurrent reviewers pick *different*
rows instead of queueing behind one; on SQLite the store's write transactions are ``BEGIN
IMMEDIATE``, so claims are serialised and the same conditional UPDATE is exact. Either way two
reviewers never hold one case: the UPDATE's WHERE clause is the guarantee, the locking only
keeps it fast.

What changes what happens to content is ledgered in the same transaction as the change: cases
opened, escalations, second-opinion requests and (in ``decide``) outcomes. The claim lifecycle
(claim, release, expiry) is operational and lives on the case row (``claimed_by``,
``claim_seq``), not in the ledger: it would otherwise put every claim behind the ledger head's
lock and serialise the reviewers SKIP LOCKED lets run in parallel. The ``case.decided`` entry
names the reviewer and the claim under which they decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    and_,
    case,
    column,
    func,
    insert,
    or_,
    select,
    true,
    update,
    values,
)
from sqlalchemy.engine import Row

from nigran import jobs, ledger
from nigran.errors import ClaimConflict, ClaimExpired, Forbidden, InvalidInput, NotFound
from nigran.model import Content, ReviewRouting, utcnow
from nigran.review import priority as prio
from nigran.review.queues import SOURCES, QueueConfig, config
from nigran.store import Store
from nigran.store.tables import cases
from nigran.store.tables_review import outcomes

SEVERE = 4
"""Severity at and above which exposure caps apply."""


def case_fields(
    item: Content | None,
    language: str | None,
    routing: ReviewRouting,
    now: datetime,
    *,
    source: str = "proactive",
    jurisdiction: str | None = None,
    cfg: QueueConfig | None = None,
) -> dict[str, Any]:
    """The queue, priority and deadline columns of a case.

    ``routing.queue`` from the policy is a hint only: the queue configuration decides, from the
    language, the category, the source and (for authority orders and legal appeals) the
    jurisdiction, so that every path routes alike.
    """
    cfg = cfg or config()
    queue = cfg.route(language, routing.category, source, jurisdiction)
    reach = prio.reach_factor(item.reach if item is not None else None)
    sched = prio.schedule(
        cfg,
        queue,
        severity=routing.severity,
        reach=reach,
        source=source,
        created_at=now,
        legal_deadline=routing.deadline,
    )
    return {
        "queue": queue.id,
        "priority": sched.priority,
        "deadline": sched.deadline,
        "risk_at": sched.risk_at,
        "reach": reach,
        "source": source,
    }


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """What a path that needs human work asks for; :func:`open_cases` routes and writes it."""

    subject: str
    """The content id, or ``order:<id>`` for an order that names nothing stored."""
    category: str
    severity: int
    source: str
    item: Content | None = None
    """The stored version the case is about (None: nothing stored to show)."""
    language: str | None = None
    jurisdiction: str | None = None
    decision_id: int | None = None
    legal_deadline: datetime | None = None
    kind: str = "primary"
    parent_id: str | None = None
    excluded_reviewer: str | None = None
    expected: dict[str, Any] | None = None
    priority_factor: float = 1.0
    escalated_to: str | None = None
    ref: str | None = None
    """What the case is for beyond the content: ``order:<id>``, ``appeal:<id>``, ``report:<id>``."""


Entry = tuple[str, str, object]


def open_cases(
    conn: Connection,
    requests: Sequence[CaseRequest],
    *,
    now: datetime,
    cfg: QueueConfig | None = None,
    append: bool = True,
) -> tuple[list[str], list[Entry]]:
    """Open cases: the one place every path (pipeline, reviewers, orders, notices, appeals,
    rescans, QA) opens human work. Each is routed by the queue configuration, prioritised and
    given its SLA or legal deadline, and ledgered (``case.opened``) in the caller's transaction.

    Returns the case ids and the ledger entries; with ``append`` (the default) the entries are
    appended here, otherwise the caller appends them with its own.
    """
    cfg = cfg or config()
    rows: list[dict[str, Any]] = []
    entries: list[Entry] = []
    for r in requests:
        if r.source not in SOURCES:
            raise InvalidInput(
                f"unknown case source {r.source!r}; use one of {', '.join(SOURCES)}",
                where="source",
            )
        fields = case_fields(
            r.item,
            r.language,
            ReviewRouting(
                queue="", category=r.category, severity=r.severity, deadline=r.legal_deadline
            ),
            now,
            source=r.source,
            jurisdiction=r.jurisdiction,
            cfg=cfg,
        )
        if r.priority_factor != 1.0:
            fields["priority"] = fields["priority"] * r.priority_factor
        case_id = uuid.uuid4().hex
        row = {
            "id": case_id,
            "content_id": r.item.id if r.item is not None else r.subject,
            "version": r.item.version if r.item is not None else 0,
            "decision_id": r.decision_id,
            "category": r.category,
            "language": r.language,
            "severity": r.severity,
            "status": "open",
            "created_at": now,
            "kind": r.kind,
            "parent_id": r.parent_id,
            "excluded_reviewer": r.excluded_reviewer,
            "expected": r.expected,
            "escalated_to": r.escalated_to,
            **fields,
        }
        rows.append(row)
        entries.append(
            (
                "case.opened",
                r.subject,
                {
                    "case_id": case_id,
                    "version": row["version"],
                    "queue": fields["queue"],
                    "category": r.category,
                    "language": r.language,
                    "severity": r.severity,
                    "source": r.source,
                    "jurisdiction": r.jurisdiction,
                    "kind": r.kind,
                    "parent_id": r.parent_id,
                    "priority": fields["priority"],
                    "deadline": fields["deadline"].isoformat(),
                    "decision_id": r.decision_id,
                    "ref": r.ref,
                },
            )
        )
    if rows:
        conn.execute(insert(cases), rows)
        # The SLA clock's two moments, as due jobs in this transaction (nigran.jobs).
        jobs.add(
            conn,
            [
                jobs.due(jobs.CASE_SLA, row["id"], at, now=now)
                for row in rows
                for at in dict.fromkeys((row.get("risk_at"), row.get("deadline")))
                if at is not None
            ],
        )
        if append:
            ledger.append_many(conn, entries)
    return [r["id"] for r in rows], entries


def open_case(
    conn: Connection,
    item: Content,
    *,
    category: str,
    severity: int,
    language: str | None,
    source: str,
    decision_id: int | None = None,
    legal_deadline: datetime | None = None,
    kind: str = "primary",
    parent_id: str | None = None,
    excluded_reviewer: str | None = None,
    expected: dict[str, Any] | None = None,
    now: datetime | None = None,
    cfg: QueueConfig | None = None,
) -> str:
    """Open one case for a stored content version (see :func:`open_cases`)."""
    (case_id,), _ = open_cases(
        conn,
        [
            CaseRequest(
                subject=item.id,
                item=item,
                category=category,
                severity=severity,
                language=language,
                source=source,
                decision_id=decision_id,
                legal_deadline=legal_deadline,
                kind=kind,
                parent_id=parent_id,
                excluded_reviewer=excluded_reviewer,
                expected=expected,
            )
        ],
        now=now or utcnow(),
        cfg=cfg,
    )
    return case_id


def close(conn: Connection, case_id: str | None, outcome: str, now: datetime) -> None:
    """A workflow outside the review console (an order, a report, an appeal) decided the matter:
    the case is done."""
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


# -- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reviewer:
    """What claiming needs to know about the person asking (see ``nigran.review.auth``)."""

    id: str
    roles: frozenset[str]
    queues: frozenset[str]
    severe_cap: int | None = None
    categories: frozenset[str] = frozenset()
    """Categories the reviewer is cleared for; empty means every category of their queues."""


@dataclass(frozen=True, slots=True)
class Claim:
    case_id: str
    reviewer: str
    seq: int
    expires_at: datetime
    held: bool = False
    """True when this is a claim the reviewer already held (at their limit of live claims),
    returned instead of a new one."""


_CLAIM_LOCK_CLASS = 0x4E47  # "NG": the class of the per-reviewer advisory lock (PostgreSQL)


def held_claims(conn: Connection, reviewer: str, now: datetime) -> list[Claim]:
    """The live claims ``reviewer`` holds, oldest first (a run-out claim is no longer held)."""
    rows = conn.execute(
        select(cases.c.id, cases.c.claim_seq, cases.c.claim_expires_at)
        .where(
            cases.c.status == "claimed",
            cases.c.claimed_by == reviewer,
            cases.c.claim_expires_at > now,
        )
        .order_by(cases.c.claimed_at, cases.c.id)
    ).all()
    return [Claim(r.id, reviewer, int(r.claim_seq), r.claim_expires_at, held=True) for r in rows]


def _room(reviewer: str, now: datetime, limit: int) -> Any:
    """SQL: ``reviewer`` holds fewer than ``limit`` live claims."""
    mine = cases.alias("mine")
    held = (
        select(func.count())
        .select_from(mine)
        .where(
            mine.c.status == "claimed",
            mine.c.claimed_by == reviewer,
            mine.c.claim_expires_at > now,
        )
        .scalar_subquery()
    )
    return held < limit


def live_claim(now: datetime) -> Any:
    """SQL: the case is claimed and the claim has not run out (what "claimed" means to people)."""
    return and_(cases.c.status == "claimed", cases.c.claim_expires_at > now)


def _claimable(now: datetime) -> Any:
    return or_(
        cases.c.status == "open",
        and_(cases.c.status == "claimed", cases.c.claim_expires_at <= now),
    )


def _eligible(reviewer: Reviewer, queue: str | None, now: datetime) -> list[Any]:
    conds: list[Any] = [_claimable(now)]
    if queue is not None:
        conds.append(cases.c.queue == queue)
    conds.extend(_role_conds(reviewer, restrict_queues=queue is None))
    return conds


def _role_conds(reviewer: Reviewer, *, restrict_queues: bool) -> list[Any]:
    conds: list[Any] = []
    roles = reviewer.roles
    if "admin" not in roles:
        if "lead" in roles:
            conds.append(or_(cases.c.escalated_to.is_(None), cases.c.escalated_to == "lead"))
        else:
            # Escalated cases wait for someone holding that role; legal takes them anywhere.
            mine: Any = cases.c.escalated_to.is_(None)
            if restrict_queues:
                mine = and_(cases.c.queue.in_(sorted(reviewer.queues)), mine)
            conds.append(or_(mine, cases.c.escalated_to == "legal") if "legal" in roles else mine)
    conds.append(or_(cases.c.excluded_reviewer.is_(None), cases.c.excluded_reviewer != reviewer.id))
    if reviewer.categories:
        conds.append(cases.c.category.in_(sorted(reviewer.categories)))
    return conds


def severe_seen(conn: Connection, reviewer: str, since: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(outcomes)
            .where(
                outcomes.c.reviewer == reviewer,
                outcomes.c.decided_at >= since,
                outcomes.c.severity >= SEVERE,
            )
        ).scalar_one()
    )


def order_by(now: datetime) -> list[Any]:
    at_risk = and_(cases.c.risk_at.is_not(None), cases.c.risk_at <= now)
    return [
        case((at_risk, 0), else_=1),
        case((at_risk, cases.c.deadline), else_=None).asc(),
        cases.c.priority.desc(),
        cases.c.created_at.asc(),
        cases.c.id.asc(),
    ]


UNCLAIMED: dict[str, Any] = {
    "status": "open",
    "claimed_by": None,
    "claimed_at": None,
    "claim_expires_at": None,
}
"""A case back in its queue: released, expired, escalated or sent for a second opinion."""

LIVE = ("open", "claimed")
"""Statuses a claimable case can have; the claim indexes cover exactly these rows."""


def claim_next(
    store: Store,
    reviewer: Reviewer,
    queue: str | None = None,
    *,
    now: datetime | None = None,
    minutes: float | None = None,
    shift_hours: float = 8.0,
    max_held: int | None = None,
) -> Claim | None:
    """Claim the most urgent case ``reviewer`` may take (in ``queue``, if given); None if none.

    A reviewer holds at most ``max_held`` live claims (default: the queue configuration's
    ``claims_per_reviewer``, 1; 0 means no limit): at the limit, the oldest claim they hold is
    returned (``held=True``) instead of a new one, whatever queue was asked for, so a case is
    finished or released before the next is taken. Run-out claims do not count.
    """
    now = now or utcnow()
    if (
        queue is not None
        and not {"lead", "legal", "admin"} & reviewer.roles
        and (queue not in reviewer.queues)
    ):
        raise Forbidden(f"you are not assigned to queue {queue!r}", where=queue)
    expires = now + timedelta(minutes=minutes if minutes is not None else config().claim_minutes)
    cap: list[Any] = []
    if reviewer.severe_cap is not None:
        seen = (
            select(func.count())
            .select_from(outcomes)
            .where(
                outcomes.c.reviewer == reviewer.id,
                outcomes.c.decided_at >= now - timedelta(hours=shift_hours),
                outcomes.c.severity >= SEVERE,
            )
            .scalar_subquery()
        )
        cap.append(or_(cases.c.severity < SEVERE, seen < reviewer.severe_cap))
    scan = (
        [queue]
        if queue is not None
        else None
        if {"lead", "legal", "admin"} & reviewer.roles
        else sorted(reviewer.queues)
    )
    if scan is not None and not scan:
        return None  # assigned to no queue: nothing to claim
    limit = config().claims_per_reviewer if max_held is None else max_held
    # The UPDATE's WHERE re-checks claimability, which is what makes the claim exclusive.
    take = (
        update(cases)
        .where(_claimable(now))
        .values(
            status="claimed",
            claimed_by=reviewer.id,
            claimed_at=now,
            claim_expires_at=expires,
            claim_seq=cases.c.claim_seq + 1,
        )
        .returning(cases.c.id, cases.c.claim_seq)
    )
    if store.dialect == "postgresql":
        # One statement, its own transaction (``fast_statement``: a claim is operational state;
        # lost in a crash, the case returns to its queue and the old holder's decision is
        # refused by claim_seq): pick by index, skipping rows other claimers hold, and take.
        picked = _pick_pg(reviewer, scan, now, cap)
        with store.fast_statement() as conn:
            if not limit:
                got = conn.execute(take.where(cases.c.id == picked)).one_or_none()
            else:
                # One reviewer's claims (two tabs, a retried request) are serialised by a
                # session advisory lock on their id, so the count of held claims is exact;
                # different reviewers never wait for each other.
                # The UPDATE itself checks the count (one round trip more than without a limit
                # for the lock, one for the unlock); what is held is read only when it refused.
                key = (_CLAIM_LOCK_CLASS, func.hashtext(reviewer.id))
                conn.execute(select(func.pg_advisory_lock(*key)))
                try:
                    got = conn.execute(
                        take.where(cases.c.id == picked, _room(reviewer.id, now, limit))
                    ).one_or_none()
                    if got is None:
                        mine = held_claims(conn, reviewer.id, now)
                        if len(mine) >= limit:
                            return mine[0]
                finally:
                    conn.execute(select(func.pg_advisory_unlock(*key)))
    else:
        # SQLite: write transactions are BEGIN IMMEDIATE, so claims are serialised and a pick
        # followed by the same conditional UPDATE is exact.
        with store.transaction() as conn:
            if limit:
                mine = held_claims(conn, reviewer.id, now)
                if len(mine) >= limit:
                    return mine[0]
            pick_id = _pick_serialised(conn, reviewer, scan, now, cap)
            if pick_id is None:
                return None
            got = conn.execute(take.where(cases.c.id == pick_id)).one_or_none()
    if got is None:
        return None
    return Claim(got.id, reviewer.id, int(got.claim_seq), expires)


_AT_RISK_ORDER = (cases.c.deadline, cases.c.priority.desc(), cases.c.created_at, cases.c.id)
_PRIORITY_ORDER = (cases.c.priority.desc(), cases.c.created_at, cases.c.id)


def _in_queues(reviewer: Reviewer, now: datetime, extra: list[Any]) -> list[Any]:
    """What a case in one of the scanned queues must satisfy to be claimed by ``reviewer``."""
    return [
        cases.c.status.in_(LIVE),
        _claimable(now),
        *_role_conds(reviewer, restrict_queues=False),
        *extra,
    ]


def _at_risk(queues: Sequence[str], base: list[Any], now: datetime) -> Select[Any]:
    """The most urgent at-risk case of ``queues``: ``ix_cases_claimable`` narrows to the few
    whose ``risk_at`` has passed, which are then taken earliest deadline first."""
    return (
        select(cases.c.id)
        .where(cases.c.queue.in_(list(queues)), cases.c.risk_at <= now, *base)
        .order_by(*_AT_RISK_ORDER)
        .limit(1)
    )


def _top(queue_is: Any, base: list[Any]) -> Select[Any]:
    """One queue's first case in priority order: ``ix_cases_next`` walks the queue in that order
    and stops at the first row that fits, instead of sorting the backlog."""
    return (
        select(cases.c.id, cases.c.priority, cases.c.created_at)
        .where(queue_is, *base)
        .order_by(*_PRIORITY_ORDER)
        .limit(1)
    )


def _anywhere(reviewer: Reviewer, now: datetime, extra: list[Any]) -> Select[Any]:
    """Leads, legal and admins claiming across every queue: one sorted query (they are few)."""
    return (
        select(cases.c.id)
        .where(cases.c.status.in_(LIVE), *_eligible(reviewer, None, now), *extra)
        .order_by(*order_by(now))
        .limit(1)
    )


def _skip_locked(q: Select[Any]) -> Select[Any]:
    # Concurrent claimers walk past each other's candidates instead of queueing behind one row.
    return q.with_for_update(skip_locked=True, of=cases)


def _pick_pg(
    reviewer: Reviewer, scan: Sequence[str] | None, now: datetime, extra: list[Any]
) -> Any:
    """The id of the case to claim, as a scalar SQL expression (PostgreSQL).

    ``COALESCE(at-risk pick, priority pick)``: PostgreSQL evaluates the second sub-select only
    when the first finds nothing. Across several queues the priority pick is a LATERAL top-1 per
    queue, so every queue is walked by its index rather than sorted: one query sorting the whole
    backlog by ``order_by`` costs time in proportion to the queue's length (10 ms a claim at
    10,000 open cases).
    """
    if scan is None:
        return _skip_locked(_anywhere(reviewer, now, extra)).scalar_subquery()
    base = _in_queues(reviewer, now, extra)
    at_risk = _skip_locked(_at_risk(scan, base, now)).scalar_subquery()
    if len(scan) == 1:
        top = _skip_locked(_top(cases.c.queue == scan[0], base))
        return func.coalesce(at_risk, top.with_only_columns(cases.c.id).scalar_subquery())
    qs = values(column("q", String), name="qs").data([(q,) for q in scan])
    tops = _skip_locked(_top(cases.c.queue == qs.c.q, base)).lateral("top")
    rest = (
        select(tops.c.id)
        .select_from(qs.join(tops, true()))
        .order_by(tops.c.priority.desc(), tops.c.created_at, tops.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(at_risk, rest)


def _pick_serialised(
    conn: Connection,
    reviewer: Reviewer,
    scan: Sequence[str] | None,
    now: datetime,
    extra: list[Any],
) -> str | None:
    """The same picks as :func:`_pick_pg`, run one by one inside a serialised transaction
    (SQLite has no LATERAL and needs no row locks)."""
    if scan is None:
        row = conn.execute(_anywhere(reviewer, now, extra)).first()
        return None if row is None else str(row.id)
    base = _in_queues(reviewer, now, extra)
    row = conn.execute(_at_risk(scan, base, now)).first()
    if row is not None:
        return str(row.id)
    tops = [r for q in scan if (r := conn.execute(_top(cases.c.queue == q, base)).first())]
    if not tops:
        return None
    return str(min(tops, key=lambda r: (-r.priority, r.created_at, r.id)).id)


def held(conn: Connection, case_id: str, reviewer: str, now: datetime) -> Row[Any]:
    """The case row, locked, if ``reviewer`` holds a live claim on it; else a clear error."""
    q = select(cases).where(cases.c.id == case_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(of=cases)
    row = conn.execute(q).one_or_none()
    if row is None:
        raise NotFound(f"no case {case_id!r}", where=case_id)
    if row.status != "claimed" or row.claimed_by != reviewer:
        raise ClaimConflict(
            f"case {case_id} is not claimed by {reviewer}: claim it before deciding",
            where=case_id,
        )
    if row.claim_expires_at <= now:
        raise ClaimExpired(
            f"your claim on case {case_id} expired at {row.claim_expires_at.isoformat()}; "
            "claim it again",
            where=case_id,
        )
    return row


def release(store: Store, case_id: str, reviewer: str, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    with store.transaction() as conn:
        held(conn, case_id, reviewer, now)
        conn.execute(update(cases).where(cases.c.id == case_id).values(**UNCLAIMED))


def expire_claims(store: Store, *, now: datetime | None = None) -> list[str]:
    """Return every case whose claim ran out to its queue (claiming also does this lazily)."""
    now = now or utcnow()
    with store.transaction() as conn:
        rows = conn.execute(
            select(cases.c.id, cases.c.content_id, cases.c.claimed_by).where(
                cases.c.status == "claimed", cases.c.claim_expires_at <= now
            )
        ).all()
        if not rows:
            return []
        conn.execute(
            update(cases)
            .where(
                cases.c.id.in_([r.id for r in rows]),
                cases.c.status == "claimed",
                cases.c.claim_expires_at <= now,
            )
            .values(**UNCLAIMED)
        )
        return [r.id for r in rows]


def escalate(
    store: Store,
    case_id: str,
    reviewer: str,
    to: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> None:
    """Hand a held case to a lead or to legal; it waits in its queue for someone in that role."""
    if to not in ("lead", "legal"):
        raise InvalidInput(f"escalate to 'lead' or 'legal', not {to!r}", where="to")
    now = now or utcnow()
    with store.transaction() as conn:
        row = held(conn, case_id, reviewer, now)
        conn.execute(
            update(cases)
            .where(cases.c.id == case_id)
            .values(
                **UNCLAIMED,
                escalated_to=to,
                note=note[:2000] or None,
            )
        )
        ledger.append(
            conn,
            "case.escalated",
            row.content_id,
            {"case_id": case_id, "reviewer": reviewer, "to": to, "note": note[:2000]},
        )


def second_opinion(
    store: Store,
    case_id: str,
    reviewer: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> None:
    """Put a held case back for another reviewer of the queue; the asker may not take it."""
    now = now or utcnow()
    with store.transaction() as conn:
        row = held(conn, case_id, reviewer, now)
        conn.execute(
            update(cases)
            .where(cases.c.id == case_id)
            .values(
                **UNCLAIMED,
                kind="second_opinion" if row.kind == "primary" else row.kind,
                excluded_reviewer=reviewer,
                note=note[:2000] or None,
            )
        )
        ledger.append(
            conn,
            "case.second_opinion",
            row.content_id,
            {"case_id": case_id, "reviewer": reviewer, "note": note[:2000]},
        )


# -- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueStats:
    queue: str
    open: int
    claimed: int
    oldest: datetime | None
    at_risk: int
    breached: int


def queue_stats(conn: Connection, queue_ids: Sequence[str], now: datetime) -> dict[str, QueueStats]:
    live = cases.c.status.in_(("open", "claimed"))
    # A claim that has run out is open again for every purpose, counts included.
    rows = conn.execute(
        select(
            cases.c.queue,
            func.sum(case((live_claim(now), 0), else_=1)),
            func.sum(case((live_claim(now), 1), else_=0)),
            func.min(cases.c.created_at),
            func.sum(case((and_(cases.c.risk_at <= now, cases.c.deadline > now), 1), else_=0)),
            func.sum(case((cases.c.deadline <= now, 1), else_=0)),
        )
        .where(live, cases.c.queue.in_(list(queue_ids)))
        .group_by(cases.c.queue)
    ).all()
    out = {q: QueueStats(q, 0, 0, None, 0, 0) for q in queue_ids}
    for q, o, c, oldest, risk, breached in rows:
        out[q] = QueueStats(q, int(o or 0), int(c or 0), oldest, int(risk or 0), int(breached or 0))
    return out


def case_row(conn: Connection, case_id: str) -> Row[Any]:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).one_or_none()
    if row is None:
        raise NotFound(f"no case {case_id!r}", where=case_id)
    return row


def queue_cases(conn: Connection, queue: str, now: datetime, limit: int = 100) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(cases)
            .where(cases.c.queue == queue, cases.c.status.in_(("open", "claimed")))
            .order_by(*order_by(now))
            .limit(limit)
        ).all()
    )


def may_see(reviewer: Reviewer, row: Row[Any]) -> bool:
    """Reviewers see only cases in their queues; leads, legal and admins see every case."""
    if {"lead", "legal", "admin"} & reviewer.roles:
        return True
    return "reviewer" in reviewer.roles and row.queue in reviewer.queues
