"""QA: blind double review of decided cases, golden cases, and the agreement they measure.

A QA case is a copy of a decided primary case in the same queue that its first reviewer may not
take; the second reviewer sees the content, not the first answer. A golden case carries a known
answer (``expected``) and scores whoever decides it. Neither is ever enforced.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from nigran.errors import InvalidInput
from nigran.model import ActionType, Content, utcnow
from nigran.review.agreement import krippendorff_alpha, pairwise_kappa
from nigran.review.cases import open_case
from nigran.store import Store
from nigran.store.tables import cases, content
from nigran.store.tables_review import outcomes

LABELS = ("none", *(a.value for a in ActionType))


def _content(conn: Connection, content_id: str, version: int) -> Content:
    body = conn.execute(
        select(content.c.body).where(
            content.c.content_id == content_id, content.c.version == version
        )
    ).scalar_one_or_none()
    if body is None:
        raise InvalidInput(f"no stored content {content_id}@{version}", where=content_id)
    return Content.model_validate(body)


def sample(
    store: Store,
    rate: float,
    *,
    rng: random.Random | None = None,
    reviewer: str | None = None,
    categories: Sequence[str] | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Open QA cases for a random share (``rate``) of decided primary cases not yet sampled.

    Targeted sampling narrows the pool first (one reviewer's decisions, some categories).
    """
    if not 0.0 <= rate <= 1.0:
        raise InvalidInput(f"sampling rate must be in 0..1, got {rate}", where="rate")
    rng = rng or random.Random()
    now = now or utcnow()
    opened: list[str] = []
    with store.transaction() as conn:
        q = select(outcomes).where(outcomes.c.kind.in_(("primary", "second_opinion")))
        if reviewer:
            q = q.where(outcomes.c.reviewer == reviewer)
        if categories:
            q = q.where(outcomes.c.category.in_(list(categories)))
        if since:
            q = q.where(outcomes.c.decided_at >= since)
        sampled = set(conn.execute(select(cases.c.parent_id).where(cases.c.kind == "qa")).scalars())
        for o in conn.execute(q.order_by(outcomes.c.id)).all():
            if o.case_id in sampled or rng.random() >= rate:
                continue
            sampled.add(o.case_id)
            opened.append(
                open_case(
                    conn,
                    _content(conn, o.content_id, o.version),
                    category=o.category,
                    severity=o.severity,
                    language=o.language,
                    source="proactive",
                    kind="qa",
                    parent_id=o.case_id,
                    excluded_reviewer=o.reviewer,
                    now=now,
                )
            )
    return opened


def add_golden(
    store: Store,
    content_id: str,
    version: int,
    *,
    category: str,
    severity: int,
    language: str | None,
    expected_label: str,
    now: datetime | None = None,
) -> str:
    """A calibration case with a known answer, served like any other case in its queue."""
    if expected_label not in LABELS:
        raise InvalidInput(
            f"expected label must be one of {', '.join(LABELS)}", where="expected_label"
        )
    with store.transaction() as conn:
        return open_case(
            conn,
            _content(conn, content_id, version),
            category=category,
            severity=severity,
            language=language,
            source="proactive",
            kind="golden",
            expected={"label": expected_label},
            now=now,
        )


@dataclass(slots=True)
class Report:
    kappa: dict[tuple[str, str], tuple[float | None, int]] = field(default_factory=dict)
    alpha: dict[str, dict[str, tuple[float | None, int]]] = field(default_factory=dict)
    """``alpha[dimension][value] = (α, units)`` for dimension queue, language, category."""
    overturn: dict[str, tuple[float, int]] = field(default_factory=dict)
    """Per reviewer: share of their decisions a later review disagreed with, and how many."""
    golden: dict[str, tuple[float, int]] = field(default_factory=dict)
    """Per reviewer: share of golden cases answered right, and how many."""


def report(conn: Connection) -> Report:
    rows = conn.execute(select(outcomes).order_by(outcomes.c.id)).all()
    units: dict[str, dict[str, str]] = defaultdict(dict)
    meta: dict[str, tuple[str, str, str]] = {}
    golden: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        if r.kind == "golden":
            if r.correct is not None:
                golden[r.reviewer].append(bool(r.correct))
            continue
        units[r.root_id][r.reviewer] = r.label
        meta.setdefault(r.root_id, (r.queue, r.language or "und", r.category))
    out = Report(kappa=pairwise_kappa(units))
    for dim, idx in (("queue", 0), ("language", 1), ("category", 2)):
        groups: dict[str, list[list[str]]] = defaultdict(list)
        for root, labels in units.items():
            if len(labels) >= 2:
                groups[meta[root][idx]].append(list(labels.values()))
        out.alpha[dim] = {k: (krippendorff_alpha(v), len(v)) for k, v in sorted(groups.items())}
    # Overturn: a primary decision that a later QA or second review of the same root disagreed with.
    first: dict[str, tuple[str, str]] = {}
    later: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.kind == "golden":
            continue
        if r.root_id not in first:
            first[r.root_id] = (r.reviewer, r.label)
        else:
            later[r.root_id].append(r.label)
    per: dict[str, list[bool]] = defaultdict(list)
    for root, (who, label) in first.items():
        if later.get(root):
            per[who].append(any(lab != label for lab in later[root]))
    out.overturn = {k: (sum(v) / len(v), len(v)) for k, v in sorted(per.items())}
    out.golden = {k: (sum(v) / len(v), len(v)) for k, v in sorted(golden.items())}
    return out
