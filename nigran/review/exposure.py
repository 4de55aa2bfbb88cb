"""Exposure to graphic media over a shift, and when to suggest a break.

Each time a reviewer reveals one of a case's media, the console records it here with whether
the medium counted as graphic: the case's category, or a signal on the item (a detector's
nudity or violence finding included), is one of the queue configuration's
``graphic_categories``. Past the limit, the console suggests a break with a banner. The limit
is the team's ``exposure_limit`` (the lowest one set by the reviewer's queues, else the file's
default), or the reviewer's own when lower. It never blocks: deciding whether to stop is the
reviewer's, and the severe-case cap (``severe_cap``) is what holds cases back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from nigran.errors import InvalidInput
from nigran.model import Signal, utcnow
from nigran.review import wellness
from nigran.review.queues import QueueConfig, config
from nigran.store import Store
from nigran.store.tables_review import exposures


def is_graphic(category: str, signals: Iterable[Signal], cfg: QueueConfig | None = None) -> bool:
    """Whether a case's media count as graphic: its category or one of its item's signals is
    one of the configured graphic categories."""
    graphic = (cfg or config()).graphic_categories
    return category in graphic or any(s.category in graphic for s in signals)


MAX_SECONDS = 4 * 3600.0
"""The most one report of time on screen may add (a tab left open overnight is not exposure)."""


@dataclass(frozen=True, slots=True)
class Exposure:
    graphic: int
    """Graphic media revealed in the shift so far."""
    limit: int
    shift_hours: float
    seconds: float = 0.0
    """How long those graphic media stayed revealed, as far as the pages reported it."""

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)

    @property
    def suggest_break(self) -> bool:
        return self.graphic >= self.limit


def team_limit(queue_ids: Iterable[str] = (), cfg: QueueConfig | None = None) -> int:
    """The team's limit: the lowest one set by the reviewer's queues, else the file's default."""
    cfg = cfg or config()
    own = [q.exposure_limit for q in cfg.queues if q.id in set(queue_ids) and q.exposure_limit]
    return min(own) if own else cfg.exposure_limit


def limit_for(
    prefs: Mapping[str, Any], cfg: QueueConfig | None = None, queue_ids: Iterable[str] = ()
) -> int:
    """The limit that applies: the team's, or the reviewer's own when it is lower."""
    team = team_limit(queue_ids, cfg)
    own = wellness.of(prefs).exposure_limit
    return team if own is None else min(team, own)


def shift_start(prefs: Mapping[str, Any], now: datetime) -> datetime:
    return now - timedelta(hours=float(prefs.get("shift_hours", 8)))


def count(conn: Connection, user_id: str, since: datetime) -> tuple[int, float]:
    """Graphic reveals by ``user_id`` since ``since``, and the seconds they stayed revealed."""
    n, secs = conn.execute(
        select(func.count(), func.coalesce(func.sum(exposures.c.seconds), 0.0)).where(
            exposures.c.user_id == user_id,
            exposures.c.revealed_at >= since,
            exposures.c.graphic.is_(True),
        )
    ).one()
    return int(n), float(secs)


def status(
    conn: Connection,
    user_id: str,
    prefs: Mapping[str, Any],
    now: datetime,
    cfg: QueueConfig | None = None,
    queue_ids: Iterable[str] = (),
) -> Exposure:
    """The reviewer's exposure in the shift ending ``now`` (a rolling ``shift_hours`` window)."""
    n, secs = count(conn, user_id, shift_start(prefs, now))
    return Exposure(
        graphic=n,
        limit=limit_for(prefs, cfg, queue_ids),
        shift_hours=float(prefs.get("shift_hours", 8)),
        seconds=secs,
    )


def record(
    store: Store,
    user_id: str,
    case_id: str,
    media: int,
    *,
    graphic: bool,
    now: datetime | None = None,
) -> None:
    """One reveal of media ``media`` of ``case_id`` by ``user_id``."""
    with store.transaction() as conn:
        conn.execute(
            insert(exposures).values(
                user_id=user_id,
                case_id=case_id,
                media=media,
                graphic=graphic,
                revealed_at=now or utcnow(),
            )
        )


def on_screen(store: Store, user_id: str, case_id: str, media: int, seconds: float) -> bool:
    """Add ``seconds`` (capped at ``MAX_SECONDS``) of time on screen to ``user_id``'s latest
    reveal of that medium; False if there is none to add it to."""
    if not seconds >= 0:  # also refuses NaN
        raise InvalidInput(f"seconds must be a number >= 0, not {seconds!r}", where="seconds")
    with store.transaction() as conn:
        latest = (
            select(func.max(exposures.c.id))
            .where(
                exposures.c.user_id == user_id,
                exposures.c.case_id == case_id,
                exposures.c.media == media,
            )
            .scalar_subquery()
        )
        done = conn.execute(
            update(exposures)
            .where(exposures.c.id == latest)
            .values(seconds=func.coalesce(exposures.c.seconds, 0.0) + min(seconds, MAX_SECONDS))
        )
        return bool(done.rowcount)
