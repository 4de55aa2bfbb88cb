"""The text path's cost in CPU instructions per text, counted by valgrind's callgrind: the same
on every run, whatever else the machine is doing, where ``bench.text``'s texts/s move by a third
between runs on the shared 2-core machine. For telling whether a change of a few percent helps.

    python -m bench.text_instructions [--data DIR] [--n 2000] [--rows whole short]

Each row runs in its own process under ``valgrind --tool=callgrind --instr-atstart=no``: it loads
the detectors and warms them on 256 texts uninstrumented, then counts only the timed part of
``bench.text`` (the same whole path, on the same texts) through ``callgrind_control -i on/off``
(the toggle itself costs about 0.5 M instructions, subtracted). The TF-IDF + logistic-regression
baseline is counted the same way, and the ratio printed beside each row. Instructions are not
time (a cache miss costs more than an add), so texts/s stays ``bench.text``'s to report.

Needs valgrind (Debian's package). The three rows take 1.5 minutes. Two runs on 2026-12-05 (2,000
texts a row): whole path 754,414 and 754,903 instructions a text, short texts 472,725 and
472,421, the baseline 1,670,854 and 1,671,051 (0.45 and 0.28 of it); ``bench.text`` timed the
same three at 10,148 / 15,612 / 5,313 texts/s in one run and 7,280 / 10,448 / 4,528 in another.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

TOGGLE_COST = 515_000
"""Instructions that one on/off pair of ``callgrind_control`` costs with nothing between them
(measured: 515,212 and 520,824)."""
ROWS = ("whole", "short", "baseline")


def _mark(state: str) -> None:
    subprocess.run(
        ["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True
    )


def child(row: str, data: str | None, n: int) -> None:
    """Load, warm up, then run ``row`` on ``n`` texts with instrumentation on."""
    from bench.text import SHORT, cycled, fresh, interleaved, test_split_pools, whole_path
    from nigran.detect.text.classify import ClassifierDetector
    from nigran.detect.text.langid import default_identifier
    from nigran.detect.text.lexicon import LexiconDetector
    from nigran.runtime.heap import freeze_loaded
    from nigran.training import datasets as D
    from nigran.training.evaluate import baseline_pipeline

    root = D.data_dir(data)
    mixed = interleaved(test_split_pools(root))
    pool = [t for t in mixed if len(t) <= SHORT] if row == "short" else mixed
    texts = cycled(pool, n)
    fn: Callable[[Sequence[str]], object]
    if row == "baseline":
        base = baseline_pipeline()
        r1 = D.ruhsold_task1(root).splits["train"]
        base.fit(r1.texts, r1.labels)
        fn = base.predict_proba
    else:
        clf, lex = ClassifierDetector(), LexiconDetector.from_default_banks()
        default_identifier().identify("warm up")
        fn = fresh(whole_path(lex, clf))  # as bench.text times it
    fn(texts[:256])
    freeze_loaded()  # as nigran serve, moderate and worker do after loading
    _mark("on")
    for i in range(0, len(texts), 512):
        fn(texts[i : i + 512])
    _mark("off")


def count(row: str, data: str | None, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={Path(tmp) / 'cg.out'}",
            sys.executable,
            "-m",
            "bench.text_instructions",
            "--child",
            row,
            "--n",
            str(n),
        ]
        if data:
            cmd += ["--data", data]
        env = dict(os.environ, NIGRAN_FREEZE_HEAP="1")
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if done.returncode != 0 or not found:
            raise SystemExit(f"{row}: valgrind failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return int(found.group(1).replace(",", "")) - TOGGLE_COST


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument(
        "--rows", nargs="+", choices=ROWS, default=list(ROWS), help="only these (and the baseline)"
    )
    ap.add_argument("--child", choices=ROWS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data, args.n)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind not found: apt-get install valgrind")
    names = {
        "whole": "whole text path (Content -> lexicon + classifier signals)",
        "short": "  the same on the texts of <= 64 chars",
        "baseline": "baseline TF-IDF+LR predict_proba (one head)",
    }
    rows = [r for r in ROWS if r in args.rows or r == "baseline"]
    per_text = {row: count(row, args.data, args.n) / args.n for row in rows}
    print(f"{args.n} texts a row, instructions counted by callgrind")
    print(f"{'what':64} {'instr/text':>12} {'x baseline':>10}")
    for row in rows:
        ratio = per_text[row] / per_text["baseline"]
        print(f"{names[row]:64} {per_text[row]:12,.0f} {ratio:10.2f}")


if __name__ == "__main__":
    main()
