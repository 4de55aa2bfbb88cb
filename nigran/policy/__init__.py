"""Policy: signals plus context in, a decision out.

A policy is pure: given the same content, signals and context it returns the same decision, which
is what makes shadow mode (replaying stored content through another version) honest. The core
runs the jurisdiction-aware rule engine (:mod:`nigran.policy.engine`); the minimal
:class:`nigran.policy.basic.BasicPolicy` stays as the simplest example of the protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from nigran.model import Content, Decision, Signal, utcnow


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What a policy may know beyond the item and its signals.

    Everything here is an input, never looked up by the policy itself: that keeps ``decide`` pure
    and lets shadow mode replay a stored context exactly.
    """

    now: datetime = field(default_factory=utcnow)
    author_strikes: int = 0
    """Strikes on the author's account in force now (each a past policy violation)."""
    viewer_countries: tuple[str, ...] = ()
    """Countries the item is being served to (ISO alpha-2); empty when unknown."""
    audience_min_age: int | None = None
    """Youngest age of the audience the item is shown to; overrides ``Content.audience_min_age``."""
    author_prior_removals: int = 0
    """Items of this author removed in the last 90 days (repeat-offender rules)."""


@runtime_checkable
class Policy(Protocol):
    version: str

    def decide(
        self, content: Content, signals: Sequence[Signal], context: PolicyContext
    ) -> Decision: ...


def default_policy() -> Policy:
    """The jurisdiction-aware rule engine at the latest rules version, over the shipped packs."""
    return rule_engine()


def rule_engine(version: str | None = None) -> Policy:
    """The jurisdiction-aware rule engine at ``version`` (default: the latest rules file)."""
    from nigran.policy.engine import load_engine

    return load_engine(version)
