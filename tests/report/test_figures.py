"""Report figures against a hand-counted scenario, and the same figures recomputed from the ledger
chain alone, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nigran.errors import InvalidInput
from nigran.legal import appeals, authorities, orders, reports
from nigran.legal.orders import OrderIn
from nigran.legal.reports import ReportIn
from nigran.model import ActionType
from nigran.report import period as periods
from nigran.report.build import build, compare, from_ledger
from nigran.store import Store
from tests.legal.conftest import T0, seed
from tests.legal.test_orders import IN_FIELDS

H = timedelta(hours=1)
DE_FIELDS = {"redress_information": "Verwaltungsgericht Köln"}
NOTICE = {
    "explanation": "breaks the terms, see the caption",
    "reporter_name": "A. Reporter",
    "reporter_email": "a@example.org",
    "good_faith": True,
}


def scenario(store: Store) -> dict[str, str]:
    """Six orders, three notices, one appeal, hand-counted in the test below."""
    seed(store)
    ids: dict[str, str] = {}
    with store.transaction() as conn:
        authorities.add_authority(conn, "BNETZA", "Bundesnetzagentur", "DE", "EU_MS_AUTHORITY")
        # A: acknowledged after 1 h, withheld after 5 h (48 h clock: in time).
        a = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.DECENCY", items=["v1"]), now=T0)
        ids["A"] = a.id
        orders.acknowledge(conn, a.id, by="legal-1", now=T0 + H)
        orders.decide(conn, a.id, reviewer="legal-1", outcome="withhold", now=T0 + 5 * H)
        # B: two items, one unknown; acknowledged after 3 h, acted after 50 h (a breach).
        t = T0 + 24 * H
        b = orders.receive(
            conn, "PTA", OrderIn(legal_ground="PK.DECENCY", items=["v2", "nope"]), now=t
        )
        ids["B"] = b.id
        orders.acknowledge(conn, b.id, by="legal-1", now=t + 3 * H)
        orders.decide(
            conn, b.id, reviewer="legal-1", outcome="withhold", items=["v2"], now=t + 50 * H
        )
        # C: refused after 2 h, never acknowledged.
        t = T0 + 48 * H
        c = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v3"]), now=t)
        ids["C"] = c.id
        orders.decide(
            conn, c.id, reviewer="legal-1", outcome="refuse", reasons="not unlawful", now=t + 2 * H
        )
        # D: open at the end of the period, its 48 h clock run out on 31 December.
        t = datetime(2026, 12, 29, 9, tzinfo=UTC)
        d = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.DECENCY", items=["v1"]), now=t)
        ids["D"] = d.id
        # E: a German authority's Art. 9 order, acknowledged after 30 minutes, acted after 4 h.
        e = orders.receive(
            conn,
            "BNETZA",
            OrderIn(
                legal_ground="DE.STGB_130",
                items=["v3"],
                reasons="Volksverhetzung",
                details=DE_FIELDS,
            ),
            now=T0,
        )
        ids["E"] = e.id
        orders.acknowledge(conn, e.id, by="legal-2", now=T0 + H / 2)
        orders.decide(conn, e.id, reviewer="legal-2", outcome="withhold", now=T0 + 4 * H)
        # F: an Indian order (3 h clock), acknowledged after 15 minutes, removed globally on
        # the platform's terms after 2 h.
        f = orders.receive(
            conn,
            "MEITY",
            OrderIn(legal_ground="IN.DEFAMATION", items=["v2"], details=IN_FIELDS),
            now=T0,
        )
        ids["F"] = f.id
        orders.acknowledge(conn, f.id, by="legal-2", now=T0 + H / 4)
        orders.decide(
            conn,
            f.id,
            reviewer="legal-2",
            outcome="global",
            tos_category="harassment",
            now=T0 + 2 * H,
        )
        reports.submit(
            conn,
            ReportIn(
                content="v1", reporter="u-7", category="harassment", jurisdiction="IN", **NOTICE
            ),
            now=T0,
        )
        # Notices: one from a user (founded, removed), one from a trusted flagger (open).
        reports.add_trusted_flagger(
            conn,
            "tf-1",
            "Hotline",
            "DE",
            awarded_by="Bundesnetzagentur",
            expertise=["hate"],
            now=T0,
        )
        r1 = reports.submit(
            conn, ReportIn(content="v2", reporter="u-9", category="harassment", **NOTICE), now=T0
        )
        reports.resolve(
            conn,
            r1["id"],
            founded=True,
            reviewer="mod-1",
            action=ActionType.REMOVE,
            now=T0 + 6 * H,
        )
        reports.submit(
            conn,
            ReportIn(content="v3", reporter="tf-1", category="hate", jurisdiction="DE", **NOTICE),
            now=T0,
            flagger="tf-1",
        )
        # The uploader of v1 appeals the order's restriction; legal upholds it.
        ap = appeals.file(conn, content_id="v1", appellant="ayesha", reason="x", now=T0 + 6 * H)
        appeals.decide(
            conn,
            ap["id"],
            reviewer="legal-2",
            outcome="upheld",
            reason="lawful order",
            reviewer_roles=("legal",),
            now=T0 + 30 * H,
        )
    return ids


def test_periods() -> None:
    assert periods.parse("2026-H2").start == datetime(2026, 7, 1, tzinfo=UTC)
    assert periods.parse("2026-H2").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert periods.parse("2026-Q4").start == datetime(2026, 10, 1, tzinfo=UTC)
    assert periods.parse("2026-12").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert periods.parse("2026").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert [m.label for m in periods.parse("2026-Q4").months()] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    for bad in ("2026-H3", "2026-13", "H2", "2026-Q0"):
        with pytest.raises(InvalidInput):
            periods.parse(bad)


def test_hand_counted_scenario_and_ledger_recomputation(store: Store) -> None:
    scenario(store)
    with store.read() as conn:
        report = build(conn, periods.parse("2026-H2"))
        again, walked = from_ledger(conn, periods.parse("2026-H2"))
    assert report.ledger_checked and report.ledger_mismatches == [] and walked > 0
    assert compare(report.tables[: len(again)], again) == []

    gov = {(r["country"], r["authority"]): r for r in report.table("government_requests").rows}
    pk = gov[("PK", "PTA")]
    assert pk["received"] == 4 and pk["items_named"] == 5
    assert pk["actioned"] == 2 and pk["withheld_locally"] == 2 and pk["removed_globally"] == 0
    assert pk["partially_actioned"] == 1 and pk["refused_or_no_action"] == 1 and pk["open"] == 1
    assert pk["items_actioned"] == 2 and pk["share_actioned"] == 0.5
    assert pk["no_action_reasons"] == ("not actioned by legal review (1); not unlawful (1)")
    # Acknowledged: A after 1 h, B after 3 h; C and D never.
    assert pk["acknowledged"] == 2
    assert pk["median_hours_to_acknowledge"] == 2.0 and pk["p90_hours_to_acknowledge"] == 3.0
    # Acted: A 5 h, B 50 h (the refusal is not "giving effect").
    assert pk["median_hours_to_act"] == 27.5 and pk["p90_hours_to_act"] == 50.0
    # Judged against the deadline: A (in time), B (late), C (refused in time).
    assert pk["decided_with_deadline"] == 3 and pk["within_deadline"] == 2
    # Breaches: B acted late, D open past its deadline at the end of the year.
    assert pk["breaches"] == 2
    de = gov[("DE", "BNETZA")]
    assert de["median_hours_to_acknowledge"] == 0.5 and de["median_hours_to_act"] == 4.0
    india = gov[("IN", "MEITY")]
    assert india["removed_globally"] == 1 and india["withheld_locally"] == 0
    assert india["share_within_deadline"] == 1.0 and india["median_hours_to_acknowledge"] == 0.25
    assert gov[("all", "all")]["received"] == 6

    # EU Annex I Part 3: only E is an EU Member State's order (DE, StGB §130 -> hate speech).
    p3 = report.table("eu_annex_i_part_3_member_states_orders")
    by3 = {(r["Scope"], r["Category of illegal content"]): r for r in p3.rows}
    orders_col = "Number of orders to act against illegal content received"
    ack_col = (
        "Median time to inform the authority of the receipt of the order to act against "
        "illegal content"
    )
    effect_col = "Median time to give effect to the order to act against illegal content"
    for scope in ("TOTAL", "DE"):
        for cat in ("TOTAL", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH"):
            row = by3[(scope, cat)]
            assert row[orders_col] == 1 and row[ack_col] == 0.5 and row[effect_col] == 4.0
    assert by3[("TOTAL", "STATEMENT_CATEGORY_VIOLENCE")][orders_col] == 0
    assert {r["Scope"] for r in p3.rows} == {"TOTAL", "DE"}
    assert all(r["Reporting period"] == "2026-07-01/2026-12-31" for r in p3.rows)

    # Part 4: u-7 (harassment, IN law, open), u-9 (harassment, founded after 6 h on the
    # terms), tf-1 (hate, DE law, open, a trusted flagger).
    p4 = {
        r["Category of illegal content"]: r for r in report.table("eu_annex_i_part_4_notices").rows
    }
    total = p4["TOTAL"]
    assert total["Number of notices received "] == 3
    assert total["Number of notices received from Trusted flaggers"] == 1
    assert total["Median time to take action"] == 6.0
    assert total["Number of actions taken on the basis of the law"] == 0
    assert (
        total["Number of actions taken on the basis of the terms and conditions of the service"]
        == 1
    )
    assert p4["STATEMENT_CATEGORY_CYBER_VIOLENCE"]["Number of notices received "] == 2
    assert p4["KEYWORD_CYBER_HARASSMENT"]["Number of notices received "] == 2
    assert p4["KEYWORD_HATE_SPEECH"]["Number of notices received from Trusted flaggers"] == 1

    # Parts 5 and 6: nothing was found by the platform itself in this scenario.
    for name in ("eu_annex_i_part_5_own_initiative_illegal", "eu_annex_i_part_6_own_initiative_TC"):
        first = report.table(name).rows[0]
        assert first["Number of measures taken at the provider's own initiative "] == 0

    # Part 7: one complaint (against order A's withholding), upheld after 24 h.
    p7 = {
        (r["Indicator"], r["Scope"]): r["Value"]
        for r in report.table("eu_annex_i_part_7_appeals_and_recidivism").rows
    }
    total_c = "Number of complaints submitted to the internal-complaints mechanism"
    assert p7[(total_c, "Total number")] == 1 and p7[(total_c, "Decisions upheld")] == 1
    assert p7[(total_c, "Decisions reversed")] == 0 and p7[(total_c, "Median time")] == 24.0
    removal = (
        "Complaint regarding a decision to remove or disable access to or restrict visibility "
        "of information"
    )
    assert p7[(removal, "Total number")] == 1 and p7[(removal, "Decisions upheld")] == 1

    ap = {r["restriction_source"]: r for r in report.table("appeals").rows}
    assert ap["order"]["filed"] == 1 and ap["order"]["upheld"] == 1
    assert ap["order"]["median_hours_to_decide"] == 24.0

    mod = report.table("moderation").rows
    orders_mod = [r for r in mod if r["basis"] == "order"]
    # Restrictions from orders A, B (v2), E and F (the legal hold in IN, and the removal on
    # the platform's terms on top of it): all decided by people on an order.
    assert sum(r["restrictions"] for r in orders_mod) == 5
    assert {(r["detection"], r["restriction_type"], r["scope"]) for r in orders_mod} == {
        ("human", "withhold", "local"),
        ("human", "remove", "global"),
    }
    notice_mod = [r for r in mod if r["basis"] == "notice"]
    assert [(r["restriction_type"], r["restrictions"]) for r in notice_mod] == [("remove", 1)]

    log = {r["month"]: r for r in report.table("pk_order_log").rows}
    assert log["2026-11"]["orders_received"] == 3
    assert log["2026-11"]["orders_actioned_in_time"] == 1
    assert log["2026-12"]["orders_received"] == 1
    india_month = {
        (r["field"], r["breakdown"]): r["value"]
        for r in report.table("in_monthly_compliance").rows
        if r["month"] == "2026-11"
    }
    assert india_month[("complaints_received_by_type", "notice:harassment")] == 1
    assert india_month[("complaints_received_by_type", "order:IN.DEFAMATION")] == 1
    assert india_month[("actions_taken_on_complaints", "order:actioned")] == 1
    assert report.table("in_order_records").rows[0]["issuer_rank"] == "Joint Secretary"
    records = report.table("pk_order_records")
    assert records.columns[:3] == ["order_id", "requester", "legal_ground"]
    assert len(records.rows) == 4
    # PTA directions keep the complainant confidential (the PK pack), and the record says so.
    assert {r["complainant_confidential"] for r in records.rows} == {True}


def test_a_tampered_store_disagrees_with_the_ledger(sqlite_store: Store) -> None:
    """The recomputation is a real check: change a stored time and the two part ways."""
    from sqlalchemy import update

    from nigran.store.tables_legal import orders as orders_t

    ids = scenario(sqlite_store)
    with sqlite_store.transaction() as conn:
        conn.execute(
            update(orders_t)
            .where(orders_t.c.id == ids["B"])
            .values(acted_at=T0 + 30 * H)  # hide the breach
        )
    with sqlite_store.read() as conn:
        report = build(conn, periods.parse("2026-H2"))
    assert any(m.startswith("government_requests") for m in report.ledger_mismatches)
