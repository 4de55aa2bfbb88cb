from __future__ import annotations

import os
from pathlib import Path

import pytest

from nigran.detect.text.datasets import data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The labelled sets; tests that need them skip, saying why, when the folder is absent."""
    root = data_dir(os.environ.get("NIGRAN_DATA_DIR"))
    if not (root / "ruhsold").is_dir():
        pytest.skip(f"labelled data not found at {root} (set NIGRAN_DATA_DIR)")
    return root
