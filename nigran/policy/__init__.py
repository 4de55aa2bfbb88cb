"""Policy: signals plus context in, a decision out.

A policy is pure: given the same content, signals and context it returns the same decision, which
is what makes shadow mode (replaying stored content through another version) honest. The core
ships :class:`nigran.policy.basic.BasicPolicy`; the jurisdiction-aware rule engine plugs in behind
the same :class:`Policy` protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from nigran.model import Content, Decision, Signal, utcnow


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What a policy may know beyond the item and its signals."""

    now: datetime = field(default_factory=utcnow)
    author_strikes: int = 0
    viewer_countries: tuple[str, ...] = ()


@runtime_checkable
class Policy(Protocol):
    version: str

    def decide(
        self, content: Content, signals: Sequence[Signal], context: PolicyContext
    ) -> Decision: ...


def default_policy() -> Policy:
    from nigran.policy.basic import BasicPolicy

    return BasicPolicy.load_default()
