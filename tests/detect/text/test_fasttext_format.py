from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nigran.detect.text.fasttext_format import (
    FastTextArgs,
    FastTextFeatures,
    fnv1a,
    vocabulary,
    write_model,
)

LINES = [
    "yaar tum kal kahan thay",
    "i waited for you all day",
    "hôm nay tôi mệt quá",
    "a",
    "supercalifragilisticexpialidocious word word word",
    "ça va très bien merci",
    "kal kal kal",
]


def test_fnv1a_sign_extends_bytes_like_released_fasttext() -> None:
    # FNV-1a offset basis for the empty string; ASCII bytes are plain FNV-1a.
    assert fnv1a(b"") == 2166136261
    assert fnv1a(b"a") == 0xE40C292C
    # A byte >= 0x80 is xored as 0xFFFFFFxx (signed char), which plain FNV-1a would not do.
    plain = ((2166136261 ^ 0xC3) * 16777619) & 0xFFFFFFFF
    assert fnv1a(b"\xc3") != plain


def test_vocabulary_keeps_frequent_tokens_most_frequent_first() -> None:
    assert vocabulary(["a b a", "c a b"], 2) == [("a", 3), ("b", 2)]


@pytest.mark.parametrize("args", [FastTextArgs(2, 5, 2, 1 << 10), FastTextArgs(1, 3, 3, 997)])
def test_written_model_scores_like_the_weights_it_was_written_from(
    tmp_path: Path, args: FastTextArgs
) -> None:
    import fasttext

    vocab = vocabulary(LINES, 2)
    feats = FastTextFeatures([w for w, _ in vocab], args)
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 3, size=(3, feats.dims))
    bias = np.array([0.2, -0.1, 0.05])
    path = tmp_path / "m.bin"
    write_model(path, vocab, [("x", 1), ("y", 1), ("z", 1)], weights, bias, args)
    model = fasttext.load_model(str(path))
    x = feats.matrix([*LINES, "unseen words only"])
    logits = x @ weights.T + bias
    want = np.exp(logits - logits.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    for line, row in zip([*LINES, "unseen words only"], want, strict=True):
        got = dict(
            (lb.removeprefix("__label__"), p)
            for p, lb in model.f.predict(line + "\n", 3, 0.0, "strict")
        )
        assert [got["x"], got["y"], got["z"]] == pytest.approx(row, abs=2e-5)


def test_weights_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not fit"):
        write_model(
            tmp_path / "m.bin",
            [("a", 1)],
            [("x", 1)],
            np.zeros((2, 5)),
            np.zeros(2),
            FastTextArgs(),
        )
