"""Distributed mode against a real NATS JetStream server and a real database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator

import nats
import pytest
from sqlalchemy import func, select

from nigran import ledger
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
