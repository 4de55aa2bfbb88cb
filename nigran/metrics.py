"""The clocks, for operations: ``GET /metrics`` (Prometheus text format) and ``nigran status``.

Everything is read from the database at scrape time, so every process (``serve``, ``worker``,
``scheduler``) reports the same figures and none needs shared memory:

- ``nigran_jobs{kind,state}``: due jobs by state — ``due`` (due now, not done), ``overdue``
  (due over a minute ago: the scheduler is behind or not running), ``scheduled`` (due later),
  ``failed`` (given up after retries);
- ``nigran_orders{jurisdiction,clock}``: open orders by clock state (running, at_risk,
  breached, stopped); ``nigran_orders_breached{jurisdiction}``: orders whose deadline was ever
  missed, open or closed;
- ``nigran_review_queue_depth{queue}``, ``nigran_review_sla_at_risk{queue}``,
  ``nigran_review_sla_breached{queue}``: live review cases per queue;
- ``nigran_dsa_statements{state}``: statements of reasons sent to the DSA Transparency Database,
  by their latest attempt — ``accepted``, ``rejected`` (invalid, not retried), ``retry_pending``
  (failed, a ``dsa.submit`` job will send them again), ``given_up`` (failed, out of retries);
- ``nigran_decisions_total{automated}`` (a counter: ``rate()`` gives pipeline throughput) and
  ``nigran_decisions_last_5m``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import Connection, and_, case, func, select

from nigran.legal import dsa_submit
from nigran.store import Store
from nigran.store.tables import cases, decisions, jobs
from nigran.store.tables_legal import orders

OPEN_ORDERS = ("received", "needs_clarification", "legal_review")
OVERDUE_AFTER = timedelta(minutes=1)


@dataclass(slots=True)
class Snapshot:
    at: datetime
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)
    """(kind, state) -> count."""
    orders: dict[tuple[str, str], int] = field(default_factory=dict)
    """(jurisdiction, clock) -> open orders."""
    orders_breached: dict[str, int] = field(default_factory=dict)
    queues: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """queue -> (depth, at risk, breached)."""
    decisions: dict[bool, int] = field(default_factory=dict)
    decisions_last_5m: int = 0
    dsa: dict[str, int] = field(default_factory=dict)
    """DSA statements by the state of their latest submission attempt."""


def _clock(clock_running: bool, flags: list[str]) -> str:
    if not clock_running:
        return "stopped"
    if "breached" in flags:
        return "breached"
    return "at_risk" if "at_risk" in flags else "running"


def snapshot(conn: Connection, *, now: datetime) -> Snapshot:
    s = Snapshot(now)
    pending = and_(jobs.c.done_at.is_(None), jobs.c.failed_at.is_(None))
    for kind, due, overdue, later, failed in conn.execute(
        select(
            jobs.c.kind,
            func.count().filter(and_(pending, jobs.c.due_at <= now)),
            func.count().filter(and_(pending, jobs.c.due_at <= now - OVERDUE_AFTER)),
            func.count().filter(and_(pending, jobs.c.due_at > now)),
            func.count().filter(jobs.c.failed_at.is_not(None)),
        ).group_by(jobs.c.kind)
    ):
        for state, n in (
            ("due", due),
            ("overdue", overdue),
            ("scheduled", later),
            ("failed", failed),
        ):
            s.jobs[(kind, state)] = int(n or 0)
    clocks: Counter[tuple[str, str]] = Counter()
    breached: Counter[str] = Counter()
    for jur, status, running, flags in conn.execute(
        select(orders.c.jurisdiction, orders.c.status, orders.c.clock_running, orders.c.flags)
    ):
        if "breached" in (flags or []):
            breached[jur] += 1
        if status in OPEN_ORDERS:
            clocks[(jur, _clock(bool(running), list(flags or [])))] += 1
    s.orders, s.orders_breached = dict(clocks), dict(breached)
    live = cases.c.status.in_(("open", "claimed"))
    for q, depth, risk, late in conn.execute(
        select(
            cases.c.queue,
            func.count(),
            func.sum(case((and_(cases.c.risk_at <= now, cases.c.deadline > now), 1), else_=0)),
            func.sum(case((cases.c.deadline <= now, 1), else_=0)),
        )
        .where(live)
        .group_by(cases.c.queue)
    ):
        s.queues[q] = (int(depth or 0), int(risk or 0), int(late or 0))
    for automated, n in conn.execute(
        select(decisions.c.automated, func.count()).group_by(decisions.c.automated)
    ):
        s.decisions[bool(automated)] = int(n or 0)
    s.decisions_last_5m = int(
        conn.execute(
            select(func.count()).where(decisions.c.decided_at >= now - timedelta(minutes=5))
        ).scalar()
        or 0
    )
    o = dsa_submit.overview(conn)
    s.dsa = {
        "accepted": o.accepted,
        "rejected": o.rejected,
        "retry_pending": o.retry_pending,
        "given_up": o.given_up,
    }
    return s


def families(s: Snapshot) -> Iterator[Metric]:
    g = GaugeMetricFamily("nigran_jobs", "Due jobs by kind and state", labels=["kind", "state"])
    for (kind, state), n in sorted(s.jobs.items()):
        g.add_metric([kind, state], n)
    yield g
    g = GaugeMetricFamily(
        "nigran_orders", "Open authority orders by clock state", labels=["jurisdiction", "clock"]
    )
    for (jur, clock), n in sorted(s.orders.items()):
        g.add_metric([jur, clock], n)
    yield g
    g = GaugeMetricFamily(
        "nigran_orders_breached",
        "Authority orders whose legal deadline was missed (open or closed)",
        labels=["jurisdiction"],
    )
    for jur, n in sorted(s.orders_breached.items()):
        g.add_metric([jur], n)
    yield g
    for name, i, what in (
        ("nigran_review_queue_depth", 0, "Live review cases (open or claimed)"),
        ("nigran_review_sla_at_risk", 1, "Live review cases past their risk time"),
        ("nigran_review_sla_breached", 2, "Live review cases past their deadline"),
    ):
        g = GaugeMetricFamily(name, what, labels=["queue"])
        for q, v in sorted(s.queues.items()):
            g.add_metric([q], v[i])
        yield g
    c = CounterMetricFamily("nigran_decisions", "Decisions recorded", labels=["automated"])
    for automated, n in sorted(s.decisions.items()):
        c.add_metric([str(automated).lower()], n)
    yield c
    g = GaugeMetricFamily(
        "nigran_dsa_statements",
        "DSA statements of reasons by their latest submission attempt",
        labels=["state"],
    )
    for state, n in s.dsa.items():
        g.add_metric([state], n)
    yield g
    g = GaugeMetricFamily("nigran_decisions_last_5m", "Decisions recorded in the last 5 minutes")
    g.add_metric([], s.decisions_last_5m)
    yield g


class _Collector:
    def __init__(self, s: Snapshot) -> None:
        self.s = s

    def collect(self) -> Iterator[Metric]:
        yield from families(self.s)


def prometheus_text(store: Store, *, now: datetime) -> bytes:
    """The figures in the Prometheus text exposition format."""
    with store.read() as conn:
        s = snapshot(conn, now=now)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(s))
    return generate_latest(registry)
