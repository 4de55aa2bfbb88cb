"""Token-level normalisation: confusables, leetspeak, spaced letters, elongation, emoji, Roman
Urdu folding; the same properties as test_normalize.py over text rich in what these steps touch."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nigran.detect.text.normalize import (
    ROMAN_STEPS,
    fold_roman_word,
    model_text,
    normalize,
    normalize_text,
)

# Any code point, lone surrogates included, weighted towards the characters the steps act on.
tricky = st.sampled_from(
    [
        *"aAbBcChHoO013457@$! .-_*\t\n",
        "с",
        "о",
        "а",
        "ο",
        "ی",
        "ي",
        "ك",
        "ہ",
        "ه",
        "\u064e",
        "\u0640",
        "\u200c",
        "\u200d",
        "\u202e",
        "\u2066",
        "ﻻ",
        "Ｆ",
        "😡",
        "🐶",
        "\ud800",
        "\udfff",
        "ਸ",
        "ह",
    ]
)
texts = st.text(alphabet=st.one_of(st.characters(), tricky), max_size=60)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_fast_and_exact_paths_agree(text: str) -> None:
    assert normalize_text(text) == normalize(text).text


@settings(max_examples=400, deadline=None)
@given(texts)
def test_idempotent(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once
    assert normalize_text(once) == once


@settings(max_examples=300, deadline=None)
@given(texts)
def test_model_text_idempotent_and_matches_roman_steps(text: str) -> None:
    once = model_text(text)
    assert model_text(once) == once
    assert normalize(text, ROMAN_STEPS).text == once


@settings(max_examples=400, deadline=None)
@given(texts, st.data())
def test_spans_map_into_original(text: str, data: st.DataObject) -> None:
    n = normalize(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    if not n.text:
        return
    start = data.draw(st.integers(0, len(n.text) - 1))
    end = data.draw(st.integers(start + 1, len(n.text)))
    a, b = n.original_span(start, end)
    assert 0 <= a < b <= len(text)
    assert all(s < e for s, e in zip(n.starts, n.ends, strict=True))


def test_examples_from_the_issue() -> None:
    assert normalize_text("bohhhhat") == "bohat"
    assert normalize_text("c h o r") == "chor"
    assert normalize_text("sh1t a$$") == "shit ass"
    assert normalize_text("\u0441h\u043er") == "chor"  # Cyrillic с and о inside a Latin word
    assert normalize_text("\u043f\u0440\u0438\u0432\u0435\u0442") == "привет"  # real Russian stays
    assert normalize_text("kutta🐶") == "kutta 🐶"
    assert normalize_text("@USER 2 baje, 100%") == "@user 2 baje, 100%"
    assert normalize_text("ｈｅｌｌｏ") == "hello"


def test_spans_point_at_what_the_user_wrote() -> None:
    original = "tum c.h.o.r ho"
    n = normalize(original)
    start = n.text.index("chor")
    a, b = n.original_span(start, start + 4)
    assert original[a:b] == "c.h.o.r"
    original = "Ｓ𝐇1ｔ!"
    n = normalize(original)
    a, b = n.original_span(0, 4)
    assert n.text[:4] == "shit" and original[a:b] == "Ｓ𝐇1ｔ"


def test_roman_folding_merges_spellings() -> None:
    for variants in (
        ("hai", "hay", "hy", "he"),
        ("nahin", "nahi"),
        ("meree", "meri"),
        ("wo", "vo", "woh"),
    ):
        assert len({fold_roman_word(v) for v in variants}) == 1, variants


def test_bad_input_has_defined_results() -> None:
    for text in ("", "😡😡😡", "!!!...", "\ud800\udc00x", "\u202eevil\u202c", "a" * 1_000_000):
        assert normalize_text(text) == normalize(text).text


def test_stand_ins_fold_only_where_they_touch_a_letter() -> None:
    # Whether a token folds depends on the token, not on what else the text holds: a year in a
    # hashtag stays a year beside a folded word, and mentions and trailing "!"s stay as typed.
    assert normalize_text("#psl2020") == "#psl2020"
    assert normalize_text("sh1t #psl2020 yaar!! @user") == "shit #psl2020 yaar!! @user"
    assert normalize_text("b!tch a$$ 12pm") == "bitch ass 12pm"


def test_joining_spaced_letters_squeezes_the_run_it_makes() -> None:
    n = normalize("f u u u u c k k k")
    assert n.text == "fuck"
    # "u" covers all four u's the user typed, "k" all three k's.
    assert n.original_span(1, 2) == (2, 9)
    assert n.original_span(3, 4) == (12, 17)


def test_a_letter_covers_the_vowel_mark_folded_away() -> None:
    text = "اِس"  # alef, zer, seen: the zer is dropped, the alef's span keeps it
    n = normalize(text)
    assert n.text == "اس"
    assert n.original_span(0, 1) == (0, 2)
    assert n.original_span(1, 2) == (2, 3)
