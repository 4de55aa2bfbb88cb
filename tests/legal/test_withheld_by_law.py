from __future__ import annotations

from sqlalchemy import select

from nigran import ledger
from nigran.legal import authorities, orders
from nigran.legal.orders import OrderIn
from nigran.store import Store
from nigran.store.tables_legal import notices
from tests.legal.conftest import T0, seed


def test_blocking_direction_notice_is_withheld_by_law_and_recorded(sqlite_store: Store) -> None:
    seed(sqlite_store)
    with sqlite_store.transaction() as conn:
        authorities.add_authority(
            conn, "MEITY-DO", "MeitY Designated Officer", "IN", "IN_DESIGNATED_OFFICER"
        )
        o = orders.receive(
            conn,
            "MEITY-DO",
            OrderIn(legal_ground="IN.SECURITY", items=["v2"], reasons="s.69A direction"),
            now=T0,
        )
        assert o.order_type == "IN.BLOCKING_69A"
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=T0)
        n = conn.execute(select(notices).where(notices.c.order_id == o.id)).one()
        kinds = [e.kind for e in ledger.for_subject(conn, "v2")]
    assert n.withheld_by_law and n.text == "" and "r.16" in (n.withheld_citation or "")
    assert "notice.withheld_by_law" in kinds and "notice.sent" not in kinds
