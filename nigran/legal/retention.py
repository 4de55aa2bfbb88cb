"""Retention: what the packs say must not be kept past its period is erased, on schedule.

A pack's ``record_keeping.retention`` (PK: P1Y, IN: P180D; null where the law fixes no period, as
in the EU and DE packs) is how long the records of a notice are kept. Once a report is decided,
its period has passed in the report's jurisdiction, and the notifier can no longer contest the
decision (Art. 20's six months, ``reports.CONTEST_WINDOW``), the notifier's personal data is
erased from the report: their name, their email and their free-text explanation (which may name
people). What the platform must keep to account for its decision stays: the report's id, the
content it located, the category, the legal ground, the outcome and its times, and the
reporter's account id (the Art. 23 record of unfounded reports counts by it).

Each erasure is ledgered (``retention.erased``: the report, the fields erased, the pack and
period that required it); no ledger entry is deleted or changed, and none ever held those fields
(``report.received`` carries no name, email or explanation), so ``nigran ledger verify`` and the
audit pass after the sweep. The sweep is a periodic due job (``retention.sweep``, daily by
default, ``NIGRAN_RETENTION_EVERY_S``), run by the scheduler like every other duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from nigran import ledger
from nigran.legal.reports import CONTEST_WINDOW
from nigran.policy.durations import Duration, add_duration, parse_duration
from nigran.policy.packs import Pack, PackSet, default_packs
from nigran.store.tables_legal import reports

ERASED_FIELDS = ("reporter_name", "reporter_email", "explanation")
LEDGER_KIND = "retention.erased"
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Period:
    pack: Pack
    duration: Duration


def period(packs: PackSet, country: str | None) -> Period | None:
    """The retention period for a jurisdiction's records: its most specific pack that sets one."""
    if not country:
        return None
    for p in packs.packs_for_country(country):
        raw = p.record_keeping.get("retention")
        if raw:
            return Period(p, parse_duration(str(raw)))
    return None


def sweep(
    conn: Connection, *, now: datetime, packs: PackSet | None = None, limit: int = BATCH
) -> list[str]:
    """Erase the notifier's personal data from the reports past their retention period; returns
    the ids of the reports erased (in the caller's transaction, ledgered)."""
    packs = packs or default_packs()
    rows = conn.execute(
        select(reports.c.id, reports.c.jurisdiction, reports.c.resolved_at)
        .where(
            reports.c.erased_at.is_(None),
            reports.c.status.in_(("founded", "unfounded")),
            reports.c.resolved_at.is_not(None),
            reports.c.resolved_at <= now - CONTEST_WINDOW,
            reports.c.jurisdiction.is_not(None),
        )
        .order_by(reports.c.resolved_at, reports.c.id)
        .limit(limit)
    ).all()
    periods: dict[str, Period | None] = {}
    erased: list[tuple[str, Period, datetime]] = []
    for r in rows:
        jur = str(r.jurisdiction)
        if jur not in periods:
            periods[jur] = period(packs, jur)
        found = periods[jur]
        if found is not None and add_duration(r.resolved_at, found.duration, found.pack.tz) <= now:
            erased.append((str(r.id), found, r.resolved_at))
    if not erased:
        return []
    conn.execute(
        update(reports)
        .where(reports.c.id.in_([rid for rid, _, _ in erased]))
        .values(reporter_name=None, reporter_email=None, explanation="", erased_at=now)
    )
    ledger.append_many(
        conn,
        [
            (
                LEDGER_KIND,
                f"report:{rid}",
                {
                    "report_id": rid,
                    "erased": list(ERASED_FIELDS),
                    "pack": p.pack.id,
                    "retention": p.duration.text,
                    "resolved_at": resolved.isoformat(),
                    "at": now.isoformat(),
                },
            )
            for rid, p, resolved in erased
        ],
    )
    return [rid for rid, _, _ in erased]
