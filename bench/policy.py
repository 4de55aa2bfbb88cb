"""Rule-engine decisions per second over realistic signal sets, with the basic policy alongside.

    python -m bench.policy [--items 50000] [--seed 7]

Two mixes, both seeded: "typical" (most items carry no signal or weak ones, a few carry strong
ones, as a lexicon + classifier stack produces on a real feed) and "heavy" (every item carries
3-5 signals, many above action thresholds, plus an authority order on 2%). Both policies decide the
same items in this process on one core; printed: decisions/s and the share with any action.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from nigran.model import Content, Evidence, Reach, Signal, SignalSource
from nigran.policy import Policy, PolicyContext
from nigran.policy.basic import BasicPolicy
from nigran.policy.engine import load_engine

CATEGORIES = [
    "hate",
    "harassment",
    "threat",
    "violent_extremism",
    "sexual",
    "self_harm",
    "misinformation",
    "nudity",
    "religious_offence",
    "spam",
]
LANGS = ["ur", "ur-Latn", "en", "pa", "ps", "sd", None]
SOURCES = [SignalSource.LEXICON, SignalSource.CLASSIFIER]
ORDER_GROUNDS = [
    ("PK.DECENCY", "PK", "PK.PTA_DIRECTION"),
    ("IN.PUBORD", "IN", "IN.ORDER_3_1_D"),
    ("DE.STGB_130", "DE", "EU.ART9_ORDER"),
]


def _signal(rnd: random.Random, lo: float, hi: float) -> Signal:
    return Signal(
        source=rnd.choice(SOURCES),
        detector="bench",
        category=rnd.choice(CATEGORIES),
        score=rnd.uniform(lo, hi),
        language=rnd.choice(LANGS),
    )


def workload(n: int, mix: str, seed: int) -> list[tuple[Content, list[Signal], PolicyContext]]:
    rnd = random.Random(seed)
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    out = []
    for i in range(n):
        c = Content(
            id=f"c{i}",
            kind="video",
            author=f"u{i % 997}",
            texts={"caption": "x"},
            upload_country=rnd.choice(["PK", "IN", "DE", "US", "AE"]),
            reach=Reach(views_per_hour=rnd.choice([0.0, 50.0, 20_000.0])),
        )
        r = rnd.random()
        if mix == "typical":
            if r < 0.6:
                sigs: list[Signal] = []
            elif r < 0.85:
                sigs = [_signal(rnd, 0.0, 0.5) for _ in range(rnd.randint(1, 2))]
            elif r < 0.95:
                sigs = [_signal(rnd, 0.3, 0.85) for _ in range(rnd.randint(1, 3))]
            else:
                sigs = [_signal(rnd, 0.85, 1.0) for _ in range(rnd.randint(1, 3))]
        else:
            sigs = [_signal(rnd, 0.2, 1.0) for _ in range(rnd.randint(3, 5))]
            if r < 0.02:
                ground, country, otype = rnd.choice(ORDER_GROUNDS)
                sigs.append(
                    Signal(
                        source=SignalSource.AUTHORITY_ORDER,
                        detector="legal",
                        category=ground,
                        score=1.0,
                        evidence=Evidence(
                            details={
                                "country": country,
                                "order_type": otype,
                                "received_at": "2026-11-28T10:00:00+00:00",
                            }
                        ),
                    )
                )
        ctx = PolicyContext(
            now=now,
            author_strikes=rnd.choice([0, 0, 0, 1, 3]),
            audience_min_age=rnd.choice([None, 13, 18]),
        )
        out.append((c, sigs, ctx))
    return out


def run(
    policy: Policy, items: Sequence[tuple[Content, list[Signal], PolicyContext]]
) -> tuple[float, int]:
    decide = policy.decide
    t0 = time.perf_counter()
    acted = 0
    for c, s, x in items:
        if decide(c, s, x).actions:
            acted += 1
    return len(items) / (time.perf_counter() - t0), acted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    engine, basic = load_engine(), BasicPolicy.load_default()
    print(f"rule engine {engine.version} ({len(engine.rules)} rules); baseline {basic.version}")
    for mix in ("typical", "heavy"):
        items = workload(args.items, mix, args.seed)
        nsig = sum(len(s) for _, s, _ in items) / len(items)
        run(engine, items[:2000])  # warm caches
        e_rate, e_acted = run(engine, items)
        b_rate, b_acted = run(basic, items)
        print(f"{mix:<8} {len(items):,} items, {nsig:.2f} signals/item")
        for name, rate, acted in (
            ("RuleEngine", e_rate, e_acted),
            ("BasicPolicy", b_rate, b_acted),
        ):
            share = acted / len(items)
            print(f"  {name:<12} {rate:>10,.0f} decisions/s  ({share:.1%} with an action)")


if __name__ == "__main__":
    main()
