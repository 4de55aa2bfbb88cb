"""A month of authority orders and user reports against N legal reviewers, on a simulated clock:
earliest deadline first (how Nigran's legal queue sorts) beside first come, first served, on the
same arrivals, and the month replayed through the real workflow (``--db`` keeps it, for
``nigran report``).

    python bench/orders.py [--scale 10] [--reports 4000] [--reviewers 1,2,3,4,6] [--seed 7]

This is one draw of one month: it compares the two disciplines, it does not size a team. For
staffing, with 95% intervals over many simulated months and the IN mix beside PK's, run
``nigran plan staff --mix PK --mix IN --scale 10`` (docs/reports.md).

Volume: TikTok received 303 Pakistani government requests in six months of 2023 (H2; anchors.md
§7.2), about 50 a month; ``--scale 10`` sends ten times that. Items per order are lognormal with
median 10 and mean about 48 (14,518 items were actioned on those 303 requests), capped at 500;
a reviewer spends a lognormal ~12 minutes on the order plus 1-2 minutes per item, and an order
of more than ``CHUNK`` items is split into chunks that several reviewers work in parallel (it is
done when its last chunk is). The mix: 85% standard PTA directions (48 h), 10% emergency
directions (12 h), 5% live-stream intimations ("immediately"; the pack's 15 minute SLO).
Orders arrive mostly in Pakistani office hours; user reports that claim illegality
(``--reports`` a month, 7-working-day clock of PK.USER_GRIEVANCE) arrive around the clock and
share the same legal reviewers.

Deadlines come from the PK pack (``order_deadline``, the term in force at receipt). Reviewers are
*on duty at all times* (a 24/7 rota needs about 4.2 people per seat at 40 h a week). Each free
reviewer takes the open item with the earliest deadline (EDF, how Nigran's legal queue sorts
cases); the baseline, run side by side on the same arrivals, takes items first come, first
served (FIFO). For the smallest N that meets every order deadline, the month is replayed through
the real workflow (``nigran.legal.orders.receive``/``decide`` on a SQLite store, every item the
order names stored and withheld) and the figures are read back from the store.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 1, tzinfo=UTC)
PKT = timedelta(hours=5)
MONTH = timedelta(days=30)
PK_PER_MONTH = 303 / 6


CHUNK = 25


@dataclass
class Job:
    id: int
    kind: str  # standard / emergency / live_stream / report
    arrival: datetime
    deadline: datetime
    work: timedelta
    ground: str = "PK.DECENCY"
    order: int = -1
    """Chunks of one order share this number (-1 for reports)."""
    items: int = 1
    """Items the whole order names (every chunk of it carries the same number)."""


def _arrival_times(rnd: random.Random, n: int, office: float) -> list[datetime]:
    out = []
    for _ in range(n):
        day = rnd.randrange(30)
        # office share of arrivals fall in 09:00-17:00 Pakistan time
        hour = 9 + rnd.random() * 8 if rnd.random() < office else rnd.random() * 24
        out.append(START + timedelta(days=day, hours=hour) - PKT)
    return sorted(out)


def workload(scale: float, reports: int, seed: int) -> list[Job]:
    from nigran.policy.deadlines import order_deadline
    from nigran.policy.packs import default_packs

    pk = default_packs().pack("PK")
    rnd = random.Random(seed)
    n_orders = round(PK_PER_MONTH * scale)
    jobs: list[Job] = []
    types = {
        "standard": "PK.PTA_DIRECTION",
        "emergency": "PK.PTA_EMERGENCY",
        "live_stream": "PK.PTA_LIVE_STREAM",
        "report": "PK.USER_GRIEVANCE",
    }
    for t in _arrival_times(rnd, n_orders, 0.8):
        r = rnd.random()
        kind = "standard" if r < 0.85 else "emergency" if r < 0.95 else "live_stream"
        items = min(500, max(1, round(rnd.lognormvariate(math.log(10), 1.77))))
        d = order_deadline(pk, types[kind], t)
        due = d.due_at if d.standard == "fixed" else d.slo_at
        assert due is not None
        ground = "PK.LIVE_PROHIBITED" if kind == "live_stream" else "PK.DECENCY"
        n = len({j.order for j in jobs})
        if kind == "live_stream":  # one stream, judged on sight
            jobs.append(Job(0, kind, t, due, timedelta(minutes=rnd.uniform(3, 8)), ground, n, 1))
            continue
        # Read the order and check the ground (lognormal, median 12 min), then each item.
        base = rnd.lognormvariate(math.log(12), 0.5)
        for first in range(0, items, CHUNK):
            per_item = sum(rnd.uniform(1.0, 2.0) for _ in range(min(CHUNK, items - first)))
            minutes = per_item + (base if first == 0 else 3.0)
            jobs.append(Job(0, kind, t, due, timedelta(minutes=minutes), ground, n, items))
    for t in _arrival_times(rnd, reports, 0.3):
        d = order_deadline(pk, types["report"], t)
        assert d.due_at is not None
        jobs.append(
            Job(
                len(jobs),
                "report",
                t,
                d.due_at,
                timedelta(minutes=rnd.lognormvariate(math.log(5), 0.6)),
            )
        )
    jobs.sort(key=lambda j: (j.arrival, j.id))
    for n, j in enumerate(jobs):
        j.id = n  # ids index the arrival-ordered list
    return jobs


def simulate(jobs: list[Job], reviewers: int, policy: str) -> dict[int, datetime]:
    """Finish time of each job with ``reviewers`` on duty; ``policy`` is 'edf' or 'fifo'."""
    free = [START - PKT] * reviewers
    heapq.heapify(free)
    waiting: list[tuple[object, int]] = []
    done: dict[int, datetime] = {}
    i = 0
    clock = START - PKT
    while i < len(jobs) or waiting:
        # An idle reviewer's free time can be in the past: the clock never goes back.
        t = max(heapq.heappop(free), clock)
        if not waiting and i < len(jobs) and jobs[i].arrival > t:
            t = jobs[i].arrival
        while i < len(jobs) and jobs[i].arrival <= t:
            j = jobs[i]
            key = (j.deadline, j.id) if policy == "edf" else (j.arrival, j.id)
            heapq.heappush(waiting, (key, j.id))
            i += 1
        clock = t
        _, jid = heapq.heappop(waiting)
        j = jobs[jid]
        finish = t + j.work
        done[jid] = finish
        heapq.heappush(free, finish)
    return done


def order_done(jobs: list[Job], done: dict[int, datetime]) -> dict[int, tuple[Job, datetime]]:
    """Per order: its first chunk and the time its last chunk finished."""
    out: dict[int, tuple[Job, datetime]] = {}
    for j in jobs:
        if j.order < 0:
            continue
        prev = out.get(j.order)
        out[j.order] = (j, done[j.id]) if prev is None else (prev[0], max(prev[1], done[j.id]))
    return out


def order_started(jobs: list[Job], done: dict[int, datetime]) -> dict[int, datetime]:
    """When a reviewer first started on each order (its earliest chunk's start)."""
    out: dict[int, datetime] = {}
    for j in jobs:
        if j.order >= 0 and j.id in done:
            s = done[j.id] - j.work
            out[j.order] = min(out.get(j.order, s), s)
    return out


def figures(jobs: list[Job], done: dict[int, datetime]) -> dict[str, float]:
    per_order = order_done(jobs, done).values()
    reports = [j for j in jobs if j.kind == "report"]
    hours = sorted((fin - j.arrival).total_seconds() / 3600 for j, fin in per_order)

    def pct(p: float) -> float:
        return hours[min(len(hours) - 1, round(p * (len(hours) - 1)))]

    return {
        "orders": len(per_order),
        "in_time": sum(fin <= j.deadline for j, fin in per_order) / len(per_order),
        "p50_h": pct(0.5),
        "p90_h": pct(0.9),
        "reports_in_time": (sum(done[j.id] <= j.deadline for j in reports) / len(reports))
        if reports
        else 1.0,
        "emergency_in_time": _share(jobs, done, "emergency"),
        "live_in_time": _share(jobs, done, "live_stream"),
    }


def _share(jobs: list[Job], done: dict[int, datetime], kind: str) -> float:
    js = [(j, fin) for j, fin in order_done(jobs, done).values() if j.kind == kind]
    return sum(fin <= j.deadline for j, fin in js) / len(js) if js else 1.0


def replay(jobs: list[Job], done: dict[int, datetime], db: Path | None = None) -> dict[str, object]:
    """The month through the real workflow; figures read back from the store. Legal staff
    acknowledge each order when a reviewer starts on it. With ``db`` the store is kept there
    (``nigran report --db sqlite:///PATH`` reads it)."""
    from nigran.legal import authorities, orders
    from nigran.model import Content
    from nigran.runtime.pipeline import Pipeline
    from nigran.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{db or Path(tmp) / 'orders.sqlite3'}")
        finished = order_done(jobs, done)
        order_jobs = [j for j, _ in finished.values()]
        # Every item every order names is stored first (10x volume: about 24,000 items).
        Pipeline(store, detectors=[]).run(
            [
                Content(
                    id=f"o{j.order}-{k}",
                    kind="video",
                    author=f"a{(j.order * 31 + k) % 97}",
                    texts={"caption": "clip"},
                    upload_country="PK",
                )
                for j in order_jobs
                for k in range(j.items)
            ],
            now=START - PKT,
        )
        with store.transaction() as conn:
            authorities.add_authority(
                conn, "PTA", "Pakistan Telecommunication Authority", "PK", "PTA"
            )
        started = order_started(jobs, done)
        events = sorted(
            [(j.arrival, 0, j) for j in order_jobs]
            + [(max(j.arrival, started[j.order]), 1, j) for j in order_jobs]
            + [(fin, 2, j) for j, fin in finished.values()],
            key=lambda e: (e[0], e[1], e[2].id),
        )
        ids: dict[int, str] = {}
        for at, what, j in events:
            with store.transaction() as conn:
                if what == 0:
                    v = orders.receive(
                        conn,
                        "PTA",
                        orders.OrderIn(
                            order_type=j.kind,
                            legal_ground=j.ground,
                            items=[f"o{j.order}-{k}" for k in range(j.items)],
                            reasons="simulated",
                        ),
                        now=at,
                    )
                    ids[j.id] = v.id
                elif what == 1:
                    orders.acknowledge(conn, ids[j.id], by=f"legal-{j.id % 5}", now=at)
                else:
                    orders.decide(
                        conn, ids[j.id], reviewer=f"legal-{j.id % 5}", outcome="withhold", now=at
                    )
        with store.read() as conn:
            stats = orders.deadline_stats(
                orders.list_orders(conn, with_events=False, limit=1_000_000)
            )
        store.dispose()
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--reports", type=int, default=4000)
    ap.add_argument("--reviewers", default="1,2,3,4,6,8")
    ap.add_argument("--max-reviewers", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-replay", action="store_true")
    ap.add_argument("--db", type=Path, help="keep the replayed month in this SQLite file")
    a = ap.parse_args(argv)
    jobs = workload(a.scale, a.reports, a.seed)
    n_orders = len({j.order for j in jobs if j.order >= 0})
    work_h = sum(j.work.total_seconds() for j in jobs) / 3600
    print(
        f"month of {n_orders} orders ({a.scale:g}x Pakistan's 2023 rate) + "
        f"{sum(j.kind == 'report' for j in jobs)} user reports; "
        f"{work_h:.0f} reviewer-hours of work "
        f"(= {work_h / (30 * 24):.2f} reviewers busy around the clock)"
    )
    print(
        f"{'on duty':>7}  {'policy':<6} {'orders in time':>14} {'emergency':>9} "
        f"{'live':>6} {'p50 h':>7} {'p90 h':>7} {'reports in time':>15}"
    )
    for n in [int(x) for x in a.reviewers.split(",")]:
        for policy in ("edf", "fifo"):
            f = figures(jobs, simulate(jobs, n, policy))
            print(
                f"{n:>7}  {policy:<6} {f['in_time']:>14.1%} {f['emergency_in_time']:>9.1%} "
                f"{f['live_in_time']:>6.1%} {f['p50_h']:>7.2f} {f['p90_h']:>7.2f} "
                f"{f['reports_in_time']:>15.1%}"
            )
    need: dict[str, int] = {}
    stable: dict[str, int] = {}
    for policy in ("edf", "fifo"):
        ok = [
            figures(jobs, simulate(jobs, n, policy))["in_time"] == 1.0
            for n in range(1, a.max_reviewers + 1)
        ]
        if True in ok:
            need[policy] = ok.index(True) + 1
        # Reviewers never drop a chunk for a newer item, so more reviewers can do worse (all
        # busy on long chunks when a live stream comes in): also report the N from which
        # every larger N up to --max-reviewers meets every deadline.
        for n in range(len(ok), 0, -1):
            if not ok[n - 1]:
                break
            stable[policy] = n
    print(
        f"on seed {a.seed}'s arrivals only (for staffing: nigran plan staff), reviewers on "
        "duty needed for 100% of orders in time: "
        + "; ".join(
            f"{p.upper()} {need.get(p, f'>{a.max_reviewers}')} (and every N from "
            f"{stable.get(p, f'>{a.max_reviewers}')} to {a.max_reviewers})"
            for p in ("edf", "fifo")
        )
    )
    if not a.no_replay and "edf" in need:
        t0 = time.perf_counter()
        stats = replay(jobs, simulate(jobs, need["edf"], "edf"), a.db)
        print(
            f"replayed through nigran.legal.orders with {need['edf']} on duty (EDF) in "
            f"{time.perf_counter() - t0:.1f}s; from the store: {stats['actioned']} actioned, "
            f"{stats['share_within_deadline']:.1%} within deadline, "
            f"p50 {stats['p50_hours']:.2f} h, p90 {stats['p90_hours']:.2f} h"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
