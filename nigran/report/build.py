"""A whole report for a period: the ledgered figures from the stored records, the same figures
recomputed from the ledger chain, the tables only the store holds (staff, order record logs),
and the comparison of the two computations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from nigran import ledger
from nigran.legal import orders as legal_orders
from nigran.policy.packs import PackSet, default_packs
from nigran.report import eu_provided, eu_template
from nigran.report import facts as facts_mod
from nigran.report.figures import Table, compute, eu_table
from nigran.report.period import Period
from nigran.review.auth import REVIEW_ROLES
from nigran.store.tables import content, decisions
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
    conn: Connection, period: Period, packs: PackSet | None = None, service: str = ""
) -> tuple[list[Table], int]:
    """The ledgered tables recomputed by walking ``ledger.entries(conn)`` and nothing else, and
    the number of entries walked."""
    seen = 0

    def walk() -> Iterator[ledger.Entry]:
        nonlocal seen
        for e in ledger.entries(conn):
            seen += 1
            yield e

    tables = compute(facts_mod.from_ledger(walk()), period, packs or default_packs(), service)
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


def _roster(conn: Connection) -> list[Any]:
    """Active accounts with a review role."""
    return [
        u
        for u in conn.execute(select(users).where(users.c.active.is_(True)))
        if set(u.roles) & REVIEW_ROLES
    ]


def _decided(conn: Connection, period: Period) -> dict[str, dict[str, int]]:
    """Per content language, the decisions each person took in the period (automated
    decisions, which no person took, left out)."""
    out: dict[str, dict[str, int]] = {}
    q = select(decisions.c.decided_by, decisions.c.decided_at, content.c.language).join(
        content,
        (content.c.content_id == decisions.c.content_id)
        & (content.c.version == decisions.c.version),
    )
    for r in conn.execute(q.where(decisions.c.automated.is_(False))):
        if r.decided_at in period and r.decided_by:
            by = out.setdefault(r.language or "und", {})
            by[r.decided_by] = by.get(r.decided_by, 0) + 1
    return out


def review_capacity(conn: Connection, period: Period) -> Table:
    """Human review capacity by language: people on the roster who read it, the people who
    decided cases in it during the period, and the decisions taken (from the store: the chain
    records decisions, not the roster)."""
    t = Table(
        "review_capacity",
        "Human review capacity by language",
        [
            "language",
            "eu_official",
            "reviewers",
            "legal_reviewers",
            "active_reviewers",
            "decisions",
            "decisions_per_active_reviewer",
        ],
        ledgered=False,
    )
    staff: dict[str, list[Any]] = {}
    for u in _roster(conn):
        for lang in u.languages:
            staff.setdefault(lang, []).append(u)
    decided = _decided(conn, period)
    for lang in sorted(set(staff) | set(decided)):
        people = staff.get(lang, [])
        by = decided.get(lang, {})
        n = sum(by.values())
        t.rows.append(
            {
                "language": lang,
                "eu_official": lang.split("-")[0] in eu_template.EU_LANGUAGES,
                "reviewers": len(people),
                "legal_reviewers": sum(1 for u in people if "legal" in u.roles),
                "active_reviewers": len(by),
                "decisions": n,
                "decisions_per_active_reviewer": round(n / len(by), 2) if by else None,
            }
        )
    return t


def eu_human_resources(conn: Connection, period: Period, service: str) -> Table:
    """Annex I Part 9, per official EU language, from the roster and the period's decisions."""
    active: dict[str, set[str]] = {}
    for lang, by in _decided(conn, period).items():
        active.setdefault(lang.split("-")[0], set()).update(by)
    prefix = {"Service": service, "Reporting period": eu_template.reporting_period(period)}
    roster = [(u.id, list(u.languages)) for u in _roster(conn)]
    name, cols, rows = eu_provided.part_9(prefix, roster, active)
    return eu_table(name, cols, rows, ledgered=False)


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
    provider: str = "",
    service: str = "",
    published: date | None = None,
    qualitative: dict[str, str] | None = None,
    recipients: dict[str, int] | None = None,
) -> Report:
    """``provider`` and ``service`` name the reporter in the EU templates (Part 1 and the
    Service column); ``published`` is the publication date Part 1 states (default: today);
    ``qualitative`` the provider's text for Part 11, by indicator key; ``recipients`` its
    average monthly active recipients for Part 10 (``total`` and per Member State), which Part
    10 is written with only when given."""
    packs = packs or default_packs()
    tables = compute(facts_mod.from_store(conn), period, packs, service)
    report = Report(period, tables)
    if check_ledger:
        again, report.ledger_entries = from_ledger(conn, period, packs, service)
        report.ledger_checked = True
        report.ledger_mismatches = compare(tables, again)
    prefix = {"Service": service, "Reporting period": eu_template.reporting_period(period)}
    name, cols, rows = eu_provided.part_1(
        period, provider, service, f"{published or datetime.now(UTC).date():%Y-%m-%d}"
    )
    report.tables += [
        eu_table(name, cols, rows, ledgered=False),
        eu_table(*eu_provided.part_2(), ledgered=False),
        eu_human_resources(conn, period, service),
        eu_table(*eu_provided.part_11(prefix, qualitative or {}), ledgered=False),
        review_capacity(conn, period),
        *(
            [eu_table(*eu_provided.part_10(prefix, recipients), ledgered=False)]
            if recipients is not None
            else []
        ),
        order_records(conn, period, packs, "PK"),
        order_records(conn, period, packs, "IN"),
    ]
    return report
