"""The table of languages: every fact about a language comes from it, and a language missing
from it is an error that names the code and where it was found, never a silent skip."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nigran import languages
from nigran.cli import build_app
from nigran.detect.media import ocr
from nigran.detect.text.classifiers import default_header_path
from nigran.detect.text.classify import family_of
from nigran.detect.text.langid import ARABIC_SCRIPT_LANGS, LanguageIdentifier
from nigran.detect.text.lexicon import read_bank
from nigran.errors import PackInvalid, UnknownLanguage
from nigran.legal.notices import choose_language
from nigran.policy.engine import engine_from_text
from nigran.policy.packs import default_packs
from nigran.review import queues
from nigran.review.views import text_style
from nigran.store import Store
from nigran.store.tables import ledger


def test_unknown_language_names_the_code_and_where() -> None:
    with pytest.raises(UnknownLanguage) as e:
        languages.language("xx", where="somewhere.yaml: queues[3]")
    assert e.value.language == "xx" and e.value.where == "somewhere.yaml: queues[3]"
    assert "'xx'" in str(e.value) and "ur-Latn" in str(e.value)
    # Aliases name the same language and are never stored.
    assert languages.language("pa-Arab", where="x").code == "pnb"
    assert languages.language("pa-Guru", where="x").code == "pa"
    assert languages.find("sv") is None and languages.find(None) is None


def test_the_classifier_families_are_the_shipped_files() -> None:
    header = json.loads(default_header_path().read_text(encoding="utf-8"))
    shipped = {f["family"] for f in header["families"]}
    named = {lang.family for lang in languages.TABLE if lang.family}
    assert named == shipped
    for family in shipped:
        assert (default_header_path().parent / f"clf-{family}.bin").is_file()
        # A family is the language of its own heads.
        assert languages.language(family, where="test").family == family


def test_readers_of_the_table_agree_with_it() -> None:
    assert family_of("pnb") == ("ur", False) and family_of("pa-Arab") == ("ur", False)
    assert family_of("hi") == ("ur", True) and family_of("pa") == ("ur", True)
    assert family_of("de") == (None, False)
    assert set(ARABIC_SCRIPT_LANGS) == {"ur", "pnb", "ps", "sd", "fa", "ar"}
    ident = LanguageIdentifier(load=False)
    assert ident.identify("ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ").language == "pa"
    assert ident.identify("नमस्ते आप कैसे हैं").language == "hi"
    assert ocr.DEFAULT_LANGUAGES == ("urd", "eng")
    assert {"tesseract-ocr-snd", "tesseract-ocr-pus", "tesseract-ocr-pan"} <= set(ocr.APT_PACKAGES)
    assert choose_language("pa-Arab", None) == "ur" and choose_language("pa", "ur") == "en"
    assert choose_language("und", "sd") == "ur" and choose_language("de", None) == "de"
    assert text_style("پنجابی", "pnb") == (True, "pnb", "nastaliq")
    assert text_style("پښتو", "ps") == (True, "ps", "naskh")
    assert text_style("ਪੰਜਾਬੀ", "pa") == (False, "pa", "")


def test_every_ocr_model_is_installed_by_the_system_packages() -> None:
    listed = Path(__file__).resolve().parents[1] / "scripts" / "system-packages.txt"
    packages = set(listed.read_text(encoding="utf-8").split())
    assert set(ocr.APT_PACKAGES) <= packages


def test_a_queue_for_an_unknown_language_is_refused() -> None:
    shipped = resources.files("nigran.review") / "queues.yaml"
    assert queues.load(Path(str(shipped))).route("pa-Arab", "hate").id == "pa"
    data = {
        "queues": [
            {"id": "punjabi", "languages": ["pnb", "pa-Arab"]},
            {"id": "kashmiri", "languages": ["ks"]},
            {"id": "general"},
        ]
    }
    with pytest.raises(UnknownLanguage) as e:
        queues.parse(data, "q.yaml")
    assert e.value.language == "ks" and e.value.where is not None
    assert "q.yaml: queues[1] (kashmiri)" in e.value.where


def test_a_term_bank_row_in_an_unknown_language_is_refused(tmp_path: Path) -> None:
    bank = tmp_path / "bank.tsv"
    bank.write_text(
        "term\tcategory\tseverity\tlanguage\ttarget\tnote\n"
        "zorblaxi\tthreat\t2\tpa-Arab\t\t\n"
        "blorvik\tthreat\t2\tklingon\t\t\n",
        encoding="utf-8",
    )
    with pytest.raises(UnknownLanguage) as e:
        read_bank(bank)
    assert e.value.language == "klingon" and e.value.where == f"{bank}:3"
    bank.write_text(bank.read_text(encoding="utf-8").replace("klingon", "ps"), encoding="utf-8")
    assert [t.language for t in read_bank(bank)] == ["pnb", "ps"]


def test_lexicon_add_in_an_unknown_language_writes_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    runner = CliRunner()
    args = ["lexicon", "add", "zorblaxi", "--category", "threat", "--db", db, "--language"]
    bad = runner.invoke(build_app(), [*args, "xx"])
    assert bad.exit_code != 0 and "unknown language 'xx'" in bad.output
    with Store.open(db).read() as conn:
        assert conn.execute(ledger.select()).first() is None
    good = runner.invoke(build_app(), [*args, "roman_ur"])
    assert good.exit_code == 0, good.output


def test_a_rule_threshold_for_an_unknown_language_is_refused() -> None:
    text = """version: "2026.11.9"
rules:
  - id: a
    when: {category: hate, min_score: {default: 0.8, ur-Arab: 0.9, xx: 0.7}}
    then: {action: {type: remove}}
"""
    with pytest.raises(PackInvalid) as e:
        engine_from_text(text, "r.yaml", default_packs())
    assert "line 4: a: 'xx' is not a language in nigran/languages.py" in str(e.value)
    assert "ur-Arab" not in str(e.value)
