from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from nigran.detect.text import datasets as D
from nigran.detect.text.classify import HeadInfo, TextModel
from nigran.detect.text.features import FeatureConfig, Featurizer
from nigran.detect.text.nblr import train_head
from nigran.errors import ConfigError

SMALL = FeatureConfig(bits=14)


@pytest.fixture(scope="module")
def small_model(shared_data: Path) -> tuple[TextModel, D.Split]:
    """A two-head NB-LR store (the format the Latin language head still uses) trained on a
    slice of RUHSOLD task 1 train, kept small for speed."""
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
