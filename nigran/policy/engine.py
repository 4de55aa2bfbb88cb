"""The rule engine: compiled rules (:mod:`nigran.policy.ruleset`) over signals and context.

Rules are indexed once by category; ``decide`` is then a few dictionary lookups per signal, and
builds a :class:`~nigran.model.Decision` whose explanation names every rule that fired, the
signals it used, and the policy version (rules version plus a digest of the packs).

Conflict order (documented, and what :meth:`RuleEngine.decide` implements):

1. **Legal obligations in a country first.** Law actions (``Ground(kind="law")``) are always kept:
   each is an obligation with its own ground, scope, reversal path and reporting duty. Within one
   country the most severe law action wins; a less severe one there is dropped (and the
   explanation says so).
2. **Then global policy.** Among policy actions scoped globally, the most severe wins.
3. **Most severe action wins within a scope.** A policy action limited to some countries survives
   only where it is more severe than both the global policy action and the law action already
   in force in that country. Account suspension is its own lane (it acts on the author, not the
   item) and is kept when any rule asks for it.

Review routing merges the same way: the highest category severity picks the queue; the earliest
deadline wins (an authority order's legal clock beats a queue SLO).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from nigran.errors import NigranError, NotFound, PackInvalid
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
from nigran.policy.deadlines import order_deadline
from nigran.policy.durations import Duration, add_duration
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.ruleset import (
    Effect,
    Rule,
    Ruleset,
    active_version,
    compile_rules,
    rules_dir,
    versions,
)
from nigran.policy.taxonomy import Category, taxonomy
from nigran.policy.yaml_lines import load_located

__all__ = ["RuleEngine", "active_version", "engine_from_text", "load_engine", "versions"]

_UTC_ZONE = ZoneInfo("UTC")
_GLOBAL = Scope.everywhere()

_SEV = {t: t.severity for t in ActionType}

_M = TypeVar("_M", bound=BaseModel)


def _build(cls: type[_M], **values: Any) -> _M:
    """Construct a model from values the engine already knows are valid (built from validated
    rules and signals), skipping validation: ``model_construct`` costs ~5 µs, this ~1 µs, and a
    decision builds several. Every field must be given; a test round-trips decisions through
    ``model_validate`` to keep this honest."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _after(now: datetime, d: Duration) -> datetime:
    # Without months or years a duration is a fixed length, and in UTC a day is always 24 h.
    return now + d.fixed if not (d.years or d.months) else add_duration(now, d, _UTC_ZONE)


@dataclass(slots=True)
class _Candidate:
    action: Action
    rule: str
    hit: int  # index into hits


@dataclass(slots=True)
class _Acc:
    """Per-decision scratch state."""

    hits: list[RuleHit] = field(default_factory=list)
    law: list[_Candidate] = field(default_factory=list)
    policy: list[_Candidate] = field(default_factory=list)
    account: list[_Candidate] = field(default_factory=list)
    review: ReviewRouting | None = None
    notes: dict[int, str] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)
    """Legal ground -> user-notice mode of the order that invoked it."""


class RuleEngine:
    """Implements :class:`nigran.policy.Policy` over a rules file and the packs in force."""

    def __init__(self, ruleset: Ruleset, packs: PackSet) -> None:
        self.ruleset = ruleset
        self.rules_version = ruleset.version
        self.status = ruleset.status
        self.version = f"{ruleset.version}+packs.{ruleset.packs_digest}"
        self.description = ruleset.description
        self.rules = ruleset.rules
        self.packs = packs
        self.review_queue = ruleset.review_queue
        rules = ruleset.rules
        self.categories: dict[str, Category] = taxonomy()
        self._by_category: dict[str, tuple[Rule, ...]] = {}
        self._any_category: tuple[Rule, ...] = tuple(r for r in rules if r.categories is None)
        cats: dict[str, list[Rule]] = {}
        for r in rules:
            for c in r.categories or ():
                cats.setdefault(c, []).append(r)
        for c, rs in cats.items():
            merged = {r.index: r for r in (*rs, *self._any_category)}
            self._by_category[c] = tuple(merged[k] for k in sorted(merged))

    # -- deciding --------------------------------------------------------------------------------

    def _rules_for(self, category: str) -> tuple[Rule, ...]:
        return self._by_category.get(category, self._any_category)

    def decide(
        self, content: Content, signals: Sequence[Signal], context: PolicyContext
    ) -> Decision:
        # Which rules fire, and on which signals (a rule fires once, citing every signal that
        # passed its bar; the strongest one is quoted in the reason).
        fired: dict[int, tuple[Rule, list[int], float]] = {}
        ctx_ok: dict[int, bool] = {}
        for i, s in enumerate(signals):
            for rule in self._rules_for(s.category):
                bar = rule.matches(s)
                if bar is None:
                    continue
                if rule.context is not None:
                    ok = ctx_ok.get(rule.index)
                    if ok is None:
                        ok = ctx_ok[rule.index] = rule.context.holds(content, context)
                    if not ok:
                        continue
                got = fired.get(rule.index)
                if got is None:
                    fired[rule.index] = (rule, [i], bar)
                else:
                    got[1].append(i)
        if not fired:
            return _build(
                Decision,
                content_id=content.id,
                content_version=content.version,
                actions=[],
                review=None,
                automated=True,
                decided_by=None,
                policy_version=self.version,
                statement="",
                explanation=[],
                decided_at=context.now,
            )
        acc = _Acc()
        for idx in sorted(fired):
            rule, used, bar = fired[idx]
            self._fire(rule, used, bar, signals, content, context, acc)
        actions = self._resolve(acc)
        for k, note in acc.notes.items():
            h = acc.hits[k]
            acc.hits[k] = _build(RuleHit, rule=h.rule, reason=h.reason + note, signals=h.signals)
        return _build(
            Decision,
            content_id=content.id,
            content_version=content.version,
            actions=actions,
            review=acc.review,
            automated=True,
            decided_by=None,
            policy_version=self.version,
            statement=self._statement(actions, acc.orders),
            explanation=acc.hits,
            decided_at=context.now,
        )

    def _fire(
        self,
        rule: Rule,
        used: list[int],
        bar: float,
        signals: Sequence[Signal],
        content: Content,
        ctx: PolicyContext,
        acc: _Acc,
    ) -> None:
        best = max(used, key=lambda i: signals[i].score)
        s = signals[best]
        if rule.order_queue is not None:
            self._fire_order(rule, used, s, ctx, acc)
            return
        lang = s.language or "?"
        what: list[str] = []
        hit = len(acc.hits)
        for e in rule.effects:
            if e.only_category is not None and e.only_category != s.category:
                continue
            action = e.action or self._dynamic_action(e, content, ctx)
            if action is None:
                what.append(f"{e.action_type} skipped: no {e.scope_from} known")
                continue
            if e.expires is not None:
                action = action.model_copy(
                    update={"expires_at": add_duration(ctx.now, e.expires, _UTC_ZONE)}
                )
            held = self._held_for_review(action, ctx) if e.layer == "law" else None
            if held is not None:
                # An unverified or stale legal ground is not enforced by automation: a legal
                # reviewer decides (the pack may say ``unverified_terms: enforce`` instead).
                self._route(acc, "legal", s.category, None, severity=4)
                what.append(f"law:{action.ground.code} held for legal review ({held})")
                continue
            bucket = (
                acc.law if e.layer == "law" else acc.account if e.layer == "account" else acc.policy
            )
            bucket.append(_Candidate(action, rule.id, hit))
            what.append(
                e.label
                if e.label and action is e.action
                else f"{action.type.value} ({action.scope}) on {action.ground}"
            )
        if rule.review_queue is not None:
            deadline = _after(ctx.now, rule.review_deadline) if rule.review_deadline else None
            self._route(acc, rule.review_queue, s.category, deadline)
            what.append(
                f"review in {rule.review_queue}"
                + (f" within {rule.review_deadline}" if rule.review_deadline else "")
            )
        acc.hits.append(
            _build(
                RuleHit,
                rule=f"{self.rules_version}/{rule.id}",
                reason=f"{s.category} {s.score:.2f} >= {bar:.2f} [{lang}, {s.source}]: "
                + "; ".join(what),
                signals=sorted(used),
            )
        )

    def _fire_order(
        self, rule: Rule, used: list[int], s: Signal, ctx: PolicyContext, acc: _Acc
    ) -> None:
        """An authority order: the signal's category is a legal ground code; details carry the
        order's ``country``, ``order_type`` and ``received_at``."""
        details = s.evidence.details
        hit = len(acc.hits)
        ground = self.packs.grounds.get(s.category)
        if ground is None:
            acc.hits.append(
                _build(
                    RuleHit,
                    rule=f"{self.rules_version}/{rule.id}",
                    reason=f"order cites {s.category!r}, not a legal ground in the packs:"
                    " legal review",
                    signals=sorted(used),
                )
            )
            self._route(acc, rule.order_queue or "legal", s.category, None, severity=4)
            return
        country = str(details.get("country") or "")
        pack = self.packs.packs[ground.pack]
        if ground.action is ActionType.REMOVE:
            scope = _GLOBAL
        elif country and country in pack.territory:
            scope = Scope.only(country)  # Art. 9-style "strictly necessary": the issuing state
        else:
            scope = pack.scope
        action = _build(
            Action,
            type=ground.action,
            scope=scope,
            ground=Ground(kind="law", code=ground.code),
            min_age=None,
            expires_at=None,
        )
        acc.law.append(_Candidate(action, rule.id, hit))
        acc.orders.setdefault(ground.code, "unknown")
        reason = f"order on {ground.code} ({ground.label}): {ground.action.value} in {scope}"
        deadline = None
        otype, received = details.get("order_type"), details.get("received_at")
        if otype and received:
            try:
                when = (
                    received
                    if isinstance(received, datetime)
                    else datetime.fromisoformat(str(received))
                )
                # The order type may live in a parent pack (an Art. 9 order on a German ground).
                order_rule = self.packs.order_type(str(otype))
                acc.orders[ground.code] = order_rule.user_notice.mode
                d = order_deadline(self.packs.packs[order_rule.pack], str(otype), when)
                deadline = d.act_by.astimezone(_UTC_ZONE)
                reason += (
                    f"; {otype} deadline {deadline:%Y-%m-%dT%H:%MZ} ({d.standard}, {d.basis},"
                    f" term from {d.term_from}, {d.verification.status});"
                    f" user notice {order_rule.user_notice.mode}"
                )
            except (NigranError, ValueError) as exc:
                reason += f"; deadline unknown ({exc})"
        self._route(acc, rule.order_queue or "legal", s.category, deadline, severity=4)
        acc.hits.append(
            _build(
                RuleHit, rule=f"{self.rules_version}/{rule.id}", reason=reason, signals=sorted(used)
            )
        )

    def _dynamic_action(self, e: Effect, content: Content, ctx: PolicyContext) -> Action | None:
        if e.scope_from == "viewers":
            countries = ctx.viewer_countries
        else:
            countries = (content.upload_country,) if content.upload_country else ()
        if not countries:
            return None
        assert e.action_type is not None and e.ground is not None
        return Action(
            type=e.action_type, scope=Scope.only(*countries), ground=e.ground, min_age=e.min_age
        )

    def _held_for_review(self, action: Action, ctx: PolicyContext) -> str | None:
        ground = self.packs.grounds.get(action.ground.code)
        if ground is None:
            return None
        return self.packs.pack(ground.pack).held_for_review(ground, ctx.now.date())

    def _route(
        self,
        acc: _Acc,
        queue: str,
        category: str,
        deadline: datetime | None,
        severity: int | None = None,
    ) -> None:
        sev = (
            severity
            if severity is not None
            else (self.categories[category].severity if category in self.categories else 2)
        )
        cur = acc.review
        if cur is None:
            acc.review = _build(
                ReviewRouting, queue=queue, category=category, severity=sev, deadline=deadline
            )
            return
        top = (
            (sev, queue, category)
            if sev > cur.severity
            else (cur.severity, cur.queue, cur.category)
        )
        deadlines = [d for d in (cur.deadline, deadline) if d is not None]
        acc.review = _build(
            ReviewRouting,
            queue=top[1],
            category=top[2],
            severity=top[0],
            deadline=min(deadlines) if deadlines else None,
        )

    def _resolve(self, acc: _Acc) -> list[Action]:
        """Apply the documented conflict order to the candidate actions."""
        out: list[Action] = []
        # 1. law: most severe first; a country already covered by an equal or more severe law
        #    action drops the lesser one there.
        covered: dict[str, int] = {}
        global_law = -1
        for c in sorted(acc.law, key=lambda c: -_SEV[c.action.type]):
            sev = _SEV[c.action.type]
            if c.action.scope.countries is None:
                if sev <= global_law:
                    acc.notes[c.hit] = f" [superseded: {c.action.type.value} already global]"
                    continue
                global_law = sev
                out.append(c.action)
                continue
            keep = tuple(
                x for x in c.action.scope.countries if covered.get(x, -1) < sev and global_law < sev
            )
            if not keep:
                acc.notes[c.hit] = " [already covered by an equal or more severe legal action]"
                continue
            for x in keep:
                covered[x] = sev
            out.append(
                c.action
                if len(keep) == len(c.action.scope.countries)
                else c.action.model_copy(update={"scope": Scope.only(*keep)})
            )
        # 2. global policy: most severe wins.
        glob = [c for c in acc.policy if c.action.scope.countries is None]
        best_global = max(glob, key=lambda c: _SEV[c.action.type], default=None)
        floor = _SEV[best_global.action.type] if best_global else -1
        for c in glob:
            if c is not best_global:
                acc.notes[c.hit] = (
                    f" [superseded by {best_global.action.type.value} (global)]"
                    if best_global
                    else ""
                )
        if best_global is not None:
            out.append(best_global.action)
        # 3. country-scoped policy: only where more severe than what already applies there.
        for c in acc.policy:
            if c.action.scope.countries is None:
                continue
            sev = _SEV[c.action.type]
            keep = tuple(
                x for x in c.action.scope.countries if sev > floor and covered.get(x, -1) < sev
            )
            if not keep:
                acc.notes[c.hit] = " [superseded by a more severe action in scope]"
                continue
            out.append(
                c.action
                if len(keep) == len(c.action.scope.countries)
                else c.action.model_copy(update={"scope": Scope.only(*keep)})
            )
        if acc.account:
            out.append(acc.account[0].action)
        return out

    def _statement(self, actions: list[Action], orders: Mapping[str, str]) -> str:
        """The statement of reasons. An action taken on an order whose notice the law restricts
        (India's s.69A blocking, Blocking Rules r.16) names no ground or order: only that a legal
        requirement applies where it applies."""
        if not actions:
            return ""
        parts = []
        for a in actions:
            notice = orders.get(a.ground.code) if a.ground.kind == "law" else None
            if notice == "restricted_by_law":
                parts.append(f"not available in {a.scope} because of a legal requirement")
                continue
            if a.ground.kind == "law":
                g = self.packs.grounds.get(a.ground.code)
                why = f"the law of {g.pack} ({g.legal_basis}: {g.label})" if g else a.ground.code
                if notice is not None:
                    why = "an authority order applying " + why
            else:
                cat = self.categories.get(a.ground.code)
                why = f"our community guidelines ({cat.name.lower() if cat else a.ground.code})"
            where = "everywhere" if a.scope.is_global else f"in {a.scope}"
            verb = a.type.value.replace("_", " ")
            if a.type is ActionType.AGE_RESTRICT:
                verb += f" (under {a.min_age}s)"
            parts.append(f"{verb} {where} under {why}")
        how = "following an authority order" if orders else "by automated means"
        return (
            f"Your content was restricted {how}: "
            + "; ".join(parts)
            + ". You can appeal this decision."
        )

    # -- introspection -----------------------------------------------------------------------------

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise NotFound(f"no rule {rule_id!r} in rules {self.rules_version}")


# -- loading -------------------------------------------------------------------------------------


def engine_from_text(text: str, where: str, packs: PackSet | None = None) -> RuleEngine:
    loc = load_located(text, where)
    packs = packs or default_packs()
    ruleset, issues = compile_rules(loc, packs)
    if ruleset is None:
        raise PackInvalid("; ".join(f"line {i.line}: {i.message}" for i in issues), where=where)
    return RuleEngine(ruleset, packs)


@cache
def load_engine(version: str | None = None) -> RuleEngine:
    """The engine for rules ``version`` (default: the active one) over the shipped packs."""
    known = versions()
    version = version or active_version()
    if version not in known:
        raise NotFound(f"no rules version {version!r}; known: {known}")
    path = rules_dir() / f"{version}.yaml"
    return engine_from_text(path.read_text(encoding="utf-8"), str(path))
