"""Jurisdiction packs: law as data, validated before it is trusted.

A pack (``packs/PK.yaml``...) says who may send orders, on which legal grounds, with which
deadlines and from when, in what scope the platform acts, what the user is told, what is kept and
what is reported. Loading runs three gates, each failing with ``file:line: reason``:

1. YAML syntax (line from the parser),
2. the JSON Schema (``pack.schema.json``; the failing value's line from the node marks),
3. cross-references: cited sources, instruments, regulators and grounds exist, ground categories
   are taxonomy codes, effective-dated terms do not overlap, an overlay's parent exists.

:class:`PackRegistry` keeps the last valid set running when a reload fails: a typo in a pack edit
must never switch law off. Order clocks are in :mod:`nigran.policy.deadlines`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from nigran.errors import NotFound, PackInvalid
from nigran.model import ActionType, Scope
from nigran.policy.durations import Duration, add_duration, parse_duration
from nigran.policy.taxonomy import taxonomy
from nigran.policy.yaml_lines import Located, load_located_file

VerificationStatus = Literal["verified", "verified_multi", "conflicting", "unverified"]
NoticeMode = Literal["required", "optional", "restricted_by_law", "deferred", "unknown"]


DEFAULT_REVIEW_EVERY = Duration("P1Y", years=1)
"""How long a lawyer's review of a ground or term holds where the pack does not say."""


@dataclass(frozen=True, slots=True)
class Verification:
    """How sure we are of a rule, and from which sources (ids into the pack's ``sources``)."""

    status: VerificationStatus
    sources: tuple[str, ...] = ()
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.status} [{', '.join(self.sources)}]" if self.sources else self.status
        return f"{text}: {self.note}" if self.note else text


UNVERIFIED = Verification("unverified", (), "no verification recorded")


@dataclass(frozen=True, slots=True)
class LegalGround:
    code: str
    pack: str
    label: str
    legal_basis: str
    instrument: str
    categories: tuple[str, ...]
    action: ActionType
    proactive: bool
    verification: Verification
    reviewed_at: date | None = None
    """When a lawyer last checked it (the ground's own date, else the pack's)."""


@dataclass(frozen=True, slots=True)
class Term:
    """One effective-dated version of an order type's clock and required form."""

    effective_from: date
    effective_until: date | None
    standard: str
    deadline: Duration | None
    internal_slo: Duration | None
    working_days: bool
    basis: str
    required_fields: tuple[str, ...]
    instrument: str | None
    verification: Verification
    reviewed_at: date | None = None
    """When a lawyer last checked it (the term's own date, else the pack's)."""

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


@dataclass(frozen=True, slots=True)
class Notice:
    mode: NoticeMode
    basis: str
    citation: str = ""
    verification: Verification = UNVERIFIED


@dataclass(frozen=True, slots=True)
class OrderRule:
    """An order type: who may send it, on which grounds, its clock terms, scope and notice."""

    id: str
    pack: str
    label: str
    kind: str
    active: bool
    from_: tuple[str, ...]
    instrument: str
    grounds: tuple[str, ...]
    clock_start: str
    terms: tuple[Term, ...]
    on_missing_fields: str
    action: ActionType
    scope: str
    user_notice: Notice
    complainant_confidential: bool
    verification: Verification

    def covers(self, ground: str) -> bool:
        return "*" in self.grounds or ground in self.grounds


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    name: str
    version: str
    extends: str | None
    territory: tuple[str, ...]
    tz: ZoneInfo
    reviewed_at: date
    owner: str
    legal_review_required: bool
    grounds: Mapping[str, LegalGround]
    order_types: Mapping[str, OrderRule]
    default_action: ActionType
    default_scope: str
    user_notice: Notice
    appeal_window: Duration | None
    appeal: Mapping[str, Any]
    record_keeping: Mapping[str, Any]
    reporting: Sequence[Mapping[str, Any]]
    sources: Mapping[str, Mapping[str, str]]
    instruments: Mapping[str, Mapping[str, Any]]
    regulators: Mapping[str, Mapping[str, Any]]
    file: str
    data: Mapping[str, Any] = field(repr=False)
    review_every: Duration | None = None
    unverified_terms: str = "legal_review"

    def review_due(
        self, verification: Verification, reviewed_at: date | None, today: date
    ) -> str | None:
        """Why a ground or term of this pack may not be enforced on its own (``unverified``,
        or its review is past due), or None when it may."""
        if verification.status == "unverified":
            return "unverified"
        every = self.review_every or DEFAULT_REVIEW_EVERY
        since = reviewed_at or self.reviewed_at
        if add_duration(datetime.combine(since, time(), UTC), every, self.tz).date() < today:
            return f"review due: last reviewed {since}, reviews hold {every}"
        return None

    def held_for_review(self, ground: LegalGround, today: date) -> str | None:
        """Why automated enforcement of ``ground`` waits for legal review, or None: an
        unverified or stale ground is held unless the pack says ``unverified_terms: enforce``."""
        if self.unverified_terms == "enforce":
            return None
        return self.review_due(ground.verification, ground.reviewed_at, today)

    @property
    def scope(self) -> Scope:
        """Where this pack's law applies: the scope a legal ground acts in by default."""
        return Scope.only(*self.territory)


@dataclass(frozen=True, slots=True)
class LintIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# -- loading ------------------------------------------------------------------------------------


def packs_dir() -> Path:
    return Path(str(resources.files("nigran.policy") / "packs"))


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((resources.files("nigran.policy") / "pack.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema() -> dict[str, Any]:
    raw = _validator().schema
    assert isinstance(raw, Mapping)
    return dict(raw)


def _verification(raw: Any) -> Verification:
    if not raw:
        return UNVERIFIED
    return Verification(raw["status"], tuple(raw.get("sources", ())), raw.get("note", ""))


def _notice(raw: Mapping[str, Any]) -> Notice:
    return Notice(
        raw["mode"], raw["basis"], raw.get("citation", ""), _verification(raw.get("verification"))
    )


def _dur(text: str | None) -> Duration | None:
    return None if text is None else parse_duration(text)


def _schema_issues(loc: Located) -> list[LintIssue]:
    issues = []
    for err in sorted(
        _validator().iter_errors(loc.data), key=lambda e: list(map(str, e.absolute_path))
    ):
        path = list(err.absolute_path)
        shown = ".".join(str(p) for p in path) or "(top level)"
        issues.append(LintIssue(loc.file, loc.line(path), f"{shown}: {_explain(err)}"))
    return issues


def _explain(err: ValidationError) -> str:
    """A reader's message for a schema error: "one of [duration, null]" failures say which."""
    if err.validator == "oneOf" and err.context:
        if any(
            e.validator == "pattern" and "P(?!$)" in str(e.validator_value) for e in err.context
        ):
            return f"{err.instance!r} is not an ISO-8601 duration (e.g. PT48H, P7D, P6M)"
        if any(
            e.validator == "pattern" and "[0-9]{4}-" in str(e.validator_value) for e in err.context
        ):
            return f"{err.instance!r} is not a date (YYYY-MM-DD)"
        return str(best_match(err.context).message)
    return str(err.message)


def _build(loc: Located) -> Pack:
    d = loc.data
    grounds = {
        code: LegalGround(
            code=code,
            pack=d["pack"],
            label=g["label"],
            legal_basis=g["legal_basis"],
            instrument=g["instrument"],
            categories=tuple(g["categories"]),
            action=ActionType(g.get("action", d["geo"]["default_action"])),
            proactive=bool(g.get("proactive", False)),
            verification=_verification(g.get("verification")),
            reviewed_at=date.fromisoformat(g.get("reviewed_at") or d["reviewed_at"]),
        )
        for code, g in d["grounds"].items()
    }
    orders = {}
    for oid, o in d["order_types"].items():
        terms = tuple(
            Term(
                effective_from=date.fromisoformat(t["effective_from"]),
                effective_until=(
                    date.fromisoformat(t["effective_until"]) if t.get("effective_until") else None
                ),
                standard=t["standard"],
                deadline=_dur(t.get("deadline")),
                internal_slo=_dur(t.get("internal_slo")),
                working_days=t.get("calendar") == "working_days",
                basis=t["basis"],
                required_fields=tuple(t.get("required_fields", ())),
                instrument=t.get("instrument"),
                verification=_verification(t.get("verification")),
                reviewed_at=date.fromisoformat(t.get("reviewed_at") or d["reviewed_at"]),
            )
            for t in o["terms"]
        )
        orders[oid] = OrderRule(
            id=oid,
            pack=d["pack"],
            label=o["label"],
            kind=o["kind"],
            active=bool(o.get("active", True)),
            from_=tuple(o["from"]),
            instrument=o["instrument"],
            grounds=tuple(o["grounds"]),
            clock_start=o["clock_start"],
            terms=terms,
            on_missing_fields=o.get("on_missing_fields", "escalate_legal"),
            action=ActionType(o.get("action", d["geo"]["default_action"])),
            scope=o["scope"],
            user_notice=_notice(o["user_notice"]),
            complainant_confidential=bool(o.get("complainant_confidential", False)),
            verification=_verification(o.get("verification")),
        )
    return Pack(
        id=d["pack"],
        name=d["name"],
        version=d["pack_version"],
        extends=d.get("extends"),
        territory=tuple(d["territory"]),
        tz=ZoneInfo(d["timezone"]),
        reviewed_at=date.fromisoformat(d["reviewed_at"]),
        owner=d["owner"],
        legal_review_required=d["legal_review_required"],
        grounds=grounds,
        order_types=orders,
        default_action=ActionType(d["geo"]["default_action"]),
        default_scope=d["geo"]["default_scope"],
        user_notice=_notice(d["user_notice"]["default"]),
        appeal_window=_dur(d["appeal"]["window"]),
        appeal=d["appeal"],
        record_keeping=d["record_keeping"],
        reporting=d["reporting"],
        sources=d["sources"],
        instruments=d["instruments"],
        regulators=d["regulators"],
        file=loc.file,
        data=d,
        review_every=_dur(d.get("review_every")) or DEFAULT_REVIEW_EVERY,
        unverified_terms=d.get("unverified_terms", "legal_review"),
    )


def _walk_verifications(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterable[tuple[tuple[str | int, ...], Any]]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k == "verification" and isinstance(v, dict):
                yield (*path, k), v
            else:
                yield from _walk_verifications(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _walk_verifications(v, (*path, i))


def _own_issues(loc: Located) -> list[LintIssue]:
    """Checks inside one pack that the schema cannot express."""
    d, out = loc.data, []

    def issue(path: Sequence[str | int], message: str) -> None:
        out.append(LintIssue(loc.file, loc.line(path), message))

    pid = d["pack"]
    if Path(loc.file).stem != pid:
        issue(("pack",), f"pack {pid!r} must live in a file named {pid}.yaml")
    try:
        ZoneInfo(d["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        issue(("timezone",), f"unknown IANA timezone {d['timezone']!r}")
    if pid != "EU" and pid not in d["territory"] and not d.get("extends"):
        issue(("territory",), f"territory must include {pid}")
    for path, value in _iter_dates(d):
        try:
            date.fromisoformat(value)
        except ValueError:
            issue(path, f"{value!r} is not a calendar date")
    for code in d["grounds"]:
        if not code.startswith(pid + "."):
            issue(("grounds", code), f"ground {code!r} must start with '{pid}.'")
    for oid in d["order_types"]:
        if not oid.startswith(pid + "."):
            issue(("order_types", oid), f"order type {oid!r} must start with '{pid}.'")
    for i, rep in enumerate(d["reporting"]):
        if not rep["id"].startswith(pid + "."):
            issue(("reporting", i, "id"), f"report {rep['id']!r} must start with '{pid}.'")
    categories = taxonomy()
    for code, g in d["grounds"].items():
        for j, cat in enumerate(g["categories"]):
            if cat not in categories:
                issue(
                    ("grounds", code, "categories", j),
                    f"ground {code}: {cat!r} is not a taxonomy category",
                )
    for oid, o in d["order_types"].items():
        terms = o["terms"]
        prev_until: date | None = None
        for j, t in enumerate(terms):
            where = ("order_types", oid, "terms", j)
            try:
                start = date.fromisoformat(t["effective_from"])
                until = (
                    date.fromisoformat(t["effective_until"]) if t.get("effective_until") else None
                )
            except ValueError:
                continue  # reported as a bad date above
            if until is not None and until < start:
                issue(
                    (*where, "effective_until"),
                    f"{oid}: term ends ({until}) before it starts ({start})",
                )
            if j > 0:
                if prev_until is None:
                    issue(
                        (*where, "effective_from"),
                        f"{oid}: the previous term never ends, so this one can never be in force",
                    )
                elif start <= prev_until:
                    issue(
                        (*where, "effective_from"),
                        f"{oid}: term starts {start},"
                        f" overlapping the previous term (until {prev_until})",
                    )
            prev_until = until
            std = t["standard"]
            if std == "fixed" and not t.get("deadline"):
                issue(where, f"{oid}: a fixed clock needs a 'deadline' duration")
            if std != "fixed" and t.get("deadline"):
                issue(
                    (*where, "deadline"),
                    f"{oid}: only a fixed clock has a 'deadline'; use internal_slo for '{std}'",
                )
            if std in ("without_undue_delay", "timely", "none") and not t.get("internal_slo"):
                issue(
                    where, f"{oid}: a '{std}' clock needs an internal_slo so work can be scheduled"
                )
            if std == "fixed" and t["basis"] != "law":
                issue((*where, "basis"), f"{oid}: a fixed legal deadline must have basis 'law'")
    return out


def _iter_dates(d: Mapping[str, Any]) -> Iterable[tuple[tuple[str | int, ...], str]]:
    yield ("reviewed_at",), d["reviewed_at"]
    for iid, ins in d["instruments"].items():
        for key in ("effective_from", "effective_until"):
            if ins.get(key):
                yield ("instruments", iid, key), ins[key]
    for oid, o in d["order_types"].items():
        for j, t in enumerate(o["terms"]):
            for key in ("effective_from", "effective_until"):
                if t.get(key):
                    yield ("order_types", oid, "terms", j, key), t[key]


def _cross_issues(locs: Mapping[str, Located]) -> list[LintIssue]:
    """References that may point into a parent pack (``extends``)."""
    out: list[LintIssue] = []

    def chain(pid: str) -> list[Mapping[str, Any]]:
        seen, packs = set(), []
        while pid and pid in locs and pid not in seen:
            seen.add(pid)
            packs.append(locs[pid].data)
            pid = locs[pid].data.get("extends")
        return packs

    for pid, loc in locs.items():
        d = loc.data

        def issue(path: Sequence[str | int], message: str, loc: Located = loc) -> None:
            out.append(LintIssue(loc.file, loc.line(path), message))

        parent = d.get("extends")
        if parent is not None:
            if parent not in locs:
                issue(("extends",), f"extends unknown pack {parent!r}")
            elif parent == pid or pid in [p["pack"] for p in chain(parent)]:
                issue(("extends",), f"pack {pid} extends itself through {parent}")
            else:
                outside = set(d["territory"]) - set(locs[parent].data["territory"])
                if outside:
                    issue(
                        ("territory",),
                        f"overlay territory {sorted(outside)} is outside {parent}'s territory",
                    )
        lineage = chain(pid)
        sources = {s for p in lineage for s in p["sources"]}
        instruments = {i for p in lineage for i in p["instruments"]}
        regulators = {r for p in lineage for r in p["regulators"]}
        grounds = {g for p in lineage for g in p["grounds"]}
        for path, ver in _walk_verifications(d):
            for j, src in enumerate(ver.get("sources", [])):
                if src not in sources:
                    issue(
                        (*path, "sources", j),
                        f"source {src!r} is cited but not listed under 'sources'",
                    )
        for code, g in d["grounds"].items():
            if g["instrument"] not in instruments:
                issue(
                    ("grounds", code, "instrument"),
                    f"ground {code}: unknown instrument {g['instrument']!r}",
                )
        for oid, o in d["order_types"].items():
            if o["instrument"] not in instruments:
                issue(
                    ("order_types", oid, "instrument"),
                    f"{oid}: unknown instrument {o['instrument']!r}",
                )
            for j, t in enumerate(o["terms"]):
                if t.get("instrument") and t["instrument"] not in instruments:
                    issue(
                        ("order_types", oid, "terms", j, "instrument"),
                        f"{oid}: unknown instrument {t['instrument']!r}",
                    )
            for j, who in enumerate(o["from"]):
                if who not in regulators:
                    issue(
                        ("order_types", oid, "from", j),
                        f"{oid}: {who!r} is not a regulator or requester of this pack",
                    )
            for j, code in enumerate(o["grounds"]):
                if code != "*" and code not in grounds:
                    issue(
                        ("order_types", oid, "grounds", j), f"{oid}: unknown legal ground {code!r}"
                    )
    return out


def lint_files(paths: Iterable[Path]) -> tuple[dict[str, Pack], list[LintIssue]]:
    """Validate pack files together; returns the packs that passed and every issue found."""
    locs: dict[str, Located] = {}
    issues: list[LintIssue] = []
    for path in sorted(paths):
        try:
            loc = load_located_file(path)
        except PackInvalid as exc:
            file, _, line = (exc.where or str(path)).rpartition(":")
            issues.append(
                LintIssue(file or str(path), int(line) if line.isdigit() else 1, exc.message)
            )
            continue
        schema_issues = _schema_issues(loc)
        if schema_issues:
            issues += schema_issues
            continue
        own = _own_issues(loc)
        issues += own
        pid = loc.data["pack"]
        if pid in locs:
            issues.append(
                LintIssue(
                    loc.file, loc.line(("pack",)), f"pack {pid} is also defined in {locs[pid].file}"
                )
            )
            continue
        locs[pid] = loc
    issues += _cross_issues(locs)
    bad_files = {i.file for i in issues}
    packs = {pid: _build(loc) for pid, loc in locs.items() if loc.file not in bad_files}
    # An overlay whose parent failed cannot stand alone.
    for pid in list(packs):
        parent = packs[pid].extends
        if parent is not None and parent not in packs:
            del packs[pid]
    return packs, issues


def stale_terms(packs: Mapping[str, Pack], today: date) -> list[LintIssue]:
    """Warnings (not errors): grounds and clock terms in force today that are unverified or
    whose review is past due, each at its line, so a lawyer knows what to look at next."""
    out: list[LintIssue] = []
    for pack in (packs[pid] for pid in sorted(packs)):
        loc = load_located_file(Path(pack.file))
        for code, g in pack.grounds.items():
            why = pack.review_due(g.verification, g.reviewed_at, today)
            if why:
                out.append(
                    LintIssue(
                        pack.file, loc.line(("grounds", code)), f"warning: ground {code}: {why}"
                    )
                )
        for oid, rule in pack.order_types.items():
            if not rule.active:
                continue
            for j, term in enumerate(rule.terms):
                if not term.in_force(today):
                    continue
                why = pack.review_due(term.verification, term.reviewed_at, today)
                if why:
                    out.append(
                        LintIssue(
                            pack.file,
                            loc.line(("order_types", oid, "terms", j)),
                            f"warning: {oid} term from {term.effective_from}: {why}",
                        )
                    )
    return out


def load_packs(directory: Path | None = None) -> PackSet:
    """Load and validate every ``*.yaml`` pack in ``directory``; any issue refuses the whole set."""
    directory = directory or packs_dir()
    packs, issues = lint_files(directory.glob("*.yaml"))
    if issues:
        raise PackInvalid(
            "\n".join(str(i) for i in issues[1:]) if len(issues) > 1 else issues[0].message,
            where=f"{issues[0].file}:{issues[0].line}"
            if len(issues) == 1
            else f"{len(issues)} problems",
        )
    return PackSet(packs)


@cache
def default_packs() -> PackSet:
    return load_packs()


# -- the set of packs in force -----------------------------------------------------------------


class PackSet:
    """The packs in force together, with lookups across overlays (DE sees EU's grounds)."""

    def __init__(self, packs: Mapping[str, Pack]) -> None:
        self.packs = dict(packs)
        self.grounds: dict[str, LegalGround] = {
            code: g for p in self.packs.values() for code, g in p.grounds.items()
        }
        self.order_types: dict[str, OrderRule] = {
            oid: o for p in self.packs.values() for oid, o in p.order_types.items()
        }
        self.by_category: dict[str, list[LegalGround]] = {}
        for g in self.grounds.values():
            for cat in g.categories:
                self.by_category.setdefault(cat, []).append(g)

    @property
    def version(self) -> str:
        return ",".join(
            f"{p.id}@{p.version}" for p in sorted(self.packs.values(), key=lambda p: p.id)
        )

    def pack(self, pid: str) -> Pack:
        try:
            return self.packs[pid.upper()]
        except KeyError:
            raise NotFound(f"no jurisdiction pack {pid!r}; known: {sorted(self.packs)}") from None

    def ground(self, code: str) -> LegalGround:
        try:
            return self.grounds[code]
        except KeyError:
            raise NotFound(f"no legal ground {code!r} in packs {sorted(self.packs)}") from None

    def ground_scope(self, code: str) -> Scope:
        """Where acting on legal ground ``code`` applies: the territory of the pack that defines it
        (a Pakistani ground acts in PK, a Union-law ground in the EU, a German one in DE).
        Removal is the exception: it is global by definition, and a pack only asks for it where
        the content also breaks the global terms (e.g. CSAM)."""
        g = self.ground(code)
        if g.action is ActionType.REMOVE:
            return Scope.everywhere()
        return self.packs[g.pack].scope

    def packs_for_country(self, country: str) -> list[Pack]:
        """Packs whose law applies in ``country``, most specific first (DE before EU)."""
        hits = [p for p in self.packs.values() if country in p.territory]
        return sorted(hits, key=lambda p: (len(p.territory), p.id))

    def order_type(self, oid: str) -> OrderRule:
        try:
            return self.order_types[oid]
        except KeyError:
            raise NotFound(f"no order type {oid!r}; known: {sorted(self.order_types)}") from None

    def resolve_order_type(
        self, jurisdiction: str, authority: str, kind: str, ground: str | None = None
    ) -> OrderRule:
        """The active order type an authority's order falls under (for the legal workflow)."""
        for p in self.packs_for_country(jurisdiction):
            for o in p.order_types.values():
                if (
                    o.active
                    and o.kind == kind
                    and authority in o.from_
                    and (ground is None or o.covers(ground))
                ):
                    return o
        raise NotFound(
            f"no active {kind} order type for authority {authority!r} in {jurisdiction}"
            + (f" on ground {ground}" if ground else "")
        )


# -- hot reload that never drops law -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReloadResult:
    accepted: bool
    version: str
    issues: tuple[LintIssue, ...] = ()


class PackRegistry:
    """Holds the pack set in force; a reload that fails lint leaves the previous set running."""

    def __init__(self, initial: PackSet) -> None:
        self._current = initial
        self.last_issues: tuple[LintIssue, ...] = ()

    @property
    def current(self) -> PackSet:
        return self._current

    def reload(self, paths: Iterable[Path]) -> ReloadResult:
        packs, issues = lint_files(paths)
        if issues:
            self.last_issues = tuple(issues)
            return ReloadResult(False, self._current.version, self.last_issues)
        self._current = PackSet(packs)
        self.last_issues = ()
        return ReloadResult(True, self._current.version)
