"""Notices to everyone the law names: the notifier (Art. 16, 20) and the repeat offender (Art. 23),
with a controllable clock and the scheduler's own ticks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from nigran import enforce, ledger, schedule
from nigran.errors import Forbidden, InvalidTransition
from nigran.legal import appeals, reports, strikes
from nigran.legal.reports import ReportIn
from nigran.model import ActionType, RestrictionSource
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import restrictions
from nigran.store.tables_legal import notices
from tests.factories import THREAT_UR, item
from tests.legal.conftest import T0


def _report() -> ReportIn:
    return ReportIn.model_validate(
        {
            "content": "v3",
            "reporter": "u9",
            "category": "hate",
            "jurisdiction": "DE",
            "explanation": "Attacks a religious group",
            "reporter_name": "U Nine",
            "reporter_email": "u9@example.org",
            "good_faith": True,
        }
    )


def _told(store: Store, recipient: str) -> list[tuple[str, str]]:
    with store.read() as conn:
        return [
            (n.kind, n.text)
            for n in conn.execute(
                select(notices)
                .where(notices.c.recipient == recipient)
                .order_by(notices.c.created_at)
            )
        ]


def test_notifier_gets_a_receipt_a_decision_and_can_contest_it(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        r = reports.submit(conn, _report(), now=T0)
    assert [k for k, _ in _told(legal_store, "u9")] == ["report_receipt"]

    with legal_store.transaction() as conn:
        reports.resolve(conn, r["id"], founded=False, reviewer="mod-1", now=T0 + timedelta(hours=1))
    (kind, text) = _told(legal_store, "u9")[-1]
    assert kind == "report_decision" and "contest" in text

    with legal_store.transaction() as conn, pytest.raises(Forbidden):
        reports.contest(conn, r["id"], by="someone-else", reasons="it is hate speech", now=T0)
    with legal_store.transaction() as conn:
        c = reports.contest(
            conn, r["id"], by="u9", reasons="It attacks a religious group", now=T0 + timedelta(1)
        )
    assert c["status"] == "contested" and c["case_id"] != r["case_id"]
    assert _told(legal_store, "u9")[-1][0] == "complaint_receipt"

    # The first decider may not decide the complaint; another person may, and may act.
    with legal_store.transaction() as conn, pytest.raises(Forbidden, match="another person"):
        reports.resolve(conn, r["id"], founded=True, reviewer="MOD-1", now=T0 + timedelta(2))
    with legal_store.transaction() as conn:
        done = reports.resolve(
            conn,
            r["id"],
            founded=True,
            reviewer="mod-2",
            action=ActionType.REMOVE,
            now=T0 + timedelta(days=2),
        )
        held = enforce.active(conn, ["v3"])["v3"]
        kinds = [e.kind for e in ledger.for_subject(conn, "v3")]
    assert done["status"] == "founded" and done["resolved_by"] == "mod-2"
    assert [r.source for r in held] == [RestrictionSource.APPEAL]
    assert "report.contested" in kinds
    (kind, text) = _told(legal_store, "u9")[-1]
    assert kind == "report_decision" and "acted on it" in text
    with legal_store.transaction() as conn, pytest.raises(InvalidTransition):
        reports.contest(conn, r["id"], by="u9", reasons="once more, please", now=T0)


def test_strikes_warn_first_then_suspend_with_a_statement_and_an_appeal(store: Store) -> None:
    author = "repeat"
    for i in range(3):
        Pipeline(store).run([item(f"t{i}", THREAT_UR, author=author)], now=T0 + timedelta(hours=i))
    schedule.run_due(store, now=T0 + timedelta(hours=3))
    told = _told(store, author)
    assert [k for k, _ in told].count("strike_warning") == 1
    assert [k for k, _ in told].count("restriction") == 3
    with store.read() as conn:
        assert not strikes.suspended(conn, author, now=T0 + timedelta(hours=3))

    Pipeline(store).run([item("t3", THREAT_UR, author=author)], now=T0 + timedelta(hours=4))
    at = T0 + timedelta(hours=4)
    schedule.run_due(store, now=at)
    with store.read() as conn:
        assert strikes.suspended(conn, author, now=at)
        (susp,) = conn.execute(
            select(restrictions).where(restrictions.c.action == ActionType.SUSPEND_ACCOUNT.value)
        ).all()
        statement = conn.execute(
            select(notices.c.text).where(notices.c.restriction_id == susp.id)
        ).scalar_one()
        kinds = [e.kind for e in ledger.for_subject(conn, f"account:{author}")]
    assert susp.source == "repeat_offender" and susp.expires_at == at + timedelta(days=30)
    assert statement and kinds == ["notice.sent", "account.warned", "account.suspended"]
    assert [k for k, _ in _told(store, author)].count("strike_warning") == 1

    # The suspension is appealed like any restriction, and lapses at its expiry by itself.
    with store.transaction() as conn:
        a = appeals.file(
            conn,
            content_id=susp.content_id,
            appellant=author,
            reason="I did not write these",
            restriction_id=susp.id,
            now=at,
        )
    assert a["restriction_id"] == susp.id
    schedule.run_due(store, now=at + timedelta(days=30))
    with store.read() as conn:
        assert not strikes.suspended(conn, author, now=at + timedelta(days=30))
