"""Operating points from review capacity: the staffing plan's budget read as printed, cuts that
keep to a share of traffic."""

from __future__ import annotations

import numpy as np
import pytest

from nigran.errors import InvalidInput
from nigran.training import operating as O

# As `nigran plan staff --budget` prints it in an 80-column terminal (names cut, headers wrapped).
PRINTED = """\
Review budget at 85% utilisation: share of automatically flagged items the
planned staff can review
┏━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━┓
┃          ┃         ┃ on duty   ┃ capacity ┃ must take ┃ flagged  ┃ reviewab… ┃
┃ queue    ┃ lang    ┃ (max)     ┃ per h    ┃ per h     ┃ per h    ┃ share     ┃
┡━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━┩
│ en       │ en      │ 2         │ 42.5     │ 13        │ 35       │ 84.3%     │
│ ur-Latn… │ ur-Latn │ 1         │ 25.5     │ 10        │ 45       │ 34.4%     │
│ ur-hate  │ ur      │ 2         │ 34       │ 12        │ 60       │ 36.7%     │
│ ur-sexu… │ ur      │ 1         │ 34       │ 4         │ 40       │ 75.0%     │
└──────────┴─────────┴───────────┴──────────┴───────────┴──────────┴───────────┘
"""


def test_budget_is_read_as_the_staffing_plan_prints_it() -> None:
    rows = O.parse_budget("Review queues: ...\n" + PRINTED)
    assert [(q.language, q.share) for q in rows] == [
        ("en", 0.843),
        ("ur-Latn", 0.344),
        ("ur", pytest.approx(0.367)),
        ("ur", 0.75),
    ]
    same = O.parse_budget('[{"queue": "en", "language": "en", "share": 0.843}]')
    assert same == [O.QueueShare("en", "en", 0.843)]
    with pytest.raises(InvalidInput, match="no review-budget rows"):
        O.parse_budget("nothing here")
    with pytest.raises(InvalidInput) as err:
        O.parse_budget("Review budget\n│ en │ en │ 2 │ lots │\n", where="plan.txt")
    assert err.value.where == "plan.txt:2"


def test_targets_take_the_categorys_queue_else_the_tightest() -> None:
    rows = O.parse_budget(PRINTED)
    today = {"en": 0.2, "ur": 0.1, "ur-Latn": 0.3}
    hate = O.targets_from_budget(rows, today, "hate")
    assert hate["ur"] == pytest.approx(0.0367) and hate["en"] == pytest.approx(0.1686)
    # No harassment queue for Urdu: the tighter of its two queues.
    assert O.targets_from_budget(rows, today, "harassment")["ur"] == pytest.approx(0.0367)


def test_a_cut_never_flags_more_than_its_share() -> None:
    scores = np.array([0.9, 0.8, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.0])
    assert O.cut_for_share(scores, 0.1) == 0.9
    # Two rows allowed, but the second and third tie: only the top one goes.
    assert O.cut_for_share(scores, 0.2) == 0.9
    assert O.cut_for_share(scores, 0.3) == 0.8
    assert O.cut_for_share(scores, 0.0) > 0.9
    for share in (0.0, 0.15, 0.35, 0.5, 1.0):
        assert (scores >= O.cut_for_share(scores, share)).mean() <= share + 1e-12
    with pytest.raises(InvalidInput):
        O.cut_for_share(scores, 1.5)


def test_operating_points_per_language_report_what_they_catch() -> None:
    langs = ["ur"] * 10 + ["en"] * 4
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, 0.9, 0.1, 0.2, 0.3])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
    points = O.operating_points(langs, scores, y, {"ur": 0.3}, default=None)
    assert [p.language for p in points] == ["ur"]
    ur = points[0]
    assert (ur.rows, ur.cut, ur.flagged_share) == (10, 0.7, 0.3)
    assert ur.recall == pytest.approx(2 / 3) and ur.benign_flagged == pytest.approx(1 / 7)
    assert "ur: 0.700" in O.min_score_yaml(points, "harassment")


def test_rows_acted_on_automatically_do_not_count_against_the_share() -> None:
    # Four rows at or above the removal bar (0.9) are removed, not reviewed: a fifth of ten rows
    # sent to review is the two highest below it.
    scores = np.asarray([0.99, 0.97, 0.95, 0.91, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1])
    cut = O.cut_for_share(scores, 0.2, ceiling=0.9)
    reviewed = (scores >= cut) & (scores < 0.9)
    assert cut == 0.7 and reviewed.sum() == 2
    # Nothing below the bar: the cut is the bar itself, sending nothing more to review.
    assert O.cut_for_share(np.asarray([0.95, 0.99]), 0.5, ceiling=0.9) == 0.9


RULES = """\
version: "2026.11.0"
description: "base"
status: active
review_queue: general
rules:
  # comments stay
  - id: harassment.remove
    when: {category: harassment, min_score: {default: 0.95, ur-Latn: 0.97}}
    then: {action: {type: remove}}
  - id: harassment.review
    when: {category: harassment, min_score: {default: 0.6, ur: 0.55}, unless: harassment.remove}
    then: {review: {queue: general, deadline: P2D}}
  - id: viral.review
    when: {category: [harassment], min_score: {default: 0.4}, context: {min_views_per_hour: 10}}
    then: {review: {queue: viral, deadline: PT1H}}
"""


def _point(lang: str, cut: float) -> O.OperatingPoint:
    return O.OperatingPoint(lang, 10, 0.1, cut, 0.1, 0.5, 0.05)


def test_a_new_rules_version_takes_the_cuts_as_review_bars() -> None:
    from nigran.policy.engine import engine_from_text
    from nigran.policy.ruleset import Thresholds

    text, changes = O.rules_with_review_cuts(
        RULES,
        "r.yaml",
        [_point("ur-Latn", 0.81234), _point("en", 0.7)],
        "harassment",
        "2026.12.1",
        "bars for 10%",
    )
    engine = engine_from_text(text, "new.yaml")
    assert (engine.ruleset.version, engine.ruleset.status) == ("2026.12.1", "proposed")
    (review,) = O.review_rules(engine.rules, "harassment")
    bars = review.thresholds
    assert isinstance(bars, Thresholds)
    # Rounded up to the 4 decimals signals carry; und-Latn follows Roman Urdu; others kept.
    assert bars.for_language("ur-Latn") == bars.for_language("und-Latn") == 0.8124
    assert (bars.for_language("en"), bars.for_language("ur"), bars.default) == (0.7, 0.55, 0.6)
    # The context rule (fast-spreading items) and the removal bars are left alone.
    assert "min_score: {default: 0.4}" in text and "ur-Latn: 0.97}" in text
    assert "# comments stay" in text
    assert {(c.rule, c.language, c.old, c.new) for c in changes} == {
        ("harassment.review", "en", 0.6, 0.7),
        ("harassment.review", "ur-Latn", 0.55, 0.8124),
        ("harassment.review", "und-Latn", 0.6, 0.8124),
    }
    # The review band ends where removal starts, per language.
    top = O.automatic_bar(engine.rules, "harassment")
    assert (top("ur-Latn"), top("en")) == (0.97, 0.95)


def test_a_bar_is_the_cut_rounded_up_to_four_decimals() -> None:
    # 0.5016 * 10_000 is 5016.000000000001 in binary: the bar stays 0.5016, not 0.5017.
    cuts = [k / 10_000 for k in range(10_001)]
    assert [O._bar(c) for c in cuts] == cuts
    assert O._bar(0.81234) == 0.8124 and O._bar(1.2) == 1.0


def test_writing_bars_refuses_what_it_cannot_do_and_says_where() -> None:
    with pytest.raises(InvalidInput, match="no rule sends 'threat' to review"):
        O.rules_with_review_cuts(RULES, "r.yaml", [_point("en", 0.7)], "threat", "2026.12.1", "")
    block = RULES.replace(
        "when: {category: harassment, min_score: {default: 0.6, ur: 0.55}, "
        "unless: harassment.remove}",
        "when:\n      category: harassment\n      min_score:\n        default: 0.6\n"
        "      unless: harassment.remove",
    )
    with pytest.raises(InvalidInput, match="by hand") as info:
        O.rules_with_review_cuts(
            block, "r.yaml", [_point("en", 0.7)], "harassment", "2026.12.1", ""
        )
    assert info.value.where == "r.yaml:13"  # the min_score line
