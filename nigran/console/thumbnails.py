"""Frame thumbnails of a case's video for the review console.

The reviewer sees a strip of stills (sampled as the detectors sample them: one a second plus
scene changes, thinned evenly to at most ``MAX_THUMBS``) before deciding whether to play the
video at all, and the stills a detector flagged (a nudity box, a banked frame, on-screen text)
are always in the strip and marked. Decoding is the expensive part, so the JPEGs of the last
few videos are kept in memory, keyed by the file's path, size and modification time: a
re-uploaded file is decoded again, never served stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nigran.detect.media.frames import sample_frames, thumbnail
from nigran.model import Signal

MAX_THUMBS = 12
_CACHE_VIDEOS = 32


@dataclass(frozen=True, slots=True)
class Thumb:
    timestamp: float
    reason: str
    jpeg: bytes


_cache: OrderedDict[tuple[str, int, int], list[Thumb]] = OrderedDict()
_lock = threading.Lock()


def flagged_times(signals: Iterable[Signal], media_ref: str) -> set[float]:
    """Frame timestamps (seconds) that signals point at in the video ``media_ref``."""
    out: set[float] = set()
    for s in signals:
        d: dict[str, Any] = s.evidence.details
        if d.get("media") not in (None, media_ref):
            continue
        for det in d.get("detections", []) or []:
            if isinstance(det, dict) and isinstance(det.get("t"), int | float):
                out.add(round(float(det["t"]), 3))
        for f in d.get("frames", []) or []:
            if isinstance(f, dict) and isinstance(f.get("query_s"), int | float):
                out.add(round(float(f["query_s"]), 3))
        for w in d.get("read_from", []) or []:
            if isinstance(w, dict) and w.get("media") == media_ref and w.get("t") is not None:
                out.add(round(float(w["t"]), 3))
    return out


def _pick(n: int, keep: set[int], limit: int) -> list[int]:
    """At most ``limit`` indices of ``n``: every one in ``keep``, the rest evenly spread."""
    if n <= limit:
        return list(range(n))
    chosen = set(sorted(keep)[:limit])
    free = limit - len(chosen)
    if free > 0:
        step = n / free
        for i in range(free):
            j = min(n - 1, int(i * step))
            while j in chosen and j + 1 < n:
                j += 1
            chosen.add(j)
    return sorted(chosen)[:limit]


def all_thumbnails(path: Path) -> list[Thumb]:
    """Every sampled frame of the video at ``path`` as a JPEG (``InvalidMedia`` if broken)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _lock:
        got = _cache.get(key)
        if got is not None:
            _cache.move_to_end(key)
            return got
    got = [
        Thumb(f.timestamp, f.reason, thumbnail(f.image, max_side=240))
        for f in sample_frames(path, images=True)
        if f.image is not None
    ]
    with _lock:
        _cache[key] = got
        while len(_cache) > _CACHE_VIDEOS:
            _cache.popitem(last=False)
    return got


def image_thumbnail(path: Path, max_side: int = 240) -> bytes:
    """A small JPEG of the image at ``path`` (``InvalidMedia`` if it cannot be read)."""
    from PIL import Image, UnidentifiedImageError

    from nigran.errors import InvalidMedia

    try:
        with Image.open(path) as img:
            img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced size
            return thumbnail(img, max_side=max_side)
    except (OSError, UnidentifiedImageError) as exc:
        raise InvalidMedia(f"cannot read image {path.name}: {exc}", where=path.name) from exc


def strip(
    path: Path, flagged: AbstractSet[float] = frozenset(), limit: int = MAX_THUMBS
) -> list[tuple[int, Thumb, bool]]:
    """``(index, thumb, flagged)`` for the stills to show, in time order."""
    thumbs = all_thumbnails(path)
    near = {i for i, t in enumerate(thumbs) if any(abs(t.timestamp - ft) < 0.51 for ft in flagged)}
    return [(i, thumbs[i], i in near) for i in _pick(len(thumbs), near, limit)]
