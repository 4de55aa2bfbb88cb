"""Builders for review tests: stored content, cases opened on it, people with roles."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from nigran.model import Content, MediaKind, MediaRef
from nigran.policy.basic import BasicPolicy
from nigran.review import auth
from nigran.review.cases import Reviewer, open_case
from nigran.runtime.pipeline import moderate
from nigran.store import Store
from tests.factories import BENIGN_EN, THREAT_UR, item, stored_ref

PASSWORD = "correct horse battery"
REVIEW_ALL = BasicPolicy.parse(
    {"version": "review-all", "categories": {"threat": {"review": 0.1}, "sexual": {"review": 0.1}}},
    "test",
)
"""A policy that sends every threat or sexual signal to human review instead of acting."""


STORE_ONLY = BasicPolicy.parse({"version": "store-only", "categories": {}}, "test")
"""A policy that never acts or opens a case: review tests open their cases themselves."""


def stored(store: Store, id: str, body: str = BENIGN_EN, **kw: Any) -> Content:
    """Store ``id`` with its signals (the case page highlights their evidence), no decision."""
    c = item(id, body, **kw)
    r = moderate(store, [c], policy=STORE_ONLY)
    assert not r.errors, r.errors
    return c


def report(
    store: Store,
    c: Content,
    *,
    category: str = "hate",
    severity: int = 3,
    language: str | None = "ur",
    source: str = "user_report",
    now: datetime | None = None,
    **kw: Any,
) -> str:
    with store.transaction() as conn:
        return open_case(
            conn,
            c,
            category=category,
            severity=severity,
            language=language,
            source=source,
            now=now,
            **kw,
        )


def video_case(store: Store, id: str, video: Path, *, severity: int = 3) -> str:
    """A case over a stored video item (an Urdu threat as its caption), reported as a threat."""
    c = stored(
        store,
        id,
        THREAT_UR,
        kind="video",
        media=[MediaRef(ref=stored_ref(video), kind=MediaKind.VIDEO)],
    )
    return report(store, c, category="threat", severity=severity)


def reviewer(
    id: str, *queues: str, roles: tuple[str, ...] = ("reviewer",), cap: int | None = None
) -> Reviewer:
    return Reviewer(id, frozenset(roles), frozenset(queues), cap)


def person(
    store: Store, id: str, *queues: str, roles: tuple[str, ...] = ("reviewer",)
) -> auth.User:
    return auth.add_user(store, id, PASSWORD, roles=roles, queues=queues)
