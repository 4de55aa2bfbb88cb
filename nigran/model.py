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


Country = Annotated[str, AfterValidator(_country)]
UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\s\x00-\x1f]+$")
]
Score = Annotated[float, Field(ge=0.0, le=1.0)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Value(BaseModel):
    """Immutable, strict about unknown fields: a typo in an integration is an error, not a no-op."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


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
    """A pointer to media held by the platform (a path in the local store or a URL)."""

    ref: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    kind: MediaKind
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class Reach(_Value):
    views: Annotated[int, Field(ge=0)] = 0
    views_per_hour: Annotated[float, Field(ge=0.0)] = 0.0
    followers: Annotated[int, Field(ge=0)] = 0


class Content(_Value):
    """One version of one platform item.

    ``id`` is the platform's own id. The same ``id`` with a new ``version`` is a new version of the
    item; the same ``id`` and ``version`` sent again is the same submission (idempotent).
    """

    id: Identifier
    version: Annotated[int, Field(ge=1)] = 1
    kind: ContentKind
    author: Identifier
    texts: dict[TextField, Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]] = Field(
        default_factory=dict
    )
    media: list[MediaRef] = Field(default_factory=list, max_length=64)
    upload_country: Country | None = None
    created_at: UtcDatetime | None = None
    reach: Reach = Field(default_factory=Reach)
    language_hint: Annotated[str, StringConstraints(max_length=16)] | None = None
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
    content_version: Annotated[int, Field(ge=1)]
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
    version: Annotated[int, Field(ge=1)]
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

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def in_force(self, now: datetime) -> bool:
        return self.lifted_at is None and (
            self.action.expires_at is None or self.action.expires_at > now
        )

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
