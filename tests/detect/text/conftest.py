from __future__ import annotations

from tests.training.conftest import shared_data

__all__ = ["shared_data"]
