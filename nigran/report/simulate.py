"""Discrete-event simulation of deadline-driven legal work: authority orders with the clocks of
their pack (PK: 48 h directions, 12 h emergencies, live streams "immediately" with a 15-minute
SLO; IN: 3 hours under Rule 3(1)(d) since 20 February 2026, 2 hours for intimate images, the
24-hour SLO for s.69A blocking) and user grievances sharing the same legal reviewers.

Reviewers are on duty at all times; a free reviewer takes the waiting piece of work with the
earliest deadline (EDF, how Nigran's legal queue sorts cases), or the oldest (FIFO). An order
with many items is split into chunks of ``CHUNK`` items that several reviewers work in parallel.
One run is one month from one seed; :func:`replicate` runs many seeds and gives 95% confidence
intervals, so a staffing figure is never one random draw.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from nigran.errors import InvalidInput
from nigran.policy.deadlines import order_deadline
from nigran.policy.packs import PackSet, default_packs

CHUNK = 25
MONTH_H = 30 * 24.0
Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class WorkType:
    """One kind of work in a mix: a pack order type (its clock read from the pack) and its
    share of the mix's orders, or a grievance stream with its own monthly volume."""

    order_type: str
    share: float = 0.0
    per_month: float | None = None
    """For complaint streams: their own volume (orders use the mix's volume and ``share``)."""
    items: bool = True
    """Orders name items (lognormal, median 10, mean about 48, at most 500); a live stream or a
    complaint is one thing judged on sight."""
    minutes: tuple[float, float] = (12.0, 0.5)
    """Lognormal median and sigma of the time to read it and check the ground."""


@dataclass(frozen=True, slots=True)
class Mix:
    name: str
    pack: str
    orders_per_month: float
    types: tuple[WorkType, ...]
    office_share: float = 0.8
    """Share of orders that arrive in office hours (09:00-17:00 local)."""
    utc_offset_h: float = 5.0
    items_median: float = 10.0
    items_sigma: float = 1.77
    """Items an order names: lognormal with this median and log-sigma (at most 500). The
    defaults give a mean of about 48, TikTok's 14,518 items on 303 Pakistani requests."""
    source: str = ""
    """Where ``orders_per_month`` (and the rest) come from, printed with the plan."""


# TikTok received 303 Pakistani government requests in H2 2023 (about 50 a month); the items per
# request follow 14,518 items actioned on those 303 requests. The shares are the PK pack's order
# types as bench/orders.py has always modelled them. Measure the real mix with
# ``nigran plan staff --from-record --period ...`` (:mod:`.arrivals`).
PK_SOURCE = "TikTok Government Removal Requests report, Pakistan, H2 2023: 303 requests"
PK_MIX = Mix(
    "PK",
    "PK",
    303 / 6,
    (
        WorkType("PK.PTA_DIRECTION", 0.85),
        WorkType("PK.PTA_EMERGENCY", 0.10),
        WorkType("PK.PTA_LIVE_STREAM", 0.05, items=False, minutes=(5.0, 0.3)),
        WorkType("PK.USER_GRIEVANCE", per_month=400, items=False, minutes=(5.0, 0.6)),
    ),
    source=PK_SOURCE,
)
# India: TikTok has been blocked in India since 2020, so its report has no Indian figure. The
# default is Google's: 760 content removal requests from Indian authorities in H2 2019 (Google
# Transparency Report, as reported by techcircle.in on 2020-06-25), about 127 a month. A
# different service and year: measure the real one with --from-record or give it with --volume
# or --rates. Every Rule 3(1)(d) order runs on the 3-hour clock.
IN_SOURCE = (
    "Google Transparency Report, India, H2 2019: 760 government removal requests "
    "(techcircle.in, 2020-06-25)"
)
IN_MIX = Mix(
    "IN",
    "IN",
    760 / 6,
    (
        WorkType("IN.ORDER_3_1_D", 0.70),
        WorkType("IN.BLOCKING_69A", 0.20),
        WorkType("IN.NCII_COMPLAINT", 0.10, items=False, minutes=(8.0, 0.4)),
        WorkType("IN.GRIEVANCE", per_month=400, items=False, minutes=(5.0, 0.6)),
    ),
    utc_offset_h=5.5,
    source=IN_SOURCE,
)
MIXES = {"PK": PK_MIX, "IN": IN_MIX}


def clock_hours(packs: PackSet, pack: str, order_type: str, at: datetime) -> float:
    """The hours an order of this type received at ``at`` is held to: the fixed legal deadline,
    or the pack's SLO where the law sets none or says "immediately"."""
    d = order_deadline(packs.pack(pack), order_type, at)
    due = d.due_at if d.standard == "fixed" else d.slo_at
    if due is None:
        raise InvalidInput(f"{order_type} has no deadline or SLO in the pack", where=order_type)
    return (due - at).total_seconds() / 3600


@dataclass(slots=True)
class Piece:
    arrival: float
    deadline: float
    work: float
    kind: str
    order: int


def workload(
    mix: Mix,
    seed: int,
    *,
    scale: float = 1.0,
    packs: PackSet | None = None,
    at: datetime | None = None,
) -> list[Piece]:
    """One month of work (hours from the start of the month), drawn with NumPy."""
    packs = packs or default_packs()
    at = at or datetime(2026, 12, 1, tzinfo=UTC)
    rng = np.random.default_rng(seed)
    clocks = {t.order_type: clock_hours(packs, mix.pack, t.order_type, at) for t in mix.types}

    def arrivals(n: int, office: float) -> Any:
        day = rng.integers(0, 30, n)
        local = np.where(rng.random(n) < office, 9 + rng.random(n) * 8, rng.random(n) * 24)
        return (day * 24 + local - mix.utc_offset_h) % MONTH_H

    out: list[Piece] = []
    orders = [t for t in mix.types if t.per_month is None]
    total = sum(t.share for t in orders)
    if orders and total > 0:
        n = int(rng.poisson(mix.orders_per_month * total * scale))
        t0 = arrivals(n, mix.office_share)
        kinds = rng.choice(len(orders), size=n, p=[t.share / total for t in orders])
        items = np.clip(
            np.rint(rng.lognormal(math.log(mix.items_median), mix.items_sigma, n)), 1, 500
        ).astype(int)
        for k in range(n):
            kind = orders[kinds[k]]
            due = float(t0[k]) + clocks[kind.order_type]
            base = float(rng.lognormal(math.log(kind.minutes[0]), kind.minutes[1]))
            if not kind.items:
                out.append(Piece(float(t0[k]), due, base / 60, kind.order_type, k))
                continue
            per_item = rng.uniform(1.0, 2.0, int(items[k]))
            for first in range(0, int(items[k]), CHUNK):
                minutes = float(per_item[first : first + CHUNK].sum()) + (
                    base if first == 0 else 3.0
                )
                out.append(Piece(float(t0[k]), due, minutes / 60, kind.order_type, k))
    for t in mix.types:
        if t.per_month is None:
            continue
        n = int(rng.poisson(t.per_month * scale))
        t0 = arrivals(n, 0.3)
        work = rng.lognormal(math.log(t.minutes[0]), t.minutes[1], n) / 60
        clock = clocks[t.order_type]
        out.extend(
            Piece(float(a), float(a) + clock, float(w), t.order_type, -1)
            for a, w in zip(t0, work, strict=True)
        )
    out.sort(key=lambda p: p.arrival)
    return out


def run(pieces: Sequence[Piece], servers: int, policy: str = "edf") -> list[float]:
    """Finish time of each piece with ``servers`` reviewers on duty."""
    if servers < 1:
        raise InvalidInput("at least one reviewer", where="servers")
    free = [0.0] * servers
    waiting: list[tuple[float, int]] = []
    done = [0.0] * len(pieces)
    i, clock = 0, 0.0
    while i < len(pieces) or waiting:
        t = max(heapq.heappop(free), clock)
        if not waiting and pieces[i].arrival > t:
            t = pieces[i].arrival
        while i < len(pieces) and pieces[i].arrival <= t:
            p = pieces[i]
            heapq.heappush(waiting, (p.deadline if policy == "edf" else p.arrival, i))
            i += 1
        clock = t
        _, k = heapq.heappop(waiting)
        done[k] = t + pieces[k].work
        heapq.heappush(free, done[k])
    return done


@dataclass(slots=True)
class Outcome:
    """One month: the share of orders (all their chunks) done by the deadline, per type; whether
    any order missed; and the share of all pieces picked up within ``target_h``."""

    in_time: float
    by_type: dict[str, float]
    any_order_missed: bool
    complaints_in_time: float
    picked_within: float


def outcome(pieces: Sequence[Piece], done: Sequence[float], target_h: float = 0.0) -> Outcome:
    per_order: dict[int, tuple[str, bool]] = {}
    complaints = [0, 0]
    picked = 0
    for p, fin in zip(pieces, done, strict=True):
        ok = fin <= p.deadline + 1e-9
        if fin - p.work - p.arrival <= target_h + 1e-9:
            picked += 1
        if p.order < 0:
            complaints[0] += 1
            complaints[1] += ok
            continue
        kind, prev = per_order.get(p.order, (p.kind, True))
        per_order[p.order] = (kind, prev and ok)
    by: dict[str, list[bool]] = {}
    for kind, ok in per_order.values():
        by.setdefault(kind, []).append(ok)
    oks = [ok for _, ok in per_order.values()]
    return Outcome(
        in_time=sum(oks) / len(oks) if oks else 1.0,
        by_type={k: sum(v) / len(v) for k, v in sorted(by.items())},
        any_order_missed=not all(oks),
        complaints_in_time=complaints[1] / complaints[0] if complaints[0] else 1.0,
        picked_within=picked / len(pieces) if pieces else 1.0,
    )


@dataclass(frozen=True, slots=True)
class Estimate:
    mean: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.mean:.1%} [{self.low:.1%}, {self.high:.1%}]"


def mean_ci(xs: Sequence[float]) -> Estimate:
    """Mean over seeds with a normal 95% interval (clipped to [0, 1])."""
    m = statistics.fmean(xs)
    half = Z95 * statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0
    return Estimate(m, max(0.0, m - half), min(1.0, m + half))


def wilson(k: int, n: int) -> Estimate:
    """A proportion with its Wilson 95% interval (sound at 0 of n, unlike the normal one)."""
    if n == 0:
        return Estimate(0.0, 0.0, 1.0)
    p = k / n
    d = 1 + Z95**2 / n
    c = (p + Z95**2 / (2 * n)) / d
    h = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / d
    return Estimate(p, max(0.0, c - h), min(1.0, c + h))


@dataclass(slots=True)
class Replicated:
    servers: int
    seeds: int
    in_time: Estimate
    risk_of_miss: Estimate
    """Probability that at least one order misses its legal deadline in a month."""
    complaints_in_time: Estimate
    picked_within: Estimate
    by_type: dict[str, Estimate] = field(default_factory=dict)


def replicate(
    mix: Mix,
    servers: int,
    seeds: Sequence[int],
    *,
    scale: float = 1.0,
    policy: str = "edf",
    target_h: float = 0.0,
    packs: PackSet | None = None,
    months: Sequence[list[Piece]] | None = None,
) -> Replicated:
    """``servers`` on duty over the months drawn from ``seeds`` (or the ``months`` already
    drawn from them, so several staffing levels are tried on the same arrivals)."""
    packs = packs or default_packs()
    outs = []
    drawn = (
        months
        if months is not None
        else (workload(mix, s, scale=scale, packs=packs) for s in seeds)
    )
    for pieces in drawn:
        outs.append(outcome(pieces, run(pieces, servers, policy), target_h))
    kinds = sorted({k for o in outs for k in o.by_type})
    return Replicated(
        servers=servers,
        seeds=len(outs),
        in_time=mean_ci([o.in_time for o in outs]),
        risk_of_miss=wilson(sum(o.any_order_missed for o in outs), len(outs)),
        complaints_in_time=mean_ci([o.complaints_in_time for o in outs]),
        picked_within=mean_ci([o.picked_within for o in outs]),
        by_type={k: mean_ci([o.by_type[k] for o in outs if k in o.by_type]) for k in kinds},
    )


def poisson_pieces(rate: float, handle_h: float, hours: float, seed: int) -> list[Piece]:
    """M/M/n work: Poisson arrivals at ``rate`` per hour, exponential handling with mean
    ``handle_h``, no deadline (to check the simulator against Erlang C)."""
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(rate * hours))
    arrivals = np.sort(rng.uniform(0.0, hours, n))
    work = rng.exponential(handle_h, n)
    return [
        Piece(float(a), math.inf, float(w), "call", -1) for a, w in zip(arrivals, work, strict=True)
    ]
