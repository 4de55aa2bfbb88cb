"""Review claims under load: many reviewers claiming and deciding at once.

Prints, side by side in one process, for the same seeded queues and the same reviewer threads:
- PostgreSQL (``NIGRAN_BENCH_PG``, default the local server), ``FOR UPDATE SKIP LOCKED`` claims,
  *paced*: each reviewer reads a case for a random time (``--think-ms`` mean, exponential) before
  deciding, as people do — the claim latency 200 reviewers at work see;
- PostgreSQL *saturated*: no reading time, every reviewer claims again the moment it decided —
  the throughput ceiling of claim + decide on this machine (decisions serialise on the ledger
  head, so claims there wait for pooled connections);
- SQLite (embedded), paced: the same claims serialised by ``BEGIN IMMEDIATE`` — the baseline.

For each: claims/s, claim latency p50/p95/p99/max as the reviewer sees it (including waiting for
a pooled connection) and inside the database (from connection checkout to commit), decision
latency, and the exclusivity check run on
the database afterwards (every case claimed exactly once, decided exactly once, by one
reviewer). Each reviewer is a thread that claims the next case of its queue, decides it (through
enforcement and the ledger), and repeats until its queue is empty. The reviewers share one
connection pool (``--pool``), as they would behind an API server.

Usage: .venv/bin/python -m bench.review [--reviewers 200] [--cases 4000] [--pool 64]
       [--think-ms 2000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event, func, insert, select, text

from nigran.model import Content, ReviewRouting, utcnow
from nigran.review import cases
from nigran.review.decide import Verdict, decide
from nigran.store import Store
from nigran.store.tables import cases as cases_t
from nigran.store.tables import content
from nigran.store.tables_review import outcomes

PG = os.environ.get("NIGRAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
MIX = [("ur", "hate"), ("ur", "sexual"), ("ur-Latn", "hate"), ("en", "threat")]


def seed(store: Store, n: int) -> list[str]:
    """``n`` stored items with one open case each, spread over four queues (bulk inserts)."""
    now = utcnow()
    content_rows, case_rows = [], []
    for i in range(n):
        lang, cat = MIX[i % len(MIX)]
        item = Content.model_validate(
            {
                "id": f"rb-{i}",
                "kind": "comment",
                "author": f"a{i % 97}",
                "texts": {"body": f"bench item {i}"},
                "upload_country": "PK",
                "reach": {"views": i * 7 % 5000, "views_per_hour": i % 50},
            }
        )
        content_rows.append(
            {
                "content_id": item.id,
                "version": 1,
                "kind": "comment",
                "author": item.author,
                "upload_country": "PK",
                "language": lang,
                "fingerprint": item.fingerprint(),
                "body": item.model_dump(mode="json", exclude_none=True),
                "received_at": now,
            }
        )
        routing = ReviewRouting(queue="", category=cat, severity=i % 5)
        case_rows.append(
            {
                "id": uuid.uuid4().hex,
                "content_id": item.id,
                "version": 1,
                "category": cat,
                "language": lang,
                "severity": i % 5,
                "status": "open",
                "created_at": now,
                **cases.case_fields(item, lang, routing, now),
            }
        )
    with store.transaction() as conn:
        conn.execute(insert(content), content_rows)
        conn.execute(insert(cases_t), case_rows)
    return sorted({r["queue"] for r in case_rows})


_local = threading.local()


@dataclass
class Tally:
    claim_s: list[float] = field(default_factory=list)
    claim_db_s: list[float] = field(default_factory=list)
    """From getting a pooled connection to the commit: the claim itself, without pool queueing."""
    decide_s: list[float] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def work(
    store: Store, me: cases.Reviewer, start: threading.Barrier, out: Tally, think_ms: float
) -> None:
    rng = random.Random(me.id)
    start.wait()
    if think_ms:
        # Reviewers do not arrive in lock step: stagger the first claims over one think time.
        time.sleep(rng.uniform(0, think_ms / 1000))
    n = 0
    while True:
        t0 = time.perf_counter()
        try:
            got = cases.claim_next(store, me)
        except Exception as exc:  # a bench must report, not die, on a failed claim
            out.errors.append(f"claim: {exc!r}"[:200])
            if len(out.errors) > 20:
                return
            continue
        t_end = time.perf_counter()
        out.claim_s.append(t_end - t0)
        out.claim_db_s.append(t_end - max(t0, getattr(_local, "checkout", t0)))
        if got is None:
            return
        if got.held:  # one claim at a time: the last decision did not go through
            out.errors.append(f"claim: still holding {got.case_id}")
            return
        out.held.append(got.case_id)
        if think_ms:
            time.sleep(rng.expovariate(1000 / think_ms))  # reading the case
        verdict = Verdict("remove", "policy:hate") if n % 3 == 0 else Verdict("none")
        t1 = time.perf_counter()
        try:
            decide(store, got.case_id, me.id, verdict)
        except Exception as exc:
            out.errors.append(f"decide: {exc!r}"[:200])
        out.decide_s.append(time.perf_counter() - t1)
        n += 1


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] * 1000


def process_main(
    url: str, pool: int, team: list[cases.Reviewer], barrier: Any, out: Any, think_ms: float
) -> None:
    """One client process: its own engine and pool, one thread per reviewer."""
    engine = create_engine(url, pool_size=max(1, pool), max_overflow=0, pool_timeout=300)
    if engine.dialect.name == "sqlite":
        from nigran.store import _configure_sqlite  # the store's BEGIN IMMEDIATE set-up

        _configure_sqlite(engine)
    store = Store(engine)

    def _checked_out(*_: Any) -> None:
        _local.checkout = time.perf_counter()

    event.listen(engine, "checkout", _checked_out)
    if store.dialect == "postgresql":
        event.listen(store.fast_engine(), "checkout", _checked_out)  # where claims run

    # Open the pool's connections before the clock starts.
    conns = [store.engine.connect() for _ in range(min(pool, len(team)))]
    for c in conns:
        c.close()
    tallies = [Tally() for _ in team]
    start = threading.Barrier(len(team) + 1)
    threads = [
        threading.Thread(target=work, args=(store, me, start, t, think_ms))
        for me, t in zip(team, tallies, strict=True)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    start.wait()
    for t in threads:
        t.join()
    out.put(
        (
            [x for t in tallies for x in t.claim_s],
            [x for t in tallies for x in t.decide_s],
            [x for t in tallies for x in t.held],
            [x for t in tallies for x in t.errors],
            [x for t in tallies for x in t.claim_db_s],
        )
    )
    store.dispose()


def run(
    store: Store, url: str, n_cases: int, n_reviewers: int, procs: int, pool: int, think_ms: float
) -> dict[str, str]:
    queues = seed(store, n_cases)
    with store.transaction() as conn:
        # A live database has planner statistics; a freshly bulk-loaded one has none yet.
        conn.exec_driver_sql("ANALYZE")
    store.dispose()
    team = [
        cases.Reviewer(f"r{i}", frozenset({"reviewer"}), frozenset({queues[i % len(queues)]}))
        for i in range(n_reviewers)
    ]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs + 1)
    out = ctx.Queue()
    workers = [
        ctx.Process(
            target=process_main,
            args=(url, pool // procs, team[i::procs], barrier, out, think_ms),
        )
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    barrier.wait()
    t0 = time.perf_counter()
    parts = [out.get() for _ in workers]
    elapsed = time.perf_counter() - t0
    for w in workers:
        w.join()
    claims = [x for p in parts for x in p[0]]
    decides = [x for p in parts for x in p[1]]
    held = [x for p in parts for x in p[2]]
    errors = [x for p in parts for x in p[3]]
    claims_db = [x for p in parts for x in p[4]]
    with store.read() as conn:
        twice = conn.execute(
            select(func.count()).select_from(
                select(outcomes.c.case_id)
                .group_by(outcomes.c.case_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        reclaimed = conn.execute(
            select(func.count()).select_from(cases_t).where(cases_t.c.claim_seq > 1)
        ).scalar_one()
        unserved = conn.execute(
            select(func.count()).select_from(cases_t).where(cases_t.c.status != "decided")
        ).scalar_one()
    exclusive = len(held) == len(set(held)) and twice == 0 and reclaimed == 0 and not errors
    return {
        "cases claimed + decided": f"{len(held):,}",
        "wall time (s)": f"{elapsed:.1f}",
        "claims/s": f"{len(held) / elapsed:,.0f}",
        "claim p50 (ms)": f"{pct(claims, 50):.1f}",
        "claim p95 (ms)": f"{pct(claims, 95):.1f}",
        "claim p99 (ms)": f"{pct(claims, 99):.1f}",
        "claim max (ms)": f"{pct(claims, 100):.1f}",
        "claim in DB p50 (ms)": f"{pct(claims_db, 50):.1f}",
        "claim in DB p99 (ms)": f"{pct(claims_db, 99):.1f}",
        "decide p99 (ms)": f"{pct(decides, 99):.1f}",
        "decide p50 (ms)": f"{statistics.median(decides) * 1000 if decides else float('nan'):.1f}",
        "errors": str(len(errors)) + (f" (first: {errors[0]})" if errors else ""),
        "cases left in queues": f"{unserved:,}",
        "no case claimed twice": "yes"
        if exclusive
        else f"NO (held {len(held)}, distinct {len(set(held))}, decided twice {twice}, "
        f"claimed again {reclaimed})",
    }


def pg_store(pool: int) -> tuple[Store, str] | None:
    name = f"nigran_bench_review_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL not reachable at {PG}: {exc}")
        return None
    engine = create_engine(f"{PG}/{name}", pool_size=pool, max_overflow=0, pool_timeout=120)
    store = Store(engine)
    store.upgrade()
    return store, name


def drop_pg(name: str) -> None:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument(
        "--pool", type=int, default=64, help="PostgreSQL connections shared by the reviewers"
    )
    parser.add_argument(
        "--procs",
        type=int,
        default=max(2, (os.cpu_count() or 2) * 2),
        help="client processes the reviewer threads are spread over (fewer GIL convoys)",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=2000.0,
        help="mean time a reviewer spends on a case before deciding, in the paced runs "
        "(exponential; real reviewers take 10-60 s, so 2 s is a deliberately heavy load)",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, str]] = {}

    scenarios = [("paced", args.think_ms), ("saturated", 0.0)]
    for label, think in scenarios:
        made = None if args.skip_pg else pg_store(args.pool)
        if made is None:
            break
        store, name = made
        try:
            results[f"PostgreSQL {label}"] = run(
                store, f"{PG}/{name}", args.cases, args.reviewers, args.procs, args.pool, think
            )
        finally:
            store.dispose()
            drop_pg(name)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            store = Store.open(url)
            results["SQLite paced (baseline)"] = run(
                store, url, args.cases, args.reviewers, args.procs, args.pool, args.think_ms
            )
            store.dispose()

    print(
        f"\n{args.reviewers} concurrent reviewers in {args.procs} client processes, "
        f"{args.cases:,} cases over {len(MIX)} queues ({os.cpu_count()} CPUs, shared with the "
        f"database server); paced: {args.think_ms:.0f} ms mean reading time per case, "
        "saturated: none (every reviewer claims again at once)"
    )
    labels = list(next(iter(results.values())).keys()) if results else []
    heads = list(results)
    width = max(len(h) for h in heads) if heads else 10
    print(f"{'':28}" + "".join(f"{h:>{width + 2}}" for h in heads))
    for label in labels:
        print(f"{label:28}" + "".join(f"{results[h][label]:>{width + 2}}" for h in heads))


if __name__ == "__main__":
    main()
