"""The vocabulary every part of Nigran speaks.

Plain, validated value objects and nothing else: this module imports no other part of Nigran, so
detectors, policy, the store and the edges can all depend on it without depending on each other.

Conventions:
- Times are timezone-aware UTC ``datetime``s; naive datetimes are refused, not guessed.
- Countries are ISO 3166-1 alpha-2 codes, upper case ("PK", "DE").
- Category codes are the global taxonomy's codes ("hate", "sexual"); legal grounds are a
  jurisdiction pack's codes ("PK.DECENCY").
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

# -- small shared types -------------------------------------------------------------------------

MAX_TEXT_CHARS = 20_000
"""The longest text field Nigran accepts (characters); longer input is refused, not truncated."""

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _country(value: str) -> str:
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. 'PK')")
    return code


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a timezone (use UTC, e.g. '2026-01-01T00:00:00Z')")
    return value.astimezone(UTC)


MAX_INT32 = 2**31 - 1
"""The largest version (or other counter) the databases' INTEGER columns hold on PostgreSQL."""
MAX_INT64 = 2**63 - 1
"""The largest count JSON bodies may carry (orjson and SQLite stop at 64 bits)."""

# C0 controls (NUL included) and DEL: never in stored text (PostgreSQL refuses NUL outright; the
# others hide text from readers). Texts may keep tab and line breaks. C1 controls (U+0080-U+009F)
# are allowed in free text: real posts carry them as mojibake (an emoji's UTF-8 read as Latin-1),
# and refusing those would leave abusive posts unmoderated; identifiers refuse them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional overrides, embeddings, isolates and marks: in an id or author name they make the
# console show something other than what is stored ("display spoofing").
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_IDENTIFIER_BAD = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def clean_text(value: str) -> str:
    """Refuse control characters other than tab, CR and LF (NUL above all)."""
    if m := _CONTROL.search(value):
        raise ValueError(f"control character {_describe(m.group())} at position {m.start()}")
    return value


def _identifier(value: str) -> str:
    if m := _IDENTIFIER_BAD.search(value):
        ch = m.group()
        what = "bidirectional control" if _BIDI.match(ch) else "whitespace or control character"
        raise ValueError(f"{what} {_describe(ch)} at position {m.start()} is not allowed in an id")
    return value


# BCP 47 shape: a 2-3 letter primary language subtag, then subtags joined by hyphens. langcodes
# then checks each subtag against the IANA registry (so "xx" or "zz-Latn" fail, "pnb" passes).
_TAG_SHAPE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


@functools.lru_cache(maxsize=4096)
def _known_tag(value: str) -> bool:
    # A few dozen distinct tags in practice; the registry look-up costs ~100 us uncached.
    import langcodes

    return bool(_TAG_SHAPE.match(value)) and langcodes.tag_is_valid(value)


def _language_tag(value: str) -> str:
    if not _known_tag(value):
        raise ValueError(
            f"{value[:40]!r} is not a known language tag (BCP 47 with an ISO 639 language, "
            "e.g. 'ur', 'ur-Latn', 'pnb')"
        )
    return value


# A relative path inside the media store: no scheme ("file:", "http:", "C:"), no leading slash or
# backslash, no ".." segment. Anything else could name a file outside the store.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _media_path(value: str) -> str:
    clean_text(value)
    if any(c in value for c in "\n\r\t"):
        raise ValueError("a media ref may not contain line breaks or tabs")
    if _SCHEME.match(value):
        raise ValueError(
            "a media ref is a path relative to the media store (upload the file with "
            "POST /v1/media first); URLs and drive letters are not accepted"
        )
    if value.startswith(("/", "\\")) or "\\" in value:
        raise ValueError("a media ref is a relative path with forward slashes, not an absolute one")
    if any(part == ".." for part in value.split("/")):
        raise ValueError("a media ref may not contain '..' segments")
    return value


Country = Annotated[str, AfterValidator(_country)]
UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=256), AfterValidator(_identifier)
]
Version = Annotated[int, Field(ge=1, le=MAX_INT32)]
LanguageTag = Annotated[
    str, StringConstraints(min_length=1, max_length=35), AfterValidator(_language_tag)
]
Count = Annotated[int, Field(ge=0, le=MAX_INT64)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]


def utcnow() -> datetime:
    return datetime.now(UTC)


# The same characters as _CONTROL in orjson's output: short escapes for backspace and form feed,
# \u00XX for the other C0 controls, DEL as it is. A backslash in the
# text ("C:\\bin") can match too: the exact walk below then decides.
_CONTROL_JSON = re.compile(rb"\\[bf]|\\u00(?:0[0-8bBeEfF]|1[0-9a-fA-F]|7[fF])|\x7f")


def _has_control(value: Any) -> bool:
    """Whether ``value`` may hold a control character (never a false no). One C-speed pass over
    the value's JSON: this runs on every value Nigran validates, the hot path included."""
    try:
        raw = orjson.dumps(value)
    except TypeError:  # a model instance or an integer past 64 bits inside: walk it instead
        return _walk_has_control(value)
    return _CONTROL_JSON.search(raw) is not None


def _walk_has_control(value: Any) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_walk_has_control(k) or _walk_has_control(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_walk_has_control(v) for v in value)
    return False


def _refuse_controls(value: Any, where: str) -> None:
    if isinstance(value, str):
        if m := _CONTROL.search(value):
            raise ValueError(
                f"{where or 'value'}: control character {_describe(m.group())} at position "
                f"{m.start()}"
            )
    elif isinstance(value, dict):
        for k, v in value.items():
            _refuse_controls(k, where)
            _refuse_controls(v, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _refuse_controls(v, f"{where}[{i}]")


class _Value(BaseModel):
    """Immutable, strict about unknown fields: a typo in an integration is an error, not a no-op.

    No string anywhere in a value may carry a control character other than tab and line breaks:
    such a string cannot be stored (NUL, on PostgreSQL) or shows readers something else.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _no_controls(cls, data: Any) -> Any:
        if _has_control(data):
            _refuse_controls(data, "")  # raises, naming where
        return data


# -- content -------------------------------------------------------------------------------------


class ContentKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    TEXT = "text"
    COMMENT = "comment"
    PROFILE = "profile"
    LIVE = "live"


class TextField(StrEnum):
    """Where on an item a piece of text lives; evidence spans point into one of these."""

    CAPTION = "caption"
    HASHTAGS = "hashtags"
    TRANSCRIPT = "transcript"
    ON_SCREEN = "on_screen"
    BODY = "body"
    BIO = "bio"
    DISPLAY_NAME = "display_name"
    TITLE = "title"


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class MediaRef(_Value):
    """A pointer to media held by the platform: a path relative to the local media store
    (``POST /v1/media`` answers with one)."""

    ref: Annotated[
        str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_media_path)
    ]
    kind: MediaKind
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class Reach(_Value):
    views: Count = 0
    views_per_hour: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 0.0
    followers: Count = 0


class Content(_Value):
    """One version of one platform item.

    ``id`` is the platform's own id. The same ``id`` with a new ``version`` is a new version of the
    item; the same ``id`` and ``version`` sent again is the same submission (idempotent).
    """

    id: Identifier
    version: Version = 1
    kind: ContentKind
    author: Identifier
    texts: dict[TextField, Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]] = Field(
        default_factory=dict
    )
    media: list[MediaRef] = Field(default_factory=list, max_length=64)
    upload_country: Country | None = None
    created_at: UtcDatetime | None = None
    reach: Reach = Field(default_factory=Reach)
    language_hint: LanguageTag | None = None
    """A BCP 47 tag with a known ISO 639 language (``ur``, ``ur-Latn``, ``pnb``)."""
    audience_min_age: Annotated[int, Field(ge=0, le=21)] | None = None

    @model_validator(mode="after")
    def _has_something(self) -> Content:
        if not any(t.strip() for t in self.texts.values()) and not self.media:
            raise ValueError("content has neither text nor media: nothing to moderate")
        return self

    @property
    def key(self) -> str:
        """``id@version``: how one version is named in logs, the ledger and the API."""
        return f"{self.id}@{self.version}"

    def fingerprint(self) -> str:
        """SHA-256 of the canonical body; tells a true resubmission from a conflicting one."""
        body = self.model_dump(mode="json")
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


# -- signals ------------------------------------------------------------------------------------


class SignalSource(StrEnum):
    LEXICON = "lexicon"
    CLASSIFIER = "classifier"
    HASH_MATCH = "hash_match"
    NUDITY = "nudity"
    OCR = "ocr"
    USER_REPORT = "user_report"
    TRUSTED_FLAGGER = "trusted_flagger"
    AUTHORITY_ORDER = "authority_order"
    REVIEWER = "reviewer"


class Span(_Value):
    """A half-open range ``[start, end)`` of code points in the *original* text of ``field``."""

    field: TextField
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before start {self.start}")
        return self


class Evidence(_Value):
    """Why a detector said what it said, in terms a reviewer can check."""

    spans: list[Span] = Field(default_factory=list)
    term: str | None = None
    """The bank term that matched (as written in the bank), for lexicon signals."""
    bank: str | None = None
    distance: int | None = None
    model_version: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Signal(_Value):
    """One observation about one content version."""

    source: SignalSource
    detector: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    score: Score
    language: str | None = None
    severity: Annotated[int, Field(ge=0, le=4)] | None = None
    evidence: Evidence = Field(default_factory=Evidence)


# -- decisions and enforcement -------------------------------------------------------------------


class ActionType(StrEnum):
    """What can happen to content, ordered here from least to most severe."""

    LABEL = "label"
    REDUCE_REACH = "reduce_reach"
    AGE_RESTRICT = "age_restrict"
    WITHHOLD = "withhold"
    REMOVE = "remove"
    SUSPEND_ACCOUNT = "suspend_account"

    @property
    def severity(self) -> int:
        return list(ActionType).index(self)


class Scope(_Value):
    """Where an action applies: everywhere, or only in the listed countries."""

    countries: tuple[Country, ...] | None = None
    """``None`` means global."""

    @field_validator("countries")
    @classmethod
    def _sorted_unique(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("a country scope needs at least one country (use None for global)")
        return tuple(sorted(set(value)))

    @classmethod
    def everywhere(cls) -> Scope:
        return cls(countries=None)

    @classmethod
    def only(cls, *countries: str) -> Scope:
        return cls(countries=tuple(countries))

    @property
    def is_global(self) -> bool:
        return self.countries is None

    def __str__(self) -> str:
        return "global" if self.countries is None else ",".join(self.countries)


class Ground(_Value):
    """Why: a term of the platform (a taxonomy category) or a law (a pack's legal ground)."""

    kind: Literal["policy", "law"]
    code: Annotated[str, StringConstraints(min_length=1, max_length=64)]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class Action(_Value):
    type: ActionType
    scope: Scope = Field(default_factory=Scope.everywhere)
    ground: Ground
    min_age: Annotated[int, Field(ge=0, le=21)] | None = None
    """For age restriction: the youngest viewer allowed."""
    expires_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _age(self) -> Action:
        if self.type is ActionType.AGE_RESTRICT and self.min_age is None:
            raise ValueError("an age_restrict action needs min_age")
        return self


class ReviewRouting(_Value):
    """Send to human review instead of (or as well as) acting now."""

    queue: str
    category: str
    severity: Annotated[int, Field(ge=0, le=4)] = 1
    deadline: UtcDatetime | None = None


class RuleHit(_Value):
    """One rule that fired, with the signals it used: the decision's explanation."""

    rule: str
    reason: str
    signals: list[int] = Field(default_factory=list)
    """Indices into the decision's signal list."""


class Decision(_Value):
    content_id: Identifier
    content_version: Version
    actions: list[Action] = Field(default_factory=list)
    review: ReviewRouting | None = None
    automated: bool = True
    decided_by: str | None = None
    """Reviewer id for a human decision."""
    policy_version: str
    statement: str = ""
    """The statement of reasons the author will read."""
    explanation: list[RuleHit] = Field(default_factory=list)
    decided_at: UtcDatetime = Field(default_factory=utcnow)

    @property
    def restrictive(self) -> bool:
        return bool(self.actions)

    @property
    def outcome(self) -> str:
        """One word for summaries: the most severe action, ``review``, or ``none``."""
        if self.actions:
            return max(self.actions, key=lambda a: a.type.severity).type.value
        return "review" if self.review else "none"


class Visibility(StrEnum):
    VISIBLE = "visible"
    AGE_RESTRICTED = "age_restricted"
    WITHHELD = "withheld"
    REMOVED = "removed"


# -- restrictions: the unit of enforcement ------------------------------------------------------


class RestrictionSource(StrEnum):
    """Who or what put a restriction in place; it decides who may lift it (``LIFTABLE_BY``)."""

    AUTOMATED = "automated"
    REVIEWER = "reviewer"
    ORDER = "order"
    NOTICE = "notice"
    """A user's notice (DSA Art. 16 report) decided by a person."""
    TRUSTED_FLAGGER = "trusted_flagger"
    APPEAL = "appeal"
    """A notifier's appeal against a decision not to act, decided by a person."""
    REPEAT_OFFENDER = "repeat_offender"
    """An account suspended for repeated strikes after a warning (DSA Art. 23)."""


class Lifter(StrEnum):
    """The ways a restriction can end."""

    REMODERATION = "remoderation"
    """A newer version's automated decision no longer asks for it."""
    REVIEWER = "reviewer"
    """A person's decision on a review case."""
    APPEAL = "appeal"
    """An appeal reversed by a person who did not take the original decision."""
    ORDER = "order"
    """The order's own workflow: withdrawal, a legal decision, a court."""
    EXPIRY = "expiry"


LIFTABLE_BY: dict[RestrictionSource, frozenset[Lifter]] = {
    RestrictionSource.AUTOMATED: frozenset(
        {Lifter.REMODERATION, Lifter.REVIEWER, Lifter.APPEAL, Lifter.EXPIRY}
    ),
    RestrictionSource.REVIEWER: frozenset({Lifter.APPEAL, Lifter.EXPIRY}),
    RestrictionSource.NOTICE: frozenset({Lifter.APPEAL, Lifter.EXPIRY}),
    RestrictionSource.TRUSTED_FLAGGER: frozenset({Lifter.APPEAL, Lifter.EXPIRY}),
    RestrictionSource.APPEAL: frozenset({Lifter.APPEAL, Lifter.EXPIRY}),
    RestrictionSource.ORDER: frozenset({Lifter.ORDER, Lifter.EXPIRY}),
    RestrictionSource.REPEAT_OFFENDER: frozenset({Lifter.APPEAL, Lifter.EXPIRY}),
}
"""Who may lift what: an order's restriction only through the order; a person's through appeal;
an automated one by a person or by re-moderating a newer version."""


class Binding(StrEnum):
    ITEM = "item"
    """Every version of the item, present and future (people's and authorities' restrictions)."""
    VERSION = "version"
    """The version it was decided on, until a newer version is moderated (automated ones)."""


class Restriction(_Value):
    """One action in force on one content item, with where it came from.

    Visibility is a pure fold over the active restrictions of an item
    (:mod:`nigran.policy.visibility`), so lifting one (an appeal reversed, an order withdrawn)
    leaves every other exactly as it was.
    """

    id: Identifier
    content_id: Identifier
    version: Version
    """The version it was decided on."""
    binds: Binding
    action: Action
    source: RestrictionSource
    source_ref: str | None = None
    """``order:<id>``, ``case:<id>``, ``report:<id>``, ``appeal:<id>`` or ``decision:<id>``."""
    decision_id: int | None = None
    decided_by: str
    """A user id for people; ``policy:<version>`` for automated decisions."""
    created_at: UtcDatetime
    lifted_at: UtcDatetime | None = None
    lifted_by: Lifter | None = None
    lifted_ref: str | None = None
    """What lifted it: ``decision:<id>``, ``appeal:<id>``, ``order:<id>``."""

    def liftable_by(self, lifter: Lifter) -> bool:
        return lifter in LIFTABLE_BY[self.source]

    def same_effect(self, action: Action) -> bool:
        """Whether ``action`` asks for exactly this restriction (type, scope, ground, age)."""
        a = self.action
        return (a.type, a.scope, a.ground, a.min_age) == (
            action.type,
            action.scope,
            action.ground,
            action.min_age,
        )


# -- due process ---------------------------------------------------------------------------------


class OrderType(StrEnum):
    STANDARD = "standard"
    EMERGENCY = "emergency"
    LIVE_STREAM = "live_stream"


class OrderStatus(StrEnum):
    RECEIVED = "received"
    NEEDS_CLARIFICATION = "needs_clarification"
    LEGAL_REVIEW = "legal_review"
    ACTIONED = "actioned"
    PARTIALLY_ACTIONED = "partially_actioned"
    REFUSED = "refused"
    RESPONDED = "responded"


class Order(_Value):
    """A request from an authority to act on content."""

    id: Identifier
    authority: Identifier
    jurisdiction: Country
    order_type: OrderType = OrderType.STANDARD
    legal_ground: str
    items: list[Annotated[str, StringConstraints(min_length=1, max_length=2048)]] = Field(
        min_length=1
    )
    reasons: str = ""
    written_reasons: str | None = None
    received_at: UtcDatetime = Field(default_factory=utcnow)
    deadline: UtcDatetime | None = None
    status: OrderStatus = OrderStatus.RECEIVED
    response: str | None = None
