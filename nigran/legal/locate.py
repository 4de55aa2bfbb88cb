"""Finding the stored item an order, a report or an appeal names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import Connection, func, select

from nigran.model import Content
from nigran.store.tables import content


@dataclass(frozen=True, slots=True)
class Stored:
    """A content item as the legal room needs it: latest version, author, language, kind."""

    id: str
    version: int
    author: str
    language: str | None
    kind: str
    upload_country: str | None
    received_at: datetime
    created_at: str | None


def locate(conn: Connection, locator: str) -> Stored | None:
    """The stored item a locator names: its id, or a URL whose last path segment is the id."""
    candidates = [locator.strip()]
    if "://" in locator:
        path = urlparse(locator.strip()).path.rstrip("/")
        if path:
            candidates.insert(0, path.rsplit("/", 1)[-1])
    for cid in candidates:
        version = conn.execute(
            select(func.max(content.c.version)).where(content.c.content_id == cid)
        ).scalar()
        if version is None:
            continue
        row = conn.execute(
            select(content).where(content.c.content_id == cid, content.c.version == version)
        ).one()
        return Stored(
            id=cid,
            version=int(version),
            author=row.author,
            language=row.language,
            kind=row.kind,
            upload_country=row.upload_country,
            received_at=row.received_at,
            created_at=(row.body or {}).get("created_at"),
        )
    return None


def content_of(conn: Connection, item: Stored) -> Content:
    """The stored version itself (what a case shows the reviewer)."""
    body = conn.execute(
        select(content.c.body).where(
            content.c.content_id == item.id, content.c.version == item.version
        )
    ).scalar_one()
    return Content.model_validate(body)
