"""Nudity and sexual content: NudeNet's detector (ONNX, on CPU) over images and sampled frames.

The ``nudenet`` wheel carries its model file (``320n.onnx``, 12 MB); Nigran loads that file and
nothing else, so no model is ever downloaded. The session is built here, not by NudeNet, so the
thread count is ours (one by default: the pipeline parallelises across items, not inside one).

NudeNet reports body-part boxes (``FEMALE_BREAST_EXPOSED``, ``BUTTOCKS_COVERED``, ``FACE_MALE``…).
Which labels matter, and from what score, is policy: :data:`DEFAULT_THRESHOLDS` lists the
exposed-body labels that become ``sexual`` signals; covered parts and faces are not reported
unless a threshold is given for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

__all__ = ["DEFAULT_THRESHOLDS", "LABELS", "Detection", "NudityModel", "model_path"]

LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)

DEFAULT_THRESHOLDS: dict[str, float] = {
    "FEMALE_GENITALIA_EXPOSED": 0.45,
    "MALE_GENITALIA_EXPOSED": 0.45,
    "ANUS_EXPOSED": 0.45,
    "FEMALE_BREAST_EXPOSED": 0.5,
    "BUTTOCKS_EXPOSED": 0.55,
}
"""Label -> the lowest score reported. Severity follows the label (see :data:`SEVERITY`)."""

SEVERITY: dict[str, int] = {
    "FEMALE_GENITALIA_EXPOSED": 4,
    "MALE_GENITALIA_EXPOSED": 4,
    "ANUS_EXPOSED": 4,
    "FEMALE_BREAST_EXPOSED": 3,
    "BUTTOCKS_EXPOSED": 2,
}


@dataclass(frozen=True, slots=True)
class Detection:
    label: str
    score: float
    box: tuple[int, int, int, int]
    """``(x, y, width, height)`` in pixels of the image given."""


def model_path() -> Path:
    """The ONNX file inside the installed ``nudenet`` package."""
    return Path(str(resources.files("nudenet") / "320n.onnx"))


class NudityModel:
    name = "nudenet-320n"

    def __init__(self, *, threads: int = 1) -> None:
        import onnxruntime
        from nudenet import nudenet as nn

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._nn: Any = nn
        self.version = self.name

    def detect(self, image: Image.Image) -> list[Detection]:
        """Every box NudeNet finds (score >= 0.2, its own floor); thresholds are the caller's."""
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        blob, x_ratio, y_ratio, x_pad, y_pad, width, height = self._nn._read_image(bgr, 320)
        outputs = self._session.run(None, {self._input: blob})
        raw = self._nn._postprocess(
            outputs, x_pad, y_pad, x_ratio, y_ratio, width, height, 320, 320
        )
        return [
            Detection(str(d["class"]), round(float(d["score"]), 4), tuple(int(v) for v in d["box"]))  # type: ignore[arg-type]
            for d in raw
        ]


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"
