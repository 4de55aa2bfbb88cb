"""India's 3-hour clock starts only on an intimation the amended rule 3(1)(d) recognises: one
lacking the officer's rank (or the provision, the act, the URL) starts no clock."""

from __future__ import annotations

from datetime import UTC, datetime

from nigran.legal import orders
from nigran.store import Store

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
COMPLETE = {
    "issuing_authority": "MeitY",
    "issuer_rank": "Joint Secretary",
    "statutory_provision": "IT Rules 2021 r.3(1)(d)",
    "nature_of_unlawful_act": "incitement",
    "content_locator": "v2",
}


def _receive(store: Store, details: dict[str, str]) -> orders.OrderView:
    with store.transaction() as conn:
        return orders.receive(
            conn,
            "MEITY",
            orders.OrderIn(legal_ground="IN.INCITE", items=["v2"], details=details),
            now=AT,
        )


def test_missing_rank_starts_no_clock(legal_store: Store) -> None:
    o = _receive(legal_store, {k: v for k, v in COMPLETE.items() if k != "issuer_rank"})
    assert o.missing == ["issuer_rank"]
    assert o.deadline is None and o.status == "needs_clarification"
    assert "defective" in o.flags


def test_complete_intimation_runs_the_three_hour_clock(legal_store: Store) -> None:
    o = _receive(legal_store, COMPLETE)
    assert o.missing == [] and o.deadline == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
