"""The scheduler: runs due jobs (``nigran.jobs``) exactly once, in ``serve``, ``worker`` or alone.

Each job kind has one effect here, applied in the same transaction as the job's done mark (see
``nigran.jobs`` for the claim protocol and why no library is used). Every effect checks the
state it acts on first, so running it again, or for a duty added twice, changes nothing:

==============================  ==========================================================
``notice.statement``            the author's statement of reasons for an automated
                                restriction, unless the restriction has one already
``restriction.expire``          lift the restrictions whose expiry has passed
``order.at_risk``               the order's ``at_risk`` event at the pack's threshold
``order.breach``                the order's ``breached`` event at its deadline
``order.clarification_*``       a stopped clock's reminder (escalated to legal), then the
                                order's refusal as defective
``case.sla``                    the review case's SLA risk and breach events
``strike.count``                the author's strike: a warning, then suspension (Art. 23)
``retention.sweep``             erase the notifier's personal data from reports past the
                                packs' retention period (ledgered), then the next sweep
``dsa.submit``                  send a failed request's statements to the DSA Transparency
                                Database again (those not accepted or rejected since), the
                                request made before the batch transaction (``PREPARE``); a
                                failure leaves the next job, with backoff
==============================  ==========================================================

Time is injected: :func:`run_due` takes ``now`` (tests drive the clock); the loop uses the wall
clock. A failing effect is rolled back alone (a savepoint), and its job retried with backoff,
then marked failed (``nigran status`` and ``/metrics`` count those).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, event, select

from nigran import checkpoint, checkpoint_log, enforce, jobs, ledger
from nigran.config import settings
from nigran.legal import dsa_submit, notices, orders, retention, strikes
from nigran.legal.locate import locate
from nigran.model import RestrictionSource, utcnow
from nigran.review import sla
from nigran.store import Store
from nigran.store.queries import decision_from_row
from nigran.store.tables import decisions
from nigran.store.tables import jobs as job_rows
from nigran.store.tables_legal import notices as notice_rows

log = logging.getLogger(__name__)

Effect = Callable[[Connection, str, datetime], None]
"""A job's effect: (the transaction, the job's ref, now)."""


def _statement(conn: Connection, restriction_id: str, now: datetime) -> None:
    r = enforce.get(conn, restriction_id)
    if r is None or r.lifted_at is not None or r.source is not RestrictionSource.AUTOMATED:
        return
    have = conn.execute(
        select(notice_rows.c.id).where(notice_rows.c.restriction_id == restriction_id).limit(1)
    ).first()
    if have is not None or r.decision_id is None:
        return
    d = decision_from_row(
        conn.execute(select(decisions).where(decisions.c.id == r.decision_id)).one()
    )
    item = locate(conn, r.content_id)
    if item is None:
        return
    notices.issue(
        conn,
        decision=d,
        restrictions=[r],
        recipient=item.author,
        upload_country=item.upload_country,
        content_language=item.language,
        source="voluntary",
        now=now,
    )


def _expire(conn: Connection, _ref: str, now: datetime) -> None:
    enforce.expire_due(conn, now)


def _case_sla(conn: Connection, case_id: str, now: datetime) -> None:
    sla.advance(conn, now=now, case_ids=[case_id])


def _strike(conn: Connection, restriction_id: str, now: datetime) -> None:
    strikes.on_restriction(conn, restriction_id, now=now)


def _dsa_submit(conn: Connection, batch_id: str, now: datetime) -> None:
    dsa_submit.retry_batch(conn, batch_id, now=now)


Prepared = Callable[[Connection, datetime], object]
Prepare = Callable[[Store, str], Prepared]
"""A job's slow half (a network call), run before the job's transaction with no lock held;
it returns the half that applies the result in the transaction."""


def _dsa_send(store: Store, batch_id: str) -> Prepared:
    with store.read() as conn:
        return dsa_submit.send_retry(conn, batch_id)


PREPARE: dict[str, Prepare] = {jobs.DSA_SUBMIT: _dsa_send}
"""Kinds whose effect waits on the outside world: that part runs outside the batch transaction
(which may hold the ledger head, and on SQLite the database's write lock), so a slow or silent
server stalls no other writer."""


def _checkpoint(conn: Connection, _ref: str, now: datetime) -> None:
    """Sign a checkpoint and schedule the next one, in the job's transaction; the checkpoint log
    line is written once that transaction has committed (a line for a checkpoint that never
    committed would be a false alarm at the next verify)."""
    every = settings().checkpoint_every_s
    if every is None:
        return  # switched off since the job was scheduled
    key = checkpoint.load_or_create_key()
    p = checkpoint.create(conn, key, published=checkpoint_log.read_if_present())
    # One chain: a job another process added meanwhile (both found none pending) is dropped.
    jobs.cancel(conn, jobs.CHECKPOINT, PERIODIC, now=now)
    jobs.add(conn, [jobs.due(jobs.CHECKPOINT, PERIODIC, now + timedelta(seconds=every), now=now)])
    event.listen(conn, "commit", lambda _c: checkpoint_log.append(p), once=True)


PERIODIC = "periodic"


def _retention(conn: Connection, _ref: str, now: datetime) -> None:
    """Erase what the packs' retention periods say, and schedule the next sweep."""
    retention.sweep(conn, now=now)
    every = settings().retention_every_s
    jobs.cancel(conn, jobs.RETENTION, PERIODIC, now=now)
    jobs.add(conn, [jobs.due(jobs.RETENTION, PERIODIC, now + timedelta(seconds=every), now=now)])


def _ensure(store: Store, kind: str, now: datetime) -> bool:
    """Make sure one periodic job of ``kind`` is pending (one due now if none is)."""
    with store.transaction() as conn:
        pending = conn.execute(
            select(job_rows.c.id)
            .where(
                job_rows.c.kind == kind,
                job_rows.c.done_at.is_(None),
                job_rows.c.failed_at.is_(None),
            )
            .limit(1)
        ).first()
        if pending is not None:
            return False
        jobs.add(conn, [jobs.due(kind, PERIODIC, now, now=now)])
    return True


def ensure_periodic(store: Store, *, now: datetime | None = None) -> bool:
    """With ``NIGRAN_CHECKPOINT_EVERY_S`` set, make sure a periodic checkpoint job is pending
    (one is due now if none is); returns whether one was added."""
    if settings().checkpoint_every_s is None:
        return False
    return _ensure(store, jobs.CHECKPOINT, now or utcnow())


def ensure_retention(store: Store, *, now: datetime | None = None) -> bool:
    """Make sure the periodic retention sweep is pending (due now if none is); returns whether
    one was added."""
    return _ensure(store, jobs.RETENTION, now or utcnow())


def _order(step: Callable[..., bool]) -> Effect:
    def effect(conn: Connection, order_id: str, now: datetime) -> None:
        step(conn, order_id, now=now)

    return effect


EFFECTS: dict[str, Effect] = {
    jobs.STATEMENT: _statement,
    jobs.EXPIRE: _expire,
    jobs.ORDER_AT_RISK: _order(orders.mark_at_risk),
    jobs.ORDER_BREACH: _order(orders.mark_breached),
    jobs.ORDER_REMIND: _order(orders.remind_clarification),
    jobs.ORDER_LAPSE: _order(orders.refuse_unclarified),
    jobs.CASE_SLA: _case_sla,
    jobs.STRIKE: _strike,
    jobs.DSA_SUBMIT: _dsa_submit,
    jobs.CHECKPOINT: _checkpoint,
    jobs.RETENTION: _retention,
}


def register(kind: str, effect: Effect) -> None:
    """Add (or replace) the effect of a job kind: for extensions, and for tests."""
    EFFECTS[kind] = effect


@dataclass(slots=True)
class Tick:
    """What one :func:`run_due` did."""

    ran: list[jobs.Job] = field(default_factory=list)
    failed: list[tuple[jobs.Job, str]] = field(default_factory=list)
    lost: list[jobs.Job] = field(default_factory=list)
    """Claimed, but taken over by another process before we ran them (our lease ran out)."""
    lateness_s: list[float] = field(default_factory=list)


def run_due(
    store: Store,
    *,
    now: datetime | None = None,
    worker: str | None = None,
    limit: int = 100,
    lease: timedelta = jobs.LEASE,
) -> Tick:
    """Claim and run the jobs due at ``now`` (default: the wall clock), up to ``limit``.

    The batch runs in one transaction, each job in a savepoint with its done mark, so one
    failing effect does not undo the others.
    """
    worker = worker or jobs.worker_id()
    fixed = now
    tick = Tick()
    claimed = jobs.claim(store, worker, now=fixed or utcnow(), limit=limit, lease=lease)
    if not claimed:
        return tick
    # One transaction for the batch (one commit, not one per job), a savepoint per job: a
    # failing effect is undone alone, and the done marks commit with the effects or not at all.
    # The done marks are one statement for the batch (jobs taken over meanwhile are left out and
    # not run), and the ledger head is locked, read and written once for the batch
    # (``ledger.deferred_head``): fewer round trips while the head is held.
    prepared: dict[int, Prepared | Exception] = {}
    for job in claimed:
        slow = PREPARE.get(job.kind)
        if slow is not None:
            try:
                prepared[job.id] = slow(store, job.ref)
            except Exception as exc:  # recorded as the job's failure below
                prepared[job.id] = exc
    with store.transaction() as conn, ledger.deferred_head(conn):
        mine = jobs.finish_many(conn, claimed, worker, now=fixed or utcnow())
        for job in claimed:
            at = fixed or utcnow()
            if job.id not in mine:
                tick.lost.append(job)
                continue
            effect = EFFECTS.get(job.kind)
            head = ledger.mark(conn)
            try:
                with conn.begin_nested():
                    ready = prepared.get(job.id)
                    if isinstance(ready, Exception):
                        raise ready
                    if ready is not None:
                        ready(conn, at)
                    elif effect is None:
                        raise LookupError(f"no effect for job kind {job.kind!r}")
                    else:
                        effect(conn, job.ref, at)
            except Exception as exc:
                ledger.restore(conn, head)
                log.exception("job %s (%s %s) failed", job.id, job.kind, job.ref)
                jobs.fail(conn, job, worker, f"{type(exc).__name__}: {exc}", now=at)
                tick.failed.append((job, str(exc)))
                continue
            tick.ran.append(job)
            tick.lateness_s.append((at - job.due_at).total_seconds())
    return tick


class Scheduler:
    """The loop: run what is due every ``interval`` seconds until stopped; in a thread of its own
    (``start``) inside ``serve`` and ``worker``, or in the foreground (``run``) for
    ``nigran scheduler``. Any number may run against one database."""

    def __init__(
        self,
        store: Store,
        *,
        interval: float = 1.0,
        worker: str | None = None,
        batch: int = 100,
        lease: timedelta = jobs.LEASE,
    ) -> None:
        self.store = store
        self.interval = interval
        self.worker = worker or jobs.worker_id()
        self.batch = batch
        self.lease = lease
        self.ran = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, *, until_idle: bool = False) -> None:
        """Run until :meth:`stop` (or, with ``until_idle``, until nothing is due)."""
        try:  # the periodic duties: one pending job each
            ensure_periodic(self.store)
            ensure_retention(self.store)
        except Exception:
            log.exception("could not schedule the periodic duties; the loop goes on")
        while not self._stop.is_set():
            try:
                tick = run_due(self.store, worker=self.worker, limit=self.batch, lease=self.lease)
            except Exception:  # the database is away: log, wait, try again
                log.exception("scheduler tick failed; retrying")
                tick = Tick()
            self.ran += len(tick.ran)
            self.failed += len(tick.failed)
            busy = len(tick.ran) + len(tick.failed) + len(tick.lost) >= self.batch
            if until_idle and not busy:
                return
            if not busy:
                self._stop.wait(self.interval)

    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self.run, name="nigran-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
