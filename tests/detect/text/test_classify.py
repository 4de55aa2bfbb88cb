from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from nigran.detect import Detector
from nigran.detect.text import datasets as D
from nigran.detect.text.classify import ClassifierDetector, HeadInfo, TextModel, default_model_path
from nigran.detect.text.features import FeatureConfig, Featurizer
from nigran.detect.text.nblr import train_head
from nigran.errors import ConfigError
from nigran.model import Content, ContentKind, SignalSource, TextField

SMALL = FeatureConfig(bits=14)


@pytest.fixture(scope="module")
def small_model(shared_data: Path) -> tuple[TextModel, D.Split]:
    """A two-head model trained on a slice of RUHSOLD task 1 train, kept small for speed."""
    train = D.ruhsold_task1(shared_data).splits["train"]
    feat = Featurizer(SMALL)
    x = feat.transform(train.texts[:1500])
    y = np.asarray(train.labels[:1500])
    head = train_head(x, y, grid=(3.0,), folds=3)
    flipped = train_head(x, 1 - y, grid=(3.0,), folds=3)
    model = TextModel.from_heads(
        [
            (HeadInfo("ur-Latn/offensive", "ur-Latn", "harassment"), head),
            (HeadInfo("ur-Latn/normal", "ur-Latn", ""), flipped),
        ],
        SMALL,
    )
    return model, D.ruhsold_task1(shared_data).splits["validation"]


def test_small_head_learns_something_on_held_out_rows(
    small_model: tuple[TextModel, D.Split],
) -> None:
    model, val = small_model
    p = model.proba(val.texts)
    assert p.shape == (len(val), 2)
    assert ((p >= 0) & (p <= 1)).all()
    assert roc_auc_score(val.labels, p[:, 0]) > 0.75
    assert roc_auc_score(val.labels, p[:, 1]) < 0.25


def test_save_and_load_give_the_same_scores(
    small_model: tuple[TextModel, D.Split], tmp_path: Path
) -> None:
    model, val = small_model
    path = tmp_path / "m.npz"
    model.save(path)
    again = TextModel.load(path)
    assert again.version == model.version
    assert [h.name for h in again.heads] == [h.name for h in model.heads]
    np.testing.assert_allclose(again.proba(val.texts[:50]), model.proba(val.texts[:50]), atol=1e-6)


def test_empty_and_odd_texts_get_defined_scores(small_model: tuple[TextModel, D.Split]) -> None:
    model, _ = small_model
    p = model.proba(["", "😡😡", "!!!", "\ud800", "a" * 100_000])
    assert np.isfinite(p).all()
    assert model.proba([]).shape == (0, 2)


def test_unreadable_model_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="unreadable"):
        TextModel.load(bad)
    with pytest.raises(ConfigError, match="nigran train"):
        TextModel.load(tmp_path / "missing.npz")


def _item(i: int, text: str) -> Content:
    return Content(id=f"c{i}", kind=ContentKind.COMMENT, author="u1", texts={TextField.BODY: text})


@pytest.mark.skipif(not default_model_path().is_file(), reason="shipped text model not built")
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
            assert s.language == "ur-Latn" or s.language
            if s.category == "hate":
                assert s.evidence.details["target"]


@pytest.mark.skipif(not default_model_path().is_file(), reason="shipped text model not built")
def test_shipped_detector_survives_bad_input() -> None:
    det = ClassifierDetector()
    odd = ["😡😡😡", "...!!!", "\u202eevil\u202c", "abcیہ", "x" * 20_000]
    out = det.detect([_item(i, t) for i, t in enumerate(odd)])
    assert len(out) == len(odd)
