"""Priority and SLA: which case a reviewer should see next, and when it is due.

The formula (pure; the same numbers appear on the console):

    priority = severity_weight × reach_factor × source_weight

    severity_weight = 2 ** severity                      severity 0..4 → 1, 2, 4, 8, 16
    reach_factor    = 1 + log10(1 + views) + 2 × log10(1 + views_per_hour)
    source_weight   = authority_order 8 > trusted_flagger 4 > user_report, appeal 2 > proactive 1

Velocity counts double: a post gaining views fast will reach more people before review than a
large but stale one. Logarithms keep one viral post from burying every severe one.

The deadline is the legal deadline when there is one (an authority order), else the queue's
internal SLA for the severity. A case is *at risk* from ``risk_at``: when the larger of
``risk_fraction`` of its time-to-deadline or ``min_risk_minutes`` is left. Reviewers are served
at-risk cases first, earliest deadline first, then everything else by priority, oldest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from nigran.model import Reach
from nigran.review.queues import Queue, QueueConfig

SOURCE_WEIGHT = {
    "authority_order": 8.0,
    "trusted_flagger": 4.0,
    "user_report": 2.0,
    "appeal": 2.0,
    "proactive": 1.0,
}


def reach_factor(reach: Reach | None) -> float:
    if reach is None:
        return 1.0
    return 1.0 + math.log10(1 + reach.views) + 2.0 * math.log10(1 + reach.views_per_hour)


def priority(severity: int, reach: float, source: str) -> float:
    if not 0 <= severity <= 4:
        raise ValueError(f"severity must be 0..4, got {severity}")
    return float(2**severity) * reach * SOURCE_WEIGHT.get(source, 1.0)


@dataclass(frozen=True, slots=True)
class Schedule:
    priority: float
    deadline: datetime
    risk_at: datetime


def schedule(
    cfg: QueueConfig,
    queue: Queue,
    *,
    severity: int,
    reach: float,
    source: str,
    created_at: datetime,
    legal_deadline: datetime | None = None,
) -> Schedule:
    internal = created_at + timedelta(hours=queue.sla_hours[severity])
    # A legal deadline is never relaxed by a kinder internal target, only tightened by one.
    deadline = min(legal_deadline, internal) if legal_deadline is not None else internal
    left = max(deadline - created_at, timedelta(0))
    margin = max(left * cfg.risk_fraction, timedelta(minutes=cfg.min_risk_minutes))
    return Schedule(priority(severity, reach, source), deadline, deadline - margin)


def sla_state(deadline: datetime | None, risk_at: datetime | None, now: datetime) -> str:
    if deadline is not None and now >= deadline:
        return "breached"
    if risk_at is not None and now >= risk_at:
        return "at_risk"
    return "ok"
