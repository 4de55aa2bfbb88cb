"""Every figure of a transparency report, as a pure function of the facts (:mod:`.facts`) and the
period. Times are hours; a median is the middle value (the mean of the two middle ones for an even
count), a p90 the nearest-rank 90th percentile; both are empty where nothing was measured.

Each table says whether it can be recomputed from the ledger chain alone (``ledgered``); the
review-capacity table counts people on staff, which the chain does not record.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nigran.policy.packs import PackSet
from nigran.report import eu_annex, eu_template
from nigran.report.facts import Facts, OrderFact, RestrictionFact
from nigran.report.period import Period

Row = dict[str, Any]


@dataclass(slots=True)
class Table:
    name: str
    """File stem of its CSV, and its key in the JSON."""
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    ledgered: bool = True
    source: str = ""
    """Where the layout comes from (a regulation's annex, a pack's field list)."""


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 3600


def median(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return round(statistics.median(xs), 3) if xs else None


def p90(values: Iterable[float | None]) -> float | None:
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    return round(xs[max(0, math.ceil(0.9 * len(xs)) - 1)], 3)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def breached(o: OrderFact, period_end: datetime) -> bool:
    """Acted after the deadline, or still open past it at the end of the period."""
    if o.act_by is None:
        return False
    if o.acted_at is not None:
        return o.acted_at > o.act_by
    return o.outcome is None and o.act_by < period_end


def _group(
    items: Iterable[Any], key: Callable[[Any], tuple[Any, ...]]
) -> dict[tuple[Any, ...], list[Any]]:
    out: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for x in items:
        out[key(x)].append(x)
    return dict(sorted(out.items(), key=lambda kv: tuple(str(k) for k in kv[0])))


# -- government requests --------------------------------------------------------------------------


GOV_COLUMNS = [
    "country",
    "authority",
    "received",
    "items_named",
    "actioned",
    "withheld_locally",
    "removed_globally",
    "refused_or_no_action",
    "partially_actioned",
    "open",
    "items_actioned",
    "share_actioned",
    "no_action_reasons",
    "acknowledged",
    "median_hours_to_acknowledge",
    "p90_hours_to_acknowledge",
    "median_hours_to_act",
    "p90_hours_to_act",
    "decided_with_deadline",
    "within_deadline",
    "share_within_deadline",
    "breaches",
    "escalated",
]


def _gov_row(os_: Sequence[OrderFact], period: Period) -> Row:
    acted = [o for o in os_ if o.outcome in ("actioned", "partially_actioned")]
    decided = [o for o in os_ if o.acted_at is not None and o.act_by is not None]
    within = [o for o in decided if o.acted_at is not None and o.act_by and o.acted_at <= o.act_by]
    reasons = Counter(r for o in os_ for r in o.no_action_reasons)
    return {
        "received": len(os_),
        "items_named": sum(o.items for o in os_),
        "actioned": len(acted),
        "withheld_locally": sum(1 for o in acted if not o.action_global),
        "removed_globally": sum(1 for o in acted if o.action_global),
        "refused_or_no_action": sum(1 for o in os_ if o.outcome == "refused"),
        "partially_actioned": sum(1 for o in os_ if o.outcome == "partially_actioned"),
        "open": sum(1 for o in os_ if o.outcome is None),
        "items_actioned": sum(o.items_actioned for o in acted),
        "share_actioned": share(len(acted), len(os_)),
        "no_action_reasons": "; ".join(f"{r} ({n})" for r, n in sorted(reasons.items())),
        "acknowledged": sum(1 for o in os_ if o.acknowledged_at is not None),
        "median_hours_to_acknowledge": median(
            _hours(o.received_at, o.acknowledged_at) for o in os_
        ),
        "p90_hours_to_acknowledge": p90(_hours(o.received_at, o.acknowledged_at) for o in os_),
        "median_hours_to_act": median(_hours(o.received_at, o.acted_at) for o in acted),
        "p90_hours_to_act": p90(_hours(o.received_at, o.acted_at) for o in acted),
        "decided_with_deadline": len(decided),
        "within_deadline": len(within),
        "share_within_deadline": share(len(within), len(decided)),
        "breaches": sum(1 for o in os_ if breached(o, period.end)),
        "escalated": sum(1 for o in os_ if o.escalated),
    }


def government_requests(facts: Facts, period: Period) -> Table:
    t = Table(
        "government_requests",
        "Government requests by country and authority",
        GOV_COLUMNS,
    )
    mine = [o for o in facts.orders if o.received_at in period]
    for (country, authority), os_ in _group(mine, lambda o: (o.jurisdiction, o.authority)).items():
        t.rows.append({"country": country, "authority": authority, **_gov_row(os_, period)})
    if mine:
        t.rows.append({"country": "all", "authority": "all", **_gov_row(mine, period)})
    return t


# -- moderation, appeals, notices -----------------------------------------------------------------


def _basis(r: RestrictionFact) -> str:
    """Why the platform acted: on its own initiative, or on an order, a notice or an appeal
    (a reviewer's removal on the platform's terms taken on an order counts as the order's)."""
    if r.own_initiative:
        return "own_initiative"
    kind = (r.source_ref or "").split(":", 1)[0]
    return {"order": "order", "appeal": "appeal", "report": "notice"}.get(
        kind, {"order": "order", "appeal": "appeal"}.get(r.source, "notice")
    )


def moderation(facts: Facts, period: Period) -> Table:
    t = Table(
        "moderation",
        "Restrictions by language, category, detection method and type",
        [
            "language",
            "ground_kind",
            "category",
            "detection",
            "basis",
            "restriction_type",
            "scope",
            "restrictions",
        ],
    )
    mine = [r for r in facts.restrictions if r.created_at in period]
    groups = _group(
        mine,
        lambda r: (
            r.language or "und",
            r.ground_kind,
            r.ground_code,
            r.detection,
            _basis(r),
            r.action,
            "global" if r.countries is None else "local",
        ),
    )
    for key, rs in groups.items():
        t.rows.append(dict(zip(t.columns, [*key, len(rs)], strict=True)))
    return t


def appeals(facts: Facts, period: Period) -> Table:
    t = Table(
        "appeals",
        "Appeals (complaints) and their outcomes",
        [
            "restriction_source",
            "filed",
            "decided",
            "upheld",
            "reversed",
            "open",
            "share_reversed",
            "median_hours_to_decide",
            "decided_within_clock",
        ],
    )
    mine = [a for a in facts.appeals if a.filed_at in period]

    def row(src: str, xs: list[Any]) -> Row:
        done = [a for a in xs if a.outcome is not None]
        rev = sum(1 for a in done if a.outcome == "reversed")
        return {
            "restriction_source": src,
            "filed": len(xs),
            "decided": len(done),
            "upheld": sum(1 for a in done if a.outcome == "upheld"),
            "reversed": rev,
            "open": len(xs) - len(done),
            "share_reversed": share(rev, len(done)),
            "median_hours_to_decide": median(_hours(a.filed_at, a.decided_at) for a in done),
            "decided_within_clock": sum(
                1 for a in done if a.due_at and a.decided_at and a.decided_at <= a.due_at
            ),
        }

    for (src,), xs in _group(mine, lambda a: (a.restriction_source or "unknown",)).items():
        t.rows.append(row(src, xs))
    if mine:
        t.rows.append(row("all", mine))
    return t


def notices(facts: Facts, period: Period) -> Table:
    t = Table(
        "notices",
        "Notices from users and trusted flaggers",
        [
            "source",
            "category",
            "received",
            "founded",
            "unfounded",
            "open",
            "median_hours_to_resolve",
        ],
    )
    mine = [n for n in facts.notices if n.received_at in period]
    for (src, cat), ns in _group(mine, lambda n: (n.source, n.category)).items():
        t.rows.append(
            {
                "source": src,
                "category": cat,
                "received": len(ns),
                "founded": sum(1 for n in ns if n.status == "founded"),
                "unfounded": sum(1 for n in ns if n.status == "unfounded"),
                "open": sum(1 for n in ns if n.resolved_at is None),
                "median_hours_to_resolve": median(_hours(n.received_at, n.resolved_at) for n in ns),
            }
        )
    return t


# -- EU Implementing Regulation (EU) 2024/2835, Annex I: the Commission's CSV templates --------

PART_TITLES = {
    "member_states_orders": "EU Annex I Part 3: Member States' orders",
    "notices": "EU Annex I Part 4: notices (Art. 16)",
    "own_initiative_illegal": "EU Annex I Part 5: own-initiative moderation, illegal content",
    "own_initiative_TC": "EU Annex I Part 6: own-initiative moderation, terms and conditions",
    "appeals_and_recidivism": "EU Annex I Part 7: complaints, disputes and suspensions",
    "automated_means": "EU Annex I Part 8: use of automated means",
    "human_resources": "EU Annex I Part 9: human resources dedicated to content moderation",
    "summary": "EU Annex I Part 1: identification of the report",
    "qualitative": "EU Annex I Part 11: qualitative information",
    "AMAR": "EU Annex I Part 10: average monthly active recipients",
    "categories_names": "EU Annex I Part 2: categories and what they hold",
}


def eu_table(name: str, columns: list[str], rows: list[Row], *, ledgered: bool = True) -> Table:
    """One Part of the Commission's template as a table named like its file."""
    n = eu_template.PARTS[name]
    return Table(
        eu_template.file_stem(n, name),
        PART_TITLES[name],
        columns,
        rows,
        ledgered=ledgered,
        source=eu_template.TEMPLATE_SOURCE.format(part=eu_template.part_name(name)),
    )


def eu_templates(facts: Facts, period: Period, packs: PackSet, service: str = "") -> list[Table]:
    return [
        eu_table(name, cols, rows)
        for name, cols, rows in eu_annex.ledgered_parts(facts, period, packs, service)
    ]


# -- India and Pakistan, in the form their packs describe -----------------------------------------


def _pack_fields(packs: PackSet, pack: str, report_id: str) -> list[str]:
    for rep in packs.pack(pack).reporting:
        if rep["id"] == report_id:
            return [str(f) for f in rep["fields"]]
    raise KeyError(report_id)


def in_monthly(facts: Facts, period: Period, packs: PackSet) -> Table:
    """IN.MONTHLY_COMPLIANCE: one block per month; ``breakdown`` is the complaint type or
    action where the field asks for one. Complaints are notices under Indian law and Indian
    authorities' orders."""
    fields = _pack_fields(packs, "IN", "IN.MONTHLY_COMPLIANCE")
    t = Table(
        "in_monthly_compliance",
        "India: monthly compliance report (IN.MONTHLY_COMPLIANCE)",
        ["month", "field", "breakdown", "value"],
        source="nigran/policy/packs/IN.yaml reporting IN.MONTHLY_COMPLIANCE fields",
    )
    known = {
        "complaints_received_by_type",
        "actions_taken_on_complaints",
        "items_removed_by_proactive_automated_tools",
    }
    if set(fields) - known:
        raise KeyError(f"IN.MONTHLY_COMPLIANCE asks for fields Nigran cannot fill: {fields}")
    for m in period.months():
        ns = [n for n in facts.notices if n.received_at in m and n.jurisdiction == "IN"]
        ins = [o for o in facts.orders if o.received_at in m and o.jurisdiction == "IN"]
        rows: dict[str, list[tuple[str, int]]] = {
            "complaints_received_by_type": [
                *sorted(Counter(f"notice:{n.category}" for n in ns).items()),
                *sorted(Counter(f"order:{o.legal_ground}" for o in ins).items()),
            ],
            "actions_taken_on_complaints": [
                *sorted(Counter(n.status for n in ns if n.resolved_at is not None).items()),
                *sorted(Counter(f"order:{o.outcome}" for o in ins if o.outcome).items()),
            ],
            "items_removed_by_proactive_automated_tools": [
                (
                    "remove_or_withhold_in_IN",
                    sum(
                        1
                        for r in facts.restrictions
                        if r.created_at in m
                        and r.source == "automated"
                        and r.action in ("remove", "withhold")
                        and (r.countries is None or "IN" in r.countries)
                    ),
                )
            ],
        }
        for f in fields:
            for breakdown, value in rows[f] or [("total", 0)]:
                t.rows.append(
                    {"month": m.label, "field": f, "breakdown": breakdown, "value": value}
                )
    return t


def pk_order_log(facts: Facts, period: Period, packs: PackSet) -> Table:
    fields = _pack_fields(packs, "PK", "PK.ORDER_LOG")
    t = Table(
        "pk_order_log",
        "Pakistan: order log summary (PK.ORDER_LOG)",
        ["month", *fields],
        source="nigran/policy/packs/PK.yaml reporting PK.ORDER_LOG fields",
    )
    for m in period.months():
        os_ = [o for o in facts.orders if o.received_at in m and o.jurisdiction == "PK"]
        acted = [o for o in os_ if o.outcome in ("actioned", "partially_actioned")]
        values = {
            "orders_received": len(os_),
            "orders_actioned_in_time": sum(
                1 for o in acted if o.act_by and o.acted_at and o.acted_at <= o.act_by
            ),
            "median_time_to_act": median(_hours(o.received_at, o.acted_at) for o in acted),
            "orders_escalated": sum(1 for o in os_ if o.escalated),
        }
        t.rows.append({"month": m.label, **{f: values[f] for f in fields}})
    return t


def compute(facts: Facts, period: Period, packs: PackSet, service: str = "") -> list[Table]:
    """Every ledgered table, in report order."""
    return [
        government_requests(facts, period),
        moderation(facts, period),
        appeals(facts, period),
        notices(facts, period),
        *eu_templates(facts, period, packs, service),
        in_monthly(facts, period, packs),
        pk_order_log(facts, period, packs),
    ]
