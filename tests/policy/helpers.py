"""Small builders shared by the policy tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nigran.model import Evidence, Signal, SignalSource
from nigran.policy import PolicyContext

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def sig(
    category: str,
    score: float,
    language: str | None = "ur",
    source: str = "classifier",
    **details: Any,
) -> Signal:
    return Signal(
        source=SignalSource(source),
        detector="test",
        category=category,
        score=score,
        language=language,
        evidence=Evidence(details=details),
    )


def ctx(**kw: Any) -> PolicyContext:
    return PolicyContext(now=NOW, **kw)
