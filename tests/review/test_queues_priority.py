"""Queue configuration, routing, and the priority/SLA formula (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nigran.errors import ConfigError
from nigran.model import Reach
from nigran.review import priority as prio
from nigran.review import queues

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_routing_by_language_category_and_source() -> None:
    cfg = queues.load()
    assert cfg.route("ur", "sexual", "proactive").id == "ur-sexual"
    assert cfg.route("ur", "threat", "user_report").id == "ur-hate"
    assert cfg.route("ur-Latn", "hate").id == "ur-Latn-hate"
    assert cfg.route("ur", "self_harm").id == "ur"
    assert cfg.route("ur", "hate", "authority_order", "PK").id == "pk-authority"
    # Orders go to the legal team of their jurisdiction, whatever the item's language.
    assert cfg.route("ur", "hate", "authority_order", "IN").id == "in-authority"
    assert cfg.route(None, "hate", "authority_order", "DE").id == "de-authority"
    assert cfg.route("en", "hate", "authority_order", "EU").id == "eu-authority"
    assert cfg.route("ur", "hate", "appeal").id == "appeals"
    assert cfg.route("und-Latn", "hate").id == "general"
    assert cfg.route(None, "hate").id == "general"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"queues": [{"id": "a", "languages": ["ur"]}]}, "must match everything"),
        ({"queues": [{"id": "a"}, {"id": "a"}]}, "used twice"),
        ({"queues": [{"id": "a", "sources": ["rumour"]}, {"id": "b"}]}, "unknown sources"),
        ({"queues": [{"id": "a", "colour": "red"}, {"id": "b"}]}, "unknown keys"),
        ({"queues": [{"id": "a", "sla_hours": {0: 1}}, {"id": "b"}]}, "each severity"),
        ({"queue": []}, "needs a `queues:` list"),
        ({"queues": [{"id": "a", "review_share": 1.5}, {"id": "b"}]}, "review share"),
        ({"queues": [{"id": "a", "review_share": "5%"}, {"id": "b"}]}, "review share"),
    ],
)
def test_bad_queue_files_name_the_problem(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        queues.parse(data, "q.yaml")
    assert info.value.where is not None and info.value.where.startswith("q.yaml")


def test_review_share_is_read_per_queue_a_language_routes_to() -> None:
    cfg = queues.parse(
        {
            "queues": [
                {"id": "ur-Latn-hate", "languages": ["ur-Latn"], "categories": ["harassment"]},
                {"id": "ur-Latn", "languages": ["ur-Latn"], "review_share": 0.05},
                {"id": "en", "languages": ["en"], "review_share": 0.1},
                {"id": "general"},
            ]
        },
        "q.yaml",
    )
    # Harassment in Roman Urdu goes to a queue with no share set: no target for it.
    assert cfg.review_shares(["ur-Latn", "en", "ps"], "harassment") == {"en": 0.1}
    assert cfg.review_shares(["ur-Latn", "en"], "spam") == {"ur-Latn": 0.05, "en": 0.1}
    assert queues.load().get("general").review_share is None


def test_priority_formula() -> None:
    assert prio.priority(4, 1.0, "proactive") == 16.0
    assert prio.priority(2, 1.0, "authority_order") == 32.0
    assert prio.reach_factor(Reach(views=999, views_per_hour=99)) == pytest.approx(1 + 3 + 2 * 2)
    order = sorted(prio.SOURCE_WEIGHT, key=lambda s: prio.priority(1, 1.0, s))
    assert order == ["proactive", "user_report", "appeal", "trusted_flagger", "authority_order"]
    with pytest.raises(ValueError):
        prio.priority(5, 1.0, "proactive")


def test_schedule_internal_sla_risk_window_and_legal_deadline() -> None:
    cfg = queues.load()
    q = cfg.get("ur-hate")
    s = prio.schedule(cfg, q, severity=4, reach=1.0, source="proactive", created_at=T0)
    assert s.deadline == T0 + timedelta(hours=2)
    assert s.risk_at == s.deadline - timedelta(minutes=30)  # 25% of 2 h
    short = prio.schedule(
        cfg,
        q,
        severity=4,
        reach=1.0,
        source="proactive",
        created_at=T0,
        legal_deadline=T0 + timedelta(minutes=40),
    )
    assert short.deadline == T0 + timedelta(minutes=40)
    assert short.risk_at == short.deadline - timedelta(minutes=15)  # floor of 15 minutes
    # A legal deadline later than the internal one never relaxes it.
    late = prio.schedule(
        cfg,
        q,
        severity=4,
        reach=1.0,
        source="proactive",
        created_at=T0,
        legal_deadline=T0 + timedelta(days=2),
    )
    assert late.deadline == T0 + timedelta(hours=2)
    assert prio.sla_state(s.deadline, s.risk_at, T0) == "ok"
    assert prio.sla_state(s.deadline, s.risk_at, s.risk_at) == "at_risk"
    assert prio.sla_state(s.deadline, s.risk_at, s.deadline) == "breached"
