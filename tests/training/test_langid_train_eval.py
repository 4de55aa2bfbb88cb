from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.detect.text.langid import ArabicRule, LanguageIdentifier, latin_model_path
from nigran.training import langid_data as LD
from nigran.training.langid_eval import LangidRow, stream_samples, write_langid_report
from nigran.training.langid_train import CodeMixRule, _mixed, _Rows

shipped = pytest.mark.skipif(not latin_model_path().is_file(), reason="language ID model not built")


def test_shuffled_parts_are_seeded_and_cover_everything() -> None:
    texts = [str(i) for i in range(101)]
    a = LD.shuffled_parts(texts, (0.7, 0.1, 0.2), 7)
    assert a == LD.shuffled_parts(texts, (0.7, 0.1, 0.2), 7)
    assert [len(p) for p in a] == [71, 10, 20]
    assert sorted(t for part in a for t in part) == sorted(texts)


def test_written_sentences_have_every_split_they_need() -> None:
    train = {lang for lang, _ in LD.written_rows("train")}
    assert {"ur-Latn", "en", *LD.OTHER_LATIN} <= train
    dev = {lang for lang, _ in LD.written_rows("dev")}
    assert {"pnb", "sd", "ps", "fa", "ar"} <= dev
    test = {s.language for s in LD.written_test()}
    assert {"ur", "ur-Latn", "en", "pnb", "sd", "ps", "pa", "hi", "other"} <= test
    # No sentence is in two splits.
    seen: dict[str, str] = {}
    for split in ("train", "dev", "test"):
        for _, text in LD.written_rows(split):
            assert seen.setdefault(text, split) == split


def test_held_out_never_holds_a_training_text(shared_data: Path) -> None:
    data = LD.latin_data(shared_data)
    trained = {t for texts in data.train.values() for t in texts}
    trained |= {t for texts in data.written.values() for t in texts}
    trained |= {t for s in data.validation for t in s.texts}
    for sample in LD.held_out(shared_data):
        assert not trained & set(sample.texts), sample.source


def test_rows_weigh_the_two_main_languages_alike() -> None:
    rows = _Rows()
    rows.add(["a b"] * 3, "ur-Latn", written=False)
    rows.add(["c d"] * 9, "en", written=False)
    rows.add(["e f"], "en", written=True)
    w = rows.weights(5.0)
    assert w[:3].sum() == pytest.approx(w[3:12].sum())
    assert w[12] == 5.0
    assert list(rows.y()) == [0] * 3 + [1] * 10


def test_code_mix_rule_needs_both_languages() -> None:
    rule = CodeMixRule(0.9, 2, 0.25)
    ur, en = frozenset({"yaar", "kal", "hai", "ka"}), frozenset({"the", "exam", "is", "real"})
    assert _mixed("exam is real yaar kal ka paper hai", ur, en, rule)
    assert not _mixed("the exam is real", ur, en, rule)
    assert not _mixed("kal ka paper hai yaar the", ur, en, rule)
    words = rule.words(
        ["yaar", "the", "me"], np.array([[0.95, 0.05, 0], [0.0, 1.0, 0], [0.5, 0.5, 0]])
    )
    assert words == {"ur-Latn": ["yaar"], "en": ["the"]}


def test_stream_samples_follow_the_labels_file() -> None:
    samples = {s.language: s for s in stream_samples()}
    if not samples:
        pytest.skip("examples/stream.jsonl not in this checkout")
    assert {"ur", "ur-Latn", "en", "pnb", "mix"} <= set(samples)
    assert sum(len(s) for s in samples.values()) == 324


def test_report_is_a_markdown_table(tmp_path: Path) -> None:
    rows = [LangidRow("ur", "x", 10, 0.9, 0.8, 0.0, [("pnb", 1)])]
    path = write_langid_report(rows, LanguageIdentifier(load=False), tmp_path / "L.md")
    text = path.read_text(encoding="utf-8")
    assert "| ur | x | 10 | 0.9000 | 0.8000 | 0.000 | pnb 1 |" in text


@shipped
def test_shipped_model_records_its_choices() -> None:
    meta = json.loads(latin_model_path().with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["labels"] == list(LD.LATIN_LABELS)
    # The identifier without a model (tests, fallbacks) uses the rule training chose.
    assert ArabicRule(**meta["arabic_rule"]) == ArabicRule()
    assert meta["codemix"]["ur-Latn"] and meta["codemix"]["en"]
    assert LanguageIdentifier().version.startswith("lid176+latn-")


def test_train_refuses_an_unknown_part() -> None:
    result = CliRunner().invoke(build_app(), ["train", "--only", "everything"])
    assert result.exit_code == 2
    assert "--only" in result.output
