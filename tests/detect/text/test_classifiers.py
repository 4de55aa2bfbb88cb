"""The fastText-format classifiers: trained on slices, written, read back by the C++ predictor."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from nigran.detect import Detector
from nigran.detect.text import classifiers as C
from nigran.detect.text.classify import ClassifierDetector
from nigran.errors import ConfigError
from nigran.model import Content, ContentKind, SignalSource, TextField
from nigran.training import datasets as D
from nigran.training import heads_file
from nigran.training.fasttext_format import FastTextConfig, FastTextFeatures
from nigran.training.linear import LinearHead, Recipe, train_head

SMALL = FastTextConfig(bucket=1 << 14)
RECIPES = (Recipe("nb", 3.0, True), Recipe("idf", 3.0))
Small = tuple[C.TextClassifiers, list[tuple[C.HeadInfo, LinearHead]], FastTextFeatures, D.Split]


@pytest.fixture(scope="module")
def small(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Small:
    """Two Roman Urdu heads trained on 1,500 rows of RUHSOLD task 1 train, kept small."""
    train = D.ruhsold_task1(shared_data).splits["train"]
    lines = [C.model_input(t) for t in train.texts[:1500]]
    feats = FastTextFeatures.fit(SMALL, lines)
    x = feats.transform(lines)
    y = np.asarray(train.labels[:1500])
    heads = [
        (
            C.HeadInfo("ur-Latn/offensive", "ur-Latn", "harassment"),
            train_head(x, y, recipes=RECIPES, folds=3),
        ),
        (
            C.HeadInfo("ur-Latn/normal", "ur-Latn", ""),
            train_head(x, 1 - y, recipes=RECIPES[:1], folds=3),
        ),
    ]
    folder = tmp_path_factory.mktemp("clf")
    heads_file.save([heads_file.FamilyHeads("ur-Latn", feats, heads)], folder / C.HEADER_FILE)
    model = C.TextClassifiers.load(folder)
    return model, heads, feats, D.ruhsold_task1(shared_data).splits["validation"]


def test_small_heads_learn_something_on_held_out_rows(small: Small) -> None:
    model, _, _, val = small
    p = model.proba(val.texts)
    assert p.shape == (len(val), 2)
    assert ((p >= 0) & (p <= 1)).all()
    assert roc_auc_score(val.labels, p[:, 0]) > 0.75
    assert roc_auc_score(val.labels, p[:, 1]) < 0.25


def test_cpp_scores_equal_the_trained_heads(small: Small) -> None:
    model, heads, feats, val = small
    texts = [*val.texts[:200], "", "!!!", "😡", "یہ بہت اچھی بات ہے", "x" * 5000]
    got = model.proba(texts)
    x = feats.transform([C.model_input(t) for t in texts])
    for col, (_, head) in enumerate(heads):
        # float32 weights in the file against float64 here
        np.testing.assert_allclose(got[:, col], head.proba(x), atol=1e-3)


def test_version_and_header_round_trip(small: Small) -> None:
    model, _, _, _ = small
    assert model.version.startswith("ft-")
    assert [h.name for h in model.heads] == ["ur-Latn/offensive", "ur-Latn/normal"]
    assert model.columns("ur-Latn") == [0, 1] and model.columns("en") == []
    assert model.proba([]).shape == (0, 2)


def test_unreadable_classifiers_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nigran train"):
        C.TextClassifiers.load(tmp_path / "missing.json")
    bad = tmp_path / C.HEADER_FILE
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable"):
        C.TextClassifiers.load(bad)
    for header in ({"format": "other"}, {"format": C.FORMAT}, {"format": C.FORMAT, "heads": [1]}):
        bad.write_text(json.dumps(header), encoding="utf-8")
        with pytest.raises(ConfigError, match="unreadable"):
            C.TextClassifiers.load(tmp_path)
    spec = {
        "family": "en",
        "file": "clf-en.bin",
        "labels": ["n", "ref"],
        "scales": [1, 1],
        "members": [],
    }
    bad.write_text(
        json.dumps({"format": C.FORMAT, "version": "v", "heads": [], "families": [spec]}),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="not found"):
        C.TextClassifiers.load(tmp_path)
    (tmp_path / "clf-en.bin").write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="unreadable"):
        C.TextClassifiers.load(tmp_path)


def _item(i: int, text: str) -> Content:
    return Content(id=f"c{i}", kind=ContentKind.COMMENT, author="u1", texts={TextField.BODY: text})


shipped = pytest.mark.skipif(
    not C.default_header_path().is_file(), reason="shipped text classifiers not built"
)


@shipped
def test_shipped_detector_flags_offensive_roman_urdu(shared_data: Path) -> None:
    det = ClassifierDetector()
    assert isinstance(det, Detector)
    test = D.ruhsold_task1(shared_data).splits["test"]
    items = [_item(i, t) for i, t in enumerate(test.texts[:300])]
    signals = det.detect(items)
    assert len(signals) == len(items)
    flagged = [any(s.category == "harassment" for s in sig) for sig in signals]
    offensive = [bool(v) for v in test.labels[:300]]
    hits = sum(f and o for f, o in zip(flagged, offensive, strict=True))
    assert hits / sum(offensive) > 0.6
    for sig in signals:
        for s in sig:
            assert s.source == SignalSource.CLASSIFIER
            assert s.category in {"harassment", "hate", "threat"}
            assert s.evidence.model_version == det.version
            assert s.language
            if s.category == "hate":
                assert s.evidence.details["target"]


@shipped
def test_shipped_detector_flags_urdu_threats_and_english_abuse(shared_data: Path) -> None:
    det = ClassifierDetector()
    threat = D.urdu_threat(shared_data).splits["test"]
    rows = [i for i, v in enumerate(threat.labels) if v][:100]
    out = det.detect([_item(i, threat.texts[i]) for i in rows])
    assert sum(any(s.category == "threat" for s in sig) for sig in out) > 30
    olid = D.olid(shared_data).splits["test"]
    rows = [i for i, v in enumerate(olid.labels) if v][:100]
    out = det.detect([_item(i, olid.texts[i]) for i in rows])
    assert sum(any(s.language == "en" for s in sig) for sig in out) > 30


@shipped
def test_shipped_detector_survives_bad_input() -> None:
    det = ClassifierDetector()
    odd = ["😡😡😡", "...!!!", "\u202eevil\u202c", "abcیہ", "x" * 20_000, "__label__0 a\nb"]
    out = det.detect([_item(i, t) for i, t in enumerate(odd)])
    assert len(out) == len(odd)
