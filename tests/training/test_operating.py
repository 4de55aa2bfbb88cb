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
