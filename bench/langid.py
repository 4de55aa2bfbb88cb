"""Language ID speed, with lid.176 alone as the baseline in the same process.

    python -m bench.langid [--data DIR] [--n 20000]

Prints, on one core: texts/s over batches and single-call latency (p50/p99) for Nigran's
identifier (script count, Latin head or lid.176 + Arabic-script rule, code-mix flag) and for
lid.176 alone (one fastText call per text, top label), on all texts and per script; and the
pipeline's cached path (``guess_languages``) when each text is asked for twice, as the pipeline
and a detector do. Texts are held-out rows of RUHSOLD, Urdu threat and OLID (never printed),
interleaved and cycled to ``--n``; the load average is printed because other work shares the CPUs.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402

import numpy as np  # noqa: E402

from bench.text import cycled, interleaved, latency, test_split_pools, throughput  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()

    from nigran.detect.text import langid as L
    from nigran.training import datasets as D

    root = D.data_dir(args.data)
    pools = test_split_pools(root)
    texts = cycled(interleaved(pools), args.n)
    print(f"{len(texts)} texts, mean {np.mean([len(t) for t in texts]):.0f} chars, one core")

    ident = L.LanguageIdentifier()
    if ident.latin is None:
        raise SystemExit("no Latin head: run `nigran train --only langid` first")
    ident.identify("warm up")
    L.lid176("warm up")

    def lid_alone(batch: Sequence[str]) -> object:
        return [L.lid176(t, 1) for t in batch]

    def cached_twice(batch: Sequence[str]) -> object:
        L._RECENT.clear()
        L.guess_languages(batch)
        return L.guess_languages(batch)

    rows: list[tuple[str, Callable[[Sequence[str]], object], Sequence[str]]] = [
        ("Nigran identify_batch, all texts", ident.identify_batch, texts),
        ("lid.176 alone, all texts", lid_alone, texts),
    ]
    for name, pool in pools.items():
        cyc = cycled(pool, args.n // 3)
        rows.append((f"Nigran, {name} only", ident.identify_batch, cyc))
        rows.append((f"lid.176 alone, {name} only", lid_alone, cyc))
    rows.append(("guess_languages, each text asked twice (per text)", cached_twice, texts))

    print(f"{'what':52} {'texts/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for name, fn, data in rows:
        fn(data[:256])
        tput = throughput(fn, data)
        p50, p99 = latency(fn, data, n=5000)
        print(f"{name:52} {tput:10.0f} {p50:8.4f} {p99:8.4f}")
    print(f"identifier {ident.version}; load average {os.getloadavg()[0]:.2f} (2 cores shared)")


if __name__ == "__main__":
    main()
