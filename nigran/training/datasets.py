"""Readers for the labelled text sets in ``../shared/data``, with their quirks handled once.

Each reader returns :class:`Split` objects of plain ``(texts, labels)`` lists where the label is
already the project's convention: ``1`` means the harmful class (offensive, abusive, threat), so
RUHSOLD's inverted task-1 labels (0 = offensive) are flipped here and nowhere else. Files without
a header are read with quoting disabled, as the data README requires.
"""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from nigran.errors import ConfigError

RUHSOLD_FINE = ("offensive", "normal", "religious_hate", "sexism", "profane")
"""RUHSOLD task 2 label names by their integer code in the files."""


@dataclass(frozen=True, slots=True)
class Split:
    texts: list[str]
    labels: list[int]
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{self.name}: {len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True, slots=True)
class Dataset:
    """A labelled set: its splits (``train``, ``validation``, ``test``; any may be missing)."""

    name: str
    language: str
    splits: dict[str, Split] = field(default_factory=dict)
    classes: tuple[str, ...] = ("negative", "positive")


def strided(ds: Dataset, n: int) -> Dataset:
    """``ds`` with every split cut to at most ``n`` rows by a fixed stride (a stride, not a
    prefix: some files are sorted by label), for tests and quick runs."""
    splits = {}
    for name, s in ds.splits.items():
        step = max(1, len(s) // n)
        splits[name] = Split(s.texts[::step][:n], s.labels[::step][:n], s.name)
    return replace(ds, splits=splits)


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder: the argument, else ``NIGRAN_TRAINING_DATA_DIR``, else ``../shared/data``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("NIGRAN_TRAINING_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _need(path: Path) -> Path:
    if not path.is_file():
        raise ConfigError(f"data file {path} not found (set --data or NIGRAN_TRAINING_DATA_DIR)")
    return path


def _read_tsv_no_header(path: Path) -> list[list[str]]:
    with _need(path).open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if row]


def _read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with _need(path).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _ruhsold_split(path: Path, name: str, *, binary: bool) -> Split:
    texts, labels = [], []
    for lineno, row in enumerate(_read_tsv_no_header(path), start=1):
        if len(row) != 2 or not row[1].strip().isdigit():
            raise ConfigError("expected 'text<TAB>label'", where=f"{path}:{lineno}")
        label = int(row[1])
        texts.append(row[0])
        # Task 1: 0 = offensive in the file; our convention is 1 = harmful.
        labels.append(1 - label if binary else label)
    return Split(texts, labels, name)


def ruhsold_task1(root: Path) -> Dataset:
    d = root / "ruhsold"
    return Dataset(
        "ruhsold_task1",
        "ur-Latn",
        {
            s: _ruhsold_split(d / f"task_1_{s}.tsv", f"ruhsold_task1/{s}", binary=True)
            for s in ("train", "validation", "test")
        },
        ("normal", "offensive"),
    )


def ruhsold_task2(root: Path) -> Dataset:
    d = root / "ruhsold"
    return Dataset(
        "ruhsold_task2",
        "ur-Latn",
        {
            s: _ruhsold_split(d / f"task_2_{s}.tsv", f"ruhsold_task2/{s}", binary=False)
            for s in ("train", "test")
        },
        RUHSOLD_FINE,
    )


def _csv_split(path: Path, name: str, text_col: str, label_col: str) -> Split:
    rows = _read_csv(path)
    texts, labels = [], []
    for i, r in enumerate(rows, start=2):
        value = (r.get(label_col) or "").strip()
        if value not in ("0", "1"):
            raise ConfigError(f"{label_col} must be 0 or 1, got {value!r}", where=f"{path}:{i}")
        texts.append(r.get(text_col) or "")
        labels.append(int(value))
    return Split(texts, labels, name)


def urdu_threat(root: Path) -> Dataset:
    d = root / "urdu_threat"
    return Dataset(
        "urdu_threat",
        "ur",
        {
            s: _csv_split(d / f"{s}.csv", f"urdu_threat/{s}", "text", "threat")
            for s in ("train", "test")
        },
        ("non_threat", "threat"),
    )


def urdu_abusive(root: Path) -> Dataset:
    split = _csv_split(root / "urdu_abusive" / "data.csv", "urdu_abusive/all", "text", "abusive")
    return Dataset("urdu_abusive", "ur", {"all": split}, ("normal", "abusive"))


def olid(root: Path) -> Dataset:
    d = root / "olid"
    splits = {}
    for s, fname in (("train", "train.tsv"), ("test", "test_a.tsv")):
        rows = _read_tsv_no_header(d / fname)[1:]
        texts, labels = [], []
        for lineno, row in enumerate(rows, start=2):
            if len(row) < 3 or row[2] not in ("OFF", "NOT"):
                raise ConfigError(
                    "expected id, tweet, subtask_a in OFF/NOT", where=f"{d / fname}:{lineno}"
                )
            texts.append(row[1])
            labels.append(1 if row[2] == "OFF" else 0)
        splits[s] = Split(texts, labels, f"olid/{s}")
    return Dataset("olid_a", "en", splits, ("NOT", "OFF"))


def davidson(root: Path) -> Dataset:
    """Davidson et al.: class 0 hate, 1 offensive, 2 neither — kept as-is (three classes)."""
    rows = _read_csv(root / "davidson" / "labeled_data.csv")
    split = Split([r["tweet"] for r in rows], [int(r["class"]) for r in rows], "davidson/all")
    return Dataset("davidson", "en", {"all": split}, ("hate", "offensive", "neither"))


TRAC1_CLASSES = ("NAG", "CAG", "OAG")
"""TRAC-1 aggression codes in the order of their integer label here: none, covert, overt."""


def _trac1_split(path: Path, name: str) -> Split:
    """``id,text,label`` rows, no header, minimal quoting (texts may span lines)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    texts, labels = [], []
    with _need(path).open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.reader(fh), start=1):
            if len(row) != 3 or row[2] not in TRAC1_CLASSES:
                raise ConfigError(
                    f"expected id,text,label with label in {TRAC1_CLASSES}", where=f"{path}:row {n}"
                )
            texts.append(row[1])
            labels.append(TRAC1_CLASSES.index(row[2]))
    return Split(texts, labels, name)


def trac1_hindi(root: Path) -> Dataset:
    """TRAC-1 Hindi (Facebook comments, mostly Roman-script Hindustani): labels 0 NAG (none),
    1 CAG (covert aggression), 2 OAG (overt aggression), kept three-way; the training code
    decides how they map onto harassment. Its ``dev`` split is the official development set
    (TRAC-1's test set is not in the data folder)."""
    d = root / "trac1_hindi"
    return Dataset(
        "trac1_hindi",
        "ur-Latn",
        {
            "train": _trac1_split(d / "agr_hi_train.csv", "trac1_hindi/train"),
            "dev": _trac1_split(d / "agr_hi_dev.csv", "trac1_hindi/dev"),
        },
        TRAC1_CLASSES,
    )


HINGLISH_LABELS = {"yes": 1, "no": 0, "n": 0, "on": 0}
"""The Hinglish set's labels; ``n`` and ``on`` are typos of ``no`` (data README)."""


def hinglish_hate(root: Path) -> Dataset:
    """Bohra et al.'s Hindi-English code-mixed tweets: 1 hate, 0 not (no split)."""
    path = root / "hinglish_hate" / "hate_speech.tsv"
    texts, labels = [], []
    for lineno, row in enumerate(_read_tsv_no_header(path), start=1):
        if len(row) != 2 or row[1].strip() not in HINGLISH_LABELS:
            raise ConfigError(
                f"expected 'text<TAB>label' with label in {sorted(HINGLISH_LABELS)}",
                where=f"{path}:{lineno}",
            )
        texts.append(row[0])
        labels.append(HINGLISH_LABELS[row[1].strip()])
    split = Split(texts, labels, "hinglish_hate/all")
    return Dataset("hinglish_hate", "ur-Latn", {"all": split}, ("not_hate", "hate"))
