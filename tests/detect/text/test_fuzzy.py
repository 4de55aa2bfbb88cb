"""Approximate lexicon matching, for text read off pictures only: what tesseract makes of Nastaliq
threats is found, ordinary sentences that end the way threats do are not, typed text is matched
exactly as before."""

from __future__ import annotations

import pytest

from nigran.detect.text import fuzzy
from nigran.detect.text.lexicon import APPROXIMATE_CEILING, LexiconDetector, Term
from nigran.model import Content, SignalSource, TextField

BANK = [
    Term("جان سے مار دوں گا", "threat", 4, "ur"),
    Term("قتل کر دوں گا", "threat", 4, "ur"),
    Term("گھر جلا دوں گا", "threat", 4, "ur"),
    Term("کمینہ", "harassment", 2, "ur"),
]

# What tesseract's urd model read off Nastaliq renderings of threats (bench.ocr, measured).
READ_THREATS = [
    ("مس ہیس ان ےباردو ںگا", "جان سے مار دوں گا"),  # spaces moved, two letters lost, م as ب
    ("میں تہاراگھ رجلا دو ںگا", "گھر جلا دوں گا"),  # only the spaces moved
    ("میں تمہ راگھ رعلا دو ںگا", "گھر جلا دوں گا"),
]

# Ordinary sentences that share most letters with a threat.
NEAR_MISSES = [
    "میں شام تک سارا کام ختم کر دوں گا",  # "finish" (ختم) for "kill" (قتل): two edits in a word
    "میں تمہیں جان سے زیادہ چاہتا ہوں",
    "میں گھر جا کر کھانا بنا دوں گا",
    "میں تمہیں کل سب کچھ بتا دوں گا",
]


@pytest.fixture(scope="module")
def lexicon() -> LexiconDetector:
    return LexiconDetector(BANK)


def _item(text: str) -> Content:
    return Content(id="i", kind="image", author="a", texts={TextField.ON_SCREEN: text})


@pytest.mark.parametrize(("read", "term"), READ_THREATS)
def test_a_threat_as_ocr_reads_nastaliq_is_found_approximately(
    lexicon: LexiconDetector, read: str, term: str
) -> None:
    assert lexicon.matches(TextField.ON_SCREEN, read) == []  # exact matching finds nothing
    (m,) = lexicon.approximate_matches(TextField.ON_SCREEN, read)
    assert m.term.term == term and m.via == "approximate"
    assert 0 <= m.edits <= fuzzy.allowed_edits(len("".join(term.split())))
    ((signal,),) = lexicon.detect_read([_item(read)])
    assert signal.category == "threat"
    # Evidence for a reviewer, never enough for removal alone.
    assert 0.5 <= signal.score <= APPROXIMATE_CEILING
    assert signal.evidence.details["approximate"] == {term: m.edits}


@pytest.mark.parametrize("sentence", NEAR_MISSES)
def test_ordinary_sentences_that_end_like_threats_are_not_found(
    lexicon: LexiconDetector, sentence: str
) -> None:
    assert lexicon.approximate_matches(TextField.ON_SCREEN, sentence) == []
    assert lexicon.detect_read([_item(sentence)]) == [[]]


def test_the_per_word_rule_is_what_rejects_a_one_word_difference() -> None:
    # Within the whole-term budget (2 edits for 10 letters) but both in the word that matters.
    assert fuzzy.allowed_edits(len("قتلکردوںگا")) >= 2
    assert fuzzy.find("قتل کر دوں گا", "ختم کر دوں گا") == []
    assert fuzzy.find("قتل کر دوں گا", "ختم کر دوں گا", edits=2.0) == []
    assert fuzzy.find("قتل کر دوں گا", "قتل کر دوں گا")  # itself, of course


def test_typed_text_is_matched_exactly_only(lexicon: LexiconDetector) -> None:
    read = READ_THREATS[0][0]
    assert lexicon.detect([_item(read)]) == [[]]
    ((signal,),) = lexicon.detect_read([_item(read)])
    assert signal.source is SignalSource.LEXICON


def test_an_exact_match_keeps_its_full_score_in_read_text(lexicon: LexiconDetector) -> None:
    ((signal,),) = lexicon.detect_read([_item("میں تمہیں جان سے مار دوں گا")])
    assert signal.score == 0.97 and "approximate" not in signal.evidence.details


def test_short_terms_and_latin_text_are_never_approximated(lexicon: LexiconDetector) -> None:
    assert fuzzy.allowed_edits(len("کمینہ")) == 0
    assert lexicon.approximate_matches(TextField.ON_SCREEN, "تم کمینی ہو") == []
    assert lexicon.approximate_matches(TextField.ON_SCREEN, "jaan se maar dunga") == []


def test_noise_is_bounded_by_the_ceiling() -> None:
    # However long the term, no more than MAX_EDITS: a long phrase does not match a vaguely
    # similar line.
    long_term = "میں تمہارے پورے خاندان کو جان سے مار دوں گا"
    assert fuzzy.allowed_edits(len("".join(long_term.split()))) == fuzzy.MAX_EDITS
    assert fuzzy.find(long_term, "میں تمہارے پورے خاندان کو جانتا ہوں") == []


def test_spans_point_into_the_text_read(lexicon: LexiconDetector) -> None:
    read = "کل " + READ_THREATS[1][0]
    (m,) = lexicon.approximate_matches(TextField.ON_SCREEN, read)
    assert "جلا" in read[m.start : m.end] and read[m.end - 1] == "ا"
