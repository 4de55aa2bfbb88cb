"""Order mixes measured from the record: for every jurisdiction that sent orders in a period, the
orders a month, the share of each order type, the share arriving in office hours (local time of
the pack), the items an order names, and the notices a month that invoke the country's law (its
grievance stream). ``nigran plan staff --from-record`` sizes the legal desks on these instead of
the built-in mixes' published figures (:data:`nigran.report.simulate.MIXES`).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, select

from nigran.policy.packs import PackSet, default_packs
from nigran.report.period import Period
from nigran.report.simulate import MIXES, MONTH_H, Mix, WorkType
from nigran.store.tables_legal import orders, reports

OFFICE = (9, 17)
"""Office hours, local time (the simulation draws office-hour arrivals in this window)."""


def _offset_h(packs: PackSet, pack: str, at: datetime) -> float:
    off = at.astimezone(packs.pack(pack).tz).utcoffset()
    return 0.0 if off is None else off.total_seconds() / 3600


def _complaint_type(packs: PackSet, pack: str) -> str | None:
    for rule in packs.pack(pack).order_types.values():
        if rule.kind == "complaint" and rule.active:
            return rule.id
    return None


def measure_mixes(conn: Connection, period: Period, packs: PackSet | None = None) -> dict[str, Mix]:
    """One mix per jurisdiction with orders received in ``period``, scaled to a 30-day month.
    Work types a built-in mix knows keep its handling times; others get the defaults."""
    packs = packs or default_packs()
    hours = (period.end - period.start).total_seconds() / 3600
    per_month = MONTH_H / hours
    rows = [
        r
        for r in conn.execute(
            select(
                orders.c.jurisdiction,
                orders.c.order_type,
                orders.c["items"],
                orders.c.received_at,
            )
        )
        if r.received_at in period
    ]
    notices = Counter(
        r.jurisdiction
        for r in conn.execute(select(reports.c.jurisdiction, reports.c.received_at))
        if r.received_at in period and r.jurisdiction
    )
    out: dict[str, Mix] = {}
    for country in sorted({r.jurisdiction for r in rows}):
        mine = [r for r in rows if r.jurisdiction == country]
        pack = mine[0].order_type.split(".", 1)[0]
        packs.pack(pack)  # NotFound, naming the pack, if this install does not load it
        base = MIXES.get(country)
        known = {t.order_type: t for t in base.types} if base else {}
        counts = Counter(r.order_type for r in mine)
        types = [
            dataclasses.replace(known.get(ot, WorkType(ot)), share=n / len(mine), per_month=None)
            for ot, n in sorted(counts.items())
        ]
        streams = [t.order_type for t in base.types if t.per_month is not None] if base else []
        complaint = streams[0] if streams else _complaint_type(packs, pack)
        if complaint and notices.get(country):
            types.append(
                dataclasses.replace(
                    known.get(complaint, WorkType(complaint, items=False, minutes=(5.0, 0.6))),
                    share=0.0,
                    per_month=notices[country] * per_month,
                )
            )
        offset = _offset_h(packs, pack, mine[0].received_at)
        local = [(r.received_at.hour + r.received_at.minute / 60 + offset) % 24 for r in mine]
        office = sum(1 for h in local if OFFICE[0] <= h < OFFICE[1]) / len(mine)
        # Office-hour arrivals are drawn in the window, the rest around the clock (a third of
        # which also falls in it): solve for the simulation's parameter.
        window = (OFFICE[1] - OFFICE[0]) / 24
        office_share = min(1.0, max(0.0, (office - window) / (1 - window)))
        logs = [math.log(len(r[2])) for r in mine if r[2]]
        items_median = math.exp(statistics.fmean(logs)) if logs else 10.0
        items_sigma = statistics.stdev(logs) if len(logs) > 1 else 0.0
        out[country] = Mix(
            name=country,
            pack=pack,
            orders_per_month=len(mine) * per_month,
            types=tuple(types),
            office_share=office_share,
            utc_offset_h=offset,
            items_median=items_median,
            items_sigma=items_sigma,
            source=f"measured from the record, {period.label}: {len(mine)} orders",
        )
    return out
