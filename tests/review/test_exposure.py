"""Exposure to graphic media over a shift (SQLite and PostgreSQL), with a controlled clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from nigran.errors import ConfigError
from nigran.model import Signal, SignalSource
from nigran.review import auth, exposure, queues
from nigran.store import Store
from nigran.store.tables_review import exposures
from tests.review.support import person


def _signal(category: str) -> Signal:
    return Signal(source=SignalSource.NUDITY, detector="nudenet", category=category, score=0.9)


def test_graphic_by_category_or_signal() -> None:
    cfg = queues.config()
    assert "nudity" in cfg.graphic_categories and "hate" not in cfg.graphic_categories
    assert exposure.is_graphic("graphic_violence", [], cfg)
    assert exposure.is_graphic("hate", [_signal("nudity")], cfg)  # a detector's finding
    assert not exposure.is_graphic("hate", [_signal("threat")], cfg)


def test_limit_is_the_team_s_or_the_reviewer_s_lower_one() -> None:
    cfg = replace(queues.config(), exposure_limit=10)
    assert exposure.limit_for({}, cfg) == 10
    assert exposure.limit_for({"exposure_limit": 3}, cfg) == 3
    assert exposure.limit_for({"exposure_limit": 50}, cfg) == 10  # never above the team's


def test_break_suggested_after_the_limit_within_the_shift(store: Store) -> None:
    user = person(store, "amna", "ur-hate")
    prefs = {**user.wellness, "exposure_limit": 2, "shift_hours": 8}
    cfg = replace(queues.config(), exposure_limit=20)
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    exposure.record(store, "amna", "c1", 0, graphic=True, now=t0)
    exposure.record(store, "amna", "c2", 0, graphic=False, now=t0 + timedelta(minutes=5))
    with store.read() as conn:
        first = exposure.status(conn, "amna", prefs, t0 + timedelta(minutes=6), cfg)
    assert (first.graphic, first.limit, first.suggest_break) == (1, 2, False)
    exposure.record(store, "amna", "c3", 1, graphic=True, now=t0 + timedelta(hours=1))
    with store.read() as conn:
        second = exposure.status(conn, "amna", prefs, t0 + timedelta(hours=1), cfg)
        # Nine hours on, the first reveal has left the 8-hour shift window.
        later = exposure.status(conn, "amna", prefs, t0 + timedelta(hours=8, minutes=30), cfg)
        others = exposure.status(conn, "bilal", prefs, t0 + timedelta(hours=1), cfg)
        rows = conn.execute(select(exposures.c.case_id, exposures.c.graphic)).all()
    assert (second.graphic, second.suggest_break) == (2, True)
    assert (later.graphic, later.suggest_break) == (1, False)
    assert others.graphic == 0
    assert sorted(rows) == [("c1", True), ("c2", False), ("c3", True)]
    # The reviewer's own limit is stored with their account.
    auth.set_wellness(store, "amna", {"exposure_limit": 2})
    assert exposure.limit_for(auth.get_user(store, "amna").wellness, cfg) == 2


def test_a_queue_sets_its_team_s_own_limit(tmp_path: Path) -> None:
    text = (resources.files("nigran.review") / "queues.yaml").read_text(encoding="utf-8")
    # The Urdu sexual-content team stops earlier than the file's default.
    text = text.replace(
        "    categories: [sexual]\n", "    categories: [sexual]\n    exposure_limit: 5\n", 1
    )
    path = tmp_path / "queues.yaml"
    path.write_text(text, encoding="utf-8")
    cfg = queues.load(path)
    assert cfg.get("ur-sexual").exposure_limit == 5 and cfg.get("ur-hate").exposure_limit is None
    assert exposure.team_limit(["ur-hate"], cfg) == cfg.exposure_limit
    assert exposure.team_limit(["ur-hate", "ur-sexual"], cfg) == 5
    assert exposure.limit_for({"exposure_limit": 3}, cfg, ["ur-sexual"]) == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("exposure_limit: 5", "exposure_limit: 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match="exposure_limit"):
        queues.load(bad)


def test_time_on_screen_adds_up_per_shift(store: Store) -> None:
    from nigran.errors import InvalidInput

    person(store, "amna", "ur-hate")
    prefs = auth.get_user(store, "amna").wellness
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert not exposure.on_screen(store, "amna", "g1", 0, 5.0)  # nothing revealed yet
    exposure.record(store, "amna", "g1", 0, graphic=True, now=t0)
    exposure.record(store, "amna", "t1", 0, graphic=False, now=t0)
    assert exposure.on_screen(store, "amna", "g1", 0, 30.0)
    assert exposure.on_screen(store, "amna", "g1", 0, 45.5)  # revealed again: adds up
    assert exposure.on_screen(store, "amna", "t1", 0, 600.0)  # not graphic: not counted
    with store.read() as conn:
        got = exposure.status(conn, "amna", prefs, t0 + timedelta(minutes=5))
    assert (got.graphic, got.seconds, got.minutes) == (1, 75.5, 1)
    exposure.on_screen(store, "amna", "g1", 0, 24 * 3600.0)  # a tab left open overnight
    with store.read() as conn:
        capped = exposure.status(conn, "amna", prefs, t0 + timedelta(minutes=5)).seconds
    assert capped == 75.5 + exposure.MAX_SECONDS
    with pytest.raises(InvalidInput, match="seconds"):
        exposure.on_screen(store, "amna", "g1", 0, -1.0)
