"""Normalisation: total, idempotent, fast path equal to the exact one, offsets into the original."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nigran.detect.text.normalize import normalize, normalize_text

# Text people actually write here: Latin, Arabic script (incl. Arabic-keyboard variants,
# diacritics, tatweel, digits), emoji, invisible and bidi controls, fullwidth forms.
ALPHABET = st.sampled_from(
    list("abcXYZ019 .,!?'\n\t")
    + list("ابپتٹجچحکگلمنںوہھیےيكهۃةىأإآؤئ")
    + ["\u064e", "\u0650", "\u064f", "\u0651", "\u0640", "\u0670"]
    + list("٠١٢۳۴۵")
    + ["\u200b", "\u200c", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad"]
    + list("ＡＢｃ１")
    + ["😀", "🇵", "🇰", "👍", "🏽"]
)
local_text = st.text(alphabet=ALPHABET, max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_and_is_idempotent_on_any_unicode(text: str) -> None:
    n = normalize(text)
    assert normalize(n.text).text == n.text
    assert normalize_text(normalize_text(text)) == normalize_text(text)
    assert len(n.starts) == len(n.ends) == len(n.text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-16", categories=("Cs", "L", "Zs")), max_size=30))
def test_lone_surrogates_are_defined(text: str) -> None:
    assert "\ud800" not in normalize(text + "\ud800").text


@settings(max_examples=400, deadline=None)
@given(local_text)
def test_fast_path_equals_exact_path(text: str) -> None:
    assert normalize_text(text) == normalize(text).text


@settings(max_examples=300, deadline=None)
@given(local_text, st.data())
def test_every_span_maps_inside_the_original(text: str, data: st.DataObject) -> None:
    n = normalize(text)
    if not n.text:
        return
    start = data.draw(st.integers(0, len(n.text) - 1))
    end = data.draw(st.integers(start + 1, len(n.text)))
    o_start, o_end = n.original_span(start, end)
    assert 0 <= o_start < o_end <= len(text)
    # Character steps are context-free, so the original slice normalises back to the normalised
    # slice; token steps (leetspeak, spaced letters, elongation) read their neighbours and are
    # checked in test_normalize_tokens.py instead.
    if not any(c.isascii() and (c.isalnum() or c in "@$!.") for c in n.text):
        assert n.text[start:end].strip() in normalize(text[o_start:o_end]).text


def test_arabic_variants_fold_to_urdu_letters() -> None:
    # Arabic keyboard yeh/kaf/heh, diacritics and tatweel vs the Urdu keyboard's letters.
    assert normalize_text("كيا هے") == normalize_text("کیا ہے") == "کیا ہے"
    assert normalize_text("مَـــار") == normalize_text("مار")
    assert normalize_text("۱۲٣") == "123"


def test_invisible_and_bidi_controls_are_removed_with_offsets_kept() -> None:
    text = "ja\u200ban\u202e se"
    n = normalize(text)
    assert n.text == "jaan se"
    assert n.original_span(0, 4) == (0, 5)


def test_fullwidth_and_case_fold() -> None:
    assert normalize_text("ＪＡＡＮ  Se\tMAAR") == "jaan se maar"


def test_arabic_folds_map_one_character_to_at_most_one() -> None:
    # fold_arabic_script keeps the offsets whenever the folded text is as long as the original:
    # sound only while no fold turns one character into several.
    from nigran.detect.text.normalize import _ARABIC_BY_CHAR

    assert _ARABIC_BY_CHAR and all(len(v) <= 1 for v in _ARABIC_BY_CHAR.values())
