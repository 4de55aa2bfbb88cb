"""Shadow mode: replay content through two policy versions and report what would change.

Nothing is enforced or written: both policies are pure, so replaying the stored content and
signals through each and comparing the decisions says exactly what switching would do (for the
parts of the context that were stored; the stored history is read by
:func:`nigran.store.history.stored_history`, which keeps this module free of the store).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nigran.model import Content, Decision, Signal
from nigran.policy import Policy, PolicyContext

REPLAY_LIMITS = (
    "replayed with now = the time the item was received; viewer countries, audience age and "
    "author strikes at that time are not stored, so rules that need them see defaults"
)


def _key(d: Decision) -> tuple[frozenset[tuple[str, str, str, int | None]], str | None]:
    acts = frozenset((a.type.value, str(a.scope), str(a.ground), a.min_age) for a in d.actions)
    return acts, (d.review.queue if d.review else None)


def _describe(d: Decision) -> str:
    parts = [f"{a.type.value}({a.scope}; {a.ground})" for a in d.actions]
    if d.review:
        parts.append(f"review:{d.review.queue}")
    return ", ".join(parts) or "none"


@dataclass(frozen=True, slots=True)
class Change:
    content_id: str
    version: int
    before: str
    after: str
    categories: tuple[str, ...]
    countries: tuple[str, ...]
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]


@dataclass(slots=True)
class DiffReport:
    from_version: str
    to_version: str
    items: int = 0
    changed: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_country: Counter[str] = field(default_factory=Counter)
    by_transition: Counter[str] = field(default_factory=Counter)
    examples: list[Change] = field(default_factory=list)
    limits: str = ""


def diff_decisions(before: Decision, after: Decision) -> Change | None:
    kb, ka = _key(before), _key(after)
    if kb == ka:
        return None
    moved = {
        a
        for a in before.actions
        if (a.type.value, str(a.scope), str(a.ground), a.min_age) not in ka[0]
    }
    moved |= {
        a
        for a in after.actions
        if (a.type.value, str(a.scope), str(a.ground), a.min_age) not in kb[0]
    }
    cats = {a.ground.code for a in moved}
    if kb[1] != ka[1]:
        for d in (before, after):
            if d.review:
                cats.add(d.review.category)
    countries = {c for a in moved for c in (a.scope.countries or ("global",))}
    if not countries:
        countries = {"global"}
    return Change(
        content_id=after.content_id,
        version=after.content_version,
        before=_describe(before),
        after=_describe(after),
        categories=tuple(sorted(cats)),
        countries=tuple(sorted(countries)),
        rules_before=tuple(h.rule for h in before.explanation),
        rules_after=tuple(h.rule for h in after.explanation),
    )


def shadow_diff(
    old: Policy,
    new: Policy,
    history: Iterable[tuple[Content, Sequence[Signal], PolicyContext]],
    *,
    examples: int = 10,
    limits: str = "",
) -> DiffReport:
    """Decide every item with both policies; count and sample the decisions that differ."""
    report = DiffReport(old.version, new.version, limits=limits)
    for content, signals, ctx in history:
        report.items += 1
        change = diff_decisions(
            old.decide(content, signals, ctx), new.decide(content, signals, ctx)
        )
        if change is None:
            continue
        report.changed += 1
        report.by_category.update(change.categories)
        report.by_country.update(change.countries)
        report.by_transition[f"{_outcome(change.before)} -> {_outcome(change.after)}"] += 1
        if len(report.examples) < examples:
            report.examples.append(change)
    return report


def _outcome(described: str) -> str:
    return described.split("(", 1)[0].split(",", 1)[0] if described != "none" else "none"
