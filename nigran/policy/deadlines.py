"""Order deadlines: when must an authority's order be acted on?

Pure: the order type's term in force on the *local* date of receipt (the pack's timezone) sets
the clock, whatever has changed since, so India's 3 h rule applies to orders received from
20 Feb 2026 IST and an order received the evening before keeps its 36 h. The legal workflow
and the rule engine both call :func:`order_deadline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from nigran.errors import InvalidInput, NotFound
from nigran.model import Order
from nigran.policy.durations import add_duration
from nigran.policy.packs import Pack, PackSet, Verification


@dataclass(frozen=True, slots=True)
class OrderDeadline:
    """When an order must be acted on, and the rule that says so."""

    order_type: str
    pack: str
    pack_version: str
    term_from: date
    term_until: date | None
    standard: str
    clock_started_at: datetime
    due_at: datetime | None
    """The legal deadline; ``None`` where the law sets no fixed time ("without undue delay")."""
    slo_at: datetime | None
    """The platform's own target where the law has none (or says "immediately")."""
    basis: str
    required_fields: tuple[str, ...]
    verification: Verification

    @property
    def act_by(self) -> datetime:
        """The earliest time work must be done by: the legal deadline, else the internal SLO."""
        times = [t for t in (self.due_at, self.slo_at) if t is not None]
        return min(times) if times else self.clock_started_at


def order_deadline(
    pack: Pack, order_type: str, received_at: datetime, *, clock_started_at: datetime | None = None
) -> OrderDeadline:
    """The deadline of an order of ``order_type`` received at ``received_at``.

    Pure: the term in force on the *local* date of receipt (the pack's timezone: India's 3 h rule
    starts on 20 Feb 2026 in IST) sets the clock, whatever has changed since. ``clock_started_at``
    is the event that starts the clock where it differs from receipt (``clock_start`` in the pack).
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise InvalidInput("received_at must carry a timezone", where="order_deadline")
    try:
        rule = pack.order_types[order_type]
    except KeyError:
        raise NotFound(
            f"pack {pack.id} has no order type {order_type!r}; known: {sorted(pack.order_types)}"
        ) from None
    day = received_at.astimezone(pack.tz).date()
    term = next((t for t in rule.terms if t.in_force(day)), None)
    if term is None:
        spans = ", ".join(f"{t.effective_from}..{t.effective_until or ''}" for t in rule.terms)
        raise NotFound(
            f"{order_type} has no term in force on {day} ({pack.tz.key}); terms: {spans}"
        )
    start = clock_started_at or received_at
    due = None
    if term.standard == "fixed" and term.deadline is not None:
        due = add_duration(start, term.deadline, pack.tz, working_days=term.working_days)
    elif term.standard == "immediately":
        due = start
    slo = add_duration(start, term.internal_slo, pack.tz) if term.internal_slo is not None else None
    return OrderDeadline(
        order_type=order_type,
        pack=pack.id,
        pack_version=pack.version,
        term_from=term.effective_from,
        term_until=term.effective_until,
        standard=term.standard,
        clock_started_at=start,
        due_at=due,
        slo_at=slo,
        basis=term.basis,
        required_fields=term.required_fields,
        verification=term.verification,
    )


def missing_fields(deadline: OrderDeadline, present: Iterable[str]) -> list[str]:
    """Required order fields (for the term in force) absent from ``present``."""
    have = set(present)
    return [f for f in deadline.required_fields if f not in have]


def deadline_for(packs: PackSet, order: Order) -> OrderDeadline:
    """The deadline of a received :class:`~nigran.model.Order`: its order type is the active one
    of the jurisdiction's packs (an overlay before its parent) that the authority may send, of
    the order's kind, covering its legal ground."""
    rule = packs.resolve_order_type(
        order.jurisdiction, order.authority, order.order_type.value, order.legal_ground
    )
    return order_deadline(packs.packs[rule.pack], rule.id, order.received_at)
