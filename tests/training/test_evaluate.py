from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nigran.detect.text.classifiers import default_header_path
from nigran.errors import InvalidInput
from nigran.training import datasets as D
from nigran.training.evaluate import evaluate_file, read_labelled

shipped = pytest.mark.skipif(
    not default_header_path().is_file(), reason="shipped text classifiers not built"
)


def _write(tmp_path: Path, shared_data: Path, suffix: str) -> Path:
    test = D.ruhsold_task1(shared_data).splits["test"]
    rows = [
        {"msg": t, "y": "abusive" if lab else "ok"}
        for t, lab in zip(test.texts[:300], test.labels[:300], strict=True)
    ]
    path = tmp_path / f"mine{suffix}"
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, ["msg", "y"], delimiter="," if suffix == ".csv" else "\t")
            w.writeheader()
            w.writerows(rows)
    return path


@shipped
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_users_own_file_is_scored(tmp_path: Path, shared_data: Path, suffix: str) -> None:
    res = evaluate_file(_write(tmp_path, shared_data, suffix), "msg", "y", "abusive")
    assert res.n == 300
    assert res.metrics["macro_f1"] > 0.7 and res.metrics["roc_auc"] > 0.8
    assert res.languages.get("ur-Latn", 0) > 250
    assert "ur-Latn/offensive" in res.threshold


@shipped
def test_hindi_rows_are_read_as_detection_reads_them(tmp_path: Path) -> None:
    # Transliterated into Urdu script and scored by the Urdu heads, as the detector does.
    path = tmp_path / "hi.csv"
    path.write_text(
        "text,label\nमैं तुझे जान से मार दूँगा तेरा घर जला दूँगा,1\nयह बहुत अच्छा वीडियो है धन्यवाद,0\n",
        encoding="utf-8",
    )
    res = evaluate_file(path, "text", "label", "1", category="threat")
    assert res.languages == {"hi": 2}
    assert "ur/threat" in res.threshold
    assert res.metrics["roc_auc"] == 1.0


def test_bad_files_name_what_and_where(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no column 'text'"):
        read_labelled(p, "text", "b")
    j = tmp_path / "x.jsonl"
    j.write_text('{"text": "a", "label": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_labelled(j, "text", "label")
    assert err.value.where == f"{j}:2"
    x = tmp_path / "x.xlsx"
    x.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unsupported"):
        read_labelled(x, "text", "label")


@shipped
def test_compare_and_eval_file_from_the_cli(tmp_path: Path, shared_data: Path) -> None:
    from typer.testing import CliRunner

    from nigran.cli import build_app

    header = str(default_header_path())
    env = {"NIGRAN_TRAINING_DATA_DIR": str(shared_data)}
    res = CliRunner().invoke(build_app(), ["eval", "--compare", header, header], env=env)
    assert res.exit_code == 0, res.output
    assert "ruhsold_task2" in res.output and "+0.0000" in res.output
    path = _write(tmp_path, shared_data, ".csv")
    args = ["eval", "--file", str(path), "--text-col", "msg", "--label-col", "y"]
    res = CliRunner().invoke(build_app(), [*args, "--positive", "abusive"], env=env)
    assert res.exit_code == 0, res.output
    assert "macro_f1" in res.output and "ur-Latn/offensive" in res.output


@shipped
def test_report_gives_each_binary_sets_training_and_test_share(
    tmp_path: Path, shared_data: Path
) -> None:
    from nigran.detect.text.classifiers import load_default
    from nigran.training.evaluate import evaluate_all, write_report

    model = load_default()
    (res,) = evaluate_all(shared_data, model, log=lambda _: None, only=["urdu_threat"])
    ds = D.urdu_threat(shared_data)
    train, test = ds.splits["train"].labels, ds.splits["test"].labels
    assert res.shares == (sum(train) / len(train), len(train), sum(test) / len(test), len(test))
    text = write_report([res], tmp_path / "r.md", model).read_text(encoding="utf-8")
    assert (
        f"threat share: {sum(train) / len(train):.3f} of the {len(train):,} training rows" in text
    )


def test_recall_at_a_benign_rate_never_flags_more_benign_than_asked() -> None:
    import numpy as np

    from nigran.training.evaluate import recall_at_benign_rate

    y = np.array([0] * 10 + [1] * 4)
    score = np.array([0.1 * i for i in range(10)] + [0.95, 0.85, 0.55, 0.05])
    # 10% of 10 benign rows = 1 may be flagged: the cut sits at the second-highest benign
    # score (0.8), so 0.95 and 0.85 are caught.
    assert recall_at_benign_rate(y, score, 0.10) == 0.5
    assert recall_at_benign_rate(y, score, 0.0) == 0.25
    assert recall_at_benign_rate(y, score, 0.5) == 0.75
    assert np.isnan(recall_at_benign_rate(y[:10], score[:10], 0.1))


@shipped
def test_file_eval_reports_recall_at_benign_rates_and_the_whole_product(
    tmp_path: Path, shared_data: Path
) -> None:
    path = _write(tmp_path, shared_data, ".csv")
    # A blank row (nigran moderate refuses it) counts as neither acted on nor reviewed.
    path.write_text(path.read_text(encoding="utf-8") + '" ",abusive\n', encoding="utf-8")
    res = evaluate_file(path, "msg", "y", "abusive", pipeline=True, review_share=0.1)
    assert list(res.recall_at) == [0.05, 0.10, 0.20]
    r = list(res.recall_at.values())
    assert 0 < r[0] <= r[1] <= r[2] <= 1
    pf = res.product
    assert pf is not None and pf.harmful + pf.benign == 301
    assert 0 < pf.harmful_acted <= pf.harmful_handled <= 1
    assert 0 <= pf.benign_acted <= pf.benign_flagged < 1
    assert pf.harmful_handled > pf.benign_flagged
    # A cut per language that sends at most a tenth of its rows to review.
    ur = next(p for p in res.points if p.language == "ur-Latn")
    assert ur.target_share == 0.1 and 0 < ur.flagged_share <= 0.1 and 0 < ur.recall < 1
