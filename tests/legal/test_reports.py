from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from nigran.errors import InvalidInput, ReporterSuspended
from nigran.legal import reports
from nigran.legal.reports import ReportIn
from nigran.store import Store
from nigran.store.tables import cases
from nigran.store.tables_legal import notices
from tests.legal.conftest import T0


def _r(**kw: object) -> ReportIn:
    base: dict[str, object] = {
        "content": "v3",
        "reporter": "u9",
        "category": "hate",
        "jurisdiction": "DE",
        "explanation": "Attacks a religious group",
        "reporter_name": "U Nine",
        "reporter_email": "u9@example.org",
        "good_faith": True,
    }
    base.update(kw)
    return ReportIn.model_validate(base)


def test_art16_fields_missing_are_listed(legal_store: Store) -> None:
    with legal_store.transaction() as conn, pytest.raises(InvalidInput) as err:
        reports.submit(conn, _r(explanation="bad", reporter_email=None, good_faith=False), now=T0)
    msg = err.value.message
    assert "explanation:" in msg and "reporter_email:" in msg and "good_faith:" in msg
    assert "reporter_name:" not in msg


def test_child_safety_reports_need_no_identity(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        r = reports.submit(
            conn, _r(category="child_safety", reporter_name=None, reporter_email=None), now=T0
        )
    assert r["identity_exempt"] and r["source"] == "notice"


def test_trusted_flagger_gets_own_lane_priority_and_clock(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        reports.add_trusted_flagger(
            conn,
            "jugendschutz",
            "jugendschutz.net",
            "DE",
            awarded_by="Bundesnetzagentur",
            expertise=["hate", "child_safety"],
            priority=2.0,
            now=T0,
        )
        tf = reports.submit(
            conn,
            _r(reporter="jugendschutz", reporter_name=None, reporter_email=None),
            now=T0,
            flagger="jugendschutz",
        )
        user = reports.submit(conn, _r(), now=T0)
        tf_case = conn.execute(select(cases).where(cases.c.id == tf["case_id"])).one()
        user_case = conn.execute(select(cases).where(cases.c.id == user["case_id"])).one()
    assert tf["source"] == "trusted_flagger" and tf_case.source == "trusted_flagger"
    assert user["source"] == "notice" and user_case.source == "user_report"
    assert tf_case.queue == "trusted-flaggers" and user_case.queue != "trusted-flaggers"
    assert tf_case.priority > user_case.priority
    # EU packs: trusted flaggers 24 h, ordinary Art. 16 notices 3 days (internal SLOs); the
    # review queue's own target can only make them tighter.
    assert tf_case.deadline <= T0 + timedelta(hours=24)
    assert user_case.deadline <= T0 + timedelta(days=3)


def test_unfounded_reporter_downweighted_warned_then_suspended(legal_store: Store) -> None:
    t = T0
    weights = []
    for i in range(reports.SUSPEND_AT):
        with legal_store.transaction() as conn:
            r = reports.submit(conn, _r(), now=t)
            weights.append(r["weight"])
            reports.resolve(conn, r["id"], founded=False, reviewer="mod-1", now=t)
        t += timedelta(hours=1 + i)
    assert weights == sorted(weights, reverse=True) and weights[0] == 1.0
    with legal_store.read() as conn:
        kinds = [
            n.kind
            for n in conn.execute(
                select(notices).where(notices.c.recipient == "u9").order_by(notices.c.created_at)
            )
        ]
        status = reports.reporter_status(conn, "u9")
    # Each report's receipt and decision (Art. 16), and the warning before the suspension.
    assert [k for k in kinds if k.startswith("reporter_")] == [
        "reporter_warning",
        "reporter_suspension",
    ]
    assert kinds.count("report_receipt") == kinds.count("report_decision") == reports.SUSPEND_AT
    assert status["suspended_until"] is not None
    with legal_store.transaction() as conn, pytest.raises(ReporterSuspended):
        reports.submit(conn, _r(), now=t)
    with legal_store.transaction() as conn:  # after the suspension ends, reports are taken
        reports.submit(conn, _r(), now=t + reports.SUSPENSION + timedelta(days=1))


def test_trusted_flagger_status_holds_only_within_its_expertise(legal_store: Store) -> None:
    from nigran.legal import dsa
    from nigran.model import ActionType

    with legal_store.transaction() as conn:
        reports.add_trusted_flagger(
            conn,
            "hateaid",
            "HateAid",
            "DE",
            awarded_by="Bundesnetzagentur",
            expertise=["hate"],
            now=T0,
        )
        inside = reports.submit(conn, _r(reporter="hateaid"), now=T0, flagger="hateaid")
        outside = reports.submit(
            conn, _r(reporter="hateaid", category="fraud", content="v2"), now=T0, flagger="hateaid"
        )
        reports.resolve(
            conn,
            inside["id"],
            founded=True,
            reviewer="mod-1",
            action=ActionType.WITHHOLD,
            scope="DE",
            now=T0,
        )
        sors = dsa.collect(conn).statements
    assert inside["source"] == "trusted_flagger" and outside["source"] == "notice"
    assert [s["source_identity"] for s in sors] == [
        "HateAid (trusted flagger, status awarded by Bundesnetzagentur)"
    ]


@pytest.mark.parametrize(
    ("awarded_by", "expertise", "where"),
    [("", ["hate"], "awarded_by"), ("BNetzA", [], "expertise"), ("BNetzA", ["spam?"], "expertise")],
)
def test_trusted_flagger_needs_an_awarding_authority_and_expertise(
    legal_store: Store, awarded_by: str, expertise: list[str], where: str
) -> None:
    with legal_store.transaction() as conn, pytest.raises(InvalidInput) as e:
        reports.add_trusted_flagger(
            conn, "x", "X", "DE", awarded_by=awarded_by, expertise=expertise, now=T0
        )
    assert e.value.where == where
