"""A whole report for a period: the ledgered figures from the stored records, the same figures
recomputed from the ledger chain, the tables only the store holds (staff, order record logs),
and the comparison of the two computations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from nigran import ledger
from nigran.legal import orders as legal_orders
from nigran.policy.packs import PackSet, default_packs
from nigran.report import facts as facts_mod
from nigran.report.figures import Table, compute
from nigran.report.period import Period
from nigran.review.auth import REVIEW_ROLES
from nigran.store.tables import cases
from nigran.store.tables_review import users


@dataclass(slots=True)
class Report:
    period: Period
    tables: list[Table]
    ledger_checked: bool = False
    ledger_mismatches: list[str] = field(default_factory=list)
    ledger_entries: int = 0

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "ledger_check": {
                "checked": self.ledger_checked,
                "entries": self.ledger_entries,
                "mismatches": self.ledger_mismatches,
            },
            "tables": {
                t.name: {
                    "title": t.title,
                    "ledgered": t.ledgered,
                    "source": t.source,
                    "columns": t.columns,
                    "rows": t.rows,
                }
                for t in self.tables
            },
        }


def from_ledger(
    conn: Connection, period: Period, packs: PackSet | None = None
) -> tuple[list[Table], int]:
    """The ledgered tables recomputed by walking ``ledger.entries(conn)`` and nothing else, and
    the number of entries walked."""
    seen = 0

    def walk() -> Iterator[ledger.Entry]:
        nonlocal seen
        for e in ledger.entries(conn):
            seen += 1
            yield e

    tables = compute(facts_mod.from_ledger(walk()), period, packs or default_packs())
    return tables, seen


def compare(a: list[Table], b: list[Table]) -> list[str]:
    """Where two computations of the same tables differ (empty: they agree)."""
    out = []
    for x, y in zip(a, b, strict=True):
        if x.rows != y.rows:
            rows_x = {repr(r) for r in x.rows}
            rows_y = {repr(r) for r in y.rows}
            out.append(
                f"{x.name}: store-only rows {sorted(rows_x - rows_y)[:3]}, "
                f"ledger-only rows {sorted(rows_y - rows_x)[:3]}"
            )
    return out


def review_capacity(conn: Connection, period: Period) -> Table:
    """Human review capacity by language: people who review in it, and the cases decided in it
    during the period (from the store: the chain records decisions, not the roster)."""
    t = Table(
        "review_capacity",
        "Human review capacity by language",
        ["language", "reviewers", "legal_reviewers", "cases_decided", "decisions_per_reviewer"],
        ledgered=False,
    )
    staff: dict[str, list[Any]] = {}
    for u in conn.execute(select(users).where(users.c.active.is_(True))):
        if not set(u.roles) & REVIEW_ROLES:
            continue
        for lang in u.languages:
            staff.setdefault(lang, []).append(u)
    decided: dict[str, int] = {}
    for r in conn.execute(
        select(cases.c.language, cases.c.closed_at).where(
            cases.c.status == "decided", cases.c.closed_at.is_not(None)
        )
    ):
        if r.closed_at in period:
            decided[r.language or "und"] = decided.get(r.language or "und", 0) + 1
    for lang in sorted(set(staff) | set(decided)):
        people = staff.get(lang, [])
        n = decided.get(lang, 0)
        t.rows.append(
            {
                "language": lang,
                "reviewers": len(people),
                "legal_reviewers": sum(1 for u in people if "legal" in u.roles),
                "cases_decided": n,
                "decisions_per_reviewer": round(n / len(people), 2) if people else None,
            }
        )
    return t


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")


def _confidential(packs: PackSet, order_type: str) -> bool | str:
    rule = packs.order_types.get(order_type)
    return rule.complainant_confidential if rule is not None else ""


def order_records(conn: Connection, period: Period, packs: PackSet, country: str) -> Table:
    """The per-order record the pack's ``record_keeping`` names, field for field."""
    fields = [str(f) for f in packs.pack(country).record_keeping["fields"]]
    t = Table(
        f"{country.lower()}_order_records",
        f"{country}: order records ({country} record_keeping)",
        fields,
        ledgered=False,
        source=f"nigran/policy/packs/{country}.yaml record_keeping fields",
    )
    for v in legal_orders.list_orders(conn, limit=1_000_000, with_events=False):
        if v.jurisdiction != country or v.received_at not in period:
            continue
        a = v.action or {}
        values: dict[str, Any] = {
            "order_id": v.id,
            "request_id": v.id,
            "requester": v.authority,
            "issuer_rank": v.details.get("issuer_rank", ""),
            "legal_ground": v.legal_ground,
            "nature_of_unlawful_act": v.details.get("nature_of_unlawful_act", ""),
            "content_locator": " ".join(v.items),
            "emergency_reasons": (v.written_reasons or "") if v.kind == "emergency" else "",
            "received_at": _iso(v.received_at),
            "acted_at": _iso(v.acted_at),
            "action": a.get("type", "refused" if v.status == "refused" else ""),
            "scope_countries": a.get("scope") or "",
            # The pack's order type says whether the complainant behind the order is kept
            # confidential (its identity is never in this record either way).
            "complainant_confidential": _confidential(packs, v.order_type),
            # An order is acted on because an authority asked, by a legal reviewer.
            "proactive": False,
            "automated_tool_used": False,
        }
        missing = [f for f in fields if f not in values]
        if missing:
            raise KeyError(
                f"{country} record_keeping asks for fields Nigran cannot fill: {missing}"
            )
        t.rows.append({f: values[f] for f in fields})
    return t


def build(
    conn: Connection,
    period: Period,
    *,
    packs: PackSet | None = None,
    check_ledger: bool = True,
) -> Report:
    packs = packs or default_packs()
    tables = compute(facts_mod.from_store(conn), period, packs)
    report = Report(period, tables)
    if check_ledger:
        again, report.ledger_entries = from_ledger(conn, period, packs)
        report.ledger_checked = True
        report.ledger_mismatches = compare(tables, again)
    report.tables += [
        review_capacity(conn, period),
        order_records(conn, period, packs, "PK"),
        order_records(conn, period, packs, "IN"),
    ]
    return report
