from __future__ import annotations

import os
from pathlib import Path

import pytest

from nigran.training.datasets import data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The labelled sets; tests that need them skip, saying why, when the folder is absent."""
    root = data_dir(os.environ.get("NIGRAN_TRAINING_DATA_DIR"))
    if not (root / "ruhsold").is_dir():
        why = f"labelled data not found at {root} (set NIGRAN_TRAINING_DATA_DIR)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{why}: in CI the data must be present")
        pytest.skip(why)
    return root
