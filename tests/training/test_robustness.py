"""Disguised words: normalisation undoes each disguise ``nigran eval --robustness`` applies, and
the evaluation scores a real test split both ways."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from nigran.detect.text.classifiers import load_default
from nigran.detect.text.normalize import normalize_text
from nigran.training import datasets as D
from nigran.training.robustness import (
    LATIN_DISGUISES,
    URDU_DISGUISES,
    disguise,
    robustness_of,
    write_robustness_report,
)

Disguise = Callable[[str, random.Random], str]
ROMAN = "yeh banda bohat ganda hai aur sab ko pareshan karta hai"
URDU = "یہ آدمی بہت برا ہے اور سب کو پریشان کرتا ہے"
ENGLISH = "this person keeps sending threatening messages to everyone"


def assert_each_word_restored(fn: Disguise, text: str, min_len: int) -> None:
    """Disguising any one word of ``text`` (of at least ``min_len`` letters) with ``fn``
    normalises to what ``text`` normalises to."""
    rnd = random.Random(7)
    words = text.split()
    for k, word in enumerate(words):
        if len(word) < min_len:
            continue
        changed = [*words[:k], fn(word, rnd), *words[k + 1 :]]
        assert normalize_text(" ".join(changed)) == normalize_text(text), (fn, word)


@pytest.mark.parametrize("fn", LATIN_DISGUISES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("text", [ROMAN, ENGLISH], ids=["roman", "english"])
def test_latin_disguises_are_undone(fn: Disguise, text: str) -> None:
    assert_each_word_restored(fn, text, 3)


@pytest.mark.parametrize("fn", URDU_DISGUISES, ids=lambda f: f.__name__)
def test_urdu_disguises_are_undone(fn: Disguise) -> None:
    assert_each_word_restored(fn, URDU, 2)


def test_disguise_is_seeded_and_changes_text() -> None:
    a = disguise(ROMAN, random.Random(1), rate=1.0)
    assert a == disguise(ROMAN, random.Random(1), rate=1.0)
    assert a != ROMAN
    assert disguise(URDU, random.Random(1), rate=1.0) != URDU
    assert disguise(ROMAN, random.Random(1), rate=0.0) == ROMAN


def test_robustness_on_a_test_split(shared_data: Path, tmp_path: Path) -> None:
    ds = D.ruhsold_task1(shared_data)
    # A slice keeps the baseline's training short; the metric code is the one the CLI runs.
    tr, te = ds.splits["train"], ds.splits["test"]
    small = D.Dataset(
        ds.name,
        ds.language,
        {
            "train": D.Split(tr.texts[:1500], tr.labels[:1500], "train slice"),
            "test": D.Split(te.texts[:400], te.labels[:400], "test slice"),
        },
        ds.classes,
    )
    model = load_default()
    res = robustness_of(model, "ruhsold_task1", "ur-Latn/offensive", small, log=lambda _: None)
    assert res.rows == 400
    assert 0.8 <= res.restored <= 1.0
    assert 0.0 < res.ours_disguised <= 1.0 and 0.0 < res.base_disguised <= 1.0
    # Normalisation is what the disguises are aimed at: the shipped head loses less than a
    # model that reads the raw text.
    assert res.ours_clean - res.ours_disguised < res.base_clean - res.base_disguised
    path = write_robustness_report([res], tmp_path / "r.md", model)
    assert "| ruhsold_task1 |" in path.read_text(encoding="utf-8")
