"""Visibility checks per second: the in-memory index against the store-row resolver.

    python -m bench.enforce [--items 200000] [--restricted 0.1] [--checks 2000000]

Both run in this process over the same items and the same query stream: ``VisibilityIndex.visible``
(nigran/policy/visibility.py) and, as the baseline, ``nigran.enforce.resolve`` over the per-country
rows the store keeps (what a serving path would call with the rows cached in a dict). Queries mix
countries, viewer ages (some unknown) and item ids, ~10% of which carry restrictions (PK
withholds, global age gates, DE withholds with expiries). Prints checks/s for each and checks that
both give the same answers.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from nigran import enforce
from nigran.model import Visibility
from nigran.policy.visibility import VisibilityIndex

COUNTRIES = ["PK", "IN", "DE", "FR", "US", "GB", "AE", "SA", "BD", "TR"]


def build(
    items: int, restricted: float, seed: int
) -> tuple[VisibilityIndex, dict[str, dict[str, enforce.CountryState]]]:
    rnd = random.Random(seed)
    ix = VisibilityIndex()
    rows: dict[str, dict[str, enforce.CountryState]] = {}
    later = datetime.now(UTC) + timedelta(days=30)
    for n in range(items):
        if rnd.random() >= restricted:
            continue
        cid = f"c{n}"
        kind = rnd.random()
        if kind < 0.5:
            ix.apply(cid, f"{cid}/w", Visibility.WITHHELD, ["PK"], ground="law:PK.DECENCY")
            rows[cid] = {"PK": enforce.CountryState(Visibility.WITHHELD, "law:PK.DECENCY")}
        elif kind < 0.8:
            ix.apply(cid, f"{cid}/a", Visibility.AGE_RESTRICTED, None, min_age=18)
            rows[cid] = {"*": enforce.CountryState(Visibility.AGE_RESTRICTED, "policy:sexual", 18)}
        elif kind < 0.95:
            ix.apply(cid, f"{cid}/d", Visibility.WITHHELD, ["DE"], expires_at=later)
            rows[cid] = {
                "DE": enforce.CountryState(Visibility.WITHHELD, "law:DE.STGB_130", None, later)
            }
        else:
            ix.apply(cid, f"{cid}/r", Visibility.REMOVED, None)
            rows[cid] = {"*": enforce.CountryState(Visibility.REMOVED, "policy:threat")}
    return ix, rows


def queries(items: int, n: int, seed: int) -> list[tuple[str, str, int | None]]:
    rnd = random.Random(seed + 1)
    ages = [None, 13, 16, 18, 25, 40]
    return [(f"c{rnd.randrange(items)}", rnd.choice(COUNTRIES), rnd.choice(ages)) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--restricted", type=float, default=0.1)
    ap.add_argument("--checks", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    ix, rows = build(args.items, args.restricted, args.seed)
    qs = queries(args.items, args.checks, args.seed)
    print(f"items {args.items:,}, restricted {len(ix):,}, checks {len(qs):,}")

    visible = ix.visible
    t0 = time.perf_counter()
    got = [visible(c, k, a) for c, k, a in qs]
    t_index = time.perf_counter() - t0

    resolve = enforce.resolve
    empty: dict[str, enforce.CountryState] = {}
    now = datetime.now(UTC)
    base_n = min(len(qs), 300_000)  # the baseline is slow; time a slice of the same stream
    t0 = time.perf_counter()
    want = [resolve(rows.get(c, empty), k, a, now).visible for c, k, a in qs[:base_n]]
    t_base = time.perf_counter() - t0

    mismatches = sum(1 for g, w in zip(got, want, strict=False) if g != w)
    print(f"{'VisibilityIndex.visible':<32} {len(qs) / t_index:>14,.0f} checks/s")
    print(
        f"{'baseline enforce.resolve(rows)':<32} {base_n / t_base:>14,.0f} checks/s"
        f"  (first {base_n:,})"
    )
    print(f"answers differ on {mismatches} of {base_n:,} compared checks")
    print(f"invisible: {got.count(False):,} of {len(got):,}")


if __name__ == "__main__":
    main()
