"""Fault run: items through 3 workers on PostgreSQL + NATS with repeated ``kill -9``s and killed
database connections; then the final state against a single-process run of the same items.

Publishes ``--items`` items (plus a tenth of them published again: JetStream's duplicate window
must drop those), starts ``--workers`` ``nigran worker`` processes, and until every item is
decided alternately ``kill -9``s a random worker (and starts a new one) and terminates every
database connection of the run's database (``pg_terminate_backend``). It prints:

- items, kills, killed connections, seconds;
- lost: published items with no decision (must be 0);
- duplicated: items with more than one decision (must be 0);
- whether the ledger verifies;
- differences between each item's decision (outcome, actions, review queue, categories,
  language) and the one a single ``Pipeline.run`` over the same items in one process gives
  (must be 0).

Bounded: it stops killing after ``--kills`` kills and ``--conn-kills`` connection kills, and gives
up after ``--budget-s`` seconds (then prints what it has, and exits 1). Everything runs on this
machine: the local PostgreSQL (``NIGRAN_BENCH_PG``) and NATS (``NIGRAN_BENCH_NATS``).

Usage: .venv/bin/python -m bench.faults [--items 2000] [--workers 3] [--kills 6]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from bench.pipeline import corpus
from nigran import ledger
from nigran.runtime.pipeline import Pipeline, load_outcome
from nigran.runtime.stream import Topology, publish_lines
from nigran.store import Store
from nigran.store.tables import content, decisions

PG = os.environ.get("NIGRAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
NATS = os.environ.get("NIGRAN_BENCH_NATS", "nats://127.0.0.1:4222")
WORKER = "from nigran.cli import main; main()"


def create_db(name: str) -> str:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG}/{name}"


def drop_db(name: str) -> None:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def kill_connections(name: str) -> int:
    """Terminate every session on database ``name``: what a failover or a proxy restart does."""
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    admin.dispose()
    return int(n)


class Workers:
    def __init__(self, url: str, prefix: str, data_dir: Path, batch: int) -> None:
        self.args = [
            sys.executable,
            "-c",
            WORKER,
            "worker",
            "--db",
            url,
            "--stream-url",
            NATS,
            "--prefix",
            prefix,
            "--batch-size",
            str(batch),
            "--ack-wait",
            "5",
            "--startup-timeout",
            "60",
        ]
        self.env = {**os.environ, "NIGRAN_DATA_DIR": str(data_dir), "NIGRAN_FREEZE_HEAP": "0"}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log = data_dir / "workers.log"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.procs.append(
                subprocess.Popen(self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT)
            )

    def kill_one(self, rng: random.Random) -> None:
        alive = [p for p in self.procs if p.poll() is None]
        if alive:
            rng.choice(alive).send_signal(signal.SIGKILL)

    def alive(self) -> int:
        return sum(p.poll() is None for p in self.procs)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def decided(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(select(func.count(func.distinct(decisions.c.content_id)))).scalar_one()
            )
    except Exception:
        return -1  # connections being killed: ask again next time
    finally:
        engine.dispose()


def comparable(outcome_summary: dict[str, Any]) -> dict[str, Any]:
    """A decision's summary without what differs between runs by construction."""
    return {
        k: v
        for k, v in outcome_summary.items()
        if k not in ("decision_id", "ledger", "duplicate", "policy_version")
    }


def final_state(store: Store) -> dict[str, dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(select(content.c.body)).scalars().all()
        from nigran.model import Content

        items = [Content.model_validate(b) for b in rows]
        return {c.key: comparable(load_outcome(conn, c).summary()) for c in items}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--kills", type=int, default=6)
    ap.add_argument("--conn-kills", type=int, default=4)
    ap.add_argument("--every-s", type=float, default=4.0, help="seconds between faults")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--budget-s", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tag = uuid.uuid4().hex[:8]
    dist_name, ref_name = f"faults_{tag}", f"faults_ref_{tag}"
    dist_url, ref_url = create_db(dist_name), create_db(ref_name)
    topo = Topology(f"faults{tag}")
    items = corpus(args.items)
    lines = [c.model_dump_json().encode() for c in items]
    lines += lines[: args.items // 10]
    work = Path(tempfile.mkdtemp(prefix="nigran-faults-"))
    Store.open(dist_url).dispose()  # schema in place before the workers race to create it
    workers = Workers(dist_url, topo.prefix, work, args.batch)
    kills = conn_kills = 0
    try:
        report = asyncio.run(publish_lines(NATS, lines, topo))
        print(
            f"published {report.published} items, {report.duplicates} re-published dropped",
            flush=True,
        )
        started = time.monotonic()
        for _ in range(args.workers):
            workers.start()
        next_fault = started + args.every_s
        while True:
            now = time.monotonic()
            done = decided(dist_url)
            if done >= args.items or now - started > args.budget_s:
                break
            if now >= next_fault and (kills < args.kills or conn_kills < args.conn_kills):
                if kills < args.kills and (conn_kills >= args.conn_kills or rng.random() < 0.5):
                    workers.kill_one(rng)
                    kills += 1
                    workers.start()
                else:
                    kill_connections(dist_name)
                    conn_kills += 1
                next_fault = now + args.every_s
            while workers.alive() < args.workers:
                workers.start()  # one exited on its own (e.g. gave up at start-up)
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        workers.stop()

        dist = Store.open(dist_url)
        with dist.read() as conn:
            per_key = conn.execute(
                select(decisions.c.content_id, decisions.c.version, func.count())
                .group_by(decisions.c.content_id, decisions.c.version)
                .having(func.count() > 1)
            ).all()
            chain = ledger.verify(conn)
        got = final_state(dist)
        lost = sum(1 for c in items if c.key not in got)

        ref = Store.open(ref_url)
        pipe = Pipeline(ref)
        for i in range(0, len(items), args.batch):
            pipe.run(items[i : i + args.batch])
        want = final_state(ref)
        differ = sorted(k for k in want if k in got and got[k] != want[k])
        print(
            f"items {args.items} · workers {args.workers} · kill -9 {kills} · "
            f"connection kills {conn_kills} · {elapsed:.1f} s",
            flush=True,
        )
        print(f"lost {lost} · duplicated decisions {len(per_key)} · ledger ok {chain.ok}")
        print(f"final state differs from a single-process run for {len(differ)} items")
        for key in differ[:5]:
            print(f"  {key}: workers {got[key]} / single {want[key]}")
        dist.dispose()
        ref.dispose()
        return 0 if lost == 0 and not per_key and chain.ok and not differ else 1
    finally:
        workers.stop()
        drop_db(dist_name)
        drop_db(ref_name)
        asyncio.run(drop_stream(topo))


async def drop_stream(topo: Topology) -> None:
    import nats.js.errors

    nc = await nats.connect(NATS)
    # NotFound when the run stopped before publishing: nothing to delete then
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await nc.jetstream().delete_stream(topo.stream)
    await nc.drain()


if __name__ == "__main__":
    raise SystemExit(main())
