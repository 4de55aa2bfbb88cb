"""The scheduler end to end, on SQLite and PostgreSQL, with a controllable clock: duties are due
jobs written with their events, and they happen with nobody running a command."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from nigran import jobs, ledger, schedule
from nigran.legal import orders
from nigran.legal.orders import OrderIn
from nigran.model import utcnow
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import cases, restrictions
from nigran.store.tables import jobs as job_rows
from nigran.store.tables import ledger as ledger_rows
from nigran.store.tables_legal import notices
from tests.factories import THREAT_UR, item
from tests.legal.conftest import T0

REPO = Path(__file__).resolve().parents[2]


def _kinds(conn: Connection, subject: str) -> list[str]:
    return [e.kind for e in ledger.for_subject(conn, subject)]


def _order_jobs(tick: schedule.Tick) -> list[str]:
    """The order's own clock jobs (its review case has SLA jobs of its own)."""
    return [j.kind for j in tick.ran if j.kind.startswith("order.")]


def test_order_left_alone_goes_at_risk_then_breached(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v1"]), now=T0)
        due = {j["kind"]: j["due_at"] for j in jobs.of(conn, o.id)}
    # PTA's standard order: 48 h; at risk with a quarter of the clock left, at 36 h.
    assert due == {
        jobs.ORDER_AT_RISK: T0 + timedelta(hours=36),
        jobs.ORDER_BREACH: T0 + timedelta(hours=48),
    }
    assert _order_jobs(schedule.run_due(legal_store, now=T0 + timedelta(hours=35))) == []
    with legal_store.read() as conn:
        assert orders.get(conn, o.id).clock == "running"

    tick = schedule.run_due(legal_store, now=T0 + timedelta(hours=36))
    assert _order_jobs(tick) == [jobs.ORDER_AT_RISK]
    with legal_store.read() as conn:
        v = orders.get(conn, o.id)
        case = conn.execute(select(cases).where(cases.c.id == v.case_id)).one()
        assert "order.at_risk" in _kinds(conn, f"order:{o.id}")
    assert v.clock == "at_risk" and v.authority_view()["clock"] == "at_risk"
    assert case.escalated_to == "legal"

    tick = schedule.run_due(legal_store, now=T0 + timedelta(hours=48, seconds=1))
    assert _order_jobs(tick) == [jobs.ORDER_BREACH]
    with legal_store.read() as conn:
        v = orders.get(conn, o.id)
        kinds = _kinds(conn, f"order:{o.id}")
    assert kinds.count("order.breached") == 1 and kinds.count("order.at_risk") == 1
    seen = v.authority_view()
    assert seen["clock"] == "breached"
    # The transparency figures count it as not handled in time while it is still open.
    stats = orders.deadline_stats([v])
    assert stats["open_past_deadline"] == 1 and stats["share_within_deadline"] == 0
    assert [e["kind"] for e in seen["events"]][-2:] == ["at_risk", "breached"]
    # Acting late closes the clock as missed, never as met.
    with legal_store.transaction() as conn:
        v = orders.decide(
            conn, o.id, reviewer="legal-1", outcome="withhold", now=T0 + timedelta(hours=50)
        )
    assert v.clock == "missed" and v.within_deadline() is False


def test_order_acted_on_in_time_raises_nothing(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v1"]), now=T0)
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=T0)
    tick = schedule.run_due(legal_store, now=T0 + timedelta(days=3))
    assert {j.kind for j in tick.ran} >= {jobs.ORDER_AT_RISK, jobs.ORDER_BREACH}
    with legal_store.read() as conn:
        v = orders.get(conn, o.id)
        kinds = _kinds(conn, f"order:{o.id}")
    assert v.clock == "met" and "order.at_risk" not in kinds and "order.breached" not in kinds


def test_defective_order_waiting_is_reminded_then_refused(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(items=["v1"], reasons="remove"), now=T0)
    assert o.clock == "stopped"
    schedule.run_due(legal_store, now=T0 + timedelta(days=2))
    with legal_store.read() as conn:
        v = orders.get(conn, o.id)
    assert v.status == "needs_clarification"
    assert [e["kind"] for e in v.authority_view()["events"]][-1] == "clarification_reminder"
    schedule.run_due(legal_store, now=T0 + timedelta(days=7))
    with legal_store.read() as conn:
        v = orders.get(conn, o.id)
    assert v.status == "refused" and v.response is not None and "not clarified" in v.response


def test_legal_may_refuse_a_defective_order_while_its_clock_is_stopped(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(items=["v1"], reasons="remove"), now=T0)
        v = orders.decide(
            conn, o.id, reviewer="legal-1", outcome="refuse", reasons="no legal ground", now=T0
        )
    assert v.status == "refused"
    # The lapse job finds nothing to do.
    schedule.run_due(legal_store, now=T0 + timedelta(days=8))
    with legal_store.read() as conn:
        assert _kinds(conn, f"order:{o.id}").count("order.refused") == 1


def test_automated_removal_gets_its_statement_on_the_next_tick(store: Store) -> None:
    Pipeline(store).run([item("bad", THREAT_UR, author="zed")], now=T0)
    with store.read() as conn:
        (rid,) = conn.execute(
            select(restrictions.c.id).where(restrictions.c.content_id == "bad")
        ).scalars()
        due = {j["kind"]: j["due_at"] for j in jobs.of(conn, rid)}
    # Its statement is due the moment the decision is recorded (and its strike is counted).
    assert due == {jobs.STATEMENT: T0, jobs.STRIKE: T0}
    tick = schedule.run_due(store, now=T0)
    assert jobs.STATEMENT in [j.kind for j in tick.ran]
    with store.read() as conn:
        sent = conn.execute(select(notices).where(notices.c.restriction_id == rid)).all()
    assert len(sent) == 1 and sent[0].recipient == "zed" and sent[0].text


def test_case_sla_risk_and_breach_fire_from_due_jobs(store: Store) -> None:
    Pipeline(store).run([item("bad", THREAT_UR)], now=T0)
    with store.read() as conn:
        case = conn.execute(select(cases).where(cases.c.content_id == "bad")).one()
    schedule.run_due(store, now=case.risk_at)
    with store.read() as conn:
        assert conn.execute(select(cases.c.sla_state).where(cases.c.id == case.id)).scalar() == (
            "at_risk"
        )
    schedule.run_due(store, now=case.deadline)
    with store.read() as conn:
        kinds = _kinds(conn, "bad")
    assert kinds.count("case.sla_at_risk") == 1 and kinds.count("case.sla_breached") == 1


def _count_effect(conn: Connection, ref: str, now: datetime) -> None:
    ledger.append(conn, "test.effect", ref, {"at": now.isoformat()})


def test_many_schedulers_run_each_job_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(schedule.EFFECTS, "test.effect", _count_effect)
    n = 150
    with store.transaction() as conn:
        jobs.add(conn, [jobs.due("test.effect", f"j{i}", T0, now=T0) for i in range(n)])
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            while schedule.run_due(store, now=T0, worker=name, limit=10).ran:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.read() as conn:
        effects = conn.execute(
            select(ledger_rows.c.subject, func.count())
            .where(ledger_rows.c.kind == "test.effect")
            .group_by(ledger_rows.c.subject)
        ).all()
        done = conn.execute(select(func.count()).where(job_rows.c.done_at.is_not(None))).scalar()
    assert len(effects) == n and all(c == 1 for _, c in effects) and done == n


def test_failing_job_is_retried_with_backoff_then_failed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(conn: Connection, ref: str, now: datetime) -> None:
        ledger.append(conn, "test.effect", ref, {})
        raise RuntimeError("the receiver is down")

    monkeypatch.setitem(schedule.EFFECTS, "test.effect", boom)
    with store.transaction() as conn:
        jobs.add(conn, [jobs.due("test.effect", "x", T0, now=T0)])
    now = T0
    for _ in range(jobs.MAX_ATTEMPTS):
        tick = schedule.run_due(store, now=now)
        assert len(tick.failed) == 1
        now += timedelta(hours=1)
    with store.read() as conn:
        assert jobs.counts(conn, now=now).failed == 1
        # The failed attempts' effects were rolled back with them.
        assert _kinds(conn, "x") == []


def test_scheduler_killed_mid_job_leaves_it_to_run_once_elsewhere(
    store: Store, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    with store.transaction() as conn:
        jobs.add(conn, [jobs.due("test.effect", "k1", now, now=now)])
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.schedule.kill_child", store_url, str(ready)],
        cwd=REPO,
        env=env,
    )
    try:
        while not ready.exists():
            assert child.poll() is None, "the child scheduler exited before its job"
            time.sleep(0.05)
    finally:
        child.kill()  # SIGKILL: no cleanup, mid-transaction
        child.wait()
    with store.read() as conn:
        (job,) = jobs.of(conn, "k1")
    assert job["claimed_by"] == "child" and job["done_at"] is None

    monkeypatch.setitem(schedule.EFFECTS, "test.effect", _count_effect)
    # Within the child's lease nobody else may take the job.
    assert schedule.run_due(store, now=now, worker="parent").ran == []
    # The child claimed with the wall clock: its lease ends at most LEASE after now.
    after_lease = utcnow() + jobs.LEASE + timedelta(seconds=1)
    ran: list[jobs.Job] = []
    for _ in range(100):  # PostgreSQL frees the dead session's row lock when it notices
        ran = schedule.run_due(store, now=after_lease, worker="parent").ran
        if ran:
            break
        time.sleep(0.1)
    assert [j.ref for j in ran] == ["k1"]
    with store.read() as conn:
        (job,) = jobs.of(conn, "k1")
        effects = [e for e in ledger.for_subject(conn, "k1") if e.kind == "test.effect"]
    assert job["done_by"] == "parent" and job["attempts"] == 2
    assert len(effects) == 1


def test_nigran_scheduler_once_runs_what_is_due(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nigran.cli import build_app

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    store = Store.open(url)
    Pipeline(store).run([item("bad", THREAT_UR, author="zed")], now=utcnow())
    result = CliRunner().invoke(build_app(), ["scheduler", "--once", "--db", url])
    assert result.exit_code == 0, result.output
    # its statement, its strike, and the first periodic retention sweep
    assert "3 job(s) run, 0 failed" in result.output
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(notices)).scalar() == 1
    store.dispose()


def test_a_failed_effect_in_a_batch_leaves_the_chain_whole(store: Store) -> None:
    """The batch writes the ledger head once (``ledger.deferred_head``); an effect that appended
    and then failed is rolled back with its entries, and the head with it, whether it was the
    batch's first append (its head lock released with the savepoint) or a later one."""

    def effect(conn: Connection, ref: str, now: datetime) -> None:
        ledger.append(conn, "test.effect", ref, {"at": now.isoformat()})
        if ref.startswith("bad"):
            raise RuntimeError("effect failed after appending")

    schedule.register("test.effect", effect)
    refs = ["bad-first", "good-1", "bad-middle", "good-2", "good-3"]
    with store.transaction() as conn:
        jobs.add(
            conn,
            [
                jobs.due("test.effect", r, T0 + timedelta(seconds=i), now=T0)
                for i, r in enumerate(refs)
            ],
        )
    tick = schedule.run_due(store, now=T0 + timedelta(minutes=1))
    assert sorted(j.ref for j in tick.ran) == ["good-1", "good-2", "good-3"]
    assert sorted(j.ref for j, _ in tick.failed) == ["bad-first", "bad-middle"]
    with store.read() as conn:
        assert ledger.verify(conn).ok
        got = [e.subject for e in ledger.entries(conn) if e.kind == "test.effect"]
        pending = conn.execute(
            select(job_rows.c.id).where(
                job_rows.c.kind == "test.effect", job_rows.c.done_at.is_(None)
            )
        ).all()
    assert got == ["good-1", "good-2", "good-3"] and len(pending) == 2
    # The next batch appends on from the head the first one wrote.
    with store.transaction() as conn:
        ledger.append(conn, "test.after", "x", {})
    with store.read() as conn:
        assert ledger.verify(conn).ok
