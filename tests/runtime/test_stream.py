"""Distributed mode against a real NATS JetStream server and a real database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator

import nats
import pytest
from nats.aio.msg import Msg
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from nigran import ledger
from nigran.cli import build_app
from nigran.runtime import retry, stream
from nigran.runtime.pipeline import Pipeline
from nigran.runtime.stream import Topology, Worker, publish_lines
from nigran.store import Store
from nigran.store.tables import decisions
from tests.factories import BENIGN_UR, SEXUAL_RU, THREAT_UR


def line(id: str, text: str, **kw: object) -> bytes:
    d = {"id": id, "kind": "comment", "author": "u", "texts": {"body": text}, **kw}
    return json.dumps(d, ensure_ascii=False).encode()


@pytest.fixture
def topo(nats_url: str) -> Iterator[Topology]:
    t = Topology(f"t{uuid.uuid4().hex[:10]}")
    yield t

    async def cleanup() -> None:
        nc = await nats.connect(nats_url)
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await nc.jetstream().delete_stream(t.stream)
        await nc.drain()

    asyncio.run(cleanup())


def decision_count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(decisions)).scalar_one())


def test_two_workers_moderate_each_item_once(store: Store, nats_url: str, topo: Topology) -> None:
    texts = [THREAT_UR, BENIGN_UR, SEXUAL_RU]
    lines = [line(f"n{i}", texts[i % 3]) for i in range(60)]
    lines += lines[:10]  # re-published: the server's duplicate window drops these
    lines.append(b"{not json")
    report = asyncio.run(publish_lines(nats_url, lines, topo))
    assert (report.published, report.duplicates) == (60, 10)
    assert [n for n, _ in report.rejected] == [71]

    async def run_two() -> list[int]:
        workers = [Worker(Pipeline(store), nats_url, topo, batch_size=7) for _ in range(2)]
        stats = await asyncio.gather(*(w.run(idle_exit=1.5) for w in workers))
        return [s.moderated for s in stats]

    moderated = asyncio.run(run_two())
    assert sum(moderated) == 60
    assert decision_count(store) == 60
    with store.read() as conn:
        assert ledger.verify(conn).ok


def test_unacked_batch_is_redelivered_and_decided_once(
    sqlite_store: Store, nats_url: str, topo: Topology
) -> None:
    asyncio.run(publish_lines(nats_url, [line("r1", THREAT_UR), line("r2", BENIGN_UR)], topo))
    pipe = Pipeline(sqlite_store)

    async def crash_after_commit() -> None:
        # A worker that stored the batch but died before acking it.
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            topo.content_subjects,
            durable=topo.durable,
            stream=topo.stream,
            config=nats.js.api.ConsumerConfig(ack_wait=1.0),
        )
        msgs = await sub.fetch(10, timeout=2)
        from nigran.runtime.jsonl import parse_line

        pipe.run([parse_line(m.data) for m in msgs])
        await nc.close()  # no ack

    asyncio.run(crash_after_commit())
    assert decision_count(sqlite_store) == 2
    stats = asyncio.run(Worker(pipe, nats_url, topo, ack_wait=1.0).run(idle_exit=3))
    assert (stats.duplicates, stats.moderated) == (2, 0)
    assert decision_count(sqlite_store) == 2


def test_conflicting_resubmission_is_rejected_not_redelivered(
    sqlite_store: Store, nats_url: str, topo: Topology
) -> None:
    Pipeline(sqlite_store).run([])  # schema ready
    first = asyncio.run(publish_lines(nats_url, [line("x", THREAT_UR)], topo))
    assert first.published == 1
    asyncio.run(Worker(Pipeline(sqlite_store), nats_url, topo).run(idle_exit=1))

    # Same key, different body, published under a different message id (after the window).
    async def republish() -> None:
        nc = await nats.connect(nats_url)
        await nc.jetstream().publish(
            f"{topo.prefix}.content.comment", line("x", "changed"), headers={"Nats-Msg-Id": "other"}
        )
        await nc.drain()

    asyncio.run(republish())
    stats = asyncio.run(Worker(Pipeline(sqlite_store), nats_url, topo).run(idle_exit=1))
    assert stats.rejected == 1 and decision_count(sqlite_store) == 1


class EmptyFetches(Worker):
    """A worker whose fetches come back empty at once (as a pull can, with no message)."""

    async def _fetch(self, sub: object) -> list[Msg]:  # type: ignore[override]
        self.fetches = getattr(self, "fetches", 0) + 1
        await asyncio.sleep(0.01)
        return []


def test_idle_exit_counts_time_not_fetches(
    sqlite_store: Store, nats_url: str, topo: Topology
) -> None:
    """An empty fetch is not activity: the worker leaves once idle_exit seconds have passed."""
    w = EmptyFetches(Pipeline(sqlite_store), nats_url, topo, fetch_timeout=5.0)
    # wait_for only keeps a regression from hanging the suite; nothing here is timed
    stats = asyncio.run(asyncio.wait_for(w.run(idle_exit=0.5), timeout=60))
    assert stats.moderated == 0 and w.fetches > 1


def test_start_up_retries_nats_with_backoff(
    sqlite_store: Store, nats_url: str, topo: Topology, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(publish_lines(nats_url, [line("r1", THREAT_UR)], topo))
    real = stream.connect
    attempts: list[str] = []

    async def flaky(url: str) -> nats.aio.client.Client:
        attempts.append(url)
        if len(attempts) < 3:
            raise stream.StreamUnavailable(f"cannot connect to NATS at {url}: refused")
        return await real(url)

    monkeypatch.setattr(stream, "connect", flaky)
    monkeypatch.setattr(retry, "FIRST_DELAY_S", 0.01)
    w = Worker(Pipeline(sqlite_store), nats_url, topo)
    stats = asyncio.run(w.run(idle_exit=1, startup_s=60))
    assert len(attempts) == 3 and stats.moderated == 1
    monkeypatch.setattr(stream, "connect", lambda url: real("nats://127.0.0.1:1"))
    with pytest.raises(stream.StreamUnavailable):  # no start-up grace: the first error stands
        asyncio.run(Worker(Pipeline(sqlite_store), nats_url, topo).run(idle_exit=1))


def test_database_start_up_is_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "FIRST_DELAY_S", 0.01)
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, OSError("connection refused"))
        return "up"

    assert retry.retry(flaky, what="db", deadline_s=60) == "up" and len(calls) == 3
    down = CliRunner().invoke(
        build_app(),
        [
            "worker",
            "--db",
            "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "--startup-timeout",
            "0.2",
        ],
    )
    assert down.exit_code == 2 and "database is not available" in down.output
