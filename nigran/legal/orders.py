"""Authority orders: intake, validation against the pack, legal clocks, the state machine.

::

    received ─┬─► needs_clarification ─► legal_review ─┬─► actioned ──────────┐
              │        (defective)                     ├─► partially_actioned ├─► responded
              └──────────────────────► legal_review ───┴─► refused ───────────┘

- The pack's order type (resolved from the authority's requester key, the order kind and the
  ground) and the term **in force on the local date of receipt** set the deadline, whatever
  changes later (India: 36 h before 20 Feb 2026, 3 h from then on).
- A defective order (a required field of that term missing) goes to ``needs_clarification``
  with the missing items listed; the pack's ``on_missing_fields`` says whether the clock runs
  meanwhile: ``comply_and_flag`` keeps it running (and legal review may act at once);
  ``escalate_legal`` stops it until the authority clarifies; ``reject`` refuses the order.
- An order asking for action beyond the issuing country goes straight to legal review, flagged
  ``extraterritorial``: content is withheld in the issuing country by default and removed
  globally only by a legal reviewer, and only where it also breaks the platform's terms.
- Every step is a row in ``order_events`` and a ledger entry (subject ``order:<id>``) in the
  same transaction, with the workflow time ``at``.
- Receipt is confirmed by an explicit ``acknowledged`` event (:func:`acknowledge`), once per
  order, whatever its status: routing to legal review is the system's bookkeeping, not a
  confirmation that anyone has read the order, so it never counts as one. The time to
  acknowledge that transparency reports give (EU IR 2024/2835) is measured from it.
- The clock has states of its own beside the status (``OrderView.clock``): ``stopped``,
  ``running``, ``at_risk``, ``breached`` while the order is open; ``met`` or ``missed`` once it
  is acted on. ``at_risk`` (at the pack's ``clocks.at_risk_share`` of the clock left) and
  ``breached`` (the deadline passed with the order still open) are events fired by the scheduler
  (``nigran.schedule``) from due jobs written when the clock starts; a stopped clock gets a
  reminder (with escalation to legal) and, after the pack's ``clocks.clarification_wait``, a
  refusal of the order as defective.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert, select, update

from nigran import jobs, ledger, record
from nigran.errors import InvalidInput, InvalidTransition, NotFound
from nigran.legal import clocks, notices
from nigran.legal.authorities import Authority, get_authority
from nigran.legal.locate import content_of, locate
from nigran.model import (
    Action,
    ActionType,
    Country,
    Decision,
    Ground,
    OrderStatus,
    OrderType,
    RestrictionSource,
    RuleHit,
    Scope,
)
from nigran.policy.deadlines import OrderDeadline, missing_fields, order_deadline
from nigran.policy.durations import add_duration
from nigran.policy.packs import OrderRule, Pack, PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.review.cases import CaseRequest, close, open_cases
from nigran.store.tables import cases
from nigran.store.tables_legal import order_events, orders

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.NEEDS_CLARIFICATION, S.LEGAL_REVIEW, S.REFUSED}),
    S.NEEDS_CLARIFICATION: frozenset({S.LEGAL_REVIEW, S.ACTIONED, S.PARTIALLY_ACTIONED, S.REFUSED}),
    S.LEGAL_REVIEW: frozenset({S.NEEDS_CLARIFICATION, S.ACTIONED, S.PARTIALLY_ACTIONED, S.REFUSED}),
    S.ACTIONED: frozenset({S.RESPONDED}),
    S.PARTIALLY_ACTIONED: frozenset({S.RESPONDED}),
    S.REFUSED: frozenset({S.RESPONDED}),
    S.RESPONDED: frozenset(),
}
OPEN = (S.RECEIVED, S.NEEDS_CLARIFICATION, S.LEGAL_REVIEW)
SEVERITY = {OrderType.STANDARD: 3, OrderType.EMERGENCY: 4, OrderType.LIVE_STREAM: 4}
AT_RISK_SHARE = clocks.DEFAULT.at_risk_share
"""An open order is at risk once less than this share of its clock is left (the pack's
``clocks.at_risk_share`` where it sets one)."""


class OrderIn(BaseModel):
    """What an authority sends. Fields a pack may require but the form lacks go in ``details``
    (``issuer_rank``, ``statutory_provision``, ``nature_of_unlawful_act``, ...)."""

    model_config = ConfigDict(extra="forbid")

    jurisdiction: Country | None = None
    """Defaults to the authority's own; an authority cannot order for another country."""
    order_type: OrderType = OrderType.STANDARD
    legal_ground: str | None = None
    items: list[str] = Field(default_factory=list, max_length=10_000)
    reasons: str = ""
    written_reasons: str | None = None
    details: dict[str, str] = Field(default_factory=dict)
    requested_scope: Literal["issuing_country", "global"] = "issuing_country"
    external_ref: str | None = Field(default=None, max_length=256)


class Clarification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_ground: str | None = None
    items: list[str] | None = None
    reasons: str | None = None
    written_reasons: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


def present_fields(o: OrderIn, ground_known: bool) -> set[str]:
    """The pack's required-field names this order fills."""
    have = {"issuing_authority"}
    if o.legal_ground and ground_known:
        have.add("legal_ground")
    if [i for i in o.items if i.strip()]:
        have.add("content_locator")
    if o.reasons.strip():
        have.update({"statement_of_reasons", "explanation"})
    if o.written_reasons and o.written_reasons.strip():
        have.add("written_reasons")
    if o.requested_scope:
        have.add("territorial_scope")
    have.update(k for k, v in o.details.items() if v.strip())
    return have


@dataclass(slots=True)
class OrderView:
    """One order as stored; ``authority_view()`` is what the issuing authority may see."""

    id: str
    authority: str
    external_ref: str | None
    jurisdiction: str
    kind: str
    order_type: str
    legal_ground: str | None
    items: list[str]
    reasons: str
    written_reasons: str | None
    details: dict[str, str]
    requested_scope: str
    status: str
    received_at: datetime
    pack_version: str
    term_from: str
    standard: str
    clock_running: bool
    clock_started_at: datetime | None
    deadline: datetime | None
    slo_at: datetime | None
    missing: list[str]
    flags: list[str]
    case_id: str | None
    action: dict[str, Any] | None
    decided_by: str | None
    acted_at: datetime | None
    response: str | None
    responded_at: datetime | None
    acknowledged_at: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def act_by(self) -> datetime | None:
        """The time the order is judged against: its legal deadline (for "immediately" and
        "without undue delay", the pack's internal SLO, stored as the deadline)."""
        return self.deadline or self.slo_at

    def within_deadline(self) -> bool | None:
        if self.acted_at is None or self.act_by is None:
            return None
        return self.acted_at <= self.act_by

    @property
    def clock(self) -> str:
        """The clock's state: ``stopped``, ``running``, ``at_risk`` or ``breached`` while the order
        is open; ``met``, ``missed`` or ``none`` (refused before its clock ran) once closed."""
        if self.status not in {s.value for s in OPEN}:
            within = self.within_deadline()
            if within is None and self.acted_at is None and "breached" in self.flags:
                return "missed"
            return "none" if within is None else "met" if within else "missed"
        if not self.clock_running:
            return "stopped"
        if "breached" in self.flags:
            return "breached"
        return "at_risk" if "at_risk" in self.flags else "running"

    def authority_view(self) -> dict[str, Any]:
        """Status, timestamps, action and scope, response: nothing internal (no reviewer
        names, case ids or other authorities' data)."""
        return {
            "id": self.id,
            "external_ref": self.external_ref,
            "jurisdiction": self.jurisdiction,
            "order_type": self.kind,
            "pack_order_type": self.order_type,
            "legal_ground": self.legal_ground,
            "items": self.items,
            "requested_scope": self.requested_scope,
            "status": self.status,
            "received_at": _iso(self.received_at),
            "acknowledged_at": _iso(self.acknowledged_at),
            "deadline": _iso(self.deadline),
            "clock_running": self.clock_running,
            "clock": self.clock,
            "missing": self.missing,
            "action": self.action,
            "acted_at": _iso(self.acted_at),
            "within_deadline": self.within_deadline(),
            "response": self.response,
            "responded_at": _iso(self.responded_at),
            "events": [
                {k: e[k] for k in ("at", "kind", "from_status", "to_status")}
                | (
                    # The authority learns what became of an appeal against its order's
                    # restriction (filed, upheld or reversed, and on which item), not who.
                    {k: e["detail"][k] for k in ("item", "outcome", "version") if k in e["detail"]}
                    if e["kind"].startswith("appeal_") or e["kind"] == "item_changed"
                    else {}
                )
                for e in self.events
            ],
        }

    def full_view(self) -> dict[str, Any]:
        out = self.authority_view()
        out.update(
            authority=self.authority,
            reasons=self.reasons,
            written_reasons=self.written_reasons,
            details=self.details,
            pack_version=self.pack_version,
            term_from=self.term_from,
            standard=self.standard,
            slo_at=_iso(self.slo_at),
            flags=self.flags,
            case_id=self.case_id,
            decided_by=self.decided_by,
            events=self.events,
        )
        return out


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")


def _view(conn: Connection, row: Any, with_events: bool = True) -> OrderView:
    events = []
    if with_events:
        events = [
            {
                "at": _iso(e.at),
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor,
                "detail": e.detail,
                "ledger_seq": e.ledger_seq,
            }
            for e in conn.execute(
                select(order_events)
                .where(order_events.c.order_id == row.id)
                .order_by(order_events.c.id)
            )
        ]
    return OrderView(
        id=row.id,
        authority=row.authority_id,
        external_ref=row.external_ref,
        jurisdiction=row.jurisdiction,
        kind=row.kind,
        order_type=row.order_type,
        legal_ground=row.legal_ground,
        items=list(row.items),
        reasons=row.reasons,
        written_reasons=row.written_reasons,
        details=dict(row.details),
        requested_scope=row.requested_scope,
        status=row.status,
        received_at=row.received_at,
        pack_version=row.pack_version,
        term_from=row.term_from,
        standard=row.standard,
        clock_running=bool(row.clock_running),
        clock_started_at=row.clock_started_at,
        deadline=row.deadline,
        slo_at=row.slo_at,
        missing=list(row.missing),
        flags=list(row.flags),
        case_id=row.case_id,
        action=row.action,
        decided_by=row.decided_by,
        acted_at=row.acted_at,
        response=row.response,
        responded_at=row.responded_at,
        acknowledged_at=next(
            (
                datetime.fromisoformat(str(e["at"]).replace("Z", "+00:00"))
                for e in events
                if e["kind"] == "acknowledged"
            ),
            None,
        )
        if with_events
        else _acknowledged_at(conn, row.id),
        events=events,
    )


def _acknowledged_at(conn: Connection, order_id: str) -> datetime | None:
    at: datetime | None = conn.execute(
        select(order_events.c.at)
        .where(order_events.c.order_id == order_id, order_events.c.kind == "acknowledged")
        .order_by(order_events.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return at


def _event(
    conn: Connection,
    order_id: str,
    kind: str,
    *,
    actor: str,
    now: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    detail = detail or {}
    seq = ledger.append(
        conn,
        f"order.{kind}",
        f"order:{order_id}",
        {
            "order_id": order_id,
            "at": _iso(now),
            "from": from_status,
            "to": to_status,
            "actor": actor,
            **detail,
        },
    )
    conn.execute(
        insert(order_events).values(
            order_id=order_id,
            at=now,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            detail=detail,
            ledger_seq=seq,
        )
    )
    return seq


def note_appeal(
    conn: Connection,
    order_id: str,
    kind: Literal["appeal_filed", "appeal_decided"],
    *,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
) -> int:
    """An appeal against a restriction this order put in place: recorded on the order, so legal
    staff and the authority see it (the authority sees the item and the outcome)."""
    _row(conn, order_id)
    return _event(conn, order_id, kind, actor=actor, now=now, detail=detail)


def note_item_changed(
    conn: Connection,
    order_id: str,
    *,
    item: str,
    version: int,
    case_id: str | None,
    now: datetime,
) -> int:
    """A materially changed version of an item under this order arrived: the order's restriction
    carried over to it, and a legal case checks it still applies."""
    _row(conn, order_id)
    return _event(
        conn,
        order_id,
        "item_changed",
        actor="nigran",
        now=now,
        detail={"item": item, "version": version, "case_id": case_id},
    )


def _move(
    conn: Connection,
    row: Any,
    to: OrderStatus,
    kind: str,
    *,
    actor: str,
    now: datetime,
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    frm = OrderStatus(row.status)
    if to not in TRANSITIONS[frm]:
        raise InvalidTransition(
            f"order {row.id} is {frm.value}; it cannot become {to.value}", where=f"order:{row.id}"
        )
    conn.execute(
        update(orders)
        .where(orders.c.id == row.id)
        .values(status=to.value, updated_at=now, **(values or {}))
    )
    _event(conn, row.id, kind, actor=actor, now=now, from_status=frm, to_status=to, detail=detail)


def _row(conn: Connection, order_id: str, authority_id: str | None = None) -> Any:
    q = select(orders).where(orders.c.id == order_id)
    if authority_id is not None:
        q = q.where(orders.c.authority_id == authority_id)
    row = conn.execute(q).one_or_none()
    if row is None:
        # One message whether the order does not exist or belongs to someone else.
        raise NotFound(f"no order {order_id!r}", where="order")
    return row


def _rule(packs: PackSet, authority: Authority, o: OrderIn) -> tuple[OrderRule, bool]:
    """The order type, and whether the order's legal ground is one the type accepts."""
    jur = o.jurisdiction or authority.jurisdiction
    ground_ok = False
    if o.legal_ground:
        try:
            return packs.resolve_order_type(
                jur, authority.requester, o.order_type.value, o.legal_ground
            ), o.legal_ground in packs.grounds
        except NotFound:
            ground_ok = False
    return packs.resolve_order_type(jur, authority.requester, o.order_type.value), ground_ok


def _queue_jurisdiction(packs: PackSet, country: str, pack_id: str) -> str:
    """Whose legal team takes an order: the issuing country's where it has a pack of its own (a
    German authority's order, even under the DSA's Art. 9, goes to the team that reads German
    law), else the pack it falls under (EU)."""
    return country if country in packs.packs else pack_id


def _open_case(
    conn: Connection,
    order_id: str,
    o: OrderView | OrderIn,
    pack_id: str,
    due: datetime | None,
    now: datetime,
    kind: OrderType,
    packs: PackSet,
) -> str:
    """The legal-review case, routed to the authority queue of the order's jurisdiction (the pack
    it falls under: PK, IN, EU, DE) with the order's deadline. Where the order names nothing
    stored, the case is about the order itself."""
    item = next((hit for hit in (locate(conn, loc) for loc in o.items) if hit), None)
    ground = packs.grounds.get(o.legal_ground or "")
    (case_id,), _ = open_cases(
        conn,
        [
            CaseRequest(
                subject=item.id if item else f"order:{order_id}",
                item=content_of(conn, item) if item else None,
                language=item.language if item else None,
                category=ground.categories[0] if ground else "order",
                severity=SEVERITY[kind],
                source="authority_order",
                jurisdiction=pack_id,
                legal_deadline=due,
                ref=f"order:{order_id}",
            )
        ],
        now=now,
    )
    return case_id


def receive(
    conn: Connection,
    authority_id: str,
    o: OrderIn,
    *,
    now: datetime,
    packs: PackSet | None = None,
) -> OrderView:
    """Take in an order from ``authority_id`` at ``now`` and route it."""
    packs = packs or default_packs()
    authority = get_authority(conn, authority_id)
    assert authority is not None
    jur = o.jurisdiction or authority.jurisdiction
    if jur != authority.jurisdiction:
        raise InvalidInput(
            f"authority {authority.id} issues orders for {authority.jurisdiction}, not {jur}",
            where="jurisdiction",
        )
    rule, ground_ok = _rule(packs, authority, o)
    pack = packs.pack(rule.pack)
    dl = order_deadline(pack, rule.id, now)
    missing = missing_fields(dl, present_fields(o, ground_ok))
    if o.legal_ground and not ground_ok and "legal_ground" not in missing:
        missing.append("legal_ground")
    flags: list[str] = []
    if o.requested_scope == "global":
        flags.append("extraterritorial")
    if missing:
        flags.append("defective")
    running = not missing or rule.on_missing_fields == "comply_and_flag"
    order_id = uuid.uuid4().hex[:20]
    conn.execute(
        insert(orders).values(
            id=order_id,
            authority_id=authority.id,
            external_ref=o.external_ref,
            jurisdiction=jur,
            kind=o.order_type.value,
            order_type=rule.id,
            legal_ground=o.legal_ground,
            items=list(o.items),
            reasons=o.reasons,
            written_reasons=o.written_reasons,
            details=dict(o.details),
            requested_scope=o.requested_scope,
            received_at=now,
            pack_version=f"{pack.id}@{pack.version}",
            term_from=dl.term_from.isoformat(),
            standard=dl.standard,
            clock_running=running,
            clock_started_at=now if running else None,
            deadline=_due(dl) if running else None,
            slo_at=dl.slo_at if running else None,
            missing=missing,
            flags=flags,
            status=S.RECEIVED.value,
            updated_at=now,
        )
    )
    _event(
        conn,
        order_id,
        "received",
        actor=f"authority:{authority.id}",
        now=now,
        to_status=S.RECEIVED,
        detail={
            "authority": authority.id,
            "jurisdiction": jur,
            "order_type": rule.id,
            "kind": o.order_type.value,
            "legal_ground": o.legal_ground,
            "items": len(o.items),
            "pack_version": f"{pack.id}@{pack.version}",
            "term_from": dl.term_from.isoformat(),
            "deadline": _iso(dl.due_at) if running else None,
            "slo_at": _iso(dl.slo_at) if running else None,
            # The time the order is judged against (OrderView.act_by), so reports can be
            # recomputed from the chain alone.
            "act_by": _iso(_due(dl) or dl.slo_at) if running else None,
            "requested_scope": o.requested_scope,
        },
    )
    if running:
        _schedule_clock(conn, order_id, pack, now, _due(dl), now=now)
    elif missing:
        _schedule_clarification(conn, order_id, pack, now=now)
    row = _row(conn, order_id)
    if missing and rule.on_missing_fields == "reject" and "extraterritorial" not in flags:
        _move(
            conn,
            row,
            S.REFUSED,
            "refused",
            actor="nigran",
            now=now,
            values={"response": "refused: missing " + ", ".join(missing)},
            detail={"missing": missing},
        )
        return get(conn, order_id)
    due = _due(dl) if running else None
    case_id = None
    if running or "extraterritorial" in flags:
        case_id = _open_case(
            conn,
            order_id,
            o,
            _queue_jurisdiction(packs, jur, rule.pack),
            due,
            now,
            o.order_type,
            packs,
        )
        conn.execute(update(orders).where(orders.c.id == order_id).values(case_id=case_id))
    if missing and "extraterritorial" not in flags:
        _move(
            conn,
            row,
            S.NEEDS_CLARIFICATION,
            "needs_clarification",
            actor="nigran",
            now=now,
            detail={
                "missing": missing,
                "clock": "running" if running else "stopped",
                "rule": rule.on_missing_fields,
            },
        )
    else:
        _move(
            conn,
            row,
            S.LEGAL_REVIEW,
            "legal_review",
            actor="nigran",
            now=now,
            detail={"flags": flags, "missing": missing, "case_id": case_id},
        )
    return get(conn, order_id)


def _due(dl: OrderDeadline) -> datetime | None:
    """The deadline an order is held to: the fixed legal one; where the law says
    "immediately" or sets no time, the pack's internal SLO (``act_by`` would give the receipt
    time itself for "immediately", which no one can meet)."""
    return dl.due_at if dl.standard == "fixed" else dl.slo_at


def clarify(
    conn: Connection,
    authority_id: str,
    order_id: str,
    c: Clarification,
    *,
    now: datetime,
    packs: PackSet | None = None,
) -> OrderView:
    """The authority supplies what was missing; a stopped clock starts now."""
    packs = packs or default_packs()
    row = _row(conn, order_id, authority_id)
    if row.status not in (S.NEEDS_CLARIFICATION, S.LEGAL_REVIEW) or not row.missing:
        raise InvalidTransition(f"order {order_id} is not waiting for clarification")
    merged = OrderIn(
        jurisdiction=row.jurisdiction,
        order_type=OrderType(row.kind),
        legal_ground=c.legal_ground or row.legal_ground,
        items=c.items if c.items is not None else list(row.items),
        reasons=c.reasons if c.reasons is not None else row.reasons,
        written_reasons=c.written_reasons or row.written_reasons,
        details={**row.details, **c.details},
        requested_scope=row.requested_scope,
    )
    authority = get_authority(conn, authority_id)
    assert authority is not None
    pack = packs.pack(packs.order_type(row.order_type).pack)
    dl = order_deadline(pack, row.order_type, row.received_at)
    ground_ok = (
        bool(merged.legal_ground)
        and packs.order_type(row.order_type).covers(merged.legal_ground or "")
        and (merged.legal_ground in packs.grounds)
    )
    missing = missing_fields(dl, present_fields(merged, ground_ok))
    values: dict[str, Any] = {
        "legal_ground": merged.legal_ground,
        "items": merged.items,
        "reasons": merged.reasons,
        "written_reasons": merged.written_reasons,
        "details": merged.details,
        "missing": missing,
        "flags": [f for f in row.flags if f != "defective"] + (["defective"] if missing else []),
        "updated_at": now,
    }
    started = False
    if not missing and not row.clock_running:
        # The clock was stopped while the order was defective: it runs from the clarification.
        dl2 = order_deadline(pack, row.order_type, row.received_at, clock_started_at=now)
        values.update(
            clock_running=True, clock_started_at=now, deadline=_due(dl2), slo_at=dl2.slo_at
        )
        started = True
        _schedule_clock(conn, order_id, pack, now, _due(dl2), now=now)
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
    _event(
        conn,
        order_id,
        "clarified",
        actor=f"authority:{authority_id}",
        now=now,
        detail={"missing": missing, "clock_started": started}
        | ({"act_by": _iso(values["deadline"] or values["slo_at"])} if started else {}),
    )
    row = _row(conn, order_id)
    if not missing and row.status == S.NEEDS_CLARIFICATION:
        if row.case_id is None:
            view = _view(conn, row, with_events=False)
            case_id = _open_case(
                conn,
                order_id,
                merged,
                _queue_jurisdiction(packs, row.jurisdiction, packs.order_type(row.order_type).pack),
                view.act_by,
                now,
                OrderType(row.kind),
                packs,
            )
            conn.execute(update(orders).where(orders.c.id == order_id).values(case_id=case_id))
            row = _row(conn, order_id)
        _move(conn, row, S.LEGAL_REVIEW, "legal_review", actor="nigran", now=now)
    return get(conn, order_id)


Outcome = Literal["withhold", "global", "refuse"]


def decide(
    conn: Connection,
    order_id: str,
    *,
    reviewer: str,
    outcome: Outcome,
    reasons: str = "",
    items: Sequence[str] | None = None,
    tos_category: str | None = None,
    profile_languages: dict[str, str] | None = None,
    now: datetime,
    packs: PackSet | None = None,
) -> OrderView:
    """A legal reviewer's decision: withhold in the issuing country (the default), remove
    globally (only where the content also breaks the platform's terms: ``tos_category``), or
    refuse with reasons. ``items`` limits action to some of the order's items (partial)."""
    packs = packs or default_packs()
    row = _row(conn, order_id)
    status = OrderStatus(row.status)
    if status is S.NEEDS_CLARIFICATION and not row.clock_running and outcome != "refuse":
        # Legal may refuse a defective order while its clock is stopped; not act on it.
        raise InvalidTransition(
            f"order {order_id} waits for clarification from the authority (clock stopped): "
            f"missing {', '.join(row.missing)}"
        )
    if status not in (S.LEGAL_REVIEW, S.NEEDS_CLARIFICATION):
        raise InvalidTransition(f"order {order_id} is {status.value}; it was already decided")
    rule = packs.order_type(row.order_type)
    if outcome == "refuse":
        if not reasons.strip():
            raise InvalidInput("refusing an order needs written reasons", where="reasons")
        refusal: dict[str, Any] = {"type": "none", "scope": None, "reasons": reasons}
        _move(
            conn,
            row,
            S.REFUSED,
            "refused",
            actor=f"reviewer:{reviewer}",
            now=now,
            values={"action": refusal, "decided_by": reviewer, "acted_at": now},
            detail={"reasons": reasons},
        )
        close(conn, row.case_id, "refused", now)
        return get(conn, order_id)
    if not row.legal_ground:
        raise InvalidInput("the order names no legal ground: ask for clarification or refuse")
    pack = packs.pack(rule.pack)
    # The order's own restriction: the pack's action in the issuing country (a legal ground never
    # removes beyond it). A global removal on the platform's terms comes on top of it, never in
    # its place: the legal hold has its own ground, reversal path and reporting duty.
    hold = Action(
        type=ActionType.WITHHOLD,
        scope=Scope.only(row.jurisdiction) if rule.scope != "territory" else pack.scope,
        ground=Ground(kind="law", code=row.legal_ground),
    )
    tos: Action | None = None
    if outcome == "global":
        if tos_category not in taxonomy():
            raise InvalidInput(
                "global removal needs the platform-terms category the content breaks "
                "(pack rule global_removal_requires): "
                + (
                    f"{tos_category!r} is not a taxonomy code"
                    if tos_category
                    else "give --tos-category (API: tos_category)"
                ),
                where="tos_category",
            )
        tos = Action(
            type=ActionType.REMOVE,
            scope=Scope.everywhere(),
            ground=Ground(kind="policy", code=tos_category),
        )
    act = tos or hold
    wanted = list(items) if items is not None else list(row.items)
    unknown = [i for i in wanted if i not in row.items]
    if unknown:
        raise InvalidInput(f"not items of this order: {unknown}", where="items")
    acted: list[str] = []
    not_actioned: list[dict[str, str]] = []
    for loc in row.items:
        if loc not in wanted:
            not_actioned.append({"item": loc, "reason": "not actioned by legal review"})
            continue
        item = locate(conn, loc)
        if item is None:
            not_actioned.append({"item": loc, "reason": "no such content on the platform"})
            continue
        statement = reasons or (
            f"Order {order_id} from {row.authority_id} under {row.legal_ground}: "
            f"{hold.type.value} in {hold.scope}."
        )
        decision = Decision(
            content_id=item.id,
            content_version=item.version,
            actions=[hold],
            automated=False,
            decided_by=reviewer,
            policy_version=row.pack_version,
            statement=statement,
            explanation=[
                RuleHit(rule=f"order:{order_id}", reason=f"{row.order_type} on {row.legal_ground}")
            ],
            decided_at=now,
        )
        added = record.record(
            conn,
            decision,
            source=RestrictionSource.ORDER,
            source_ref=f"order:{order_id}",
            extra={"order_id": order_id},
            now=now,
        ).added
        if tos is not None:
            platform = record.record(
                conn,
                Decision(
                    content_id=item.id,
                    content_version=item.version,
                    actions=[tos],
                    automated=False,
                    decided_by=reviewer,
                    policy_version=packs.version[:64],
                    statement=reasons
                    or f"Reviewed on order {order_id}: breaks our terms ({tos_category}).",
                    explanation=[
                        RuleHit(rule=f"order:{order_id}", reason=f"terms: {tos_category}")
                    ],
                    decided_at=now,
                ),
                source=RestrictionSource.REVIEWER,
                source_ref=f"order:{order_id}",
                extra={"order_id": order_id},
                now=now,
            )
            added += platform.added
        mode = rule.user_notice.mode
        notices.issue(
            conn,
            decision=decision,
            restrictions=added,
            recipient=item.author,
            upload_country=item.upload_country,
            content_language=item.language,
            profile_language=(profile_languages or {}).get(item.author),
            source="order",
            automated_detection=False,
            government_request=True,
            withheld_by_law=(rule.user_notice.citation or rule.user_notice.basis)
            if mode == "restricted_by_law"
            else None,
            order_id=order_id,
            packs=packs,
            now=now,
        )
        acted.append(loc)
    if not acted:
        raise InvalidInput(
            "none of the order's items could be actioned (unknown content?): refuse with reasons"
        )
    to = S.ACTIONED if not not_actioned else S.PARTIALLY_ACTIONED
    action: dict[str, Any] = {
        "type": act.type.value,
        "scope": str(act.scope),
        "ground": str(act.ground),
        "items": acted,
        "not_actioned": not_actioned,
        "legal_hold": {
            "type": hold.type.value,
            "scope": str(hold.scope),
            "ground": str(hold.ground),
        },
    }
    _move(
        conn,
        row,
        to,
        to.value,
        actor=f"reviewer:{reviewer}",
        now=now,
        values={"action": action, "decided_by": reviewer, "acted_at": now},
        detail={"action": action, "within_deadline": _within(row, now)},
    )
    close(conn, row.case_id, to.value, now)
    return get(conn, order_id)


def acknowledge(conn: Connection, order_id: str, *, by: str, now: datetime) -> OrderView:
    """Confirm receipt of an order: legal staff (``by`` is the user's id) or the system
    (``by="nigran"``, e.g. an automatic acknowledgement the authority's channel asks for). Once
    per order; a second acknowledgement is an error, so the first time stands."""
    row = _row(conn, order_id)
    first = _acknowledged_at(conn, order_id)
    if first is not None:
        raise InvalidTransition(
            f"order {order_id} was already acknowledged at {_iso(first)}", where=f"order:{order_id}"
        )
    if now < row.received_at:
        raise InvalidInput(
            f"an order cannot be acknowledged before it was received ({_iso(row.received_at)})",
            where="at",
        )
    _event(
        conn,
        order_id,
        "acknowledged",
        actor="nigran" if by == "nigran" else f"reviewer:{by}",
        now=now,
        detail={"after_s": int((now - row.received_at).total_seconds())},
    )
    return get(conn, order_id)


def _within(row: Any, now: datetime) -> bool | None:
    due = row.deadline or row.slo_at
    return None if due is None else now <= due


def respond(
    conn: Connection, order_id: str, *, by: str, text: str | None = None, now: datetime
) -> OrderView:
    """Tell the authority the effect given to its order (a default text if none is given)."""
    row = _row(conn, order_id)
    if text is None:
        a = row.action or {}
        if row.status == S.REFUSED:
            text = f"Order {order_id} refused: {a.get('reasons', '')}"
        else:
            text = (
                f"Order {order_id}: {a.get('type')} in {a.get('scope')} for "
                f"{len(a.get('items', []))} item(s) at {_iso(row.acted_at)}"
                + (
                    f"; not actioned: {len(a.get('not_actioned', []))}"
                    if a.get("not_actioned")
                    else ""
                )
            )
    _move(
        conn,
        row,
        S.RESPONDED,
        "responded",
        actor=f"reviewer:{by}",
        now=now,
        values={"response": text, "responded_at": now},
        detail={"response": text},
    )
    return get(conn, order_id)


def _schedule_clock(
    conn: Connection,
    order_id: str,
    pack: Pack,
    started: datetime,
    due: datetime | None,
    *,
    now: datetime,
) -> None:
    """The running clock's two moments as due jobs, in the caller's transaction."""
    if due is None:
        return
    share = clocks.of(pack).at_risk_share
    jobs.add(
        conn,
        [
            jobs.due(jobs.ORDER_AT_RISK, order_id, due - (due - started) * share, now=now),
            jobs.due(jobs.ORDER_BREACH, order_id, due, now=now),
        ],
    )


def _schedule_clarification(conn: Connection, order_id: str, pack: Pack, *, now: datetime) -> None:
    """A stopped clock waiting for the authority: a reminder, then the refusal."""
    c = clocks.of(pack)
    jobs.add(
        conn,
        [
            jobs.due(
                jobs.ORDER_REMIND,
                order_id,
                add_duration(now, c.clarification_reminder, pack.tz),
                now=now,
            ),
            jobs.due(
                jobs.ORDER_LAPSE,
                order_id,
                add_duration(now, c.clarification_wait, pack.tz),
                now=now,
            ),
        ],
    )


def _pack_of(row: Any, packs: PackSet) -> Pack | None:
    pid = str(row.pack_version).split("@", 1)[0]
    return packs.pack(pid) if pid in packs.packs else None


def _escalate_case(conn: Connection, row: Any, now: datetime) -> None:
    if row.case_id:
        # The review room's escalation: the case waits for legal, and is at risk now.
        conn.execute(
            update(cases)
            .where(cases.c.id == row.case_id, cases.c.status != "decided")
            .values(escalated_to="legal", risk_at=now, priority=cases.c.priority * 4)
        )


def mark_at_risk(
    conn: Connection, order_id: str, *, now: datetime, packs: PackSet | None = None
) -> bool:
    """The at-risk moment of an open order's clock: flag it, escalate its case to legal, and
    record the ``at_risk`` event. False (nothing done) when the order is closed, its clock is not
    running, it is flagged already, or less of its clock has passed than the threshold. Past the
    deadline it is :func:`mark_breached` instead: a missed deadline is never "at risk"."""
    row = _row(conn, order_id)
    if row.status not in {s.value for s in OPEN} or not row.clock_running:
        return False
    if "at_risk" in row.flags or "breached" in row.flags:
        return False
    due, start = row.deadline or row.slo_at, row.clock_started_at
    if due is None or start is None:
        return False
    if now >= due:
        return mark_breached(conn, order_id, now=now)
    pack = _pack_of(row, packs or default_packs())
    share = clocks.of(pack).at_risk_share
    left = due - now
    if left > (due - start) * share:
        return False
    conn.execute(
        update(orders)
        .where(orders.c.id == row.id)
        .values(flags=[*row.flags, "at_risk"], updated_at=now)
    )
    _escalate_case(conn, row, now)
    _event(
        conn,
        row.id,
        "at_risk",
        actor="nigran",
        now=now,
        detail={"deadline": _iso(due), "left_s": int(left.total_seconds()), "share": share},
    )
    return True


def mark_breached(conn: Connection, order_id: str, *, now: datetime) -> bool:
    """The deadline of an order still open has passed: flag it ``breached``, escalate its case,
    record the ``breached`` event (once). False when there is nothing to do."""
    row = _row(conn, order_id)
    if row.status not in {s.value for s in OPEN} or not row.clock_running:
        return False
    due = row.deadline or row.slo_at
    if due is None or now < due or "breached" in row.flags:
        return False
    conn.execute(
        update(orders)
        .where(orders.c.id == row.id)
        .values(flags=[*row.flags, "breached"], updated_at=now)
    )
    _escalate_case(conn, row, now)
    _event(
        conn,
        row.id,
        "breached",
        actor="nigran",
        now=now,
        detail={"deadline": _iso(due), "late_s": int((now - due).total_seconds())},
    )
    return True


def _waiting(row: Any) -> bool:
    return bool(row.status == S.NEEDS_CLARIFICATION and not row.clock_running)


def remind_clarification(
    conn: Connection, order_id: str, *, now: datetime, packs: PackSet | None = None
) -> bool:
    """A defective order still waiting for the authority: record a reminder (the authority sees
    it on its order) and escalate the order's case, if any, to legal."""
    row = _row(conn, order_id)
    if not _waiting(row):
        return False
    pack = _pack_of(row, packs or default_packs())
    c = clocks.of(pack)
    _escalate_case(conn, row, now)
    _event(
        conn,
        row.id,
        "clarification_reminder",
        actor="nigran",
        now=now,
        detail={"missing": list(row.missing), "wait": str(c.clarification_wait)},
    )
    return True


def refuse_unclarified(
    conn: Connection, order_id: str, *, now: datetime, by: str = "nigran"
) -> bool:
    """Refuse a defective order whose clock is stopped waiting for a clarification that has not
    come: by the scheduler after the pack's ``clocks.clarification_wait``, or by legal at any time
    (``by``: the legal reviewer's id). False when the order is not waiting."""
    row = _row(conn, order_id)
    if not _waiting(row):
        return False
    reason = "refused: defective order not clarified (missing " + ", ".join(row.missing) + ")"
    _move(
        conn,
        row,
        S.REFUSED,
        "refused",
        actor="nigran" if by == "nigran" else f"reviewer:{by}",
        now=now,
        values={
            "response": reason,
            "decided_by": None if by == "nigran" else by,
            "action": {"type": "none", "scope": None, "reasons": reason},
            "acted_at": now,
        },
        detail={"missing": list(row.missing), "reason": "not_clarified"},
    )
    close(conn, row.case_id, S.REFUSED.value, now)
    return True


def escalate_at_risk(conn: Connection, *, now: datetime) -> list[str]:
    """Check every open order's clock at ``now`` (the scheduler does this per order from its due
    jobs; this sweep catches orders received before the jobs existed). Returns the order ids
    flagged now, at risk or breached."""
    out = []
    rows = conn.execute(
        select(orders.c.id).where(
            orders.c.status.in_([s.value for s in OPEN]), orders.c.clock_running.is_(True)
        )
    ).all()
    for (oid,) in rows:
        if mark_breached(conn, oid, now=now) or mark_at_risk(conn, oid, now=now):
            out.append(oid)
    return out


# -- reading -------------------------------------------------------------------------------------


def get(conn: Connection, order_id: str, *, authority_id: str | None = None) -> OrderView:
    """One order; with ``authority_id``, only if that authority issued it (else NotFound,
    the same answer as for an id that does not exist)."""
    return _view(conn, _row(conn, order_id, authority_id))


def order_for_case(conn: Connection, case_id: str) -> OrderView | None:
    """The order a review case belongs to, if any: a case from the authority-order queue must be
    decided through :func:`decide` so the order's state, response and clock follow."""
    row = conn.execute(select(orders).where(orders.c.case_id == case_id)).one_or_none()
    return None if row is None else _view(conn, row)


def list_orders(
    conn: Connection,
    *,
    authority_id: str | None = None,
    status: str | None = None,
    limit: int = 1000,
    with_events: bool = True,
) -> list[OrderView]:
    q = select(orders).order_by(orders.c.received_at, orders.c.id).limit(limit)
    if authority_id is not None:
        q = q.where(orders.c.authority_id == authority_id)
    if status is not None:
        q = q.where(orders.c.status == status)
    return [_view(conn, r, with_events) for r in conn.execute(q)]


EXPORT_COLUMNS = (
    "id",
    "external_ref",
    "jurisdiction",
    "order_type",
    "legal_ground",
    "items",
    "status",
    "received_at",
    "deadline",
    "acted_at",
    "within_deadline",
    "action_type",
    "action_scope",
    "actioned_items",
    "not_actioned_items",
    "response",
    "responded_at",
)


def export_rows(views: Sequence[OrderView]) -> list[dict[str, Any]]:
    out = []
    for v in views:
        a = v.authority_view()
        act = a["action"] or {}
        out.append(
            {
                "id": a["id"],
                "external_ref": a["external_ref"],
                "jurisdiction": a["jurisdiction"],
                "order_type": a["order_type"],
                "legal_ground": a["legal_ground"],
                "items": " ".join(a["items"]),
                "status": a["status"],
                "received_at": a["received_at"],
                "deadline": a["deadline"],
                "acted_at": a["acted_at"],
                "within_deadline": a["within_deadline"],
                "action_type": act.get("type"),
                "action_scope": act.get("scope"),
                "actioned_items": len(act.get("items", [])),
                "not_actioned_items": len(act.get("not_actioned", [])),
                "response": a["response"],
                "responded_at": a["responded_at"],
            }
        )
    return out


def export_csv(views: Sequence[OrderView]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in export_rows(views):
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    return buf.getvalue()


def export_json(views: Sequence[OrderView]) -> str:
    return orjson.dumps([v.authority_view() for v in views], option=orjson.OPT_INDENT_2).decode()


def deadline_stats(views: Sequence[OrderView]) -> dict[str, Any]:
    """Share actioned within deadline and time-to-action percentiles (hours).

    An order still open past its deadline (clock ``breached``) counts as not handled in time:
    the share does not wait for the late action to be judged."""
    done = [v for v in views if v.acted_at is not None and v.status != S.REFUSED]
    open_late = sum(1 for v in views if v.clock == "breached")
    times = sorted(
        (v.acted_at - v.received_at).total_seconds() / 3600 for v in done if v.acted_at is not None
    )
    within = [v.within_deadline() for v in done]
    judged = [w for w in within if w is not None]

    def pct(p: float) -> float | None:
        if not times:
            return None
        return times[min(len(times) - 1, round(p * (len(times) - 1)))]

    return {
        "orders": len(views),
        "actioned": len(done),
        "within_deadline": sum(judged),
        "open_past_deadline": open_late,
        "breached": sum(1 for v in views if "breached" in v.flags),
        "share_within_deadline": (sum(judged) / (len(judged) + open_late))
        if judged or open_late
        else None,
        "p50_hours": pct(0.5),
        "p90_hours": pct(0.9),
    }
