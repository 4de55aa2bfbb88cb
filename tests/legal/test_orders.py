from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from nigran import enforce, ledger
from nigran.errors import InvalidInput, InvalidTransition, NotFound
from nigran.legal import orders
from nigran.legal.orders import OrderIn
from nigran.store import Store
from nigran.store.tables import cases
from nigran.store.tables_legal import notices
from tests.legal.conftest import T0

IN_FIELDS = {
    "issuer_rank": "Joint Secretary",
    "statutory_provision": "IT Rules 2021 r.3(1)(d)",
    "nature_of_unlawful_act": "defamation of a named person",
}


def test_pta_standard_order_withheld_only_in_pk_with_48h_deadline(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(
            conn,
            "PTA",
            OrderIn(legal_ground="PK.DECENCY", items=["https://app.example/v/v1"], reasons="x"),
            now=T0,
        )
    assert o.order_type == "PK.PTA_DIRECTION"
    assert o.deadline == T0 + timedelta(hours=48)
    assert o.status == "legal_review" and o.missing == []
    with legal_store.read() as conn:
        case = conn.execute(select(cases).where(cases.c.id == o.case_id)).one()
    # Routed by the review room to its authority-order queue; its internal target may be
    # tighter than the legal deadline, never looser.
    assert case.source == "authority_order" and case.queue == "pk-authority"
    assert o.deadline is not None and case.deadline <= o.deadline
    with legal_store.read() as conn:
        back = orders.order_for_case(conn, case.id)
    assert back is not None and back.id == o.id
    with legal_store.transaction() as conn:
        o = orders.decide(
            conn, o.id, reviewer="legal-1", outcome="withhold", now=T0 + timedelta(hours=5)
        )
    assert o.status == "actioned"
    assert o.action is not None and o.action["scope"] == "PK"
    assert o.within_deadline() is True
    assert not enforce.visible(legal_store, "v1", "PK")
    assert enforce.visible(legal_store, "v1", "DE")
    assert enforce.visible(legal_store, "v1", None)
    with legal_store.transaction() as conn:
        o = orders.respond(conn, o.id, by="legal-1", now=T0 + timedelta(hours=6))
    assert o.status == "responded"
    assert [e["kind"] for e in o.events] == ["received", "legal_review", "actioned", "responded"]
    with legal_store.read() as conn:
        kinds = [e.kind for e in ledger.for_subject(conn, f"order:{o.id}")]
        assert kinds == [
            "order.received",
            "order.legal_review",
            "order.actioned",
            "order.responded",
        ]
        assert ledger.verify(conn).ok
        n = conn.execute(select(notices).where(notices.c.content_id == "v1")).one()
    assert n.language == "ur" and "پاکستان" in n.text and not n.withheld_by_law


def test_emergency_order_has_12h_deadline_and_needs_written_reasons(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        bad = orders.receive(
            conn,
            "PTA",
            OrderIn(order_type="emergency", legal_ground="PK.SECURITY", items=["v2"]),
            now=T0,
        )
        good = orders.receive(
            conn,
            "PTA",
            OrderIn(
                order_type="emergency",
                legal_ground="PK.SECURITY",
                items=["v2"],
                written_reasons="Imminent threat to public safety in Lahore",
            ),
            now=T0,
        )
    assert good.order_type == bad.order_type == "PK.PTA_EMERGENCY"
    assert good.deadline == T0 + timedelta(hours=12) and good.missing == []
    assert good.status == "legal_review"
    # Defective emergency order: written reasons listed as missing; PK's rule is
    # comply_and_flag, so the 12 h clock keeps running while PTA is asked to clarify.
    assert bad.status == "needs_clarification"
    assert bad.missing == ["written_reasons"]
    assert bad.clock_running and bad.deadline == T0 + timedelta(hours=12)
    with legal_store.transaction() as conn:
        done = orders.clarify(
            conn,
            "PTA",
            bad.id,
            orders.Clarification(written_reasons="Threat to public order"),
            now=T0 + timedelta(hours=1),
        )
    assert done.status == "legal_review" and done.missing == []
    assert done.deadline == T0 + timedelta(hours=12)  # a running clock is not restarted


@pytest.mark.parametrize(
    ("received", "hours"),
    [
        (datetime(2026, 2, 19, 12, 0, tzinfo=UTC), 36),
        (datetime(2026, 2, 20, 12, 0, tzinfo=UTC), 3),
        # 23:00 UTC on the 19th is already 20 Feb in India (IST, +05:30): the 3 h rule.
        (datetime(2026, 2, 19, 23, 0, tzinfo=UTC), 3),
    ],
)
def test_indian_order_deadline_from_the_term_in_force_at_receipt(
    sqlite_store: Store, received: datetime, hours: int
) -> None:
    from tests.legal.conftest import seed

    seed(sqlite_store)
    with sqlite_store.transaction() as conn:
        o = orders.receive(
            conn,
            "MEITY",
            OrderIn(legal_ground="IN.DEFAMATION", items=["v2"], details=IN_FIELDS),
            now=received,
        )
    assert o.order_type == "IN.ORDER_3_1_D"
    assert o.deadline == received + timedelta(hours=hours)
    assert o.status == "legal_review"


def test_defective_order_asking_for_global_removal_goes_to_legal_review(
    legal_store: Store,
) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(
            conn,
            "MEITY",
            OrderIn(legal_ground="IN.PUBORD", items=["v2"], requested_scope="global"),
            now=T0,
        )
    assert o.status == "legal_review"
    assert "extraterritorial" in o.flags and "defective" in o.flags
    assert set(o.missing) == set(IN_FIELDS)
    with legal_store.read() as conn:
        case = conn.execute(select(cases).where(cases.c.id == o.case_id)).one()
    assert case.source == "authority_order"
    # Global removal needs a terms-of-service ground; a legal reviewer withholds in IN instead.
    with legal_store.transaction() as conn, pytest.raises(InvalidInput, match="global removal"):
        orders.decide(conn, o.id, reviewer="legal-2", outcome="global", now=T0)
    with legal_store.transaction() as conn:
        o = orders.decide(conn, o.id, reviewer="legal-2", outcome="withhold", now=T0)
    assert o.action is not None and o.action["scope"] == "IN"
    assert not enforce.visible(legal_store, "v2", "IN") and enforce.visible(legal_store, "v2", "PK")


def test_defective_standard_order_stops_the_clock_until_clarified(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(items=["v1"], reasons="remove"), now=T0)
    assert o.status == "needs_clarification" and o.missing == ["legal_ground"]
    assert not o.clock_running and o.deadline is None and o.case_id is None
    with legal_store.transaction() as conn, pytest.raises(InvalidTransition):
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=T0)
    later = T0 + timedelta(hours=30)
    with legal_store.transaction() as conn:
        o = orders.clarify(
            conn, "PTA", o.id, orders.Clarification(legal_ground="PK.PUBORD"), now=later
        )
    assert o.status == "legal_review" and o.deadline == later + timedelta(hours=48)


def test_partial_and_refused_orders(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        a = orders.receive(
            conn,
            "PTA",
            OrderIn(legal_ground="PK.HATE", items=["v1", "https://app.example/v/gone"]),
            now=T0,
        )
        a = orders.decide(conn, a.id, reviewer="legal-1", outcome="withhold", now=T0)
        b = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v2"]), now=T0)
        with pytest.raises(InvalidInput, match="reasons"):
            orders.decide(conn, b.id, reviewer="legal-1", outcome="refuse", now=T0)
        b = orders.decide(
            conn,
            b.id,
            reviewer="legal-1",
            outcome="refuse",
            reasons="Satire of a public figure; not unlawful",
            now=T0,
        )
        with pytest.raises(InvalidTransition):
            orders.decide(conn, b.id, reviewer="legal-1", outcome="withhold", now=T0)
    assert a.status == "partially_actioned"
    assert a.action is not None and a.action["not_actioned"][0]["reason"].startswith("no such")
    assert b.status == "refused" and enforce.visible(legal_store, "v2", "PK")


def test_at_risk_orders_escalate(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v1"]), now=T0)
        assert orders.escalate_at_risk(conn, now=T0 + timedelta(hours=20)) == []
        assert orders.escalate_at_risk(conn, now=T0 + timedelta(hours=37)) == [o.id]
        assert orders.escalate_at_risk(conn, now=T0 + timedelta(hours=38)) == []
        case = conn.execute(select(cases).where(cases.c.id == o.case_id)).one()
    assert case.escalated_to == "legal" and case.risk_at is not None


def test_authority_cannot_order_for_another_country(legal_store: Store) -> None:
    with legal_store.transaction() as conn, pytest.raises(InvalidInput, match="issues orders"):
        orders.receive(
            conn, "PTA", OrderIn(jurisdiction="IN", legal_ground="IN.PUBORD", items=["v1"]), now=T0
        )


def test_get_scoped_to_authority(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v1"]), now=T0)
    with legal_store.read() as conn:
        assert orders.get(conn, o.id, authority_id="PTA").id == o.id
        with pytest.raises(NotFound) as theirs:
            orders.get(conn, o.id, authority_id="MEITY")
        with pytest.raises(NotFound) as nobody:
            orders.get(conn, "0" * 20, authority_id="MEITY")
    assert theirs.value.message.replace(o.id, "X") == nobody.value.message.replace("0" * 20, "X")


def test_export_csv_and_json(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(
            conn,
            "PTA",
            OrderIn(legal_ground="PK.HATE", items=["v1"], external_ref="PTA/2026/117"),
            now=T0,
        )
        orders.decide(
            conn,
            o.id,
            reviewer="legal-1",
            outcome="withhold",
            now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        )
        views = orders.list_orders(conn, authority_id="PTA")
    text = orders.export_csv(views)
    header, row = text.splitlines()
    assert header.split(",")[:3] == ["id", "external_ref", "jurisdiction"]
    assert "PTA/2026/117" in row and "withhold" in row and "True" in row
    import orjson

    data = orjson.loads(orders.export_json(views))
    assert data[0]["status"] == "actioned" and "decided_by" not in data[0]


def test_live_stream_order_is_held_to_the_pack_slo(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(
            conn,
            "PTA",
            OrderIn(order_type="live_stream", legal_ground="PK.LIVE_PROHIBITED", items=["v1"]),
            now=T0,
        )
        assert o.standard == "immediately" and o.deadline == T0 + timedelta(minutes=15)
        o = orders.decide(
            conn, o.id, reviewer="legal-1", outcome="withhold", now=T0 + timedelta(minutes=20)
        )
    assert o.within_deadline() is False


def test_schema_has_the_legal_branch(legal_store: Store) -> None:
    assert legal_store.current_revision() is not None
    # The legal branch is merged into the restrictions revision, which needs its tables.
    script = ScriptDirectory.from_config(legal_store.alembic_config())
    applied = {
        r.revision
        for head in (legal_store.current_revision() or "").split(",")
        for r in script.iterate_revisions(head, "base")
    }
    assert {"0002_legal", "0004_restrictions"} <= applied


def test_acknowledgement_is_an_explicit_ledgered_event_once(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(
            conn,
            "PTA",
            OrderIn(legal_ground="PK.DECENCY", items=["https://app.example/v/v1"], reasons="x"),
            now=T0,
        )
    # Legal review opened on receipt: not an acknowledgement.
    assert o.status == "legal_review" and o.acknowledged_at is None
    with legal_store.transaction() as conn, pytest.raises(InvalidInput):
        orders.acknowledge(conn, o.id, by="legal-1", now=T0 - timedelta(minutes=1))
    with legal_store.transaction() as conn:
        o = orders.acknowledge(conn, o.id, by="legal-1", now=T0 + timedelta(minutes=40))
    assert o.acknowledged_at == T0 + timedelta(minutes=40)
    assert o.authority_view()["acknowledged_at"] == "2026-11-20T09:40:00Z"
    with legal_store.transaction() as conn, pytest.raises(InvalidTransition):
        orders.acknowledge(conn, o.id, by="legal-2", now=T0 + timedelta(hours=1))
    with legal_store.read() as conn:
        entries = [e for e in ledger.for_subject(conn, f"order:{o.id}")]
        listed = orders.list_orders(conn, with_events=False)
    ack = [e for e in entries if e.kind == "order.acknowledged"]
    assert len(ack) == 1 and ack[0].data()["actor"] == "reviewer:legal-1"
    assert ack[0].data()["after_s"] == 2400
    assert listed[0].acknowledged_at == T0 + timedelta(minutes=40)
