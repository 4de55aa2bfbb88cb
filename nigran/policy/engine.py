"""The rule engine: declarative rules (``rules/<version>.yaml``) over signals and context.

A rule says *when* (signal categories, per-language score thresholds, sources, detectors, banks,
model versions; context such as upload country, viewer countries, audience age, reach, author
strikes) and *then* (an action with scope and ground, a legal ground from a jurisdiction pack,
routing to review, or acting on an authority order). Rules compile once into a per-category index;
``decide`` is then a few dictionary lookups per signal.

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

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nigran.errors import InvalidInput, NigranError, NotFound, PackInvalid
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
    SignalSource,
)
from nigran.policy import PolicyContext
from nigran.policy.durations import Duration, add_duration, parse_duration
from nigran.policy.packs import PackSet, default_packs, order_deadline
from nigran.policy.taxonomy import Category, taxonomy
from nigran.policy.yaml_lines import Located, load_located, load_located_file

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_UTC_ZONE = ZoneInfo("UTC")
_GLOBAL = Scope.everywhere()
_WHEN_KEYS = {"category", "min_score", "sources", "detectors", "banks", "model_versions", "context"}
_CONTEXT_KEYS = {
    "upload_country",
    "viewer_countries",
    "audience_under",
    "min_views_per_hour",
    "min_author_strikes",
    "min_prior_removals",
}
_THEN_KEYS = {"action", "law", "review", "order"}


def rules_dir() -> Path:
    return Path(str(resources.files("nigran.policy") / "rules"))


# -- compiled rules ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score bars per language tag: exact tag, then primary subtag, then ``default``."""

    by_lang: Mapping[str, float]
    default: float

    def for_language(self, lang: str | None) -> float:
        if lang is None:
            return self.default
        t = self.by_lang.get(lang)
        if t is not None:
            return t
        base = lang.split("-", 1)[0]
        return self.by_lang.get(base, self.default)


@dataclass(frozen=True, slots=True)
class ContextCondition:
    upload_country: frozenset[str] | None = None
    viewer_countries: frozenset[str] | None = None
    audience_under: int | None = None
    min_views_per_hour: float | None = None
    min_author_strikes: int | None = None
    min_prior_removals: int | None = None

    def holds(self, content: Content, ctx: PolicyContext) -> bool:
        if self.upload_country is not None and content.upload_country not in self.upload_country:
            return False
        if self.viewer_countries is not None and not self.viewer_countries.intersection(
            ctx.viewer_countries
        ):
            return False
        if self.audience_under is not None:
            age = ctx.audience_min_age if ctx.audience_min_age is not None else content.audience_min_age
            # An unknown audience may include minors: the rule applies.
            if age is not None and age >= self.audience_under:
                return False
        if self.min_views_per_hour is not None and content.reach.views_per_hour < self.min_views_per_hour:
            return False
        if self.min_author_strikes is not None and ctx.author_strikes < self.min_author_strikes:
            return False
        return not (
            self.min_prior_removals is not None and ctx.author_prior_removals < self.min_prior_removals
        )


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing a rule does; ``action`` is prebuilt when its scope does not depend on input."""

    layer: str  # "law" | "policy" | "account"
    action: Action | None = None
    scope_from: str | None = None  # "viewers" | "upload_country" for input-dependent scopes
    action_type: ActionType | None = None
    ground: Ground | None = None
    min_age: int | None = None
    expires: Duration | None = None
    only_category: str | None = None
    """For a rule over several categories: this effect applies when the strongest firing signal
    has this category (its ground is that category)."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    index: int
    description: str
    categories: frozenset[str] | None
    thresholds: Thresholds | None
    sources: frozenset[str] | None
    detectors: frozenset[str] | None
    banks: frozenset[str] | None
    model_versions: frozenset[str] | None
    context: ContextCondition | None
    effects: tuple[Effect, ...]
    review_queue: str | None
    review_deadline: Duration | None
    order_queue: str | None

    def matches(self, s: Signal) -> float | None:
        """The threshold passed, or ``None`` if this signal does not fire the rule."""
        if self.sources is not None and s.source.value not in self.sources:
            return None
        if self.detectors is not None and s.detector not in self.detectors:
            return None
        if self.banks is not None and s.evidence.bank not in self.banks:
            return None
        if self.model_versions is not None and s.evidence.model_version not in self.model_versions:
            return None
        if self.thresholds is None:
            return 0.0
        bar = self.thresholds.for_language(s.language)
        return bar if s.score >= bar else None


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


class RuleEngine:
    """Implements :class:`nigran.policy.Policy` over a rules file and the packs in force."""

    def __init__(
        self,
        version: str,
        rules: Sequence[Rule],
        packs: PackSet,
        review_queue: str,
        digest: str,
        description: str = "",
        status: str = "proposed",
    ) -> None:
        self.rules_version = version
        self.status = status
        self.version = f"{version}+packs.{digest}"
        self.description = description
        self.rules = tuple(rules)
        self.packs = packs
        self.review_queue = review_queue
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

    def decide(self, content: Content, signals: Sequence[Signal], context: PolicyContext) -> Decision:
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
            return Decision.model_construct(
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
            acc.hits[k] = RuleHit.model_construct(rule=h.rule, reason=h.reason + note, signals=h.signals)
        return Decision.model_construct(
            content_id=content.id,
            content_version=content.version,
            actions=actions,
            review=acc.review,
            automated=True,
            decided_by=None,
            policy_version=self.version,
            statement=self._statement(actions),
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
                action = action.model_copy(update={"expires_at": add_duration(ctx.now, e.expires, _UTC_ZONE)})
            bucket = acc.law if e.layer == "law" else acc.account if e.layer == "account" else acc.policy
            bucket.append(_Candidate(action, rule.id, hit))
            what.append(f"{action.type.value} ({action.scope}) on {action.ground}")
        if rule.review_queue is not None:
            deadline = (
                add_duration(ctx.now, rule.review_deadline, _UTC_ZONE) if rule.review_deadline else None
            )
            self._route(acc, rule.review_queue, s.category, deadline)
            what.append(f"review in {rule.review_queue}" + (f" by {deadline:%Y-%m-%dT%H:%MZ}" if deadline else ""))
        acc.hits.append(
            RuleHit.model_construct(
                rule=f"{self.rules_version}/{rule.id}",
                reason=f"{s.category} {s.score:.2f} >= {bar:.2f} [{lang}, {s.source.value}]: "
                + "; ".join(what),
                signals=sorted(used),
            )
        )

    def _fire_order(self, rule: Rule, used: list[int], s: Signal, ctx: PolicyContext, acc: _Acc) -> None:
        """An authority order: the signal's category is a legal ground code; details carry the
        order's ``country``, ``order_type`` and ``received_at``."""
        details = s.evidence.details
        hit = len(acc.hits)
        ground = self.packs.grounds.get(s.category)
        if ground is None:
            acc.hits.append(
                RuleHit.model_construct(
                    rule=f"{self.rules_version}/{rule.id}",
                    reason=f"order cites {s.category!r}, not a legal ground in the packs: legal review",
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
        action = Action.model_construct(
            type=ground.action, scope=scope, ground=Ground(kind="law", code=ground.code), min_age=None, expires_at=None
        )
        acc.law.append(_Candidate(action, rule.id, hit))
        reason = f"order on {ground.code} ({ground.label}): {ground.action.value} in {scope}"
        deadline = None
        otype, received = details.get("order_type"), details.get("received_at")
        if otype and received:
            try:
                when = received if isinstance(received, datetime) else datetime.fromisoformat(str(received))
                d = order_deadline(pack, str(otype), when)
                deadline = d.act_by.astimezone(_UTC_ZONE)
                reason += f"; {otype} deadline {deadline:%Y-%m-%dT%H:%MZ} ({d.standard}, {d.basis}, term from {d.term_from}, {d.verification.status})"
            except (NigranError, ValueError) as exc:
                reason += f"; deadline unknown ({exc})"
        self._route(acc, rule.order_queue or "legal", s.category, deadline, severity=4)
        acc.hits.append(
            RuleHit.model_construct(rule=f"{self.rules_version}/{rule.id}", reason=reason, signals=sorted(used))
        )

    def _dynamic_action(self, e: Effect, content: Content, ctx: PolicyContext) -> Action | None:
        if e.scope_from == "viewers":
            countries = ctx.viewer_countries
        else:
            countries = (content.upload_country,) if content.upload_country else ()
        if not countries:
            return None
        assert e.action_type is not None and e.ground is not None
        return Action(type=e.action_type, scope=Scope.only(*countries), ground=e.ground, min_age=e.min_age)

    def _route(
        self, acc: _Acc, queue: str, category: str, deadline: datetime | None, severity: int | None = None
    ) -> None:
        sev = severity if severity is not None else (self.categories[category].severity if category in self.categories else 2)
        cur = acc.review
        if cur is None:
            acc.review = ReviewRouting.model_construct(queue=queue, category=category, severity=sev, deadline=deadline)
            return
        top = (sev, queue, category) if sev > cur.severity else (cur.severity, cur.queue, cur.category)
        deadlines = [d for d in (cur.deadline, deadline) if d is not None]
        acc.review = ReviewRouting.model_construct(
            queue=top[1], category=top[2], severity=top[0], deadline=min(deadlines) if deadlines else None
        )

    def _resolve(self, acc: _Acc) -> list[Action]:
        """Apply the documented conflict order to the candidate actions."""
        out: list[Action] = []
        # 1. law: most severe first; a country already covered by an equal or more severe law
        #    action drops the lesser one there.
        covered: dict[str, int] = {}
        global_law = -1
        for c in sorted(acc.law, key=lambda c: -c.action.type.severity):
            sev = c.action.type.severity
            if c.action.scope.countries is None:
                if sev <= global_law:
                    acc.notes[c.hit] = f" [superseded: {c.action.type.value} already global]"
                    continue
                global_law = sev
                out.append(c.action)
                continue
            keep = tuple(x for x in c.action.scope.countries if covered.get(x, -1) < sev and global_law < sev)
            if not keep:
                acc.notes[c.hit] = " [superseded by a more severe legal action]"
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
        best_global = max(glob, key=lambda c: c.action.type.severity, default=None)
        floor = best_global.action.type.severity if best_global else -1
        for c in glob:
            if c is not best_global:
                acc.notes[c.hit] = f" [superseded by {best_global.action.type.value} (global)]" if best_global else ""
        if best_global is not None:
            out.append(best_global.action)
        # 3. country-scoped policy: only where more severe than what already applies there.
        for c in acc.policy:
            if c.action.scope.countries is None:
                continue
            sev = c.action.type.severity
            keep = tuple(x for x in c.action.scope.countries if sev > floor and covered.get(x, -1) < sev)
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

    def _statement(self, actions: list[Action]) -> str:
        if not actions:
            return ""
        parts = []
        for a in actions:
            if a.ground.kind == "law":
                g = self.packs.grounds.get(a.ground.code)
                why = f"the law of {g.pack} ({g.legal_basis}: {g.label})" if g else a.ground.code
            else:
                cat = self.categories.get(a.ground.code)
                why = f"our community guidelines ({cat.name.lower() if cat else a.ground.code})"
            where = "everywhere" if a.scope.is_global else f"in {a.scope}"
            verb = a.type.value.replace("_", " ")
            if a.type is ActionType.AGE_RESTRICT:
                verb += f" (under {a.min_age}s)"
            parts.append(f"{verb} {where} under {why}")
        return "Your content was restricted by automated means: " + "; ".join(parts) + ". You can appeal this decision."

    # -- introspection -----------------------------------------------------------------------------

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise NotFound(f"no rule {rule_id!r} in rules {self.rules_version}")


# -- loading and lint ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _frozen(value: Any, what: str) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(x, str) and x for x in items):
        raise ValueError(f"{what} must be a name or a non-empty list of names")
    return frozenset(items)


def compile_rules(loc: Located, packs: PackSet) -> tuple[RuleEngine | None, list[RuleIssue]]:
    """Check a rules file against the taxonomy and the packs; build the engine if it is clean."""
    issues: list[RuleIssue] = []
    d = loc.data

    def issue(path: Sequence[str | int], message: str) -> None:
        issues.append(RuleIssue(loc.file, loc.line(path), message))

    if not isinstance(d, dict) or not isinstance(d.get("rules"), list):
        issue((), "a rules file is a mapping with 'version' and a 'rules' list")
        return None, issues
    version = d.get("version")
    if not isinstance(version, str) or not re.match(r"^\d{4}\.\d+\.\d+(-[a-z0-9]+)?$", version):
        issue(("version",), "version must be a string like '2026.11.0'")
        version = "invalid"
    elif Path(loc.file).suffix == ".yaml" and Path(loc.file).stem != version and Path(loc.file).parent == rules_dir():
        issue(("version",), f"version {version!r} must match the file name {Path(loc.file).name}")
    status = d.get("status", "proposed")
    if status not in ("active", "proposed", "retired"):
        issue(("status",), "status must be active, proposed or retired")
    for key in set(d) - {"version", "description", "status", "review_queue", "rules"}:
        issue((key,), f"unknown top-level key {key!r}")
    cats = taxonomy()
    sources = {s.value for s in SignalSource}
    seen: dict[str, int] = {}
    rules: list[Rule] = []
    for i, raw in enumerate(d["rules"]):
        at = ("rules", i)
        if not isinstance(raw, dict):
            issue(at, "a rule is a mapping with id, when and then")
            continue
        rid = raw.get("id")
        if not isinstance(rid, str) or not re.match(r"^[a-z0-9_.-]+$", rid):
            issue((*at, "id"), "rule id must be lower-case letters, digits, '.', '_' or '-'")
            continue
        if rid in seen:
            issue((*at, "id"), f"rule id {rid!r} repeats rule {seen[rid] + 1}")
        seen[rid] = i
        for key in set(raw) - {"id", "description", "when", "then"}:
            issue((*at, key), f"{rid}: unknown key {key!r}")
        when, then = raw.get("when"), raw.get("then")
        if not isinstance(when, dict) or not isinstance(then, dict) or not then:
            issue(at, f"{rid}: needs a 'when' mapping and a non-empty 'then' mapping")
            continue
        for key in set(when) - _WHEN_KEYS:
            issue((*at, "when", key), f"{rid}: unknown condition {key!r}; known: {sorted(_WHEN_KEYS)}")
        for key in set(then) - _THEN_KEYS:
            issue((*at, "then", key), f"{rid}: unknown effect {key!r}; known: {sorted(_THEN_KEYS)}")
        try:
            categories = _frozen(when["category"], "category") if "category" in when else None
            for c in categories or ():
                if c not in cats:
                    issue((*at, "when", "category"), f"{rid}: {c!r} is not a taxonomy category")
            thresholds = None
            if "min_score" in when:
                ms = when["min_score"]
                if not isinstance(ms, dict) or "default" not in ms:
                    raise ValueError("min_score must be a mapping of language -> score with a 'default'")
                for lang, v in ms.items():
                    if not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
                        issue((*at, "when", "min_score", lang), f"{rid}: score for {lang!r} must be between 0 and 1")
                    if lang != "default" and not _LANG.match(str(lang)):
                        issue((*at, "when", "min_score", lang), f"{rid}: {lang!r} is not a language tag (e.g. ur, ur-Latn)")
                thresholds = Thresholds(
                    {str(k): float(v) for k, v in ms.items() if k != "default"}, float(ms["default"])
                )
            srcs = _frozen(when["sources"], "sources") if "sources" in when else None
            for s in srcs or ():
                if s not in sources:
                    issue((*at, "when", "sources"), f"{rid}: unknown signal source {s!r}")
            if categories is None and srcs is None:
                issue((*at, "when"), f"{rid}: a rule must name a category or a source, or it fires on everything")
            ctx = None
            if "context" in when:
                c = when["context"]
                if not isinstance(c, dict):
                    raise ValueError("context must be a mapping")
                for key in set(c) - _CONTEXT_KEYS:
                    issue((*at, "when", "context", key), f"{rid}: unknown context condition {key!r}")
                ctx = ContextCondition(
                    upload_country=_frozen(c["upload_country"], "upload_country") if "upload_country" in c else None,
                    viewer_countries=_frozen(c["viewer_countries"], "viewer_countries") if "viewer_countries" in c else None,
                    audience_under=int(c["audience_under"]) if "audience_under" in c else None,
                    min_views_per_hour=float(c["min_views_per_hour"]) if "min_views_per_hour" in c else None,
                    min_author_strikes=int(c["min_author_strikes"]) if "min_author_strikes" in c else None,
                    min_prior_removals=int(c["min_prior_removals"]) if "min_prior_removals" in c else None,
                )
            effects, rq, rd, oq = _effects(rid, then, categories, packs, at, issue)
        except (ValueError, TypeError, KeyError) as exc:
            issue(at, f"{rid}: {exc}")
            continue
        rules.append(
            Rule(
                id=rid,
                index=i,
                description=str(raw.get("description", "")),
                categories=categories,
                thresholds=thresholds,
                sources=srcs,
                detectors=_frozen(when["detectors"], "detectors") if "detectors" in when else None,
                banks=_frozen(when["banks"], "banks") if "banks" in when else None,
                model_versions=_frozen(when["model_versions"], "model_versions") if "model_versions" in when else None,
                context=ctx,
                effects=effects,
                review_queue=rq,
                review_deadline=rd,
                order_queue=oq,
            )
        )
    if issues:
        return None, issues
    digest = _digest(packs)
    return (
        RuleEngine(
            str(version),
            rules,
            packs,
            str(d.get("review_queue", "general")),
            digest,
            str(d.get("description", "")),
            str(status),
        ),
        [],
    )


def _effects(
    rid: str, then: Mapping[str, Any], categories: frozenset[str] | None, packs: PackSet, at: tuple[str | int, ...], issue: Any
) -> tuple[tuple[Effect, ...], str | None, Duration | None, str | None]:
    effects: list[Effect] = []
    if "action" in then:
        a = then["action"]
        if not isinstance(a, dict) or "type" not in a:
            raise ValueError("action needs a 'type'")
        for key in set(a) - {"type", "scope", "ground", "min_age", "expires"}:
            issue((*at, "then", "action", key), f"{rid}: unknown action key {key!r}")
        atype = ActionType(a["type"])
        ground_text = a.get("ground")
        if ground_text is None:
            if not categories or len(categories) != 1:
                # With several categories the policy ground is the firing signal's category;
                # rules name it explicitly so the statement of reasons never guesses.
                ground = None
            else:
                ground = Ground(kind="policy", code=next(iter(categories)))
        else:
            kind, _, code = str(ground_text).partition(":")
            if kind not in ("policy", "law") or not code:
                raise ValueError(f"ground {ground_text!r} must be 'policy:<category>' or 'law:<ground code>'")
            if kind == "law":
                issue((*at, "then", "action", "ground"), f"{rid}: law grounds act through 'law:' effects, so their scope comes from the pack")
            if kind == "policy" and code not in taxonomy():
                issue((*at, "then", "action", "ground"), f"{rid}: {code!r} is not a taxonomy category")
            ground = Ground(kind="policy", code=code)
        min_age = a.get("min_age")
        if atype is ActionType.AGE_RESTRICT and min_age is None:
            issue((*at, "then", "action"), f"{rid}: age_restrict needs min_age")
        if atype is ActionType.WITHHOLD and a.get("scope", "global") == "global":
            issue((*at, "then", "action", "scope"), f"{rid}: withhold needs countries (a global withhold is a removal)")
        expires = parse_duration(a["expires"]) if a.get("expires") else None
        scope = a.get("scope", "global")
        layer = "account" if atype is ActionType.SUSPEND_ACCOUNT else "policy"
        if ground is None:
            # one Effect per category, picked at fire time by the signal's category
            for c in sorted(categories or ()):
                e = _policy_effect(atype, scope, Ground(kind="policy", code=c), min_age, expires, layer)
                effects.append(replace(e, only_category=c))
        else:
            effects.append(_policy_effect(atype, scope, ground, min_age, expires, layer))
    if "law" in then:
        law = then["law"]
        if not isinstance(law, dict) or not isinstance(law.get("grounds"), list) or not law["grounds"]:
            raise ValueError("law needs a non-empty 'grounds' list")
        for j, code in enumerate(law["grounds"]):
            g = packs.grounds.get(code)
            if g is None:
                issue((*at, "then", "law", "grounds", j), f"{rid}: {code!r} is not a legal ground in the packs")
                continue
            if categories and not categories.intersection(g.categories):
                issue(
                    (*at, "then", "law", "grounds", j),
                    f"{rid}: ground {code} maps to {list(g.categories)}, none of the rule's categories",
                )
            effects.append(
                Effect(
                    layer="law",
                    action=Action(type=g.action, scope=packs.ground_scope(code), ground=Ground(kind="law", code=code)),
                )
            )
    rq = rd = oq = None
    if "review" in then:
        r = then["review"]
        if not isinstance(r, dict) or "queue" not in r:
            raise ValueError("review needs a 'queue'")
        rq = str(r["queue"])
        rd = parse_duration(r["deadline"]) if r.get("deadline") else None
    if "order" in then:
        o = then["order"] or {}
        oq = str(o.get("queue", "legal"))
    return tuple(effects), rq, rd, oq


def _policy_effect(
    atype: ActionType, scope: Any, ground: Ground, min_age: Any, expires: Duration | None, layer: str
) -> Effect:
    if scope in ("viewers", "upload_country"):
        return Effect(layer=layer, scope_from=scope, action_type=atype, ground=ground, min_age=min_age, expires=expires)
    if scope == "global":
        sc = _GLOBAL
    elif isinstance(scope, list):
        sc = Scope.only(*scope)
    else:
        raise ValueError(f"scope {scope!r} must be 'global', 'viewers', 'upload_country' or a list of countries")
    return Effect(layer=layer, action=Action(type=atype, scope=sc, ground=ground, min_age=min_age), expires=expires)


def _digest(packs: PackSet) -> str:
    h = hashlib.sha256()
    for pid in sorted(packs.packs):
        h.update(pid.encode())
        h.update(Path(packs.packs[pid].file).read_bytes())
    return h.hexdigest()[:8]


def lint_rules(paths: Iterable[Path], packs: PackSet | None = None) -> list[RuleIssue]:
    packs = packs or default_packs()
    out: list[RuleIssue] = []
    for p in sorted(paths):
        try:
            loc = load_located_file(p)
        except PackInvalid as exc:
            file, _, line = (exc.where or str(p)).rpartition(":")
            out.append(RuleIssue(file or str(p), int(line) if line.isdigit() else 1, exc.message))
            continue
        out += compile_rules(loc, packs)[1]
    return out


def versions() -> list[str]:
    """Rules versions shipped, oldest first."""
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", v))

    return sorted((p.stem for p in rules_dir().glob("*.yaml")), key=key)


def engine_from_text(text: str, where: str, packs: PackSet | None = None) -> RuleEngine:
    loc = load_located(text, where)
    engine, issues = compile_rules(loc, packs or default_packs())
    if engine is None:
        raise PackInvalid("; ".join(f"line {i.line}: {i.message}" for i in issues), where=where)
    return engine


def active_version() -> str:
    """The newest rules version whose file says ``status: active`` (proposals run only in shadow)."""
    for v in reversed(versions()):
        text = (rules_dir() / f"{v}.yaml").read_text(encoding="utf-8")
        if re.search(r"^status:\s*active\s*$", text, re.M):
            return v
    raise NotFound("no rules file has status: active")


@cache
def load_engine(version: str | None = None) -> RuleEngine:
    """The engine for rules ``version`` (default: the active one) over the shipped packs."""
    known = versions()
    version = version or active_version()
    if version not in known:
        raise NotFound(f"no rules version {version!r}; known: {known}")
    path = rules_dir() / f"{version}.yaml"
    return engine_from_text(path.read_text(encoding="utf-8"), str(path))


def parse_when(value: str) -> datetime:
    """An ISO date or datetime from the command line, as aware UTC."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{value!r} is not an ISO date or datetime (e.g. 2026-02-20T10:00:00Z)") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=_UTC_ZONE)

