"""Per-reviewer wellness preferences: how media reach a reviewer, and when to suggest a break.

Stored per user in ``review_users.wellness`` (JSON), so they follow the reviewer from one
browser or machine to the next. A reviewer sets their own (the console's settings page);
what protects them regardless (``severe_cap``, ``shift_hours``) is set by a lead and is not
theirs to change. The queue configuration's ``exposure_limit`` is the team's limit of graphic
media a reviewer reveals in a shift; a reviewer may set a lower one for themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nigran.errors import InvalidInput

BLUR_LEVELS: dict[int, str] = {0: "off", 1: "light", 2: "medium", 3: "strong"}
"""Blur strength: level → name (the console's CSS gives each level its radius: 6, 14, 28 px)."""

DEFAULT_BLUR = 2

EDITABLE = ("blur", "greyscale", "mute", "autoplay", "queue_thumbnails", "exposure_limit")
"""The keys a reviewer sets for themselves."""

MAX_EXPOSURE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Wellness:
    blur: int
    """0 (off) to 3 (strong), see ``BLUR_LEVELS``."""
    greyscale: bool
    mute: bool
    autoplay: bool
    queue_thumbnails: bool
    exposure_limit: int | None
    """The reviewer's own limit of graphic reveals per shift (None: the team's)."""

    def css_class(self) -> str:
        """The classes of a medium that starts hidden as these preferences say."""
        out = ["wellness"]
        if self.blur:
            out += ["blur", f"blur-{self.blur}"]
        if self.greyscale:
            out.append("grey")
        return " ".join(out)


def _blur_level(value: Any) -> int:
    # Older rows store blur as on/off: on is the default strength.
    if value is True:
        return DEFAULT_BLUR
    if value is False or value is None:
        return 0
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = -1
    if level not in BLUR_LEVELS:
        raise InvalidInput(
            f"blur must be one of {', '.join(map(str, BLUR_LEVELS))}, not {value!r}", where="blur"
        )
    return level


def _limit(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if not 1 <= n <= MAX_EXPOSURE_LIMIT or str(n) != str(value).strip():
        raise InvalidInput(
            f"exposure limit must be a whole number from 1 to {MAX_EXPOSURE_LIMIT}, or empty "
            f"for the team's limit; got {value!r}",
            where="exposure_limit",
        )
    return n


def of(stored: Mapping[str, Any]) -> Wellness:
    """The preferences a user's stored ``wellness`` mapping gives (defaults where unset)."""
    return Wellness(
        blur=_blur_level(stored.get("blur", DEFAULT_BLUR)),
        greyscale=bool(stored.get("greyscale", True)),
        mute=bool(stored.get("mute", True)),
        autoplay=bool(stored.get("autoplay", False)),
        queue_thumbnails=bool(stored.get("queue_thumbnails", False)),
        exposure_limit=_limit(stored.get("exposure_limit")),
    )


def from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The editable keys from a settings form (checkboxes send a value only when ticked);
    ``InvalidInput`` naming the field if one is out of range."""
    return {
        "blur": _blur_level(form.get("blur", DEFAULT_BLUR)),
        "greyscale": "greyscale" in form,
        "mute": "mute" in form,
        "autoplay": "autoplay" in form,
        "queue_thumbnails": "queue_thumbnails" in form,
        "exposure_limit": _limit(form.get("exposure_limit")),
    }


def merged(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``stored`` with the reviewer's own ``changes``; other keys (a lead's) are refused."""
    extra = sorted(set(changes) - set(EDITABLE))
    if extra:
        raise InvalidInput(f"a reviewer cannot set {', '.join(extra)}", where="wellness")
    out = {**stored, **changes}
    of(out)  # validates
    return out
