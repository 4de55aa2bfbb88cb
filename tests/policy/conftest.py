from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nigran.model import Content
from nigran.policy.engine import RuleEngine, load_engine
from nigran.policy.packs import PackSet, default_packs


@pytest.fixture(scope="session")
def packs() -> PackSet:
    return default_packs()


@pytest.fixture(scope="session")
def engine() -> RuleEngine:
    return load_engine("2026.11.0")


@pytest.fixture
def post() -> Callable[..., Content]:
    def make(cid: str = "p1", country: str | None = "PK", **kw: Any) -> Content:
        return Content(
            id=cid, kind="video", author="u1", texts={"caption": "x"}, upload_country=country, **kw
        )

    return make
