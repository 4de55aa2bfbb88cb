"""Cross-script signals: Hindi (Devanagari) and Punjabi (Gurmukhi) read in Urdu script by the
Urdu term banks and classifiers, with spans in what the user wrote."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nigran.detect.text.classify import ClassifierDetector
from nigran.detect.text.lexicon import LexiconDetector
from nigran.detect.text.transliterate import has_brahmic, phonetic_fold, to_urdu_script
from nigran.model import Content, ContentKind, TextField


@pytest.mark.parametrize(
    ("hindi", "urdu"),
    [
        ("पाकिस्तान", "پاکستان"),
        ("भाई", "بھائی"),
        ("मैं", "میں"),
        ("नहीं", "نہیں"),
        ("कहाँ", "کہاں"),
        ("कुत्ता", "کتا"),  # a doubled consonant is written once
        ("ज़िंदा", "زندا"),  # nukta letter, nasal inside a word
        ("ख़राब", "خراب"),
        ("१२३", "123"),
        ("ਤੁਸੀਂ", "تسیں"),
        ("ਕਿੱਥੇ", "کتھے"),  # addak (gemination) writes nothing
        ("ਪਾਣੀ", "پاݨی"),
        ("ੲੀਦ", "اید"),  # a vowel bearer and its sign, as the precomposed ਈ
        ("ਈਦ", "اید"),
    ],
)
def test_words_carry_into_urdu_script(hindi: str, urdu: str) -> None:
    assert to_urdu_script(hindi).text == urdu


def test_other_scripts_pass_through_with_their_offsets() -> None:
    text = "yaar تم ठीक हो?"
    n = to_urdu_script(text)
    assert n.text == "yaar تم ٹھیک ہو?"
    start = n.text.index("ٹھیک")
    assert n.original_span(start, start + 4) == (text.index("ठीक"), text.index("ठीक") + 3)


def test_phonetic_fold_keeps_length_and_merges_what_transliteration_cannot_tell() -> None:
    for word in ("حرامی", "ذلیل", "کمینہ", "زندہ"):
        assert len(phonetic_fold(word)) == len(word)
    assert phonetic_fold("حرامی") == phonetic_fold(to_urdu_script("हरामी").text)
    assert phonetic_fold("کمینہ") == phonetic_fold(to_urdu_script("कमीना").text)
    assert phonetic_fold("زندہ") == phonetic_fold(to_urdu_script("जिंदा").text)  # no nukta


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(), st.characters(min_codepoint=0x900, max_codepoint=0xA7F)
        ),
        max_size=40,
    )
)
def test_any_text_gives_spans_inside_the_original(text: str) -> None:
    n = to_urdu_script(text)
    assert len(n.starts) == len(n.text) == len(n.ends)
    for s, e in zip(n.starts, n.ends, strict=True):
        assert 0 <= s < e <= len(text)
    assert list(n.starts) == sorted(n.starts)
    if not has_brahmic(text):
        assert n.text == text


def _item(text: str) -> Content:
    return Content(id="c1", kind=ContentKind.COMMENT, author="a", texts={TextField.BODY: text})


def test_urdu_terms_found_in_hindi_with_spans_in_the_hindi() -> None:
    lex = LexiconDetector.from_default_banks()
    cases = {
        "तुम कमीने हो": ("harassment", "कमीने"),
        "मैं तुझे जान से मार दूँगा": ("threat", "जान से मार दूँगा"),  # Urdu: "مار دوں گا"
        "सर तन से जुदा": ("violent_extremism", "सर तन से जुदा"),
    }
    for text, (category, words) in cases.items():
        signals = lex.detect([_item(text)])[0]
        assert [s.category for s in signals] == [category], text
        span = signals[0].evidence.spans[0]
        assert text[span.start : span.end] == words
        assert signals[0].language == "hi"
        assert signals[0].evidence.details["via"] == "transliterated to Urdu script"
    assert lex.detect([_item("यह बहुत अच्छा वीडियो है")])[0] == []


def test_hindi_and_gurmukhi_get_urdu_head_scores_marked_as_transliterated() -> None:
    clf = ClassifierDetector()
    threat = clf.detect([_item("मैं तुझे जान से मार दूँगा, तेरा घर जला दूँगा")])[0]
    assert threat and all(s.evidence.details["via"] for s in threat)
    assert {s.language for s in threat} == {"hi"}
    scores = {
        text: clf.model.proba([to_urdu_script(text).text])[0][clf.model.head("ur/threat")]
        for text in ("ਮੈਂ ਤੈਨੂੰ ਜਾਨੋਂ ਮਾਰ ਦਿਆਂਗਾ", "ਬਹੁਤ ਵਧੀਆ ਵੀਡੀਓ ਹੈ ਜੀ")
    }
    # A threat outscores praise on the threat head, read from Gurmukhi.
    assert scores["ਮੈਂ ਤੈਨੂੰ ਜਾਨੋਂ ਮਾਰ ਦਿਆਂਗਾ"] > scores["ਬਹੁਤ ਵਧੀਆ ਵੀਡੀਓ ਹੈ ਜੀ"]
    assert clf.detect([_item("यह बहुत अच्छा वीडियो है, धन्यवाद")])[0] == []
