from __future__ import annotations

from pathlib import Path

import pytest

from nigran.errors import ConfigError
from nigran.training import datasets as D


def test_ruhsold_task1_labels_are_flipped_to_one_means_offensive(shared_data: Path) -> None:
    ds = D.ruhsold_task1(shared_data)
    assert {len(s) for s in ds.splits.values()} == {7209, 801, 2003}
    raw = (shared_data / "ruhsold" / "task_1_train.tsv").read_text(encoding="utf-8").splitlines()
    zeros_in_file = sum(1 for line in raw if line.rsplit("\t", 1)[1] == "0")
    assert sum(ds.splits["train"].labels) == zeros_in_file


def test_ruhsold_task2_keeps_five_classes(shared_data: Path) -> None:
    ds = D.ruhsold_task2(shared_data)
    assert set(ds.splits["train"].labels) == {0, 1, 2, 3, 4}
    assert "validation" not in ds.splits


def test_other_sets_have_their_documented_sizes(shared_data: Path) -> None:
    assert len(D.urdu_threat(shared_data).splits["test"]) == 935
    assert len(D.urdu_abusive(shared_data).splits["all"]) == 2170
    olid = D.olid(shared_data)
    assert (len(olid.splits["train"]), len(olid.splits["test"])) == (13240, 860)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        D.ruhsold_task1(tmp_path)


def test_trac1_and_hinglish_keep_their_documented_labels(shared_data: Path) -> None:
    trac = D.trac1_hindi(shared_data)
    assert {k: len(s) for k, s in trac.splits.items()} == {"train": 12000, "dev": 3001}
    # 0 NAG, 1 CAG, 2 OAG, counted in the file's last column.
    raw = (shared_data / "trac1_hindi" / "agr_hi_train.csv").read_text(encoding="utf-8")
    assert trac.splits["train"].labels.count(2) == 4856 and raw.count(",OAG\n") <= 4856
    hh = D.hinglish_hate(shared_data).splits["all"]
    # 1,661 "yes"; the four typo rows ("n", "on") count as "no".
    assert (len(hh), sum(hh.labels)) == (4579, 1661)


def test_trac1_rejects_an_unknown_label(tmp_path: Path) -> None:
    d = tmp_path / "trac1_hindi"
    d.mkdir()
    (d / "agr_hi_train.csv").write_text('1,"a\nb",OAG\n2,c,XAG\n', encoding="utf-8")
    (d / "agr_hi_dev.csv").write_text("3,d,NAG\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        D.trac1_hindi(tmp_path)
    assert err.value.where is not None and err.value.where.endswith("agr_hi_train.csv:row 2")
