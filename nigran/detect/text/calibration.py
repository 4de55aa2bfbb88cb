"""Calibrated probabilities at run time: a head's Platt scaling maps a raw score to
``sigmoid(a * raw + b)``. Training fits ``a`` and ``b`` (:mod:`nigran.training.nblr`); the
classifiers and the encoder heads only apply them, so this is all the serving path needs."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def sigmoid(z: Array) -> Array:
    """The logistic function, clipped so large margins never overflow ``exp``."""
    out: Array = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
    return out
