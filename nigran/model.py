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


# -- human work and due process -----------------------------------------------------------------


class CaseStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"
    ESCALATED = "escalated"


class Case(_Value):
    id: Identifier
    content_id: Identifier
    content_version: Annotated[int, Field(ge=1)]
    queue: str
    category: str
    language: str | None = None
    priority: float = 0.0
    deadline: UtcDatetime | None = None
    status: CaseStatus = CaseStatus.OPEN
    claimed_by: str | None = None
    claim_expires_at: UtcDatetime | None = None
    outcome: str | None = None
    created_at: UtcDatetime = Field(default_factory=utcnow)


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


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REVERSED = "reversed"


class Appeal(_Value):
    id: Identifier
    content_id: Identifier
    decision_id: int
    appellant: Identifier
    reason: str
    filed_at: UtcDatetime = Field(default_factory=utcnow)
    status: AppealStatus = AppealStatus.OPEN
    decided_by: str | None = None
    decided_at: UtcDatetime | None = None


class Notice(_Value):
    """A statement of reasons sent to the author of restricted content."""

    id: Identifier
    content_id: Identifier
    decision_id: int
    recipient: Identifier
    language: str
    text: str
    ground: Ground
    scope: Scope
    automated: bool
    withheld_by_law: bool = False
    created_at: UtcDatetime = Field(default_factory=utcnow)
