"""Failed DSA submissions are retried by the scheduler, from a due job written with the attempt.

The stand-in server (``tdb_standin``, the official rules) is made to fail first, then to answer;
the clock is the test's; only the scheduler's tick (``schedule.run_due``) sends again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nigran import jobs, schedule
from nigran.cli import build_app
from nigran.legal.dsa_submit import RetryPolicy, overview, submit
from nigran.metrics import prometheus_text
from nigran.store import Store
from nigran.store.tables import jobs as job_rows
from nigran.store.tables_legal import dsa_submissions
from tests.legal import tdb_standin
from tests.legal.test_dsa import GOOD

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BASE = timedelta(minutes=1)
POLICY = RetryPolicy(max_attempts=4, base=BASE, cap=timedelta(minutes=10))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Any:
    with tdb_standin.serve() as standin:
        monkeypatch.setenv("NIGRAN_DSA_URL", standin.url)
        monkeypatch.setenv("NIGRAN_DSA_TOKEN", standin.token)
        monkeypatch.setenv("NIGRAN_DSA_RETRY_MAX", "4")
        monkeypatch.setenv("NIGRAN_DSA_RETRY_BASE_S", "60")
        monkeypatch.setenv("NIGRAN_DSA_RETRY_CAP_S", "600")
        yield standin


def _send(store: Store, api: Any, sors: list[dict[str, Any]]) -> Any:
    return submit(
        store, sors, url=api.url, token=api.token, attempts=1, clock=lambda: T0, retry=POLICY
    )


def _history(store: Store) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    with store.read() as conn:
        for r in conn.execute(select(dsa_submissions).order_by(dsa_submissions.c.id)):
            out.setdefault(r.puid, []).append((r.attempt, r.status))
    return out


def _pending_retries(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(
            select(job_rows).where(job_rows.c.kind == jobs.DSA_SUBMIT).order_by(job_rows.c.id)
        )
        return [dict(r._mapping) for r in rows if r.done_at is None and r.failed_at is None]


def _dsa_ran(tick: schedule.Tick) -> int:
    assert tick.failed == []
    return sum(1 for j in tick.ran if j.kind == jobs.DSA_SUBMIT)


def test_failures_are_sent_again_by_the_scheduler_with_backoff(store: Store, api: Any) -> None:
    sors = [dict(GOOD, puid=f"retry-{i}") for i in range(3)]
    api.fail_next = [503, 429]
    first = _send(store, api, sors)
    assert (first.failed, first.accepted, api.stored) == (3, 0, {})
    # The job was written with the attempt's record: due after the base wait, plus jitter.
    (job,) = _pending_retries(store)
    due = job["due_at"].replace(tzinfo=UTC)
    assert T0 + BASE <= due <= T0 + BASE * 1.25 and first.retry_at == [due]
    with store.read() as conn:
        assert overview(conn).retry_pending == 3

    assert _dsa_ran(schedule.run_due(store, now=T0 + BASE / 2)) == 0  # not due yet
    assert _dsa_ran(schedule.run_due(store, now=due)) == 1  # 429 this time
    (job2,) = _pending_retries(store)
    due2 = job2["due_at"].replace(tzinfo=UTC)
    assert due + 2 * BASE <= due2 <= due + 2 * BASE * 1.25  # twice the wait
    assert api.stored == {}

    assert _dsa_ran(schedule.run_due(store, now=due2)) == 1
    assert set(api.stored) == {s["puid"] for s in sors}
    assert _pending_retries(store) == []
    assert _history(store) == {
        s["puid"]: [(1, "failed"), (2, "failed"), (3, "accepted")] for s in sors
    }
    # Accepted: never sent again, by the scheduler or by hand.
    requests = list(api.requests)
    assert _dsa_ran(schedule.run_due(store, now=due2 + timedelta(days=1))) == 0
    again = _send(store, api, sors)
    assert again.skipped_done == 3 and again.requests == 0 and api.requests == requests


def test_a_puid_accepted_meanwhile_is_not_sent_by_the_retry(store: Store, api: Any) -> None:
    a, b = dict(GOOD, puid="meanwhile-a"), dict(GOOD, puid="meanwhile-b")
    api.fail_next = [503]
    _send(store, api, [a, b])
    _send(store, api, [a])  # someone ran `nigran dsa submit` for a alone; accepted
    assert api.requests == [1]
    schedule.run_due(store, now=T0 + timedelta(hours=1))
    assert api.requests == [1, 1] and set(api.stored) == {"meanwhile-a", "meanwhile-b"}
    assert [s for _, s in _history(store)["meanwhile-a"]] == ["failed", "accepted"]


def test_an_invalid_statement_is_not_retried_and_is_counted(
    store: Store, store_url: str, api: Any
) -> None:
    good = dict(GOOD, puid="fine-1")
    bad = dict(GOOD, puid="invalid-1", content_language="XX")
    api.fail_next = [502]
    _send(store, api, [good, bad])
    assert _dsa_ran(schedule.run_due(store, now=T0 + timedelta(hours=1))) == 1
    assert set(api.stored) == {"fine-1"}
    assert _history(store) == {
        "fine-1": [(1, "failed"), (2, "deferred"), (2, "accepted")],
        "invalid-1": [(1, "failed"), (2, "rejected")],
    }
    assert _pending_retries(store) == []
    assert _dsa_ran(schedule.run_due(store, now=T0 + timedelta(days=2))) == 0
    with store.read() as conn:
        o = overview(conn)
    assert (o.accepted, o.rejected, o.retry_pending, o.given_up) == (1, 1, 0, 0)
    r = CliRunner().invoke(build_app(), ["dsa", "status", "--db", store_url])
    assert r.exit_code == 1
    out = " ".join(r.output.split())
    assert "1 accepted, 1 rejected" in out and "rejected invalid-1" in out
    assert "content_language" in out and "fine-1" not in out.split("given up", 1)[1]


def test_given_up_after_the_configured_attempts_and_shown(
    store: Store, store_url: str, api: Any
) -> None:
    api.fail_next = [503] * 10
    _send(store, api, [dict(GOOD, puid="never")])
    at = T0
    for _ in range(10):
        at += timedelta(hours=1)
        schedule.run_due(store, now=at)
    assert [s for _, s in _history(store)["never"]] == ["failed"] * 4  # NIGRAN_DSA_RETRY_MAX
    assert _pending_retries(store) == []
    text = prometheus_text(store, now=at).decode()
    assert 'nigran_dsa_statements{state="given_up"} 1.0' in text
    r = CliRunner().invoke(build_app(), ["status", "--db", store_url])
    assert r.exit_code == 0, r.output
    assert "1 given up" in " ".join(r.output.split())
    r = CliRunner().invoke(build_app(), ["dsa", "status", "--db", store_url])
    assert r.exit_code == 1 and "given_up never (attempt 4, HTTP 503)" in " ".join(r.output.split())


def test_pending_retries_show_in_status_and_metrics(store: Store, store_url: str, api: Any) -> None:
    api.fail_next = [503]
    _send(store, api, [dict(GOOD, puid=f"wait-{i}") for i in range(2)])
    text = prometheus_text(store, now=T0).decode()
    assert 'nigran_dsa_statements{state="retry_pending"} 2.0' in text
    assert 'nigran_jobs{kind="dsa.submit",state="scheduled"} 1.0' in text
    r = CliRunner().invoke(build_app(), ["status", "--db", store_url])
    assert "2 awaiting a retry" in " ".join(r.output.split())


def test_backoff_is_capped_and_jittered() -> None:
    import random

    p = RetryPolicy(max_attempts=20, base=timedelta(seconds=10), cap=timedelta(seconds=100))
    rng = random.Random(1)
    waits = [p.wait(n, rng) for n in range(1, 21)]
    assert waits[-1] is None
    got = [w.total_seconds() for w in waits if w is not None]
    assert all(10 * 2 ** (n - 1) <= w <= 12.5 * 2 ** (n - 1) for n, w in enumerate(got[:4], 1))
    assert all(100 <= w <= 125 for w in got[4:])
    assert len(set(got)) == len(got)  # jittered: no two alike


def test_no_transaction_waits_on_the_database(store: Store, api: Any) -> None:
    """The retry's request is sent before the scheduler's batch transaction: while the
    Transparency Database is answering, another writer can append to the ledger, even though
    the same batch holds an effect that appended (and so would hold the ledger head)."""
    from nigran import ledger

    schedule.register("test.appends", lambda c, ref, now: ledger.append(c, "test.appends", ref, {}))
    api.fail_next = [503]
    _send(store, api, [dict(GOOD, puid="slow-1")])
    with store.transaction() as conn:
        jobs.add(conn, [jobs.due("test.appends", "first", T0, now=T0)])
    wrote: list[int] = []

    def meanwhile() -> None:
        with store.transaction() as conn:
            wrote.append(ledger.append(conn, "test.meanwhile", "other-writer", {}))

    api.during = meanwhile
    tick = schedule.run_due(store, now=T0 + timedelta(hours=1))
    assert sorted(j.kind for j in tick.ran) == sorted([jobs.DSA_SUBMIT, "test.appends"])
    assert len(wrote) == 1 and "slow-1" in api.stored
    with store.read() as conn:
        assert ledger.verify(conn).ok


def test_cli_submit_says_when_the_scheduler_retries(store: Store, store_url: str, api: Any) -> None:
    from tests.legal.conftest import seed
    from tests.legal.test_dsa_official import scenario

    seed(store)
    scenario(store)
    api.fail_next = [503, 503, 503]
    r = CliRunner().invoke(build_app(), ["dsa", "submit", "--db", store_url])
    assert r.exit_code == 1, r.output
    out = " ".join(r.output.split())
    assert "failed" in out and "sent again by the scheduler (dsa.submit), first at" in out
    assert len(_pending_retries(store)) == 1
