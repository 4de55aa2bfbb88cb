"""Text path speed and memory, with a TF-IDF + logistic-regression baseline in the same process.

    python -m bench.text [--data DIR] [--n 20000]

Prints, on one core (BLAS threads pinned to 1): texts/s in batch (the fastest of three passes)
and single-call latency (p50/p99) for the whole text path (normalise + langid + lexicon +
classifiers, as the pipeline runs them), for each part on its own, and for the baseline; plus
resident memory of the loaded detectors and the load average (other work on the machine slows
every row alike). Texts are the official test splits (never printed), cycled to ``--n``; the
whole path also runs on the texts of at most 64 characters among them. Those two rows run first
with the garbage collector walking the whole heap, then again (with every other row) after
``nigran.runtime.heap.freeze_loaded``, which the moderating entry points call after loading.

Those rows are the first stage alone. The last rows run the whole path with the second stage
(the cascade detection runs by default: texts the linear heads are unsure about go on to the
fine-tuned encoder) and print the share of texts it read and its cost per text read.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from nigran.detect.text.classify import ClassifierDetector
    from nigran.detect.text.lexicon import LexiconDetector
    from nigran.model import Content

SHORT = 64
"""A comment under a short video: the texts of the test splits this long or shorter."""


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_split_pools(root: Path) -> dict[str, list[str]]:
    """The official test splits the text benchmarks read: Roman Urdu, Urdu, English."""
    from nigran.training import datasets as D

    return {
        "Roman Urdu": D.ruhsold_task1(root).splits["test"].texts,
        "Urdu": D.urdu_threat(root).splits["test"].texts,
        "English": D.olid(root).splits["test"].texts,
    }


def interleaved(pools: dict[str, list[str]]) -> list[str]:
    """One text from each pool in turn, until the shortest runs out."""
    return [t for group in zip(*pools.values(), strict=False) for t in group]


def cycled(pool: Sequence[str], n: int) -> list[str]:
    """``pool`` repeated to exactly ``n`` texts."""
    return (list(pool) * (n // max(len(pool), 1) + 1))[:n]


def throughput(
    fn: Callable[[Sequence[str]], object],
    texts: Sequence[str],
    batch: int = 512,
    passes: int = 3,
) -> float:
    """Texts per second over the fastest of ``passes`` runs through ``texts`` (as ``timeit``
    does: on a shared 2-core machine, other work only ever slows a pass down, so the fastest one
    is the best estimate of the code's own cost; every row, the baseline's too, is measured so)."""
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        for i in range(0, len(texts), batch):
            fn(texts[i : i + batch])
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best


def latency(
    fn: Callable[[Sequence[str]], object], texts: Sequence[str], n: int = 2000
) -> tuple[float, float]:
    times = []
    for t in texts[:n]:
        t0 = time.perf_counter()
        fn([t])
        times.append(time.perf_counter() - t0)
    a = np.asarray(times) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def items(batch: Sequence[str]) -> list[Content]:
    """One comment per text, as the pipeline receives them."""
    from nigran.model import Content, ContentKind, TextField

    return [
        Content(id=f"b{i}", kind=ContentKind.COMMENT, author="a", texts={TextField.BODY: t})
        for i, t in enumerate(batch)
    ]


def whole_path(lex: LexiconDetector, clf: ClassifierDetector) -> Callable[[Sequence[str]], object]:
    """The whole text path on a batch, from Content to lexicon and classifier signals."""
    from nigran.detect.text.langid import guess_languages

    def whole(batch: Sequence[str]) -> object:
        # As runtime/pipeline.py: one batched language ID up front, then the detectors (which
        # ask about the same texts and get the remembered answers).
        its = items(batch)
        guess_languages([" ".join(item.texts.values()) for item in its])
        return lex.detect(its), clf.detect(its)

    return whole


def fresh(fn: Callable[[Sequence[str]], object]) -> Callable[[Sequence[str]], object]:
    """Every call starts with the memories of recent texts (normalize_text's and language ID's)
    empty: the texts here repeat, live traffic mostly does not (within one call the detectors
    still share them, as in the pipeline)."""
    from nigran.detect.text.langid import _RECENT as langid_recent
    from nigran.detect.text.normalize import _RECENT

    def run(batch: Sequence[str]) -> object:
        _RECENT.clear()
        langid_recent.clear()
        return fn(batch)

    return run


def _routed(det: ClassifierDetector, text: str) -> bool:
    """Whether the cascade sends ``text`` to its second stage (as ``family_scores`` decides)."""
    from nigran.detect.text.classifiers import model_input
    from nigran.detect.text.classify import family_of, head_text
    from nigran.detect.text.langid import guess_languages

    family, crossed = family_of(guess_languages([text])[0])
    if family is None or family not in det.model.families:
        return False
    read = head_text(text, crossed)
    probs = det.model.families[family].proba([model_input(read)])
    stage = det.model.second
    assert stage is not None
    names = [det.model.heads[i].name for i in det.model.columns(family)]
    return bool(stage.routed(probs, names)[0].any())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()

    from nigran.training import datasets as D
    from nigran.training.evaluate import baseline_pipeline

    root = D.data_dir(args.data)
    mixed = interleaved(test_split_pools(root))
    texts = cycled(mixed, args.n)
    print(f"{len(texts)} texts, mean {np.mean([len(t) for t in texts]):.0f} chars, one core")

    gc.collect()
    before = rss_mb()
    from nigran.detect.text.classifiers import model_input
    from nigran.detect.text.classify import ClassifierDetector, family_of
    from nigran.detect.text.langid import default_identifier
    from nigran.detect.text.lexicon import LexiconDetector
    from nigran.detect.text.normalize import normalize_text
    from nigran.runtime.heap import freeze_loaded

    clf = ClassifierDetector(second_stage=False)
    cascade = ClassifierDetector(second_stage=True)
    lex = LexiconDetector.from_default_banks()
    ident = default_identifier()
    ident.identify("warm up")
    loaded = rss_mb()
    # Each text's family, found once outside the timings of the classifier-only rows.
    family = {
        t: fam if (fam := family_of(r.language)[0]) and not family_of(r.language)[1] else ""
        for t, r in zip(mixed, ident.identify_batch(mixed), strict=True)
    }

    def heads(batch: Sequence[str]) -> object:
        """model_input plus one C++ call per text with its family's heads (as the detector)."""
        groups: dict[str, list[str]] = {}
        for t in batch:
            groups.setdefault(family[t], []).append(t)
        return [
            clf.model.family_proba(fam, [model_input(t) for t in ts])
            for fam, ts in groups.items()
            if fam in clf.model.families
        ]

    def heads_only(lines: Sequence[str]) -> object:
        groups: dict[str, list[str]] = {}
        for ln in lines:
            groups.setdefault(family_of_line[ln], []).append(ln)
        return [clf.model.family_proba(fam, ls) for fam, ls in groups.items()]

    family_of_line = {model_input(t): family[t] for t in mixed if family[t]}
    prepared = [model_input(t) for t in texts if family[t]]

    whole = whole_path(lex, clf)

    def make_items(batch: Sequence[str]) -> object:
        return items(batch)

    parts: list[tuple[str, Callable[[Sequence[str]], object]]] = [
        ("whole text path (Content -> lexicon + classifier signals)", whole),
        ("  of which: building Content objects", make_items),
        ("  normalize_text", lambda b: [normalize_text(t) for t in b]),
        ("  langid", ident.identify_batch),
        ("  lexicon detector", lambda b: lex.detect(items(b))),
        ("  classifiers: model_input + its family's heads (C++)", heads),
        ("    of which the C++ predictor alone, on prepared lines", heads_only),
    ]

    base = baseline_pipeline()
    r1 = D.ruhsold_task1(root).splits["train"]
    t0 = time.perf_counter()
    base.fit(r1.texts, r1.labels)
    fit_s = time.perf_counter() - t0
    parts.append(
        ("baseline TF-IDF+LR predict_proba (one head, no langid/lexicon)", base.predict_proba)
    )

    short_pool = [t for t in mixed if len(t) <= SHORT]
    short = cycled(short_pool, args.n)
    parts.insert(
        1,
        (
            f"  the same on the {len(short_pool)} texts of <= {SHORT} chars "
            f"(mean {np.mean([len(t) for t in short_pool]):.0f})",
            whole,
        ),
    )

    # The first two rows run again before the heap is frozen, as a library caller that never
    # freezes it would run them (nigran serve, moderate and worker freeze it after loading).
    unfrozen = [
        ("whole text path, heap not frozen", parts[0][1]),
        (f"  the same on the texts of <= {SHORT} chars, heap not frozen", parts[1][1]),
    ]
    parts = unfrozen + parts
    print(f"{'what':64} {'texts/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for k, (name, raw_fn) in enumerate(parts):
        if k == len(unfrozen):
            freeze_loaded()
            print(f"-- heap frozen after loading (gc.freeze: {gc.get_freeze_count()} objects)")
        fn = fresh(raw_fn)
        inputs = prepared if raw_fn is heads_only else short if k in (1, 3) else texts
        fn(inputs[:256])
        tput = throughput(fn, inputs)
        p50, p99 = latency(fn, inputs)
        print(f"{name:64} {tput:10.0f} {p50:8.3f} {p99:8.3f}")
    stage = cascade.model.second
    if stage is None:
        print("second stage: not shipped beside the classifiers (nigran train --only second-stage)")
    else:
        read: list[int] = []
        network = stage.logits

        def counted(batch: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
            read.append(len(batch))
            return network(batch)

        stage.logits = counted  # type: ignore[method-assign,assignment]
        both = fresh(whole_path(lex, cascade))
        both(short[:256])
        read.clear()
        tput = throughput(both, texts, passes=1)
        share = sum(read) / len(texts)
        p50, p99 = latency(both, texts)
        print(
            f"{'whole text path with the second stage (cascade)':64} {tput:10.0f} "
            f"{p50:8.3f} {p99:8.3f}"
        )
        p50s, p99s = latency(both, short)
        print(
            f"{f'  the same on the texts of <= {SHORT} chars':64} {'':10} {p50s:8.3f} {p99s:8.3f}"
        )
        routed = [t for t in texts[:2000] if _routed(cascade, t)]
        stage.logits = network  # type: ignore[method-assign]
        one = latency(lambda b: network(b), routed, n=len(routed))
        print(
            f"second stage: read {share:.1%} of texts; the network alone, one text a call: "
            f"p50 {one[0]:.2f} ms, p99 {one[1]:.2f} ms ({len(routed)} texts); model "
            f"{stage.version}"
        )
    print(
        f"resident memory: {before:.0f} MB before loading, {loaded:.0f} MB with detectors loaded "
        f"(+{loaded - before:.0f} MB); peak "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(f"heads: {len(clf.model.heads)}, model {clf.version}; baseline fit {fit_s:.1f}s")
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
