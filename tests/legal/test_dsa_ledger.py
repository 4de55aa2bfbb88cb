"""DSA submissions are ledgered, and the audit checks the ``dsa_submissions`` rows against the
ledger: each kind of edit made directly in the database is named, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from nigran import audit, ledger, schedule
from nigran.legal.dsa_submit import LEDGER_KIND, RetryPolicy, submit
from nigran.store import Store
from nigran.store.tables_legal import dsa_submissions
from tests.legal import tdb_standin
from tests.legal.test_dsa import GOOD

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def sent(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Three statements: one failed request, then the scheduler's retry (one rejected)."""
    with tdb_standin.serve() as api:
        monkeypatch.setenv("NIGRAN_DSA_URL", api.url)
        monkeypatch.setenv("NIGRAN_DSA_TOKEN", api.token)
        api.fail_next = [503]
        sors = [dict(GOOD, puid="l-1"), dict(GOOD, puid="l-2"), dict(GOOD, puid="l-3")]
        sors[2]["content_language"] = "XX"
        submit(
            store,
            sors,
            url=api.url,
            token=api.token,
            attempts=1,
            clock=lambda: T0,
            retry=RetryPolicy(),
        )
        schedule.run_due(store, now=T0 + timedelta(hours=1))
        assert set(api.stored) == {"l-1", "l-2"}
    return store


def _problems(store: Store) -> list[str]:
    with store.read() as conn:
        return audit.check(conn)


def test_each_request_is_ledgered_and_the_audit_agrees(sent: Store) -> None:
    with sent.read() as conn:
        entries = [e.data() for e in ledger.entries(conn) if e.kind == LEDGER_KIND]
        assert ledger.verify(conn).ok
        rows = conn.execute(select(dsa_submissions)).all()
    # The failed request, the retry (l-3 rejected, the others deferred), the resend of the two.
    assert [{p: st for p, (st, _) in e["statements"].items()} for e in entries] == [
        {"l-1": "failed", "l-2": "failed", "l-3": "failed"},
        {"l-1": "deferred", "l-2": "deferred", "l-3": "rejected"},
        {"l-1": "accepted", "l-2": "accepted"},
    ]
    hashes = {r.puid: r.payload_sha256 for r in rows}
    assert all(sha == hashes[p] for e in entries for p, (_, sha) in e["statements"].items())
    assert entries[0]["retry_at"] is not None and entries[1]["retry_at"] is None
    assert entries[0]["http_status"] == 503 and entries[2]["http_status"] == 201
    assert len(rows) == 8
    assert _problems(sent) == []


def _row(puid: str, status: str) -> Any:
    return (dsa_submissions.c.puid == puid) & (dsa_submissions.c.status == status)


EDITS: dict[str, tuple[Callable[[Connection], object], str]] = {
    "rejection turned into acceptance": (
        lambda c: c.execute(
            update(dsa_submissions).where(_row("l-3", "rejected")).values(status="accepted")
        ),
        "status is 'accepted' in the table, 'rejected' in the ledger",
    ),
    "statement edited": (
        lambda c: c.execute(
            update(dsa_submissions)
            .where(_row("l-1", "accepted"))
            .values(payload=dict(GOOD, puid="l-1", decision_facts="changed afterwards"))
        ),
        "does not match its hash (edited)",
    ),
    "statement and hash edited together": (
        lambda c: c.execute(
            update(dsa_submissions)
            .where(_row("l-1", "accepted"))
            .values(payload=dict(GOOD, puid="l-1"), payload_sha256="0" * 64)
        ),
        "statement hash is '" + "0" * 64,
    ),
    "attempt deleted": (
        lambda c: c.execute(delete(dsa_submissions).where(_row("l-2", "failed"))),
        "l-2 in request",
    ),
    "attempt invented": (
        lambda c: c.execute(
            insert(dsa_submissions).values(
                puid="l-9",
                batch_id="f" * 32,
                attempt=1,
                payload=dict(GOOD, puid="l-9"),
                payload_sha256="1" * 64,
                sent_at=T0,
                status="accepted",
            )
        ),
        "no dsa.submitted entry in the ledger",
    ),
    "sent time moved": (
        lambda c: c.execute(
            update(dsa_submissions)
            .where(_row("l-1", "accepted"))
            .values(sent_at=T0 - timedelta(days=3))
        ),
        "sent at is",
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edit_of_a_submission_record_is_named(sent: Store, edit: str) -> None:
    change, message = EDITS[edit]
    with sent.transaction() as conn:
        change(conn)
    problems = _problems(sent)
    assert len(problems) >= 1 and any(message in p for p in problems), problems
    assert all("dsa submission" in p for p in problems)
