"""The Python port of fastText's featuriser must give the C++ predictor's exact features."""

from __future__ import annotations

from pathlib import Path

import fasttext
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nigran.detect.text.fasttext_line import EOS, one_line, tokens
from nigran.training.fasttext_format import (
    LOSS_SOFTMAX,
    FastTextConfig,
    FastTextFeatures,
    char_ngrams,
    fnv1a,
    fnv1a_many,
    mean_rows,
    raw_scores,
    write_model,
    write_softmax_model,
)

CORPUS = [
    "yeh bohat bura hai yaar",
    "tum pagal ho kya",
    "this is a plain english sentence",
    "یہ بہت اچھی بات ہے کہ آپ آئے",
    "mixed یہ and roman yaar",
    "x",
]
ODD = ["", " ", "\n\n", "__label__x hi", "tab\tsep\rcr\vvt\fff\0nul", "😡😡", "é\u0301", "a" * 3000]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastTextFeatures, np.ndarray, Path]:
    feats = FastTextFeatures.fit(FastTextConfig(bucket=1 << 12, min_count=1), CORPUS)
    weights = np.random.default_rng(0).normal(0, 1, (feats.dims, 3)).astype(np.float32)
    path = tmp_path_factory.mktemp("ft") / "m.bin"
    write_model(path, feats, weights, ["a", "b", "c"])
    return feats, weights, path


def test_hash_is_fasttexts_signed_fnv1a() -> None:
    # Bytes >= 128 are sign-extended before the xor, as fastText's int8_t cast does.
    assert fnv1a(b"") == 2166136261
    assert fnv1a(b"a") == 0xE40C292C
    words = [b"abc", "یہ".encode(), b"", b"\xff\x80"]
    assert fnv1a_many(words).tolist() == [fnv1a(w) for w in words]


def test_char_ngrams_count_characters_not_bytes() -> None:
    assert char_ngrams("ab", 1, 2) == [b"<a", b"a", b"ab", b"b", b"b>"]
    assert all(g.decode("utf-8") for g in char_ngrams("یہ", 1, 3))


def test_lines_are_one_line_ending_in_eos() -> None:
    assert one_line("a\nb") == "a b\n"
    assert tokens("a\tb\n") == ["a", "b", EOS]
    assert "__label__" not in one_line("__label__x")


def _check(feats: FastTextFeatures, weights: np.ndarray, path: Path, texts: list[str]) -> None:
    ft = fasttext.load_model(str(path)).f
    x = feats.transform(texts)
    means = np.asarray(x @ weights) / np.asarray(x.sum(axis=1))
    for i, text in enumerate(texts):
        got = {lab: p for p, lab in ft.predict(one_line(text), -1, 0.0, "replace")}
        z = raw_scores(np.array([got[f"__label__{k}"] for k in "abc"]))
        # The predictor's sigmoid is a table on a 1/32 grid, clipped at ±8.
        assert np.abs(z - np.clip(means[i], -8, 8)).max() <= 1 / 64 + 1e-4, text


def test_features_match_the_cpp_predictor(
    model: tuple[FastTextFeatures, np.ndarray, Path],
) -> None:
    _check(*model, CORPUS + ODD)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_features_match_the_cpp_predictor_on_any_text(
    model: tuple[FastTextFeatures, np.ndarray, Path], texts: list[str]
) -> None:
    _check(*model, texts)


def test_softmax_model_with_custom_output(tmp_path: Path) -> None:
    feats = FastTextFeatures.fit(FastTextConfig(bucket=1 << 10), CORPUS)
    weights = np.zeros((feats.dims, 1), dtype=np.float32)
    weights[0, 0] = 1.0  # </s> only: the mean is 1 / feature count
    path = tmp_path / "n.bin"
    write_model(
        path, feats, weights, ["n", "ref"], loss=LOSS_SOFTMAX, output=np.array([[1.0], [0]])
    )
    ft = fasttext.load_model(str(path)).f
    for text in CORPUS:
        got = {lab: p - 1e-5 for p, lab in ft.predict(one_line(text), -1, 0.0, "replace")}
        n = len(feats.ids(text))
        assert np.log(got["__label__n"] / got["__label__ref"]) == pytest.approx(1 / n, abs=1e-5)


def test_shapes_are_checked(tmp_path: Path) -> None:
    feats = FastTextFeatures.fit(FastTextConfig(bucket=1 << 10), CORPUS)
    with pytest.raises(ValueError, match="do not fit"):
        write_model(tmp_path / "x.bin", feats, np.zeros((3, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="start with"):
        FastTextFeatures(FastTextConfig(), ["a"])


SOFTMAX_LINES = [
    "yaar tum kal kahan thay",
    "i waited for you all day",
    "hôm nay tôi mệt quá",
    "a",
    "kal kal kal",
]


def test_softmax_model_scores_like_the_regression_it_was_written_from(tmp_path: Path) -> None:
    """The language head's form: a multinomial regression on mean-normalised features."""
    config = FastTextConfig(minn=2, maxn=5, word_ngrams=2, bucket=1 << 10, min_count=1)
    feats = FastTextFeatures.fit(config, SOFTMAX_LINES)
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 3, size=(3, feats.dims))
    bias = np.array([0.2, -0.1, 0.05])
    path = tmp_path / "softmax.bin"
    write_softmax_model(path, feats, weights, bias, ["x", "y", "z"])
    model = fasttext.load_model(str(path))
    lines = [*SOFTMAX_LINES, "unseen words only"]
    logits = mean_rows(feats.transform(lines)) @ weights.T + bias
    want = np.exp(logits - logits.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    for line, row in zip(lines, want, strict=True):
        got = {
            lb.removeprefix("__label__"): p
            for p, lb in model.f.predict(line + "\n", 3, 0.0, "strict")
        }
        assert [got["x"], got["y"], got["z"]] == pytest.approx(row, abs=2e-5)
    with pytest.raises(ValueError, match="do not fit"):
        write_softmax_model(path, feats, weights[:2], bias, ["x", "y", "z"])
