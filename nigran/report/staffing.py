"""Staffing plans: how many reviewers each queue needs on duty, per shift, to meet its SLA
(Erlang C, or Erlang A where reviewers' queues lose items to impatience), and how many legal
reviewers meet every legal deadline (a simulation over many seeds, :mod:`.simulate`), and from
that the review budget: the share of automatically flagged content the recommended staff can
look at, per language queue.

Arrival rates and handling times are measured from the record over a period (cases opened per
queue and shift; claim to decision for handling) or given in a rates file::

    queues:
      - {queue: ur-hate, language: ur, rate_per_h: 40, proactive_per_h: 25, flagged_per_h: 90,
         handle_minutes: 2.5, target_hours: 8, shifts: {night: 0.5, day: 1.4, evening: 1.1}}
    mixes:
      PK: {orders_per_month: 505}
      IN: {orders_per_month: 300}

``shifts`` are multipliers on ``rate_per_h`` for each 8-hour shift (night 22-06, day 06-14,
evening 14-22 local time); ``patience_minutes`` makes the queue an Erlang A one.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, select

from nigran.errors import InvalidInput
from nigran.report import erlang
from nigran.report.period import Period
from nigran.report.simulate import MIXES, MONTH_H, Mix, Replicated, replicate, workload
from nigran.store import tables_review  # noqa: F401  (adds claimed_at, source... to cases)
from nigran.store.tables import cases

SHIFTS = {"night": (22, 6), "day": (6, 14), "evening": (14, 22)}
ROTA = 24 * 7 / 40
"""People per seat kept filled around the clock at 40 hours a week (before leave and training)."""
SHORT_CLOCK_H = 1.0
"""Work due within this many hours goes to its own desk: a reviewer deep in a 25-item chunk of a
48-hour order cannot drop it for a live stream due in 15 minutes."""


def _shift(hour: int) -> str:
    for name, (a, b) in SHIFTS.items():
        if (a < b and a <= hour < b) or (a > b and (hour >= a or hour < b)):
            return name
    raise AssertionError(hour)


@dataclass(frozen=True, slots=True)
class QueueLoad:
    queue: str
    shift: str
    rate_per_h: float
    handle_h: float
    target_h: float
    language: str | None = None
    patience_h: float | None = None
    proactive_per_h: float = 0.0
    """The part of ``rate_per_h`` that automated detection sent (the rest must be taken:
    user reports, trusted flaggers, orders, appeals)."""
    flagged_per_h: float = 0.0
    """Automatically flagged items per hour that could go to this queue (for the budget; at least
    ``proactive_per_h``). Measured: the cases detection opened; a rates file can give the
    whole flagged stream, automated decisions included."""
    measured: bool = True
    """The rates come from the record (False: a rates file)."""
    handle_measured: bool = True
    """False where no case was decided in the period: the handling time is the 5-minute default."""


@dataclass(slots=True)
class QueuePlan:
    load: QueueLoad
    staff: int
    levels: dict[int, float]
    """Service level (share picked up within the target) for staff - 1, staff, staff + 1."""
    abandon: float | None = None


def measure(conn: Connection, period: Period, utc_offset_h: float = 5.0) -> list[QueueLoad]:
    """Per queue and shift: cases opened per hour, mean claim-to-decision time, and the median
    time each case was given (its deadline), from the cases table."""
    rows = conn.execute(
        select(
            cases.c.queue,
            cases.c.language,
            cases.c.created_at,
            cases.c.deadline,
            cases.c.claimed_at,
            cases.c.closed_at,
            cases.c.status,
            cases.c.source,
        )
    ).all()
    rows = [r for r in rows if r.created_at in period]
    days = (period.end - period.start).total_seconds() / 86400
    out = []
    for queue in sorted({r.queue for r in rows}):
        mine = [r for r in rows if r.queue == queue]
        handled = [
            (r.closed_at - r.claimed_at).total_seconds() / 3600
            for r in mine
            if r.status == "decided"
            and r.claimed_at
            and r.closed_at
            and r.closed_at >= r.claimed_at
        ]
        targets = [(r.deadline - r.created_at).total_seconds() / 3600 for r in mine if r.deadline]
        langs = [r.language for r in mine if r.language]
        lang = statistics.mode(langs) if langs else None
        for shift in SHIFTS:
            here = [
                r
                for r in mine
                if _shift(int((r.created_at + timedelta(hours=utc_offset_h)).hour)) == shift
            ]
            out.append(
                QueueLoad(
                    queue=queue,
                    shift=shift,
                    rate_per_h=len(here) / (days * 8),
                    handle_h=statistics.fmean(handled) if handled else 5 / 60,
                    target_h=statistics.median(targets) if targets else 24.0,
                    language=lang,
                    proactive_per_h=sum(1 for r in here if r.source == "proactive") / (days * 8),
                    flagged_per_h=sum(1 for r in here if r.source == "proactive") / (days * 8),
                    measured=True,
                    handle_measured=bool(handled),
                )
            )
    return out


def read_rates(path: Path) -> tuple[list[QueueLoad], dict[str, Mix]]:
    """Queue loads and order mixes from a YAML or JSON file (see the module docstring)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        loads = []
        for q in data.get("queues", []):
            shifts = q.get("shifts") or {s: 1.0 for s in SHIFTS}
            for shift, factor in shifts.items():
                if shift not in SHIFTS:
                    raise InvalidInput(f"{path}: shift {shift!r} is not one of {list(SHIFTS)}")
                loads.append(
                    QueueLoad(
                        queue=str(q["queue"]),
                        shift=shift,
                        rate_per_h=float(q["rate_per_h"]) * float(factor),
                        handle_h=float(q["handle_minutes"]) / 60,
                        target_h=float(q["target_hours"]),
                        language=q.get("language"),
                        patience_h=float(q["patience_minutes"]) / 60
                        if q.get("patience_minutes")
                        else None,
                        proactive_per_h=float(q.get("proactive_per_h", 0.0)) * float(factor),
                        flagged_per_h=float(q.get("flagged_per_h", q.get("proactive_per_h", 0.0)))
                        * float(factor),
                        measured=False,
                    )
                )
        mixes = {}
        for name, over in (data.get("mixes") or {}).items():
            if name not in MIXES:
                raise InvalidInput(f"{path}: no mix {name!r} (known: {sorted(MIXES)})")
            mixes[name] = dataclasses.replace(MIXES[name], **{"source": f"given in {path}", **over})
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: not a rates file: {exc}", where="rates") from exc
    return loads, mixes


def plan_queue(load: QueueLoad, level: float) -> QueuePlan:
    """The fewest on duty meeting ``level`` within the target (Erlang C; with a patience,
    Erlang A's abandonment is reported beside it)."""
    n = erlang.servers_for(load.rate_per_h, load.handle_h, load.target_h, level)
    levels = {
        k: erlang.service_level(load.rate_per_h, load.handle_h, k, load.target_h)
        for k in (n - 1, n, n + 1)
        if k >= 1
    }
    abandon = None
    if load.patience_h and n >= 1:
        abandon = erlang.erlang_a(load.rate_per_h, load.handle_h, n, load.patience_h).p_abandon
    return QueuePlan(load, n, levels, abandon)


@dataclass(slots=True)
class DeskPlan:
    """A legal desk sized by simulation: every staffing level tried, and the recommendation (the
    fewest on duty whose 95% upper bound on the monthly risk of missing a legal deadline is at
    most ``max_risk``), or None if none up to the limit is."""

    mix: Mix
    desk: str
    rows: list[Replicated] = field(default_factory=list)
    recommended: int | None = None


def desks(mix: Mix, packs: Any = None) -> list[tuple[str, Mix]]:
    """Split a mix into a short-clock desk (work due within :data:`SHORT_CLOCK_H`) and the legal
    desk (the rest), each staffed on its own."""
    from datetime import UTC, datetime

    from nigran.policy.packs import default_packs
    from nigran.report.simulate import clock_hours

    packs = packs or default_packs()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    short = tuple(
        t for t in mix.types if clock_hours(packs, mix.pack, t.order_type, at) <= SHORT_CLOCK_H
    )
    rest = tuple(t for t in mix.types if t not in short)
    out = []
    if short:
        out.append(("short-clock", dataclasses.replace(mix, types=short)))
    if rest:
        out.append(("legal", dataclasses.replace(mix, types=rest)))
    return out


def plan_desk(
    mix: Mix,
    desk: str,
    *,
    scale: float,
    seeds: Sequence[int],
    max_risk: float,
    max_staff: int = 40,
) -> DeskPlan:
    out = DeskPlan(mix, desk)
    # Every level is tried on the same simulated months (common random numbers: the levels
    # differ by the staff alone, and the months are drawn once). Fewer on duty than the mean
    # work in hand cannot keep up, so the search starts at 80% of it.
    months = [workload(mix, s, scale=scale) for s in seeds]
    load = statistics.fmean(sum(p.work for p in m) for m in months) / MONTH_H if months else 0.0
    for n in range(max(1, math.floor(0.8 * load)), max_staff + 1):
        r = replicate(mix, n, seeds, scale=scale, months=months)
        out.rows.append(r)
        if r.risk_of_miss.high <= max_risk:
            out.recommended = n
            break
    # Show the levels just below the answer, not every one from a single reviewer.
    out.rows = out.rows[-4:]
    return out


# -- the review budget ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Budget:
    queue: str
    language: str | None
    staff: int
    capacity_per_h: float
    """Items the queue's planned staff can decide per hour at ``utilisation``."""
    other_per_h: float
    """Work the queue must take anyway (user reports, trusted flaggers, orders, appeals)."""
    flagged_per_h: float
    share: float
    """Share of the automatically flagged items that can go to human review (1.0: all)."""


def review_budget(plans: Sequence[QueuePlan], utilisation: float = 0.85) -> list[Budget]:
    """Per queue (summed over shifts): what the recommended staff can review beyond the work the
    queue must take, as a share of the automatically flagged items that could go to it. The
    detectors use it to set operating points: flag no more than the people can see."""
    if not 0 < utilisation <= 1:
        raise InvalidInput("utilisation is a share in (0, 1]", where="utilisation")
    by: dict[str, list[QueuePlan]] = {}
    for p in plans:
        by.setdefault(p.load.queue, []).append(p)
    out = []
    for queue, ps in sorted(by.items()):
        # Averaged over the shifts (each is 8 hours): per hour of the day.
        cap = sum(p.staff * utilisation / p.load.handle_h for p in ps) / len(ps)
        flagged = sum(p.load.flagged_per_h for p in ps) / len(ps)
        other = sum(p.load.rate_per_h - p.load.proactive_per_h for p in ps) / len(ps)
        spare = max(0.0, cap - max(0.0, other))
        share = 1.0 if flagged <= 0 else min(1.0, spare / flagged)
        out.append(
            Budget(
                queue=queue,
                language=ps[0].load.language,
                staff=max(p.staff for p in ps),
                capacity_per_h=round(cap, 2),
                other_per_h=round(max(0.0, other), 2),
                flagged_per_h=round(flagged, 2),
                share=round(share, 4) if math.isfinite(share) else 0.0,
            )
        )
    return out
