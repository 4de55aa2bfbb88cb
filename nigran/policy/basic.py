"""The core's minimal policy: per-category score thresholds to one action each.

The jurisdiction-aware rule engine replaces it; it stays as the simplest honest example of the
:class:`nigran.policy.Policy` protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from nigran.errors import ConfigError
from nigran.model import (
    Action,
    ActionType,
    Content,
    Decision,
    Ground,
    ReviewRouting,
    RuleHit,
    Scope,
    Signal,
)
from nigran.policy import PolicyContext
from nigran.policy.taxonomy import Category, taxonomy


@dataclass(frozen=True, slots=True)
class Threshold:
    action: ActionType | None  # None: route to review
    at: float
    countries: tuple[str, ...] | None = None
    min_age: int | None = None


class BasicPolicy:
    def __init__(self, version: str, rules: dict[str, list[Threshold]], queue: str) -> None:
        self.version = version
        self.rules = rules
        self.queue = queue
        self.categories: dict[str, Category] = taxonomy()
        unknown = set(rules) - set(self.categories)
        if unknown:
            raise ConfigError(f"policy names categories not in the taxonomy: {sorted(unknown)}")

    @classmethod
    def load_default(cls) -> BasicPolicy:
        path = resources.files("nigran.policy") / "basic.yaml"
        return cls.parse(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))

    @classmethod
    def parse(cls, data: Any, where: str) -> BasicPolicy:
        try:
            rules: dict[str, list[Threshold]] = {}
            for category, spec in data["categories"].items():
                ts: list[Threshold] = []
                for key, value in spec.items():
                    if key == "review":
                        ts.append(Threshold(None, float(value)))
                    elif isinstance(value, dict):
                        ts.append(
                            Threshold(
                                ActionType(key),
                                float(value["at"]),
                                tuple(value["countries"]) if "countries" in value else None,
                                value.get("min_age"),
                            )
                        )
                    else:
                        ts.append(Threshold(ActionType(key), float(value)))
                rules[category] = sorted(ts, key=lambda t: t.at, reverse=True)
            return cls(
                str(data["version"]), rules, str(data.get("default_review_queue", "general"))
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"invalid policy: {exc}", where=where) from exc

    def decide(
        self, content: Content, signals: Sequence[Signal], context: PolicyContext
    ) -> Decision:
        best: dict[str, int] = {}
        for i, s in enumerate(signals):
            if s.category in self.rules and (
                s.category not in best or s.score > signals[best[s.category]].score
            ):
                best[s.category] = i
        actions: list[Action] = []
        hits: list[RuleHit] = []
        review: ReviewRouting | None = None
        for category, idx in sorted(best.items()):
            score = signals[idx].score
            reached = [t for t in self.rules[category] if score >= t.at]
            # Per scope (global, or a set of countries) the highest threshold reached acts; review
            # happens only when no action does.
            chosen: dict[tuple[str, ...] | None, Threshold] = {}
            for t in reached:
                if t.action is not None and t.countries not in chosen:
                    chosen[t.countries] = t
            ground = Ground(kind="policy", code=category)
            if not chosen and reached:
                sev = self.categories[category].severity
                if review is None or sev > review.severity:
                    review = ReviewRouting(queue=self.queue, category=category, severity=sev)
                hits.append(
                    RuleHit(
                        rule=f"{self.version}/{category}/review",
                        reason=f"{category} score {score:.2f} >= {reached[0].at:.2f}: review",
                        signals=[idx],
                    )
                )
            for t in chosen.values():
                assert t.action is not None
                scope = Scope.only(*t.countries) if t.countries else Scope.everywhere()
                actions.append(Action(type=t.action, scope=scope, ground=ground, min_age=t.min_age))
                hits.append(
                    RuleHit(
                        rule=f"{self.version}/{category}/{t.action.value}",
                        reason=f"{category} score {score:.2f} >= {t.at:.2f}: "
                        f"{t.action.value} ({scope})",
                        signals=[idx],
                    )
                )
        return Decision(
            content_id=content.id,
            content_version=content.version,
            actions=actions,
            review=review,
            automated=True,
            policy_version=self.version,
            statement=self._statement(actions),
            explanation=hits,
            decided_at=context.now,
        )

    def _statement(self, actions: list[Action]) -> str:
        if not actions:
            return ""
        parts = []
        for a in actions:
            name = self.categories[a.ground.code].name
            where = "everywhere" if a.scope.is_global else f"in {a.scope}"
            parts.append(f"{a.type.value.replace('_', ' ')} {where}: {name.lower()}")
        return (
            "Your content was restricted by automated means under our community guidelines ("
            + "; ".join(parts)
            + "). You can appeal this decision."
        )
