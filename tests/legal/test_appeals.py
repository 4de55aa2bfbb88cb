from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from nigran import enforce
from nigran.errors import InvalidInput, InvalidTransition
from nigran.legal import appeals, orders
from nigran.legal.orders import OrderIn
from nigran.store import Store
from nigran.store.tables import cases
from nigran.store.tables_legal import notices
from tests.legal.conftest import T0


def _withheld(store: Store) -> str:
    with store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.DECENCY", items=["v1"]), now=T0)
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=T0)
    assert not enforce.visible(store, "v1", "PK")
    return o.id


def test_author_appeal_reverses_withholding_and_restores_visibility_in_pk(
    legal_store: Store,
) -> None:
    _withheld(legal_store)
    with legal_store.transaction() as conn:
        a = appeals.file(
            conn,
            content_id="v1",
            appellant="ayesha",
            reason="It is a cooking video",
            now=T0 + timedelta(days=3),
        )
    assert a["status"] == "open" and a["original_decider"] == "legal-1"
    with legal_store.read() as conn:
        case = conn.execute(select(cases).where(cases.c.id == a["case_id"])).one()
    # Against an order's restriction: PTA's order goes back to the PK legal team.
    assert case.queue == "pk-authority" and case.excluded_reviewer == "legal-1"
    assert case.escalated_to == "legal"
    with legal_store.transaction() as conn, pytest.raises(InvalidTransition, match="another"):
        appeals.decide(
            conn,
            a["id"],
            reviewer="legal-1",
            reviewer_roles=("legal",),
            outcome="reversed",
            reason="x",
            now=T0 + timedelta(days=4),
        )
    with legal_store.transaction() as conn:
        a = appeals.decide(
            conn,
            a["id"],
            reviewer="legal-2",
            reviewer_roles=("legal",),
            outcome="reversed",
            reason="No indecency in the video",
            now=T0 + timedelta(days=4),
        )
    assert a["status"] == "reversed" and a["new_decision_id"] is not None
    assert enforce.visible(legal_store, "v1", "PK")
    with legal_store.read() as conn:
        note = conn.execute(select(notices).where(notices.c.kind == "appeal_outcome")).one()
        rates = appeals.overturn_rates(conn)
    assert note.recipient == "ayesha" and note.language == "ur"
    assert "پابندی ختم کر دی گئی ہے" in note.text
    assert rates == [
        {
            "ground": "law:PK.DECENCY",
            "automated": False,
            "reversed": 1,
            "upheld": 0,
            "decided": 1,
            "overturn_rate": 1.0,
        }
    ]


def test_appeal_only_by_author_and_within_window(legal_store: Store) -> None:
    _withheld(legal_store)
    with legal_store.transaction() as conn:
        with pytest.raises(InvalidInput, match="only the author"):
            appeals.file(conn, content_id="v1", appellant="someone", reason="r", now=T0)
        with pytest.raises(InvalidInput, match="window"):
            appeals.file(
                conn,
                content_id="v1",
                appellant="ayesha",
                reason="late",
                now=T0 + timedelta(days=190),
            )


def test_upheld_appeal_keeps_withholding(legal_store: Store) -> None:
    _withheld(legal_store)
    with legal_store.transaction() as conn:
        a = appeals.file(conn, content_id="v1", appellant="ayesha", reason="no", now=T0)
        a = appeals.decide(
            conn,
            a["id"],
            reviewer="legal-2",
            reviewer_roles=("legal",),
            outcome="upheld",
            reason="Matches the order",
            now=T0,
        )
        with pytest.raises(InvalidTransition):
            appeals.decide(
                conn,
                a["id"],
                reviewer="legal-3",
                reviewer_roles=("legal",),
                outcome="reversed",
                reason="x",
                now=T0,
            )
    assert not enforce.visible(legal_store, "v1", "PK")
