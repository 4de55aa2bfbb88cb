"""Enforcement is a function of the inputs: any batching, order or redelivery of one stream ends
in the same restrictions and the same visibility (issue #16, failure 9)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from nigran.detect import default_detectors
from nigran.model import Content
from nigran.policy import default_policy
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import enforcement, restrictions
from tests.factories import BENIGN_EN, BENIGN_UR, SEXUAL_RU, THREAT_RU, THREAT_UR, item

# Versions that flip between violating and benign, so the order in which they arrive matters
# unless a version never overrides a newer one.
STREAM: list[Content] = [
    item("a", THREAT_UR, version=1),
    item("a", BENIGN_UR, version=2),
    item("a", THREAT_UR, version=3),
    item("b", SEXUAL_RU, version=1),
    item("b", BENIGN_EN, version=2),
    item("c", BENIGN_EN, version=1),
    item("c", THREAT_RU, version=2),
    item("d", THREAT_RU, version=1),
    item("e", SEXUAL_RU, version=2),
    item("e", THREAT_UR, version=1),
]
DETECTORS = default_detectors()
POLICY = default_policy()

State = tuple[frozenset[tuple[object, ...]], frozenset[tuple[object, ...]]]


def final_state(order: list[int], cuts: list[int]) -> State:
    """Moderate STREAM in ``order`` (indices; repeats are redeliveries), cut into batches."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'n.sqlite3'}")
        try:
            pipe = Pipeline(store, DETECTORS, POLICY)
            items = [STREAM[i] for i in order]
            start = 0
            for size in [*cuts, len(items)]:
                if start >= len(items):
                    break
                batch = items[start : start + max(1, size)]
                result = pipe.run(batch)
                assert not result.errors
                start += len(batch)
            with store.read() as conn:
                held = frozenset(
                    (
                        r.content_id,
                        r.action,
                        tuple(r.countries or ()),
                        r.ground_kind,
                        r.ground_code,
                        r.source,
                        r.min_age,
                    )
                    for r in conn.execute(
                        select(restrictions).where(restrictions.c.lifted_at.is_(None))
                    )
                )
                rows = frozenset(
                    (r.content_id, r.country, r.visibility, r.ground, r.min_age)
                    for r in conn.execute(select(enforcement))
                )
            return held, rows
        finally:
            store.dispose()


REFERENCE = final_state(list(range(len(STREAM))), [len(STREAM)])


def test_the_reference_state_is_the_newest_versions() -> None:
    held, rows = REFERENCE
    by_item = {h[0] for h in held}
    # a@3 and c@2 and d@1 are threats, b@2 is benign, e@2 is sexual: its newest version counts.
    assert by_item == {"a", "c", "d", "e"}
    assert ("b", "PK", "withheld", "law:PK.DECENCY", None) not in rows
    assert any(r[0] == "e" and r[2] == "age_restricted" for r in rows)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    order=st.permutations(list(range(len(STREAM)))),
    redelivered=st.lists(st.integers(0, len(STREAM) - 1), max_size=4),
    cuts=st.lists(st.integers(1, 5), max_size=8),
)
def test_any_batching_order_or_redelivery_gives_one_state(
    order: list[int], redelivered: list[int], cuts: list[int]
) -> None:
    # A redelivered message arrives again later in the stream, after whatever came meanwhile.
    assert final_state([*order, *redelivered], cuts) == REFERENCE
