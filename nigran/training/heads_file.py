"""Writing trained heads as the files :mod:`nigran.detect.text.classifiers` reads: one
``clf-<family>.bin`` per language family (a fastText supervised model whose softmax outputs carry
each head member's sums; see that module for how they are read back) and the JSON header with each
head's calibration and threshold."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nigran.detect.text.classifiers import FORMAT, HeadInfo
from nigran.training.fasttext_format import LOSS_SOFTMAX, FastTextFeatures, write_model
from nigran.training.linear import LinearHead

TARGET_RANGE = 4.0
"""Each label's scale keeps its value within ±4 in softmax space for any line, so a line's
smallest probability stays far above float32's limits and fastText's +1e-5."""


@dataclass
class FamilyHeads:
    """What training hands over for one family: its featuriser and its heads, in order."""

    family: str
    features: FastTextFeatures
    heads: list[tuple[HeadInfo, LinearHead]]


def save(
    families: Sequence[FamilyHeads],
    header_path: Path,
    *,
    meta: dict[str, Any] | None = None,
) -> str:
    """Write one ``clf-<family>.bin`` per family and the JSON header; returns the version."""
    header_path.parent.mkdir(parents=True, exist_ok=True)
    specs: list[dict[str, Any]] = []
    heads: list[dict[str, Any]] = []
    digest = hashlib.sha256()
    for fam in families:
        dims = fam.features.dims
        members = [(h, m) for h, (_, head) in enumerate(fam.heads) for m in head.members]
        j = len(members)
        cols = np.zeros((dims, 2 * j + 1), dtype=np.float64)
        for k, (_, m) in enumerate(members):
            cols[:, k] = m.v
            cols[:, j + k] = m.u
        cols[0, 2 * j] = 1.0  # </s>: once per line, so its mean is 1 / feature count
        # A mean never exceeds the largest value averaged, so this bounds every line's value.
        peak = np.abs(cols).max(axis=0)
        scales = TARGET_RANGE / np.where(peak > 0, peak, 1.0)
        labels = [f"v{k}" for k in range(j)] + [f"u{k}" for k in range(j)] + ["n", "ref"]
        out_rows = np.zeros((len(labels), 2 * j + 1))
        out_rows[np.arange(2 * j + 1), np.arange(2 * j + 1)] = scales
        name = f"clf-{fam.family}.bin"
        path = header_path.parent / name
        write_model(
            path, fam.features, cols.astype(np.float32), labels, loss=LOSS_SOFTMAX, output=out_rows
        )
        digest.update(path.read_bytes())
        for info, head in fam.heads:
            heads.append(asdict(info) | {"threshold": head.threshold})
        specs.append(
            {
                "family": fam.family,
                "file": name,
                "config": fam.features.config.as_dict(),
                "heads": [info.name for info, _ in fam.heads],
                "labels": labels,
                "scales": [*scales.tolist(), 1.0],
                "members": [
                    {
                        "head": h,
                        "bias": m.bias,
                        "platt_a": m.platt_a,
                        "platt_b": m.platt_b,
                        "recipe": str(m.recipe),
                    }
                    for h, m in members
                ],
            }
        )
    body = {"format": FORMAT, "heads": heads, "families": specs, "meta": meta or {}}
    digest.update(json.dumps(body, sort_keys=True).encode())
    version = f"ft-{digest.hexdigest()[:12]}"
    header_path.write_text(
        json.dumps({**body, "version": version}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return version
