"""Due jobs: every legal duty with a time attached, stored with the event that creates it.

A duty (a statement of reasons due now, an order's at-risk check and its breach at the deadline,
a review case's SLA risk and breach, a restriction's expiry, a defective order's clarification
reminder and refusal) is one row in ``jobs``, inserted by :func:`add` **in the transaction of the
event that creates it**: the decision, the order's receipt, the case's opening. So a duty exists
exactly when its event does, and survives any crash after the commit.

Running a job (``nigran.schedule``) is exactly once across any number of processes, on SQLite
and PostgreSQL:

1. :func:`claim` takes up to *n* due jobs with a lease, in a short transaction of its own:
   ``UPDATE jobs SET claimed_by=me, lease_until=now+lease WHERE id=? AND done_at IS NULL AND
   (claimed_by IS NULL OR lease_until < now)``; on PostgreSQL the candidates are read with
   ``FOR UPDATE SKIP LOCKED``, so concurrent schedulers take different rows without waiting.
2. The claimed jobs run in one transaction that begins with :func:`finish_many` (``UPDATE jobs
   SET done_at=... WHERE id IN (...) AND claimed_by=me AND done_at IS NULL RETURNING id``), each
   effect then in a savepoint: a job another process has taken over after our lease ran out is
   not returned, and its effect is not run. The done marks and the effects commit together or
   not at all, so a process killed with ``kill -9`` mid-job leaves its jobs undone and
   claimable again once the lease has passed, and each effect is applied once. A failing effect
   is rolled back to its savepoint alone and its job rescheduled (:func:`fail`, which clears its
   done mark) in the same transaction.
   Effects are idempotent as well (a statement job checks that the restriction has no notice
   yet; an order's clock job checks the order's state), so a job added twice for one duty does
   no harm.

Why no library: APScheduler 3.x (its SQLAlchemy job store) keeps *schedules* and runs a job's
callable outside any transaction of ours, so it cannot mark a job done in the transaction of its
effect, and it makes no exactly-once promise across processes; APScheduler 4 is still a
pre-release; procrastinate and PgQueuer are PostgreSQL only; dramatiq, huey and rq need a broker
(Redis, RabbitMQ). The table below is small: one row per duty, an index on what is pending.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from nigran.store import Store
from nigran.store.tables import jobs

LEASE = timedelta(seconds=60)
"""How long a claim holds before another process may take the job over."""
MAX_ATTEMPTS = 5
"""A job that failed this many times is marked failed (and counted as such) instead of retried."""
BACKOFF = timedelta(seconds=30)
"""Retry after ``BACKOFF * 2**(attempts-1)``: 30 s, 1 min, 2 min, 4 min."""

# The duties, by kind (their effects are in nigran/schedule.py).
STATEMENT = "notice.statement"
"""ref: a restriction id; the author's statement of reasons."""
EXPIRE = "restriction.expire"
"""ref: a restriction id; lift it at its expiry."""
ORDER_AT_RISK = "order.at_risk"
ORDER_BREACH = "order.breach"
"""ref: an order id; the order's clock at the pack's at-risk threshold and at its deadline."""
ORDER_REMIND = "order.clarification_reminder"
ORDER_LAPSE = "order.clarification_lapsed"
"""ref: an order id; a defective order with its clock stopped: remind, then refuse."""
CASE_SLA = "case.sla"
"""ref: a case id; the case's SLA risk and breach."""
STRIKE = "strike.count"
"""ref: a restriction id; count the author's strike, warn or suspend (DSA Art. 23)."""
DSA_SUBMIT = "dsa.submit"
"""ref: a failed request's batch id in ``dsa_submissions``; send its statements again."""
RETENTION = "retention.sweep"
"""ref: ``periodic``; erase what the packs' retention periods say, then schedule the next sweep
(``NIGRAN_RETENTION_EVERY_S``)."""
CHECKPOINT = "ledger.checkpoint"
"""ref: ``periodic``; sign a ledger checkpoint, then schedule the next one
(``NIGRAN_CHECKPOINT_EVERY_S``)."""


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    ref: str
    due_at: datetime
    attempts: int


def due(kind: str, ref: str, at: datetime, *, now: datetime) -> dict[str, Any]:
    """A job row, for :func:`add` (or for a caller that inserts many with its own batch)."""
    return {"kind": kind, "ref": ref, "due_at": at, "created_at": now, "attempts": 0}


def add(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert due jobs in the caller's transaction (one statement for the lot)."""
    if rows:
        conn.execute(insert(jobs), list(rows))


def worker_id() -> str:
    """This process, as a claim names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pending(now: datetime) -> Any:
    return and_(
        jobs.c.done_at.is_(None),
        jobs.c.failed_at.is_(None),
        jobs.c.due_at <= now,
        or_(jobs.c.claimed_by.is_(None), jobs.c.lease_until < now),
    )


def claim(
    store: Store,
    worker: str,
    *,
    now: datetime,
    limit: int = 100,
    lease: timedelta = LEASE,
    kinds: Iterable[str] | None = None,
) -> list[Job]:
    """Take up to ``limit`` due jobs for ``worker`` until ``now + lease`` (its own transaction)."""
    cond = _pending(now)
    if kinds is not None:
        cond = and_(cond, jobs.c.kind.in_(list(kinds)))
    q = select(jobs.c.id).where(cond).order_by(jobs.c.due_at, jobs.c.id).limit(limit)
    out: list[Job] = []
    with store.transaction() as conn:
        if conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = [int(i) for i in conn.execute(q).scalars()]
        if not ids:
            return []
        # The lease condition again in the UPDATE: on SQLite the transaction holds the write
        # lock, on PostgreSQL the rows are locked; either way it guards against any other path.
        rows = conn.execute(
            update(jobs)
            .where(jobs.c.id.in_(ids), _pending(now))
            .values(
                claimed_by=worker,
                lease_until=now + lease,
                attempts=jobs.c.attempts + 1,
            )
            .returning(jobs.c.id, jobs.c.kind, jobs.c.ref, jobs.c.due_at, jobs.c.attempts)
        ).all()
        out = [Job(int(r.id), r.kind, r.ref, r.due_at, int(r.attempts)) for r in rows]
    out.sort(key=lambda j: (j.due_at, j.id))
    return out


def finish(conn: Connection, job: Job, worker: str, *, now: datetime) -> bool:
    """Mark ``job`` done in the caller's transaction, the one that applies its effect.

    False when the claim is no longer ours (the lease ran out and another process took the job
    over, or it is done already): the caller must then not apply the effect.
    """
    res = conn.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.claimed_by == worker, jobs.c.done_at.is_(None))
        .values(done_at=now, done_by=worker)
    )
    return res.rowcount == 1


def finish_many(
    conn: Connection, claimed: Sequence[Job], worker: str, *, now: datetime
) -> set[int]:
    """:func:`finish` for a batch, in one statement: the ids whose claim is still ours, now
    marked done in the caller's transaction (the others were taken over: do not run them)."""
    if not claimed:
        return set()
    rows = conn.execute(
        update(jobs)
        .where(
            jobs.c.id.in_([j.id for j in claimed]),
            jobs.c.claimed_by == worker,
            jobs.c.done_at.is_(None),
        )
        .values(done_at=now, done_by=worker)
        .returning(jobs.c.id)
    )
    return {int(i) for i in rows.scalars()}


def fail(conn: Connection, job: Job, worker: str, error: str, *, now: datetime) -> bool:
    """Record a failed attempt in the caller's transaction (its effect rolled back): release the
    claim and retry later with backoff, or mark the job failed after :data:`MAX_ATTEMPTS`.
    Returns True when the job is now failed for good."""
    final = job.attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {"claimed_by": None, "lease_until": None, "error": error[:2000]}
    if final:
        values["failed_at"] = now
    else:
        values["due_at"] = now + BACKOFF * 2 ** (job.attempts - 1)
    # Done by us (a batch marks its jobs done first, :func:`finish_many`) or not yet done.
    values.update(done_at=None, done_by=None)
    conn.execute(
        update(jobs)
        .where(
            jobs.c.id == job.id,
            jobs.c.claimed_by == worker,
            or_(jobs.c.done_at.is_(None), jobs.c.done_by == worker),
        )
        .values(**values)
    )
    return final


def cancel(conn: Connection, kind: str, ref: str, *, now: datetime) -> None:
    """Drop the pending jobs of one duty (its event was undone, e.g. a clock that restarted)."""
    conn.execute(
        update(jobs)
        .where(jobs.c.kind == kind, jobs.c.ref == ref, jobs.c.done_at.is_(None))
        .values(done_at=now, done_by="cancelled")
    )


@dataclass(frozen=True, slots=True)
class Counts:
    due: int
    """Pending and due now (including those claimed)."""
    overdue: int
    """Pending and due more than ``grace`` ago: the scheduler is behind or not running."""
    scheduled: int
    """Pending, due later."""
    failed: int
    done: int


def counts(conn: Connection, *, now: datetime, grace: timedelta = timedelta(minutes=1)) -> Counts:
    pending = and_(jobs.c.done_at.is_(None), jobs.c.failed_at.is_(None))
    row = conn.execute(
        select(
            func.count().filter(and_(pending, jobs.c.due_at <= now)),
            func.count().filter(and_(pending, jobs.c.due_at <= now - grace)),
            func.count().filter(and_(pending, jobs.c.due_at > now)),
            func.count().filter(jobs.c.failed_at.is_not(None)),
            func.count().filter(jobs.c.done_at.is_not(None)),
        )
    ).one()
    return Counts(*(int(x or 0) for x in row))


def of(conn: Connection, ref: str) -> list[dict[str, Any]]:
    """The jobs of one subject (an order, a case, a restriction), oldest first."""
    return [
        dict(r._mapping)
        for r in conn.execute(select(jobs).where(jobs.c.ref == ref).order_by(jobs.c.id))
    ]
