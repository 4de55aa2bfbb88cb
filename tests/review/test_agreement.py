"""κ and α against published worked examples."""

from __future__ import annotations

import pytest

from nigran.review.agreement import cohen_kappa, krippendorff_alpha, pairwise_kappa


def test_cohen_kappa_textbook_example() -> None:
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → p_o 0.70, p_e 0.50, κ 0.40.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_kappa_undefined_without_variation_and_without_items() -> None:
    assert cohen_kappa([("a", "a")] * 5) is None
    assert cohen_kappa([]) is None


def test_krippendorff_alpha_nominal_worked_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units,
    # missing values; nominal α = 0.743. Unit 12 has one value and is not pairable.
    units = [
        ["1", "1", "1"],
        ["2", "2", "3", "2"],
        ["3", "3", "3", "3"],
        ["3", "3", "3", "3"],
        ["2", "2", "2", "2"],
        ["1", "2", "3", "4"],
        ["4", "4", "4", "4"],
        ["1", "1", "2", "1"],
        ["2", "2", "2", "2"],
        ["5", "5", "5"],
        ["1", "1"],
        ["3"],
    ]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=0.001)


def test_alpha_perfect_and_undefined() -> None:
    assert krippendorff_alpha([["a", "a"], ["b", "b"]]) == pytest.approx(1.0)
    assert krippendorff_alpha([["a", "a"], ["a", "a"]]) is None
    assert krippendorff_alpha([["a"]]) is None


def test_pairwise_kappa_uses_only_shared_items() -> None:
    units = {
        "i1": {"r1": "x", "r2": "x", "r3": "y"},
        "i2": {"r1": "y", "r2": "y"},
        "i3": {"r2": "x", "r3": "x"},
    }
    got = pairwise_kappa(units)
    assert got[("r1", "r2")] == (pytest.approx(1.0), 2)
    assert got[("r1", "r3")][1] == 1
    assert got[("r2", "r3")][1] == 2
