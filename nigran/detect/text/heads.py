"""What every shipped head needs at run time, the linear classifier heads
(:mod:`~nigran.detect.text.classifiers`) and the optional encoder heads
(:mod:`~nigran.detect.text.encoder`) alike: its JSON header, read and checked, and its Platt
scaling, ``sigmoid(a * raw + b)``. Training fits and writes them (:mod:`nigran.training`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nigran.errors import ConfigError

Array = NDArray[np.float64]


def sigmoid(z: Array) -> Array:
    """The logistic function, clipped so large margins never overflow ``exp``."""
    out: Array = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
    return out


def read_header(path: Path, what: str, fmt: str, builder: str) -> dict[str, Any]:
    """A model's JSON header, checked to be of format ``fmt``; a missing or unreadable file is a
    ConfigError naming the file and the command (``builder``) that writes it."""
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} {path} not found: run {builder} to build them") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{what} {path} are unreadable: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != fmt:
        raise ConfigError(f"{what} {path} are unreadable: not {fmt}")
    return header
