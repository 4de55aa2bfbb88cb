"""A periodic ledger checkpoint is one of the scheduled duties (issue #21): signed by whichever
scheduler claims it, logged outside the database once committed, and the next one scheduled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from nigran import checkpoint, checkpoint_log, jobs, ledger
from nigran.runtime.pipeline import Pipeline
from nigran.schedule import ensure_periodic, run_due
from nigran.store import Store
from nigran.store.tables import jobs as job_rows
from tests.factories import THREAT_UR, item

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_checkpoints_are_signed_on_schedule(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIGRAN_CHECKPOINT_EVERY_S", "3600")
    Pipeline(store).run([item("t1", THREAT_UR)], now=T0)
    assert ensure_periodic(store, now=T0) and not ensure_periodic(store, now=T0)  # one chain
    run_due(store, now=T0)
    with store.read() as conn:
        (first,) = checkpoint.all_checkpoints(conn)
        nxt = conn.execute(
            select(job_rows.c.due_at).where(
                job_rows.c.kind == jobs.CHECKPOINT, job_rows.c.done_at.is_(None)
            )
        ).scalar_one()
    assert nxt == T0 + timedelta(hours=1)
    assert [p.checkpoint.seq for p in checkpoint_log.read_if_present()] == [
        first.seq
    ]  # after commit
    Pipeline(store).run([item("t2", THREAT_UR)], now=T0 + timedelta(minutes=30))
    run_due(store, now=T0 + timedelta(minutes=59))  # not due yet
    run_due(store, now=T0 + timedelta(hours=1, seconds=1))
    with store.read() as conn:
        both = checkpoint.all_checkpoints(conn)
        assert ledger.verify(conn).ok
    assert len(both) == 2 and both[1].seq > first.seq
    assert [p.checkpoint.seq for p in checkpoint_log.read_if_present()] == [c.seq for c in both]


def test_off_without_the_setting(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIGRAN_CHECKPOINT_EVERY_S", raising=False)
    assert not ensure_periodic(store, now=T0)
