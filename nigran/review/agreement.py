"""Agreement between reviewers: Cohen's κ for a pair, Krippendorff's α for a group (nominal).

Pure functions over labels, so the QA dashboard, the CLI and the tests compute them alike.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import permutations


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """κ for two raters over the items both labelled; None with no items or no variation."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[k] * second.get(k, 0) for k in first) / (n * n)
    if expected == 1.0:
        return None  # both always said the same single label: κ is undefined
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(units: Iterable[Sequence[str]]) -> float | None:
    """Nominal α over units, each the labels its raters gave (units with one label are skipped).

    α = 1 − D_o / D_e from the coincidence matrix; None when there are no pairable values or
    every value is the same (no disagreement is possible, α undefined).
    """
    coincidences: defaultdict[tuple[str, str], float] = defaultdict(float)
    for labels in units:
        m = len(labels)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            coincidences[(labels[i], labels[j])] += 1.0 / (m - 1)
    n = sum(coincidences.values())
    if n == 0:
        return None
    marginals: defaultdict[str, float] = defaultdict(float)
    for (c, _), v in coincidences.items():
        marginals[c] += v
    d_o = sum(v for (c, k), v in coincidences.items() if c != k) / n
    d_e = sum(marginals[c] * marginals[k] for c in marginals for k in marginals if c != k) / (
        n * (n - 1)
    )
    if d_e == 0:
        return None
    return 1.0 - d_o / d_e


def pairwise_kappa(
    units: Mapping[str, Mapping[str, str]],
) -> dict[tuple[str, str], tuple[float | None, int]]:
    """κ and the number of shared items for each pair of raters; ``units[item][rater] = label``."""
    by_pair: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for labels in units.values():
        raters = sorted(labels)
        for i, a in enumerate(raters):
            for b in raters[i + 1 :]:
                by_pair.setdefault((a, b), []).append((labels[a], labels[b]))
    return {pair: (cohen_kappa(p), len(p)) for pair, p in sorted(by_pair.items())}
