"""The lexicon detector: matches in both scripts on word boundaries, spans in the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from nigran.detect.text.lexicon import LexiconDetector, Term, read_bank
from nigran.errors import ConfigError
from nigran.model import TextField
from tests.factories import item

BANK = [
    Term("جان سے مار دوں گا", "threat", 4, "ur"),
    Term("کمینہ", "harassment", 2, "ur"),
    Term("maar dunga", "threat", 3, "ur-Latn"),
    Term("chor", "harassment", 1, "ur-Latn"),
]


@pytest.fixture(scope="module")
def detector() -> LexiconDetector:
    return LexiconDetector(BANK)


def test_urdu_typed_on_an_arabic_keyboard_matches_and_maps_back(detector: LexiconDetector) -> None:
    # Arabic yeh/kaf/heh, a zabar, a tatweel and a zero-width joiner inside the phrase.
    text = "سن لو، ميں تمہيں جان سـے مار\u200d دوں گا۔"
    (m,) = detector.matches(TextField.BODY, text)
    assert m.term.category == "threat"
    assert text[m.start : m.end] == "جان سـے مار\u200d دوں گا"


def test_word_boundaries_in_both_scripts(detector: LexiconDetector) -> None:
    assert detector.matches(TextField.BODY, "woh chor hai")
    assert not detector.matches(TextField.BODY, "chorus line")  # no match inside a word
    assert not detector.matches(TextField.BODY, "کمینہپن")
    assert detector.matches(TextField.BODY, "تم کمینہ ہو")


def test_signal_carries_evidence_per_field(detector: LexiconDetector) -> None:
    c = item("x", "MAAR   DUNGA", texts={"caption": "سب ٹھیک", "hashtags": "#maar dunga"})
    (sig,) = detector.detect([c])[0]
    assert sig.category == "threat" and sig.severity == 3
    fields = {s.field for s in sig.evidence.spans}
    assert fields == {TextField.HASHTAGS}
    span = sig.evidence.spans[0]
    assert c.texts[TextField.HASHTAGS][span.start : span.end] == "maar dunga"
    assert sig.evidence.model_version == detector.version


def test_no_terms_no_signals() -> None:
    assert LexiconDetector([]).detect([item("e", "anything")]) == [[]]


def test_shipped_banks_load() -> None:
    d = LexiconDetector.from_default_banks()
    assert len(d.terms) > 100
    assert {"threat", "harassment", "hate", "sexual"} <= {t.category for t in d.terms}


def test_bad_bank_names_file_and_line(tmp_path: Path) -> None:
    bank = tmp_path / "bad.tsv"
    bank.write_text(
        "term\tcategory\tseverity\tlanguage\ttarget\tnote\nok\tthreat\t2\ten\nbad\tthreat\t9\ten\n"
    )
    with pytest.raises(ConfigError) as exc:
        read_bank(bank)
    assert str(exc.value).startswith(f"{bank}:3:")
    bank.write_text("no header here\n")
    with pytest.raises(ConfigError, match=":1:"):
        read_bank(bank)
