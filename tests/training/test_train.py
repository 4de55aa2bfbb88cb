"""``nigran train`` end to end on small slices: files written, loadable, reproducible."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nigran.detect.text import classifiers as C
from nigran.training import datasets as D
from nigran.training import train as T
from nigran.training.linear import Extra, Recipe, argmax_offsets, train_head

_slice = D.strided


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> T.Corpus:
    full = T.Corpus.load(shared_data)
    return T.Corpus(*(_slice(getattr(full, f), 240) for f in T.Corpus.__dataclass_fields__))


def test_train_writes_loadable_reproducible_classifiers(corpus: T.Corpus, tmp_path: Path) -> None:
    versions = []
    # The same bytes whatever the caller's BLAS thread count (a machine's core count).
    for run, threads in (("a", 2), ("b", 1)):
        with threadpool_limits(limits=threads):
            version, heads = T.train_classifiers(
                corpus, tmp_path / run / C.HEADER_FILE, log=lambda _: None
            )
        versions.append(version)
    assert versions[0] == versions[1]
    for name in ("classifiers.json", "clf-ur-Latn.bin", "clf-ur.bin", "clf-en.bin"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    model = C.TextClassifiers.load(tmp_path / "a")
    assert model.version == versions[0]
    assert {h.name for h in model.heads} >= {"ur-Latn/offensive", "ur/threat", "en/hate"}
    assert any(h.offset != 0 for h in model.heads if h.name.startswith("ur-Latn/"))
    p = model.proba(corpus.threat.splits["test"].texts[:50])
    assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    for info, head in heads:
        assert 0 < head.threshold < 1, info.name
    # The Roman Urdu harassment head takes the threshold leave-one-source-out chose.
    roman = model.heads[model.head("ur-Latn/offensive")]
    assert roman.threshold == T.ROMAN_THRESHOLD
    assert model.heads[model.head("ur/threat")].threshold != T.ROMAN_THRESHOLD


def test_selection_reports_and_extra_rows_never_score(corpus: T.Corpus) -> None:
    data = T.family_specs(corpus)[1]  # Urdu
    spec = data.specs[1]  # threat
    x, y = data.rows(spec.texts), np.asarray(spec.labels)
    logs: list[str] = []
    head = train_head(
        x, y, recipes=(Recipe("nb", 1.0, True), Recipe("idf", 1.0)), folds=3, log=logs.append
    )
    assert any("selection macro-F1" in m for m in logs)
    assert head.oof is not None and head.oof.shape == y.shape
    other = data.rows(data.specs[0].texts)
    extra = Extra(other, np.asarray(data.specs[0].labels, dtype=np.int64))
    with_extra = train_head(x, y, recipes=(Recipe("nb", 1.0, True),), folds=3, extra=extra)
    # Out-of-fold scores exist for the head's own rows only.
    assert with_extra.oof is not None and with_extra.oof.shape == y.shape
    # A down-weighted extra set moves the head less than a full-weight one.
    light = train_head(
        x, y, recipes=(Recipe("nb", 1.0, True),), folds=3, extra=replace(extra, weight=0.05)
    )
    alone = train_head(x, y, recipes=(Recipe("nb", 1.0, True),), folds=3)
    gap = [float(np.abs(h.oof - alone.oof).mean()) for h in (light, with_extra)]  # type: ignore[operator]
    assert 0 < gap[0] < gap[1]


def test_argmax_offsets_never_lower_macro_f1() -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    probs = rng.random((400, 4)) * 0.5
    probs[np.arange(400), y] += rng.random(400) * 0.4
    probs[:, 0] += 0.2  # one class crowds the others out
    offsets = argmax_offsets(y, probs)
    before = f1_score(y, probs.argmax(axis=1), average="macro")
    after = f1_score(y, (probs + offsets).argmax(axis=1), average="macro")
    assert after > before


def test_reviewed_rows_join_the_training_split_of_their_head(corpus: T.Corpus) -> None:
    rows = [
        ("yeh banda bohat ganda hai", "harassment", "ur-Latn", 1),
        ("تم بہت اچھے ہو", "harassment", "ur", 0),
        ("तुम कमीने हो", "harassment", "hi", 1),  # Hindi: into the Urdu head, in Urdu script
        ("they should all be thrown out", "hate", "en", 1),
        ("بہت اچھی ویڈیو", "sexual", "ur", 1),  # no head for this category and language
    ]
    logged: list[str] = []
    out = T.with_reviews(corpus, rows, log=logged.append)
    r1 = out.ruhsold1.splits["train"]
    assert r1.texts[-1] == "yeh banda bohat ganda hai" and r1.labels[-1] == 1
    assert len(r1.texts) == len(corpus.ruhsold1.splits["train"].texts) + 1
    ab = out.abusive.splits["all"]
    assert ab.texts[-2:] == ["تم بہت اچھے ہو", "تم کمینے ہو"]
    assert ab.labels[-2:] == [0, 1]
    # Davidson's codes: a harmful review is class 0 (hate), a clean one 2 (neither).
    assert out.davidson.splits["all"].labels[-1] == 0
    assert corpus.abusive.splits["all"].texts == out.abusive.splits["all"].texts[:-2]
    assert any("1 rows had no matching head" in line for line in logged)
