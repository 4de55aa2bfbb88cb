"""DSA Transparency Database export: one statement of reasons per restriction.

Each restriction (``restrictions`` table) that applies in the EU/EEA becomes one statement with
that restriction's own facts: its action, its EU/EEA countries only, its ground (a law of a pack,
or a term of service), its source (automated detection, a reviewer, an Art. 16 notice, a trusted
flagger, an authority order, an appeal) and whether automated means found it or decided it. The
``puid`` is the restriction's id, so a restriction is reported once, whatever else its decision
carried and whatever later happened to its neighbours.

``decision_facts`` and the two explanation fields are written from those facts for publication:
they never copy a notifier's, an authority's or a reviewer's free text, and they name no person.

Validation (:func:`validate`) mirrors the API's rules (``dsa_tdb/StatementStoreRequest.php``)
and nothing else, with the enumerations read from the official files shipped in
:mod:`nigran.legal.dsa_tdb`: what it accepts, the API accepts, and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection, select

from nigran import languages
from nigran.legal.dsa_tdb import official
from nigran.legal.locate import Stored, locate
from nigran.model import ActionType, Restriction, RestrictionSource
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.store.queries import restriction_from_row
from nigran.store.tables import restrictions
from nigran.store.tables_legal import appeals, authorities, orders, reports, trusted_flaggers

BATCH = 100
"""The most statements the database's multiple-statement endpoint takes in one request."""

_ACTION_VISIBILITY = {
    ActionType.REMOVE: "DECISION_VISIBILITY_CONTENT_REMOVED",
    ActionType.WITHHOLD: "DECISION_VISIBILITY_CONTENT_DISABLED",
    ActionType.AGE_RESTRICT: "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    ActionType.REDUCE_REACH: "DECISION_VISIBILITY_CONTENT_DEMOTED",
    ActionType.LABEL: "DECISION_VISIBILITY_CONTENT_LABELLED",
}
_CONTENT_TYPE = {
    "video": "CONTENT_TYPE_VIDEO",
    "live": "CONTENT_TYPE_VIDEO",
    "image": "CONTENT_TYPE_IMAGE",
    "audio": "CONTENT_TYPE_AUDIO",
    "text": "CONTENT_TYPE_TEXT",
    "comment": "CONTENT_TYPE_TEXT",
    "profile": "CONTENT_TYPE_TEXT",
}
_MEASURE = {
    ActionType.REMOVE: "The content was removed",
    ActionType.WITHHOLD: "Access to the content was disabled",
    ActionType.AGE_RESTRICT: "The content was restricted to adult viewers",
    ActionType.REDUCE_REACH: "The content was demoted in recommendations",
    ActionType.LABEL: "A label was added to the content",
    ActionType.SUSPEND_ACCOUNT: "The account was suspended",
}
# Countries an order can come from outside the EU/EEA (for the truthful source identity).
_THIRD_COUNTRY = {"PK": "Pakistan", "IN": "India", "GB": "United Kingdom", "TR": "Türkiye"}


# -- validation: the API's rules, field by field ------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldProblem:
    puid: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.puid}: {self.field}: {self.message}"


def _normalise(value: Any) -> Any:
    """What the API's middleware makes of a JSON value before validation: strings trimmed
    (TrimStrings), empty strings become null (ConvertEmptyStringsToNull), recursively."""
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def _php_str(value: Any) -> str | None:
    """PHP's ``(string)`` cast of a scalar, or None for what cannot be compared as one."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _filled(value: Any) -> bool:
    """Laravel's ``required``: not null, not an empty string, not an empty array."""
    return not (value is None or value == "" or value == [] or value == {})


def _date(value: Any) -> date | None:
    """``date_format:Y-m-d``: exactly four-two-two digits naming a real calendar day."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


_URL_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "sftp"})
_PUID = re.compile(r"[a-zA-Z0-9\-_]+")
_EAN = re.compile(r"[0-9]{13}")


def _url(value: Any) -> bool:
    """Laravel's ``url`` rule, for the schemes a statement can cite: a scheme, ``://``, a host
    and no white space."""
    if not isinstance(value, str) or re.search(r"\s", value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    return parts.scheme.lower() in _URL_SCHEMES and bool(host) and value.count("://") >= 1


class _Checker:
    def __init__(self, sor: Mapping[str, Any]) -> None:
        self.sor = sor
        self.errors: dict[str, list[str]] = {}

    def has(self, name: str) -> bool:
        return name in self.sor

    def get(self, name: str) -> Any:
        return self.sor.get(name)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def required(self, name: str) -> bool:
        if not _filled(self.get(name)):
            self.fail(name, "is required")
            return False
        return True

    def one_of(self, name: str, allowed: Iterable[str], *, array: bool = False) -> None:
        """``in:``; with ``array`` every element must be in the list (Laravel's array form). The
        API's nullable lists are ``in:null,...``, so the string "null" passes where it says so."""
        value = self.get(name)
        allowed = set(allowed)
        if array and isinstance(value, list):
            bad = [v for v in value if _php_str(v) not in allowed]
            if bad:
                self.fail(name, f"not in the official list: {bad}")
        elif isinstance(value, (list, dict)) or _php_str(value) not in allowed:
            self.fail(name, f"{value!r} is not in the official list")

    def array(self, name: str) -> bool:
        if not isinstance(self.get(name), (list, dict)):
            self.fail(name, "must be an array")
            return False
        return True

    def max_len(self, name: str, limit: int) -> None:
        value = self.get(name)
        if isinstance(value, (list, dict)):
            size = len(value)
        else:
            text = _php_str(value)
            size = len(text) if text is not None else 0
        if size > limit:
            self.fail(name, f"{size} characters; at most {limit}")

    def day(
        self, name: str, *, earliest: date | None, latest: date, nullable: bool, required: bool
    ) -> None:
        if required and not self.required(name):
            return
        if not self.has(name) or (nullable and self.get(name) is None):
            return
        d = _date(self.get(name))
        if d is None:
            self.fail(name, f"{self.get(name)!r} is not a YYYY-MM-DD date")
            return
        if earliest is not None and d < earliest:
            self.fail(name, f"before {earliest.isoformat()}")
        if d > latest:
            self.fail(name, f"after {latest.isoformat()}")


_DECISIONS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
_END_DATES = (
    "end_date_account_restriction",
    "end_date_monetary_restriction",
    "end_date_service_restriction",
    "end_date_visibility_restriction",
)
_LATEST = date(2038, 1, 1)


def validate(sor: Mapping[str, Any]) -> list[FieldProblem]:
    """Every rule of the API (``StatementStoreRequest::rules``) that ``sor`` breaks, with the
    official enumerations; one problem per failed rule, named by field.

    Laravel's semantics are kept: a field present with null is checked by every rule unless the
    rule list says ``nullable``; ``exclude_*`` fields are ignored, not refused; a ``required_if``
    field is required only when its condition holds."""
    o = official()
    c = _Checker(_normalise(dict(sor)))
    ids = c.get("content_id")
    # content_id: an optional array whose EAN-13 entry is thirteen digits.
    if ids is not None and c.array("content_id") and isinstance(ids, dict) and "EAN-13" in ids:
        ean = ids["EAN-13"]
        if not isinstance(ean, str) or not _EAN.fullmatch(ean):
            c.fail("content_id.EAN-13", "must be a string of 13 digits")
    ean = c.get("content_id_ean")
    if ean is not None and (not isinstance(ean, str) or not _EAN.fullmatch(ean)):
        c.fail("content_id_ean", "must be a string of 13 digits")
    # The four kinds of decision: each optional and nullable, but one of them is required
    # (required_without_all: required when none of the other three is filled).
    for name in _DECISIONS:
        alone = not any(_filled(c.get(other)) for other in _DECISIONS if other != name)
        if (alone and not c.required(name)) or c.get(name) is None:
            continue
        if name == "decision_visibility":
            if c.array(name):
                c.one_of(name, {"null", *o.decision_visibilities}, array=True)
        else:
            allowed = {
                "decision_monetary": o.decision_monetaries,
                "decision_provision": o.decision_provisions,
                "decision_account": o.decision_accounts,
            }[name]
            c.one_of(name, {"null", *allowed})
    visibility = c.get("decision_visibility")
    wants_other = isinstance(visibility, list) and "DECISION_VISIBILITY_OTHER" in visibility
    if wants_other and c.required("decision_visibility_other"):
        c.max_len("decision_visibility_other", 500)
    monetary_other = c.get("decision_monetary") == "DECISION_MONETARY_OTHER"
    if monetary_other and c.required("decision_monetary_other"):
        c.max_len("decision_monetary_other", 500)
    if c.get("account_type") is not None:
        c.one_of("account_type", {"null", *o.account_types})
    spec = c.get("category_specification")
    if spec is not None and c.array("category_specification"):
        c.one_of("category_specification", {"null", *o.keywords}, array=True)
    if c.has("category_specification_other"):
        c.max_len("category_specification_other", 500)
    # The ground, and the fields each ground requires (the other ground's are ignored).
    if c.required("decision_ground"):
        c.one_of("decision_ground", o.decision_grounds)
    url = c.get("decision_ground_reference_url")
    if url is not None:
        if not _url(url):
            c.fail("decision_ground_reference_url", "is not a valid URL")
        c.max_len("decision_ground_reference_url", 500)
    ground = _php_str(c.get("decision_ground"))
    needs: tuple[tuple[str, int], ...] = ()
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        needs = (("illegal_content_legal_ground", 500), ("illegal_content_explanation", 2000))
    elif ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        needs = (("incompatible_content_ground", 500), ("incompatible_content_explanation", 2000))
        if c.has("incompatible_content_illegal"):
            c.one_of("incompatible_content_illegal", o.incompatible_content_illegals)
    for name, limit in needs:
        if c.required(name):
            c.max_len(name, limit)
    # What the content is and what it was about.
    if c.required("content_type") and c.array("content_type"):
        c.one_of("content_type", o.content_types, array=True)
    content_type = c.get("content_type")
    type_other = isinstance(content_type, list) and "CONTENT_TYPE_OTHER" in content_type
    if type_other and c.required("content_type_other"):
        c.max_len("content_type_other", 500)
    if c.required("category"):
        c.one_of("category", o.categories)
    if c.has("category_addition") and c.array("category_addition"):
        c.one_of("category_addition", o.categories, array=True)
    if c.get("territorial_scope") is not None and c.array("territorial_scope"):
        c.one_of("territorial_scope", o.countries, array=True)
    if c.get("content_language") is not None:
        c.one_of("content_language", o.languages)
    # Dates: formats and the fixed ranges; the API relates none of them to another.
    c.day("content_date", earliest=date(2000, 1, 1), latest=_LATEST, nullable=False, required=True)
    c.day(
        "application_date", earliest=date(2020, 1, 1), latest=_LATEST, nullable=False, required=True
    )
    for name in _END_DATES:
        c.day(name, earliest=None, latest=_LATEST, nullable=True, required=False)
    if c.required("decision_facts"):
        c.max_len("decision_facts", 5000)
    if c.required("source_type"):
        c.one_of("source_type", o.source_types)
    if c.has("source_identity") and c.get("source_type") != "SOURCE_VOLUNTARY":
        c.max_len("source_identity", 500)
    if c.required("automated_detection"):
        c.one_of("automated_detection", o.automated_detections)
    if c.required("automated_decision"):
        c.one_of("automated_decision", o.automated_decisions)
    if c.required("puid"):
        c.max_len("puid", 500)
        puid = c.get("puid")
        if not isinstance(puid, (str, int)) or not _PUID.fullmatch(str(puid)):
            c.fail("puid", "may hold only A-Z a-z 0-9 - _")
    raw_puid = sor.get("puid")
    p = raw_puid if isinstance(raw_puid, str) else "?"
    return [FieldProblem(p, name, msg) for name, msgs in c.errors.items() for msg in msgs]


# -- building statements ------------------------------------------------------------------------


def content_language(code: str | None) -> str | None:
    """The database's ``content_language`` for a stored language code: the language's ISO 639-1
    code (Roman Urdu is Urdu, ``UR``; Shahmukhi Punjabi is Punjabi, ``PA``), or None when the
    official list has none for it (Saraiki, undetermined)."""
    if not code:
        return None
    lang = languages.find(code)
    iso = lang.iso639_1 if lang is not None else (code if re.fullmatch(r"[a-z]{2}", code) else None)
    iso = iso.upper() if iso else None
    return iso if iso in official().languages else None


@dataclass(frozen=True, slots=True)
class _Source:
    source_type: str
    identity: str | None
    sentence: str
    detected: bool
    """Whether automated detection found the content (it opened the case, or acted itself)."""


def _order_source(conn: Connection, order_id: str, packs: PackSet) -> _Source:
    row = conn.execute(
        select(orders.c.authority_id, orders.c.jurisdiction, orders.c.order_type).where(
            orders.c.id == order_id
        )
    ).first()
    if row is None:
        return _Source(
            "SOURCE_TYPE_OTHER_NOTIFICATION",
            "Order of a public authority",
            "A public authority ordered action against this content.",
            False,
        )
    name = conn.execute(
        select(authorities.c.name).where(authorities.c.id == row.authority_id)
    ).scalar() or str(row.authority_id)
    basis = ""
    try:
        rule = packs.order_type(row.order_type)
        basis = f", {rule.instrument}" if rule.instrument else ""
    except Exception:  # an order type retired from the packs still names its authority
        basis = ""
    if row.jurisdiction in official().countries:
        identity = f"Order under Art. 9 DSA from {name} ({row.jurisdiction})"
        sentence = f"A judicial or administrative authority of {row.jurisdiction} ordered action."
    else:
        country = _THIRD_COUNTRY.get(row.jurisdiction, row.jurisdiction)
        # Not a Member State: an order of a third country is neither an Art. 9 order nor an
        # Art. 16 notice; the database has no source type of its own for it.
        identity = f"Order of a third-country authority: {name}, {country}{basis}"
        sentence = (
            f"An authority of {country} (a third country, not an EU Member State) ordered action; "
            "the platform reviewed the content against its terms of service."
        )
    return _Source("SOURCE_TYPE_OTHER_NOTIFICATION", identity[:500], sentence, False)


def _report_source(conn: Connection, where: Any) -> _Source | None:
    row = conn.execute(
        select(reports.c.source, reports.c.reporter, reports.c.complainant_confidential).where(
            where
        )
    ).first()
    if row is None:
        return None
    if row.source == "trusted_flagger" and row.complainant_confidential:
        # The pack's notice type, or the flagger, keeps the notifier's identity confidential.
        return _Source(
            "SOURCE_TRUSTED_FLAGGER",
            None,
            "A trusted flagger (Art. 22 DSA) notified the content.",
            False,
        )
    if row.source == "trusted_flagger":
        tf = conn.execute(
            select(trusted_flaggers.c.name, trusted_flaggers.c.awarded_by).where(
                trusted_flaggers.c.id == row.reporter
            )
        ).first()
        identity = (
            f"{tf.name} (trusted flagger, status awarded by {tf.awarded_by})"
            if tf is not None and tf.awarded_by
            else (tf.name if tf is not None else None)
        )
        return _Source(
            "SOURCE_TRUSTED_FLAGGER",
            identity[:500] if identity else None,
            "A trusted flagger (Art. 22 DSA) notified the content.",
            False,
        )
    return _Source(
        "SOURCE_ARTICLE_16", None, "A notice under Art. 16 DSA reported the content.", False
    )


def _source(conn: Connection, r: Restriction, packs: PackSet) -> _Source:
    kind, _, ref = (r.source_ref or "").partition(":")
    if r.source is RestrictionSource.AUTOMATED:
        return _Source(
            "SOURCE_VOLUNTARY",
            None,
            "The platform's automated detection found the content on its own initiative.",
            True,
        )
    if kind == "order":
        return _order_source(conn, ref, packs)
    if kind == "report":
        found = _report_source(conn, reports.c.id == ref)
        if found is not None:
            return found
    if kind == "case":
        found = _report_source(conn, reports.c.case_id == ref)
        if found is not None:
            return found
    if kind == "appeal" or r.source is RestrictionSource.APPEAL:
        appeal = conn.execute(select(appeals.c.id).where(appeals.c.id == ref)).first()
        if appeal is not None or r.source is RestrictionSource.APPEAL:
            return _Source(
                "SOURCE_ARTICLE_16",
                None,
                "A notifier's complaint (Art. 20 DSA) against an earlier decision not to act "
                "was upheld.",
                False,
            )
    if r.source is RestrictionSource.TRUSTED_FLAGGER:
        return _Source("SOURCE_TRUSTED_FLAGGER", None, "A trusted flagger notified it.", False)
    if r.source is RestrictionSource.NOTICE:
        return _Source("SOURCE_ARTICLE_16", None, "A notice under Art. 16 DSA reported it.", False)
    # A reviewer's case opened by the pipeline: automated detection flagged it for review.
    return _Source(
        "SOURCE_VOLUNTARY",
        None,
        "The platform's automated detection flagged the content for human review.",
        True,
    )


def _eea(r: Restriction) -> list[str]:
    countries = official().countries
    if r.action.scope.is_global:
        return sorted(countries)
    return sorted(set(countries) & set(r.action.scope.countries or ()))


def _end(r: Restriction) -> date | None:
    ends = [t for t in (r.action.expires_at, r.lifted_at) if t is not None]
    return min(ends).date() if ends else None


def statement(
    conn: Connection,
    r: Restriction,
    packs: PackSet,
    *,
    item: Stored | None = None,
) -> dict[str, Any] | None:
    """The statement for one restriction, or None where it does not apply in the EU/EEA."""
    scope = _eea(r)
    if not scope or (
        r.action.type not in _ACTION_VISIBILITY and r.action.type is not ActionType.SUSPEND_ACCOUNT
    ):
        return None
    item = item or locate(conn, r.content_id)
    cats = taxonomy()
    sor: dict[str, Any] = {"puid": f"nigran-r-{r.id}"}
    if r.action.type is ActionType.SUSPEND_ACCOUNT:
        sor["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
    else:
        sor["decision_visibility"] = [_ACTION_VISIBILITY[r.action.type]]
    ground_text: str
    if r.action.ground.kind == "law":
        g = packs.grounds.get(r.action.ground.code)
        codes = list(g.categories) if g else []
        sor["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        legal = f"{g.legal_basis}: {g.label}" if g else r.action.ground.code
        sor["illegal_content_legal_ground"] = legal[:500]
        ground_text = f"illegal under {g.legal_basis} ({g.label})" if g else f"illegal ({legal})"
        sor["illegal_content_explanation"] = (
            f"The content was assessed as {ground_text}, the law of the countries listed in "
            "the territorial scope, where it is restricted."
        )[:2000]
    else:
        codes = [r.action.ground.code]
        c = cats.get(r.action.ground.code)
        name = c.name if c else r.action.ground.code
        sor["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        sor["incompatible_content_ground"] = f"Terms of service: {name}"[:500]
        ground_text = f"incompatible with the terms of service ({name})"
        sor["incompatible_content_explanation"] = (f"The content was assessed as {ground_text}.")[
            :2000
        ]
    known = [cats[code] for code in codes if code in cats]
    kind = item.kind if item else ""
    sor["content_type"] = [_CONTENT_TYPE.get(kind, "CONTENT_TYPE_OTHER")]
    if sor["content_type"] == ["CONTENT_TYPE_OTHER"]:
        sor["content_type_other"] = kind or "unknown"
    if known:
        sor["category"] = known[0].dsa_category
        extra = sorted({k.dsa_category for k in known[1:]} - {known[0].dsa_category})
        if extra:
            sor["category_addition"] = extra
        keywords = sorted({kw for k in known for kw in k.dsa_keywords})
        if keywords:
            sor["category_specification"] = keywords
        if "KEYWORD_OTHER" in keywords:
            sor["category_specification_other"] = ", ".join(
                k.name for k in known if "KEYWORD_OTHER" in k.dsa_keywords
            )[:500]
    else:
        sor["category"] = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    sor["territorial_scope"] = scope
    lang = content_language(item.language if item else None)
    if lang:
        sor["content_language"] = lang
    if item is not None:
        posted = _date((item.created_at or "")[:10]) or item.received_at.date()
        sor["content_date"] = posted.isoformat()
    sor["application_date"] = r.created_at.date().isoformat()
    end = _end(r)
    if end is not None:
        key = (
            "end_date_account_restriction"
            if r.action.type is ActionType.SUSPEND_ACCOUNT
            else "end_date_visibility_restriction"
        )
        sor[key] = end.isoformat()
    src = _source(conn, r, packs)
    sor["source_type"] = src.source_type
    if src.identity and src.source_type != "SOURCE_VOLUNTARY":
        sor["source_identity"] = src.identity
    automated = r.source is RestrictionSource.AUTOMATED
    sor["automated_detection"] = "Yes" if src.detected else "No"
    sor["automated_decision"] = (
        "AUTOMATED_DECISION_FULLY" if automated else "AUTOMATED_DECISION_NOT_AUTOMATED"
    )
    decider = (
        "Automated moderation decided, without human review"
        if automated
        else "An authorised legal reviewer decided"
        if r.source is RestrictionSource.ORDER
        else "A trained human moderator decided"
    )
    where = "everywhere" if r.action.scope.is_global else "in " + ", ".join(scope)
    measure = _MEASURE[r.action.type]
    if r.action.type is ActionType.AGE_RESTRICT and r.action.min_age:
        measure = f"The content was restricted to viewers aged {r.action.min_age} or over"
    sor["decision_facts"] = (
        f"{src.sentence} {decider} that the {kind or 'item'} is {ground_text}. "
        f"{measure} {where}, from {sor['application_date']}"
        + (f" until {end.isoformat()}." if end else ".")
    )[:5000]
    return sor


def statements(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    packs: PackSet | None = None,
) -> Iterable[tuple[str, dict[str, Any] | None]]:
    """(restriction id, statement or None) for each restriction created in the window."""
    packs = packs or default_packs()
    q = select(restrictions)
    if since is not None:
        q = q.where(restrictions.c.created_at >= since)
    if until is not None:
        q = q.where(restrictions.c.created_at < until)
    items: dict[str, Stored | None] = {}
    for row in conn.execute(q.order_by(restrictions.c.created_at, restrictions.c.id)).all():
        r = restriction_from_row(row)
        if r.content_id not in items:
            items[r.content_id] = locate(conn, r.content_id)
        yield r.id, statement(conn, r, packs, item=items[r.content_id])


def batches(items: Sequence[dict[str, Any]], size: int = BATCH) -> list[list[dict[str, Any]]]:
    if not 1 <= size <= BATCH:
        raise ValueError(f"batch size must be 1..{BATCH} (the database's multiple endpoint)")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(slots=True)
class ExportResult:
    files: list[Path] = field(default_factory=list)
    written: int = 0
    skipped_not_eu: int = 0
    problems: list[FieldProblem] = field(default_factory=list)
    invalid: int = 0
    statements: list[dict[str, Any]] = field(default_factory=list)


def collect(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    packs: PackSet | None = None,
) -> ExportResult:
    """Build and validate every statement of the window; invalid ones are reported, not kept."""
    result = ExportResult()
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
        result.statements.append(sor)
    return result


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
    result = collect(conn, since=since, until=until, packs=packs)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(batches(result.statements, batch), 1):
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
        if not isinstance(sor, dict):
            problems.append(FieldProblem("?", "statements", "each statement must be an object"))
            continue
        problems += validate(sor)
        p = sor.get("puid")
        if isinstance(p, str):
            if p in puids:
                problems.append(FieldProblem(p, "puid", "duplicate in this file"))
            puids.add(p)
    return len(items), problems
