"""The facts a report counts, read two independent ways: from the stored records
(:func:`from_store`) and from the ledger chain alone (:func:`from_ledger`).

Every figure in :mod:`nigran.report.figures` is a function of these facts, so a report computed
from either source must come out the same; a test holds the two to that on hand-built scenarios.
Where the chain does not carry a fact (who is on staff, which languages they read), the figure
is marked as read from the store only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from nigran import ledger
from nigran.store.tables import cases, content, restrictions
from nigran.store.tables_legal import appeals, order_events, orders, reports

AUTOMATED = "automated"
HYBRID = "hybrid"
HUMAN = "human"


@dataclass(slots=True)
class OrderFact:
    id: str
    authority: str
    jurisdiction: str
    order_type: str
    kind: str
    legal_ground: str | None
    items: int
    received_at: datetime
    act_by: datetime | None = None
    acknowledged_at: datetime | None = None
    outcome: str | None = None
    """actioned, partially_actioned or refused; None while open."""
    acted_at: datetime | None = None
    """When legal review decided (a refusal at intake for missing fields has none)."""
    action_type: str | None = None
    action_global: bool = False
    items_actioned: int = 0
    no_action_reasons: list[str] = field(default_factory=list)
    escalated: bool = False


@dataclass(slots=True)
class RestrictionFact:
    id: str
    content_id: str
    action: str
    countries: tuple[str, ...] | None
    ground_kind: str
    ground_code: str
    source: str
    source_ref: str | None
    created_at: datetime
    language: str | None = None
    case_source: str | None = None

    @property
    def detection(self) -> str:
        """automated: no person decided; hybrid: automated detection, a reviewer decided;
        human: a person flagged it (user or trusted-flagger notice, order, appeal)."""
        if self.source == "automated":
            return AUTOMATED
        if self.source == "reviewer" and self.case_source == "proactive":
            return HYBRID
        return HUMAN

    @property
    def own_initiative(self) -> bool:
        """Found by the platform itself (DSA Art. 15(1)(c)), not on a notice, order or appeal."""
        return self.detection in (AUTOMATED, HYBRID)


@dataclass(slots=True)
class AppealFact:
    id: str
    restriction_id: str | None
    filed_at: datetime
    due_at: datetime | None = None
    outcome: str | None = None
    decided_at: datetime | None = None
    restriction_source: str | None = None


@dataclass(slots=True)
class NoticeFact:
    id: str
    source: str
    category: str
    received_at: datetime
    jurisdiction: str | None = None
    """The country whose law the notice invokes (None: the platform's terms)."""
    status: str = "open"
    resolved_at: datetime | None = None


@dataclass(slots=True)
class Facts:
    orders: list[OrderFact] = field(default_factory=list)
    restrictions: list[RestrictionFact] = field(default_factory=list)
    appeals: list[AppealFact] = field(default_factory=list)
    notices: list[NoticeFact] = field(default_factory=list)


def _t(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _apply_action(o: OrderFact, outcome: str, action: dict[str, Any] | None) -> None:
    """The decision's effect, read the same way from the order row and from its ledger entry."""
    o.outcome = outcome
    a = action or {}
    if outcome == "refused":
        o.action_type = "none"
        if a.get("reasons"):
            o.no_action_reasons = [str(a["reasons"])]
        return
    o.action_type = str(a.get("type"))
    o.action_global = a.get("scope") == "global"
    o.items_actioned = len(a.get("items", []))
    o.no_action_reasons = [str(n.get("reason")) for n in a.get("not_actioned", [])]


# -- from the stored records ----------------------------------------------------------------------


def from_store(conn: Connection) -> Facts:
    facts = Facts()
    refused_at_intake: dict[str, list[str]] = {}
    acks: dict[str, datetime] = {}
    for e in conn.execute(
        select(order_events.c.order_id, order_events.c.kind, order_events.c.at)
        .where(order_events.c.kind == "acknowledged")
        .order_by(order_events.c.id)
    ):
        acks.setdefault(e.order_id, e.at)
    for r in conn.execute(select(orders).order_by(orders.c.received_at, orders.c.id)):
        o = OrderFact(
            id=r.id,
            authority=r.authority_id,
            jurisdiction=r.jurisdiction,
            order_type=r.order_type,
            kind=r.kind,
            legal_ground=r.legal_ground,
            items=len(r.items),
            received_at=r.received_at,
            act_by=r.deadline or r.slo_at,
            acknowledged_at=acks.get(r.id),
            acted_at=r.acted_at,
            escalated="at_risk" in r.flags,
        )
        if r.action is not None:
            partial = bool(r.action.get("not_actioned")) and r.action.get("type") != "none"
            outcome = (
                "refused"
                if r.action.get("type") == "none"
                else ("partially_actioned" if partial else "actioned")
            )
            _apply_action(o, outcome, r.action)
        elif r.status in ("refused", "responded"):
            # Refused at intake (the pack rejects orders missing required fields).
            o.outcome, o.action_type = "refused", "none"
            o.no_action_reasons = ["refused: missing " + ", ".join(r.missing)]
            refused_at_intake[r.id] = list(r.missing)
        facts.orders.append(o)

    langs = {
        (r.content_id, r.version): r.language
        for r in conn.execute(select(content.c.content_id, content.c.version, content.c.language))
    }
    case_src = {r.id: r.source for r in conn.execute(select(cases.c.id, cases.c.source))}
    by_id: dict[str, RestrictionFact] = {}
    for r in conn.execute(select(restrictions).order_by(restrictions.c.created_at)):
        ref = r.source_ref or ""
        f = RestrictionFact(
            id=r.id,
            content_id=r.content_id,
            action=r.action,
            countries=tuple(r.countries) if r.countries is not None else None,
            ground_kind=r.ground_kind,
            ground_code=r.ground_code,
            source=r.source,
            source_ref=r.source_ref,
            created_at=r.created_at,
            language=langs.get((r.content_id, r.version)),
            case_source=case_src.get(ref[5:]) if ref.startswith("case:") else None,
        )
        facts.restrictions.append(f)
        by_id[f.id] = f
    for r in conn.execute(select(appeals).order_by(appeals.c.filed_at, appeals.c.id)):
        src = by_id.get(r.restriction_id or "")
        facts.appeals.append(
            AppealFact(
                id=r.id,
                restriction_id=r.restriction_id,
                filed_at=r.filed_at,
                due_at=r.due_at,
                outcome=None if r.status == "open" else r.status,
                decided_at=r.decided_at,
                restriction_source=src.source if src else None,
            )
        )
    for r in conn.execute(select(reports).order_by(reports.c.received_at, reports.c.id)):
        facts.notices.append(
            NoticeFact(
                id=r.id,
                source=r.source,
                category=r.category,
                received_at=r.received_at,
                jurisdiction=r.jurisdiction,
                status=r.status,
                resolved_at=r.resolved_at,
            )
        )
    return facts


# -- from the ledger chain alone ------------------------------------------------------------------


def from_ledger(entries: Iterable[ledger.Entry]) -> Facts:
    """Walk the chain once, oldest first, and rebuild the same facts from the entries' payloads
    (workflow times are the payloads' ``at``; the entries' own ``ts`` is the wall clock)."""
    facts = Facts()
    order_by_id: dict[str, OrderFact] = {}
    langs: dict[tuple[str, int], str | None] = {}
    case_src: dict[str, str] = {}
    by_id: dict[str, RestrictionFact] = {}
    appeal_by_id: dict[str, AppealFact] = {}
    notice_by_id: dict[str, NoticeFact] = {}
    for e in entries:
        k = e.kind
        if k.startswith("order."):
            p = e.data()
            oid = p["order_id"]
            at = _t(p["at"])
            assert at is not None
            ev = k[6:]
            if ev == "received":
                o = OrderFact(
                    id=oid,
                    authority=p["authority"],
                    jurisdiction=p.get("jurisdiction") or "",
                    order_type=p["order_type"],
                    kind=p["kind"],
                    legal_ground=p.get("legal_ground"),
                    items=int(p["items"]),
                    received_at=at,
                    act_by=_t(p.get("act_by", p.get("deadline") or p.get("slo_at"))),
                )
                order_by_id[oid] = o
                facts.orders.append(o)
                continue
            o = order_by_id[oid]
            if ev == "acknowledged" and o.acknowledged_at is None:
                o.acknowledged_at = at
            elif ev == "clarified" and p.get("act_by"):
                o.act_by = _t(p["act_by"])
            elif ev == "at_risk":
                o.escalated = True
            elif ev in ("actioned", "partially_actioned"):
                o.acted_at = at
                _apply_action(o, ev, p.get("action"))
            elif ev == "refused":
                if p.get("actor") == "nigran":
                    o.outcome, o.action_type = "refused", "none"
                    o.no_action_reasons = ["refused: missing " + ", ".join(p.get("missing", []))]
                else:
                    o.acted_at = at
                    _apply_action(o, ev, {"reasons": p.get("reasons")})
        elif k == "content.stored":
            p = e.data()
            langs[(p["id"], int(p["version"]))] = p.get("language")
        elif k == "case.opened":
            p = e.data()
            case_src[p["case_id"]] = p.get("source") or "proactive"
        elif k in ("restriction.added", "restriction.migrated"):
            p = e.data()
            act = p.get("action", {})
            scope = act.get("scope") or {}
            ground = act.get("ground") or {}
            ref = p.get("source_ref") or ""
            countries = scope.get("countries")
            created = _t(p.get("created_at"))
            assert created is not None
            f = RestrictionFact(
                id=p["id"],
                content_id=p["content_id"],
                action=act.get("type", ""),
                countries=tuple(countries) if countries is not None else None,
                ground_kind=ground.get("kind", ""),
                ground_code=ground.get("code", ""),
                source=p.get("source", ""),
                source_ref=p.get("source_ref"),
                created_at=created,
                language=langs.get((p["content_id"], int(p.get("version", 0)))),
                case_source=case_src.get(ref[5:]) if ref.startswith("case:") else None,
            )
            facts.restrictions.append(f)
            by_id[f.id] = f
        elif k == "appeal.filed":
            p = e.data()
            src = by_id.get(p.get("restriction_id") or "")
            filed = _t(p["at"])
            assert filed is not None
            a = AppealFact(
                id=p["appeal_id"],
                restriction_id=p.get("restriction_id"),
                filed_at=filed,
                due_at=_t(p.get("due_at")),
                restriction_source=src.source if src else None,
            )
            appeal_by_id[a.id] = a
            facts.appeals.append(a)
        elif k == "appeal.decided":
            p = e.data()
            a = appeal_by_id[p["appeal_id"]]
            a.outcome, a.decided_at = p["outcome"], _t(p["at"])
        elif k == "report.received":
            p = e.data()
            received = _t(p["at"])
            assert received is not None
            n = NoticeFact(
                id=p["report_id"],
                source=p["source"],
                category=p["category"],
                received_at=received,
                jurisdiction=p.get("jurisdiction"),
            )
            notice_by_id[n.id] = n
            facts.notices.append(n)
        elif k == "report.resolved":
            p = e.data()
            n = notice_by_id[p["report_id"]]
            n.status, n.resolved_at = p["status"], _t(p["at"])
    facts.orders.sort(key=lambda o: (o.received_at, o.id))
    facts.restrictions.sort(key=lambda r: r.created_at)
    facts.appeals.sort(key=lambda a: (a.filed_at, a.id))
    facts.notices.sort(key=lambda n: (n.received_at, n.id))
    return facts
