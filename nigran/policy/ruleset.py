"""Rules files (``rules/<version>.yaml``): compiled into :class:`Rule` objects and checked.

A rule says *when* (signal categories, per-language score thresholds, sources, detectors, banks,
model versions, ``unless`` another rule fires on the same signal; context such as upload country,
viewer countries, audience age, reach, author strikes) and *then* (an action with scope and
ground, a legal ground from a jurisdiction pack, routing to review, or acting on an authority
order). Every mistake is reported with the file and line, before anything runs; the engine that
evaluates compiled rules is :mod:`nigran.policy.engine`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from nigran import languages
from nigran.errors import NotFound, PackInvalid
from nigran.model import Action, ActionType, Content, Ground, Scope, Signal, SignalSource
from nigran.policy import PolicyContext
from nigran.policy.durations import Duration, parse_duration
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.policy.yaml_lines import Located, load_located_file

_GLOBAL = Scope.everywhere()
_WHEN_KEYS = {
    "category",
    "min_score",
    "sources",
    "detectors",
    "banks",
    "model_versions",
    "context",
    "unless",
}
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


def _canonical(code: str) -> str:
    """A threshold's language as signals carry it (an alias such as ``ur-Arab`` is ``ur``)."""
    found = languages.find(code)
    return found.code if found is not None else code


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
            age = (
                ctx.audience_min_age
                if ctx.audience_min_age is not None
                else content.audience_min_age
            )
            # Unknown audience: the rule does not apply. The serving check already treats a viewer
            # of unknown age as too young for age-gated items, so minors stay protected there.
            if age is None or age >= self.audience_under:
                return False
        if (
            self.min_views_per_hour is not None
            and content.reach.views_per_hour < self.min_views_per_hour
        ):
            return False
        if self.min_author_strikes is not None and ctx.author_strikes < self.min_author_strikes:
            return False
        return not (
            self.min_prior_removals is not None
            and ctx.author_prior_removals < self.min_prior_removals
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
    label: str = ""
    """How the explanation names a prebuilt action (formatted once, at compile time)."""


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
    bars: dict[str | None, float] = field(default_factory=dict, compare=False, repr=False)
    unless: list[Rule] = field(default_factory=list, compare=False, repr=False)
    """Rules whose firing on the same signal stops this one: a review band ends where removal
    starts, per language, without restating the removal bars. Signal conditions only."""
    """Per-language bar, resolved once per language tag seen (a cache, not configuration)."""

    def matches(self, s: Signal) -> float | None:
        """The threshold passed, or ``None`` if this signal does not fire the rule."""
        # StrEnum members hash and compare as their values, so the name sets need no .value.
        if self.sources is not None and s.source not in self.sources:
            return None
        if self.detectors is not None and s.detector not in self.detectors:
            return None
        if self.banks is not None and s.evidence.bank not in self.banks:
            return None
        if self.model_versions is not None and s.evidence.model_version not in self.model_versions:
            return None
        if self.thresholds is None:
            return 0.0
        bar = self.bars.get(s.language)
        if bar is None:
            bar = self.bars[s.language] = self.thresholds.for_language(s.language)
        if s.score < bar:
            return None
        for other in self.unless:
            if other.matches(s) is not None:
                return None
        return bar


@dataclass(frozen=True, slots=True)
class Ruleset:
    """One compiled rules file, checked against the taxonomy and the packs it was compiled with."""

    version: str
    status: str
    description: str
    review_queue: str
    rules: tuple[Rule, ...]
    packs_digest: str
    """Short hash of the pack files: a decision names the exact law it was taken under."""


# -- compiling and lint ----------------------------------------------------------------------------


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


def compile_rules(loc: Located, packs: PackSet) -> tuple[Ruleset | None, list[RuleIssue]]:
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
    elif (
        Path(loc.file).suffix == ".yaml"
        and Path(loc.file).stem != version
        and Path(loc.file).parent == rules_dir()
    ):
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
    unless_refs: list[tuple[Rule, tuple[str | int, ...], list[str]]] = []
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
            issue(
                (*at, "when", key), f"{rid}: unknown condition {key!r}; known: {sorted(_WHEN_KEYS)}"
            )
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
                    raise ValueError(
                        "min_score must be a mapping of language -> score with a 'default'"
                    )
                for lang, v in ms.items():
                    if not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
                        issue(
                            (*at, "when", "min_score", lang),
                            f"{rid}: score for {lang!r} must be between 0 and 1",
                        )
                    if lang != "default" and languages.find(str(lang)) is None:
                        issue(
                            (*at, "when", "min_score", lang),
                            f"{rid}: {lang!r} is not a language in nigran/languages.py"
                            f" ({', '.join(languages.codes())})",
                        )
                thresholds = Thresholds(
                    {_canonical(str(k)): float(v) for k, v in ms.items() if k != "default"},
                    float(ms["default"]),
                )
            srcs = _frozen(when["sources"], "sources") if "sources" in when else None
            for s in srcs or ():
                if s not in sources:
                    issue((*at, "when", "sources"), f"{rid}: unknown signal source {s!r}")
            if categories is None and srcs is None:
                issue(
                    (*at, "when"),
                    f"{rid}: a rule must name a category or a source, or it fires on everything",
                )
            ctx = None
            if "context" in when:
                c = when["context"]
                if not isinstance(c, dict):
                    raise ValueError("context must be a mapping")
                for key in set(c) - _CONTEXT_KEYS:
                    issue(
                        (*at, "when", "context", key), f"{rid}: unknown context condition {key!r}"
                    )
                ctx = ContextCondition(
                    upload_country=_frozen(c["upload_country"], "upload_country")
                    if "upload_country" in c
                    else None,
                    viewer_countries=_frozen(c["viewer_countries"], "viewer_countries")
                    if "viewer_countries" in c
                    else None,
                    audience_under=int(c["audience_under"]) if "audience_under" in c else None,
                    min_views_per_hour=float(c["min_views_per_hour"])
                    if "min_views_per_hour" in c
                    else None,
                    min_author_strikes=int(c["min_author_strikes"])
                    if "min_author_strikes" in c
                    else None,
                    min_prior_removals=int(c["min_prior_removals"])
                    if "min_prior_removals" in c
                    else None,
                )
            effects, rq, rd, oq = _effects(rid, then, categories, packs, at, issue)
            refs = sorted(_frozen(when["unless"], "unless")) if "unless" in when else []
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
                model_versions=_frozen(when["model_versions"], "model_versions")
                if "model_versions" in when
                else None,
                context=ctx,
                effects=effects,
                review_queue=rq,
                review_deadline=rd,
                order_queue=oq,
            )
        )
        if refs:
            unless_refs.append((rules[-1], (*at, "when", "unless"), refs))
    by_id = {r.id: r for r in rules}
    for rule, where, refs in unless_refs:
        for ref in refs:
            if ref not in by_id or ref == rule.id:
                issue(where, f"{rule.id}: 'unless' names unknown rule {ref!r}")
            else:
                rule.unless.append(by_id[ref])
    if issues:
        return None, issues
    ruleset = Ruleset(
        version=str(version),
        status=str(status),
        description=str(d.get("description", "")),
        review_queue=str(d.get("review_queue", "general")),
        rules=tuple(rules),
        packs_digest=_digest(packs),
    )
    return ruleset, []


def _effects(
    rid: str,
    then: Mapping[str, Any],
    categories: frozenset[str] | None,
    packs: PackSet,
    at: tuple[str | int, ...],
    issue: Any,
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
                raise ValueError(
                    f"ground {ground_text!r} must be 'policy:<category>' or 'law:<ground code>'"
                )
            if kind == "law":
                issue(
                    (*at, "then", "action", "ground"),
                    f"{rid}: law grounds act through 'law:' effects,"
                    " so their scope comes from the pack",
                )
            if kind == "policy" and code not in taxonomy():
                issue(
                    (*at, "then", "action", "ground"), f"{rid}: {code!r} is not a taxonomy category"
                )
            ground = Ground(kind="policy", code=code)
        min_age = a.get("min_age")
        if atype is ActionType.AGE_RESTRICT and min_age is None:
            issue((*at, "then", "action"), f"{rid}: age_restrict needs min_age")
        if atype is ActionType.WITHHOLD and a.get("scope", "global") == "global":
            issue(
                (*at, "then", "action", "scope"),
                f"{rid}: withhold needs countries (a global withhold is a removal)",
            )
        expires = parse_duration(a["expires"]) if a.get("expires") else None
        scope = a.get("scope", "global")
        layer = "account" if atype is ActionType.SUSPEND_ACCOUNT else "policy"
        if ground is None:
            # one Effect per category, picked at fire time by the signal's category
            for c in sorted(categories or ()):
                e = _policy_effect(
                    atype, scope, Ground(kind="policy", code=c), min_age, expires, layer
                )
                effects.append(replace(e, only_category=c))
        else:
            effects.append(_policy_effect(atype, scope, ground, min_age, expires, layer))
    if "law" in then:
        law = then["law"]
        if (
            not isinstance(law, dict)
            or not isinstance(law.get("grounds"), list)
            or not law["grounds"]
        ):
            raise ValueError("law needs a non-empty 'grounds' list")
        for j, code in enumerate(law["grounds"]):
            g = packs.grounds.get(code)
            if g is None:
                issue(
                    (*at, "then", "law", "grounds", j),
                    f"{rid}: {code!r} is not a legal ground in the packs",
                )
                continue
            if categories and not categories.intersection(g.categories):
                issue(
                    (*at, "then", "law", "grounds", j),
                    f"{rid}: ground {code} maps to {list(g.categories)},"
                    " none of the rule's categories",
                )
            law_action = Action(
                type=g.action, scope=packs.ground_scope(code), ground=Ground(kind="law", code=code)
            )
            effects.append(_static("law", law_action))
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
    atype: ActionType,
    scope: Any,
    ground: Ground,
    min_age: Any,
    expires: Duration | None,
    layer: str,
) -> Effect:
    if scope in ("viewers", "upload_country"):
        return Effect(
            layer=layer,
            scope_from=scope,
            action_type=atype,
            ground=ground,
            min_age=min_age,
            expires=expires,
        )
    if scope == "global":
        sc = _GLOBAL
    elif isinstance(scope, list):
        sc = Scope.only(*scope)
    else:
        raise ValueError(
            f"scope {scope!r} must be 'global', 'viewers', 'upload_country' or a list of countries"
        )
    return _static(layer, Action(type=atype, scope=sc, ground=ground, min_age=min_age), expires)


def _static(layer: str, action: Action, expires: Duration | None = None) -> Effect:
    label = f"{action.type.value} ({action.scope}) on {action.ground}"
    return Effect(layer=layer, action=action, expires=expires, label=label)


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


def active_version() -> str:
    """The newest rules version marked ``status: active`` (proposals run only in shadow)."""
    for v in reversed(versions()):
        text = (rules_dir() / f"{v}.yaml").read_text(encoding="utf-8")
        if re.search(r"^status:\s*active\s*$", text, re.M):
            return v
    raise NotFound("no rules file has status: active")
