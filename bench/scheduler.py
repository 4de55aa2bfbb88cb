"""Soak the scheduler: N due jobs across 3 processes, one killed with SIGKILL and restarted midway.

    python bench/scheduler.py [--db URL] [--jobs 10000] [--spread 20] [--lease 5]

The jobs fall due evenly over ``--spread`` seconds from the start. Each job's effect appends a
ledger entry (subject: the job's ref), in the job's transaction, so an effect applied twice shows
as two entries. Prints jobs run, duplicates (must be 0), missing (must be 0), throughput and
lateness (effect run - due) p50/p99. Default database: a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import Connection, func, select

KIND = "bench.effect"


def _effect(conn: Connection, ref: str, now: datetime) -> None:
    from nigran import ledger

    ledger.append(conn, KIND, ref, {"at": now.isoformat()})


def child(url: str, name: str, lease_s: float, ready_dir: str) -> None:
    """One scheduler process: run due jobs until none is left pending."""
    from nigran import schedule
    from nigran.store import Store
    from nigran.store.tables import jobs as job_rows

    schedule.register(KIND, _effect)
    store = Store.open(url, upgrade=False)
    lease = timedelta(seconds=lease_s)
    Path(f"{ready_dir}/{name}").touch()  # started: the parent may put jobs in now
    while True:
        tick = schedule.run_due(store, worker=name, limit=50, lease=lease)
        if tick.ran or tick.lost:
            continue
        with store.read() as conn:
            total, left = conn.execute(
                select(func.count(), func.count().filter(job_rows.c.done_at.is_(None))).where(
                    job_rows.c.kind == KIND
                )
            ).one()
        if total and not left:
            return
        time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db")
    ap.add_argument("--jobs", type=int, default=10_000)
    ap.add_argument("--spread", type=float, default=20.0, help="seconds over which jobs fall due")
    ap.add_argument("--lease", type=float, default=5.0, help="claim lease, seconds")
    ap.add_argument("--child", nargs=3, metavar=("URL", "NAME", "READY"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1], a.lease, a.child[2])
        return

    from nigran import jobs
    from nigran.model import utcnow
    from nigran.store import Store
    from nigran.store.tables import jobs as job_rows
    from nigran.store.tables import ledger as ledger_rows

    url = a.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'soak.sqlite3'}"
    ready = tempfile.mkdtemp()
    store = Store.open(url)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}

    def spawn(name: str) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, __file__, "--lease", str(a.lease), "--child", url, name, ready]
        return subprocess.Popen(cmd, env=env)

    # The schedulers start first (imports take seconds on a busy machine), so lateness measures
    # the scheduler, not Python's start-up; the jobs fall due from a second after all are up.
    procs = {f"p{i}": spawn(f"p{i}") for i in range(3)}
    while len(os.listdir(ready)) < 3:
        time.sleep(0.05)
    start = utcnow() + timedelta(seconds=1)
    with store.transaction() as conn:
        step = a.spread / max(1, a.jobs - 1)
        for lo in range(0, a.jobs, 1000):
            jobs.add(
                conn,
                [
                    jobs.due(KIND, f"soak:{i}", start + timedelta(seconds=i * step), now=utcnow())
                    for i in range(lo, min(a.jobs, lo + 1000))
                ],
            )
    t0 = time.perf_counter()

    def done() -> int:
        with store.read() as conn:
            n = conn.execute(
                select(func.count()).where(job_rows.c.done_at.is_not(None), job_rows.c.kind == KIND)
            ).scalar()
        return int(n or 0)

    while done() < a.jobs // 3:
        time.sleep(0.1)
    victim = procs["p0"]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = done()
    procs["p0"] = spawn("p0-restarted")
    for p in procs.values():
        p.wait()
    elapsed = time.perf_counter() - t0

    with store.read() as conn:
        per_ref = conn.execute(
            select(ledger_rows.c.subject, func.count())
            .where(ledger_rows.c.kind == KIND)
            .group_by(ledger_rows.c.subject)
        ).all()
        rows = conn.execute(
            select(job_rows.c.ref, job_rows.c.due_at, job_rows.c.done_at, job_rows.c.done_by).where(
                job_rows.c.kind == KIND
            )
        ).all()
        ran_at = {
            subject: datetime.fromisoformat(orjson.loads(payload)["at"])
            for subject, payload in conn.execute(
                select(ledger_rows.c.subject, ledger_rows.c.payload).where(
                    ledger_rows.c.kind == KIND
                )
            )
        }
    duplicates = sum(n - 1 for _, n in per_ref if n > 1)
    missing = a.jobs - len(per_ref)
    # Lateness: when the effect ran (its entry's time) minus when the job was due. (The done
    # mark's time is when its batch began: the batch marks its jobs done in one statement.)
    late: list[float] = sorted(
        (ran_at[r.ref] - r.due_at.replace(tzinfo=ran_at[r.ref].tzinfo)).total_seconds()
        for r in rows
        if r.ref in ran_at
    )
    by: dict[str, int] = {}
    for r in rows:
        by[r.done_by] = by.get(r.done_by, 0) + 1

    def pct(p: float) -> float:
        return late[min(len(late) - 1, round(p * (len(late) - 1)))]

    print(
        f"database: {store.dialect} · jobs: {a.jobs} due over {a.spread:.0f} s · lease {a.lease} s"
    )
    print(f"p0 killed (SIGKILL) with {killed_at} jobs done, restarted as p0-restarted")
    print(f"jobs run: {len(late)} · by process: {dict(sorted(by.items()))}")
    print(f"duplicates: {duplicates} · missing: {missing}")
    print(f"lateness: p50 {pct(0.5):.3f} s · p99 {pct(0.99):.3f} s · max {late[-1]:.3f} s")
    print(f"wall: {elapsed:.1f} s · {len(late) / elapsed:.0f} jobs/s")
    store.dispose()
    if duplicates or missing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
