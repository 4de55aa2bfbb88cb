"""ISO-8601 durations (``PT48H``, ``P7D``, ``P6M``) and adding them to instants.

Legal clocks are written as ISO-8601 durations in packs. ``timedelta`` cannot hold months, and a
"7 working days" clock skips weekends in the jurisdiction's local time, so both are handled here.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from nigran.errors import InvalidInput

_DURATION = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


@dataclass(frozen=True, slots=True)
class Duration:
    text: str
    years: int = 0
    months: int = 0
    days: int = 0
    seconds: int = 0

    fixed: timedelta = timedelta(0)
    """The part with a fixed length (weeks, days, hours...); months and years excluded."""

    def __str__(self) -> str:
        return self.text


def parse_duration(text: str) -> Duration:
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not an ISO-8601 duration (e.g. PT48H, P7D, P6M)")
    y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    days, secs = w * 7 + d, h * 3600 + mi * 60 + s
    return Duration(text, y, mo, days, secs, timedelta(days=days, seconds=secs))


def _add_months(dt: datetime, months: int) -> datetime:
    index = dt.month - 1 + months
    year, month = dt.year + index // 12, index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


def add_duration(
    start: datetime,
    duration: Duration,
    tz: ZoneInfo,
    *,
    working_days: bool = False,
    weekend: frozenset[int] = frozenset({5, 6}),
) -> datetime:
    """``start`` plus ``duration``; calendar parts (months, days) count in local time ``tz``.

    With ``working_days``, each day of the duration is a working day in ``tz`` (``weekend`` holds
    ``datetime.weekday()`` numbers; public holidays are not modelled). The result carries
    ``start``'s timezone.
    """
    local = start.astimezone(tz)
    if duration.years or duration.months:
        local = _add_months(local, duration.years * 12 + duration.months)
    if working_days:
        remaining = duration.days
        while remaining:
            local = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=tz)
            if local.weekday() not in weekend:
                remaining -= 1
    elif duration.days:
        # Calendar days in local time: a "7 day" clock across a DST change stays on the same
        # wall-clock hour, as a person reading the law would expect.
        local = (local.replace(tzinfo=None) + timedelta(days=duration.days)).replace(tzinfo=tz)
    # Hours, minutes and seconds are elapsed time: 3 hours is 3 hours even across DST.
    return (local.astimezone(UTC) + timedelta(seconds=duration.seconds)).astimezone(start.tzinfo)


def parse_instant(value: str) -> datetime:
    """An ISO date or datetime from the command line, as aware UTC."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{value!r} is not an ISO date or datetime (e.g. 2026-02-20T10:00:00Z)"
        ) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
