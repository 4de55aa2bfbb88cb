"""Reporting periods: a year (``2026``), a half (``2026-H2``), a quarter (``2026-Q4``) or a month
(``2026-12``), as UTC half-open intervals ``[start, end)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from nigran.errors import InvalidInput

_FORMS = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: datetime
    end: datetime
    """Exclusive."""

    def __contains__(self, t: datetime | None) -> bool:
        return t is not None and self.start <= t < self.end

    def months(self) -> list[Period]:
        """The calendar months the period covers (monthly duties inside a longer report)."""
        out, y, m = [], self.start.year, self.start.month
        while datetime(y, m, 1, tzinfo=UTC) < self.end:
            out.append(parse(f"{y:04d}-{m:02d}"))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def parse(text: str) -> Period:
    """``2026``, ``2026-H2``, ``2026-Q4`` or ``2026-12``."""
    m = _FORMS.match(text.strip().upper())
    if m is None:
        raise InvalidInput(
            f"{text!r} is not a period: give 2026, 2026-H2, 2026-Q4 or 2026-12", where="period"
        )
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        first, n = 1, 12
    elif part[0] == "H":
        first, n = 1 + 6 * (int(part[1]) - 1), 6
    elif part[0] == "Q":
        first, n = 1 + 3 * (int(part[1]) - 1), 3
    else:
        first, n = int(part), 1
        if not 1 <= first <= 12:
            raise InvalidInput(f"{text!r}: no month {first}", where="period")
    label = str(year) if part is None else f"{year}-{part}"
    return Period(label, _month_start(year, first), _month_start(year, first + n))
