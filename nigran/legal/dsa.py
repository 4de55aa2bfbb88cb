"""DSA Transparency Database export: statements of reasons as the database's submission JSON.

One statement per restrictive decision that applies in the EU/EEA (a global action, or one
scoped to EEA countries), built from the decision, its source (order, Art. 16 notice, trusted
flagger, own initiative), the content and the taxonomy's DSA category. Each statement is checked
field by field against the submission rules (``anchors.md`` §5.1: required fields, enumerations,
lengths, conditional fields, dates, ``puid``); a statement that fails is not written, and every
failing field is reported. Valid statements are written in batches of at most 100, the limit
of the database's multiple-statement endpoint, one JSON file per batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, select

from nigran.legal.locate import locate
from nigran.model import ActionType, Decision
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import DSA_CATEGORIES, taxonomy
from nigran.store.queries import decision_from_row
from nigran.store.tables import decisions, signals
from nigran.store.tables_legal import reports

BATCH = 100
EEA = frozenset(
    {
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
        *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
        *("IS", "LI", "NO"),
    }
)
VISIBILITY = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
}
MONETARY = {
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
}
PROVISION = {
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
}
ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CONTENT_TYPES = {
    f"CONTENT_TYPE_{t}"
    for t in ["APP", "AUDIO", "IMAGE", "PRODUCT", "SYNTHETIC_MEDIA", "TEXT", "VIDEO", "OTHER"]
}
SOURCES = {
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
}
AUTOMATED_DECISION = {
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
}
ACCOUNT_TYPES = {"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"}
YES_NO = {"Yes", "No"}
PUID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")
KEYWORD = re.compile(r"^KEYWORD_[A-Z0-9_]+$")
LANG = re.compile(r"^[A-Z]{2}$")

_ACTION_VISIBILITY = {
    ActionType.REMOVE: "DECISION_VISIBILITY_CONTENT_REMOVED",
    ActionType.WITHHOLD: "DECISION_VISIBILITY_CONTENT_DISABLED",
    ActionType.AGE_RESTRICT: "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    ActionType.REDUCE_REACH: "DECISION_VISIBILITY_CONTENT_DEMOTED",
    ActionType.LABEL: "DECISION_VISIBILITY_CONTENT_LABELLED",
}
_CONTENT_TYPE = {
    "video": ["CONTENT_TYPE_VIDEO"],
    "live": ["CONTENT_TYPE_VIDEO"],
    "image": ["CONTENT_TYPE_IMAGE"],
    "text": ["CONTENT_TYPE_TEXT"],
    "comment": ["CONTENT_TYPE_TEXT"],
    "profile": ["CONTENT_TYPE_TEXT"],
}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    puid: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.puid}: {self.field}: {self.message}"


def _text(sor: dict[str, Any], name: str, limit: int, required: bool, out: list[str]) -> None:
    v = sor.get(name)
    if v is None or v == "":
        if required:
            out.append(f"{name}|required")
        return
    if not isinstance(v, str):
        out.append(f"{name}|must be a string")
    elif len(v) > limit:
        out.append(f"{name}|{len(v)} characters; at most {limit}")


def _enum_list(
    sor: dict[str, Any], name: str, allowed: set[str], out: list[str], required: bool = False
) -> None:
    v = sor.get(name)
    if v is None:
        if required:
            out.append(f"{name}|required")
        return
    if not isinstance(v, list) or not v:
        out.append(f"{name}|must be a non-empty array")
        return
    bad = [x for x in v if x not in allowed]
    if bad:
        out.append(f"{name}|not allowed: {bad}")
    if len(set(v)) != len(v):
        out.append(f"{name}|duplicate values")


def _date(sor: dict[str, Any], name: str, required: bool, out: list[str]) -> date | None:
    v = sor.get(name)
    if v is None:
        if required:
            out.append(f"{name}|required (YYYY-MM-DD)")
        return None
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        out.append(f"{name}|{v!r} is not YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        out.append(f"{name}|{v!r} is not a calendar date")
        return None


def validate(sor: dict[str, Any]) -> list[FieldProblem]:
    """Every rule of the submission schema that ``sor`` breaks, one problem per field."""
    out: list[str] = []
    puid = sor.get("puid")
    if not isinstance(puid, str) or not PUID.match(puid):
        out.append("puid|required: 1-500 characters of A-Z a-z 0-9 - _")
    decision_fields = (
        "decision_visibility",
        "decision_monetary",
        "decision_provision",
        "decision_account",
    )
    if not any(sor.get(f) for f in decision_fields):
        out.append(
            "decision_visibility|at least one of decision_visibility, decision_monetary, "
            "decision_provision, decision_account is required"
        )
    _enum_list(sor, "decision_visibility", VISIBILITY, out)
    if "DECISION_VISIBILITY_OTHER" in (sor.get("decision_visibility") or []):
        _text(sor, "decision_visibility_other", 500, True, out)
    v = sor.get("decision_monetary")
    if v is not None and v not in MONETARY:
        out.append(f"decision_monetary|{v!r} not allowed")
    if v == "DECISION_MONETARY_OTHER":
        _text(sor, "decision_monetary_other", 500, True, out)
    for name, allowed in (
        ("decision_provision", PROVISION),
        ("decision_account", ACCOUNT),
        ("account_type", ACCOUNT_TYPES),
    ):
        v = sor.get(name)
        if v is not None and v not in allowed:
            out.append(f"{name}|{v!r} not allowed")
    g = sor.get("decision_ground")
    if g not in GROUNDS:
        out.append(f"decision_ground|required, one of {sorted(GROUNDS)}; got {g!r}")
    elif g == "DECISION_GROUND_ILLEGAL_CONTENT":
        _text(sor, "illegal_content_legal_ground", 500, True, out)
        _text(sor, "illegal_content_explanation", 2000, True, out)
    else:
        _text(sor, "incompatible_content_ground", 500, True, out)
        _text(sor, "incompatible_content_explanation", 2000, True, out)
        v = sor.get("incompatible_content_illegal")
        if v is not None and v not in YES_NO:
            out.append("incompatible_content_illegal|Yes or No")
    _enum_list(sor, "content_type", CONTENT_TYPES, out, required=True)
    if "CONTENT_TYPE_OTHER" in (sor.get("content_type") or []):
        _text(sor, "content_type_other", 500, True, out)
    if sor.get("category") not in DSA_CATEGORIES:
        out.append(
            f"category|required, one of the 16 STATEMENT_CATEGORY_* values; "
            f"got {sor.get('category')!r}"
        )
    if sor.get("category_addition") is not None:
        _enum_list(sor, "category_addition", set(DSA_CATEGORIES), out)
    spec = sor.get("category_specification")
    if spec is not None:
        if not isinstance(spec, list) or any(
            not isinstance(k, str) or not KEYWORD.match(k) for k in spec
        ):
            out.append("category_specification|must be an array of KEYWORD_* values")
        elif "KEYWORD_OTHER" in spec:
            _text(sor, "category_specification_other", 500, True, out)
    ts = sor.get("territorial_scope")
    if ts is not None:
        if not isinstance(ts, list) or not ts:
            out.append("territorial_scope|must be a non-empty array of EU/EEA country codes")
        else:
            bad = [c for c in ts if c not in EEA]
            if bad:
                out.append(f"territorial_scope|not EU/EEA country codes: {bad}")
    lang = sor.get("content_language")
    if lang is not None and (not isinstance(lang, str) or not LANG.match(lang)):
        out.append(f"content_language|{lang!r} is not a two-letter ISO 639-1 code")
    cd = _date(sor, "content_date", True, out)
    ad = _date(sor, "application_date", True, out)
    if cd and ad and cd > ad:
        out.append("content_date|after application_date")
    for name in (
        "end_date_account_restriction",
        "end_date_monetary_restriction",
        "end_date_service_restriction",
        "end_date_visibility_restriction",
    ):
        end = _date(sor, name, False, out)
        if end and ad and end < ad:
            out.append(f"{name}|before application_date")
    _text(sor, "decision_facts", 5000, True, out)
    src = sor.get("source_type")
    if src not in SOURCES:
        out.append(f"source_type|required, one of {sorted(SOURCES)}; got {src!r}")
    _text(sor, "source_identity", 500, False, out)
    if src == "SOURCE_VOLUNTARY" and sor.get("source_identity"):
        out.append("source_identity|must be left out when source_type is SOURCE_VOLUNTARY")
    if sor.get("automated_detection") not in YES_NO:
        out.append("automated_detection|required: Yes or No")
    if sor.get("automated_decision") not in AUTOMATED_DECISION:
        out.append(f"automated_decision|required, one of {sorted(AUTOMATED_DECISION)}")
    url = sor.get("decision_ground_reference_url")
    if url is not None and not (isinstance(url, str) and re.match(r"^https?://\S+$", url)):
        out.append("decision_ground_reference_url|must be an http(s) URL")
    p = puid if isinstance(puid, str) else "?"
    problems = []
    for entry in out:
        name, _, msg = entry.partition("|")
        problems.append(FieldProblem(p, name, msg))
    return problems


def _source(conn: Connection, d: Decision) -> tuple[str, str | None]:
    rule = d.explanation[0].rule if d.explanation else ""
    if rule.startswith("order:"):
        return "SOURCE_TYPE_OTHER_NOTIFICATION", "Member State authority order"
    if rule.startswith("report:"):
        row = conn.execute(select(reports.c.source).where(reports.c.id == rule[7:])).first()
        if row is not None and row.source == "trusted_flagger":
            return "SOURCE_TRUSTED_FLAGGER", None
        return "SOURCE_ARTICLE_16", None
    return "SOURCE_VOLUNTARY", None


def statement(
    conn: Connection, decision_id: int, d: Decision, packs: PackSet
) -> dict[str, Any] | None:
    """The SoR for one decision, or ``None`` where nothing in it applies in the EU/EEA."""
    restrictive = [
        a for a in d.actions if a.type in _ACTION_VISIBILITY or a.type is ActionType.SUSPEND_ACCOUNT
    ]
    eu = [a for a in restrictive if a.scope.is_global or EEA & set(a.scope.countries or ())]
    if not eu:
        return None
    main = max(eu, key=lambda a: a.type.severity)
    item = locate(conn, d.content_id)
    scope: set[str] = set()
    for a in eu:
        scope |= EEA if a.scope.is_global else EEA & set(a.scope.countries or ())
    sor: dict[str, Any] = {"puid": f"nigran-{decision_id}"}
    vis = sorted({_ACTION_VISIBILITY[a.type] for a in eu if a.type in _ACTION_VISIBILITY})
    if vis:
        sor["decision_visibility"] = vis
    if any(a.type is ActionType.SUSPEND_ACCOUNT for a in eu):
        sor["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
    cats = taxonomy()
    if main.ground.kind == "law":
        g = packs.grounds.get(main.ground.code)
        category_codes = list(g.categories) if g else []
        sor["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        sor["illegal_content_legal_ground"] = (
            f"{g.label} ({g.legal_basis})" if g else main.ground.code
        )[:500]
        sor["illegal_content_explanation"] = (d.statement or "")[:2000]
    else:
        category_codes = [main.ground.code]
        c = cats.get(main.ground.code)
        sor["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        sor["incompatible_content_ground"] = (c.name if c else main.ground.code)[:500]
        sor["incompatible_content_explanation"] = (d.statement or "")[:2000]
    known = [cats[c] for c in category_codes if c in cats]
    sor["content_type"] = _CONTENT_TYPE.get(item.kind if item else "", ["CONTENT_TYPE_OTHER"])
    if sor["content_type"] == ["CONTENT_TYPE_OTHER"]:
        sor["content_type_other"] = "unknown"
    if known:
        sor["category"] = known[0].dsa_category
        extra = sorted({k.dsa_category for k in known[1:]} - {known[0].dsa_category})
        if extra:
            sor["category_addition"] = extra
        sor["category_specification"] = sorted({kw for k in known for kw in k.dsa_keywords})
        if "KEYWORD_OTHER" in sor["category_specification"]:
            sor["category_specification_other"] = ", ".join(k.name for k in known)[:500]
    sor["territorial_scope"] = sorted(scope)
    if item and item.language and re.fullmatch(r"[a-z]{2}", item.language):
        sor["content_language"] = item.language.upper()
    content_day = (
        item.created_at[:10]
        if item and item.created_at
        else (item.received_at.date().isoformat() if item else None)
    )
    sor["content_date"] = content_day
    sor["application_date"] = d.decided_at.date().isoformat()
    if main.expires_at is not None:
        sor["end_date_visibility_restriction"] = main.expires_at.date().isoformat()
    sor["decision_facts"] = (d.statement or "")[:5000]
    src, who = _source(conn, d)
    sor["source_type"] = src
    if who:
        sor["source_identity"] = who
    detected = (
        conn.execute(
            select(signals.c.id).where(signals.c.content_id == d.content_id).limit(1)
        ).first()
        is not None
    )
    sor["automated_detection"] = "Yes" if (d.automated or detected) else "No"
    sor["automated_decision"] = (
        "AUTOMATED_DECISION_FULLY"
        if d.automated
        else "AUTOMATED_DECISION_PARTIALLY"
        if detected and src == "SOURCE_VOLUNTARY"
        else "AUTOMATED_DECISION_NOT_AUTOMATED"
    )
    return sor


@dataclass(slots=True)
class ExportResult:
    files: list[Path] = field(default_factory=list)
    written: int = 0
    skipped_not_eu: int = 0
    problems: list[FieldProblem] = field(default_factory=list)
    invalid: int = 0


def statements(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    packs: PackSet | None = None,
) -> Iterable[tuple[int, dict[str, Any] | None]]:
    packs = packs or default_packs()
    q = select(decisions).where(decisions.c.outcome.not_in(("none", "review")))
    if since is not None:
        q = q.where(decisions.c.decided_at >= since)
    if until is not None:
        q = q.where(decisions.c.decided_at < until)
    for row in conn.execute(q.order_by(decisions.c.id)).all():
        d = decision_from_row(row)
        yield int(row.id), statement(conn, int(row.id), d, packs)


def batches(items: Sequence[dict[str, Any]], size: int = BATCH) -> list[list[dict[str, Any]]]:
    if not 1 <= size <= BATCH:
        raise ValueError(f"batch size must be 1..{BATCH} (the database's multiple endpoint)")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def export(
    conn: Connection,
    out_dir: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    batch: int = BATCH,
    packs: PackSet | None = None,
) -> ExportResult:
    """Validate every statement and write the valid ones as ``sor-00001.json``... files, each
    ``{"statements": [...]}`` with at most ``batch`` statements."""
    result = ExportResult()
    valid: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _, sor in statements(conn, since=since, until=until, packs=packs):
        if sor is None:
            result.skipped_not_eu += 1
            continue
        problems = validate(sor)
        if sor["puid"] in seen:
            problems.append(FieldProblem(sor["puid"], "puid", "duplicate in this export"))
        if problems:
            result.problems += problems
            result.invalid += 1
            continue
        seen.add(sor["puid"])
        valid.append(sor)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(batches(valid, batch), 1):
        path = out_dir / f"sor-{i:05d}.json"
        path.write_bytes(orjson.dumps({"statements": chunk}, option=orjson.OPT_INDENT_2))
        result.files.append(path)
        result.written += len(chunk)
    return result


def validate_file(path: Path) -> tuple[int, list[FieldProblem]]:
    """Check a batch file (``{"statements": [...]}``, or a bare list, or one statement)."""
    data = orjson.loads(path.read_bytes())
    items = (
        data["statements"]
        if isinstance(data, dict) and "statements" in data
        else (data if isinstance(data, list) else [data])
    )
    problems: list[FieldProblem] = []
    if len(items) > BATCH:
        problems.append(
            FieldProblem(
                "(file)", "statements", f"{len(items)} statements; at most {BATCH} per batch"
            )
        )
    puids: set[str] = set()
    for sor in items:
        problems += validate(sor)
        p = sor.get("puid")
        if isinstance(p, str):
            if p in puids:
                problems.append(FieldProblem(p, "puid", "duplicate in this file"))
            puids.add(p)
    return len(items), problems
