"""What every shipped head needs at run time, the linear classifier heads
(:mod:`~nigran.detect.text.classifiers`) and the optional encoder heads
(:mod:`~nigran.detect.text.encoder`) alike: its JSON header, read and checked, and its Platt
scaling, ``sigmoid(a * raw + b)``; and, for the headers written whole from one dictionary
(encoder heads, the second stage), the version named by the body's digest and the write that
puts it on disk. Training fits and writes them (:mod:`nigran.training`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from nigran.errors import ConfigError

Array = NDArray[np.float64]


class Banded(Protocol):
    """A head that rescores a first-stage head only inside a band of its probability."""

    @property
    def band_lo(self) -> float: ...

    @property
    def band_hi(self) -> float: ...


B = TypeVar("B", bound=Banded)


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


def body_version(prefix: str, body: dict[str, Any]) -> str:
    """``prefix-<12 hex digits>``: the SHA-256 of ``body`` as sorted JSON, so the same content
    always has the same version."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return f"{prefix}-{digest[:12]}"


def write_header(path: Path, body: dict[str, Any], version: str) -> str:
    """``body`` with its ``version`` as indented JSON at ``path``, written whole (a temporary
    file renamed over it); returns the version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps({**body, "version": version}, indent=1, ensure_ascii=False) + "\n"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return version


def in_bands(
    first: Array, names: Sequence[str], by_name: Mapping[str, B]
) -> tuple[NDArray[np.bool_], list[tuple[int, B]]]:
    """Where a later stage rescores ``first`` (rows × heads ``names``): True inside the band of
    each head ``by_name`` serves; and those heads with their columns. The encoder blend and the
    second stage both route by it, so they read exactly the texts their bands hold."""
    inside = np.zeros(first.shape, dtype=bool)
    cols = [(j, by_name[n]) for j, n in enumerate(names) if n in by_name]
    for j, h in cols:
        inside[:, j] = (first[:, j] >= h.band_lo) & (first[:, j] <= h.band_hi)
    return inside, cols
