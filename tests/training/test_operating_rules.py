"""Review capacity into the product (issue #20, part 4): ``nigran eval --file --review-share
--write-rules`` writes a rules version whose review bars keep to the share, and moderation under
that version sends no more than the share of a labelled slice to review for the category."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nigran.detect.text.classifiers import default_header_path
from nigran.model import Content, ContentKind, TextField, utcnow
from nigran.store import Store
from nigran.training import datasets as D

shipped = pytest.mark.skipif(
    not default_header_path().is_file(), reason="shipped text classifiers not built"
)


def _slice(tmp_path: Path, shared_data: Path) -> tuple[Path, list[str], list[int]]:
    test = D.ruhsold_task1(shared_data).splits["test"]
    texts, labels = list(test.texts[:300]), [int(v) for v in test.labels[:300]]
    sample = tmp_path / "slice.csv"
    with sample.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["msg", "y"])
        w.writerows([t, "abusive" if y else "ok"] for t, y in zip(texts, labels, strict=True))
    return sample, texts, labels


ARGS = ["--text-col", "msg", "--label-col", "y", "--positive", "abusive"]


@shipped
def test_a_lower_review_share_sends_fewer_benign_items_to_review(
    tmp_path: Path, shared_data: Path, sqlite_store: Store
) -> None:
    from typer.testing import CliRunner

    from nigran.cli import build_app
    from nigran.policy.engine import engine_from_text
    from nigran.runtime.pipeline import Pipeline
    from nigran.training.operating import review_rules

    sample, texts, labels = _slice(tmp_path, shared_data)
    items = [
        Content(id=f"c{i}", kind=ContentKind.COMMENT, author="a", texts={TextField.BODY: t})
        for i, t in enumerate(texts)
    ]
    env = {"NIGRAN_TRAINING_DATA_DIR": str(shared_data)}
    args = ["eval", "--file", str(sample), *ARGS, "--category", "harassment"]
    benign_reviewed: dict[float, int] = {}
    for n, share in enumerate((0.2, 0.05), start=1):
        rules = tmp_path / f"2026.12.{n}.yaml"
        res = CliRunner().invoke(
            build_app(), [*args, "--review-share", str(share), "--write-rules", str(rules)], env=env
        )
        assert res.exit_code == 0, res.output
        assert f"wrote {rules}" in res.output.replace("\n", "")
        engine = engine_from_text(rules.read_text(encoding="utf-8"), str(rules))
        assert engine.ruleset.status == "proposed"
        # What `nigran moderate` does with each batch, under the new version.
        analysed = Pipeline(sqlite_store, policy=engine).analyse(items, utcnow())
        bars = review_rules(engine.rules, "harassment")
        sent = [
            any(r.matches(s) is not None for r in bars for s in sigs if s.category == "harassment")
            for _, sigs, _ in analysed
        ]
        # Roman Urdu, the language of 294 rows, gets a bar (English, 6 rows, keeps its own).
        roman = [k for k, (lang, _, _) in enumerate(analysed) if lang == "ur-Latn"]
        assert len(roman) > 250
        assert 0 < sum(sent[k] for k in roman) <= share * len(roman)
        benign_reviewed[share] = sum(
            1
            for (_, _, decision), y in zip(analysed, labels, strict=True)
            if decision.review is not None and not y
        )
        # A rules version is never written over.
        again = CliRunner().invoke(
            build_app(), [*args, "--review-share", "0.1", "--write-rules", str(rules)], env=env
        )
        assert again.exit_code != 0 and "never rewritten" in again.output
    assert benign_reviewed[0.05] < benign_reviewed[0.2]


@shipped
def test_without_a_share_each_queues_own_review_share_sets_the_bars(
    tmp_path: Path, shared_data: Path
) -> None:
    from typer.testing import CliRunner

    from nigran.cli import build_app
    from nigran.policy.engine import engine_from_text
    from nigran.training.operating import review_rules

    sample, _, _ = _slice(tmp_path, shared_data)
    queues = tmp_path / "queues.yaml"
    queues.write_text(
        "queues:\n"
        "  - {id: ur-Latn-hate, languages: [ur-Latn], categories: [harassment],\n"
        "     review_share: 0.1}\n"
        "  - {id: general}\n",
        encoding="utf-8",
    )
    rules = tmp_path / "2026.12.1.yaml"
    env = {"NIGRAN_TRAINING_DATA_DIR": str(shared_data), "NIGRAN_REVIEW_QUEUES": str(queues)}
    args = ["eval", "--file", str(sample), *ARGS, "--write-rules", str(rules)]
    res = CliRunner().invoke(build_app(), args, env=env)
    assert res.exit_code == 0, res.output
    (review,) = review_rules(
        engine_from_text(rules.read_text(encoding="utf-8"), "r").rules, "harassment"
    )
    assert review.thresholds is not None
    # Roman Urdu's queue asked for 10%: its bar moved; English's queue (general) set nothing.
    assert review.thresholds.for_language("ur-Latn") > 0.6
    assert review.thresholds.for_language("en") == review.thresholds.default == 0.6
