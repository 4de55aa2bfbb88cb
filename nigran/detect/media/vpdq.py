"""Video hashing and matching in the manner of vPDQ.

A video's hash is the PDQ of frames sampled at 1 per second (plus scene changes), with runs of
near-identical consecutive frames folded into one (a static shot is one frame, not sixty). Two
videos match when enough of the query's frames find a bank frame within the PDQ distance
(``query_share``) and, optionally, enough of the bank video's frames are covered
(``target_share``) — the two percentages vPDQ reports, so a short clip cut from a banked video
still matches on the first.

HMA matches video by exact MD5 only; this catches re-encodes, resizes and trims.

Exchange formats (:func:`parse_video_hash` reads all three, whichever it is given):

- Nigran's JSON: ``[{"start": 0.0, "end": 2.0, "pdq": "<hex>", "quality": 100}, ...]``, one
  object per folded run (lossless; what the bank tables keep);
- python-threatexchange's ``vpdq`` signal (what HMA stores and exchanges):
  ``["<hex>,<quality>,<timestamp>", ...]``, a JSON list of strings (:meth:`VideoHash.to_pytx`);
- the vpdq library's hash file: one ``<frame number>,<quality>,<hex>,<timestamp>`` line per
  frame (:meth:`VideoHash.to_vpdq_file`); Nigran writes its run number as the frame number, as it
  does not keep frame numbers.

The two vPDQ forms carry only start times: a run's end is read back as the next frame's start.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nigran.detect.media.frames import Frame, sample_frames
from nigran.detect.media.hashing import (
    PDQ_MATCH_DISTANCE,
    PDQ_MIN_QUALITY,
    pdq_dihedral_array,
    pdq_from_array,
)
from nigran.detect.media.index import PdqIndex
from nigran.errors import InvalidInput

__all__ = [
    "DEDUPE_DISTANCE",
    "FrameHash",
    "VideoHash",
    "VideoIndex",
    "VideoMatch",
    "bank_video_hash",
    "compare_videos",
    "hash_frames",
    "hash_frames_dihedral",
    "parse_video_hash",
    "video_hash",
    "video_variants",
]

DEDUPE_DISTANCE = 8
"""Consecutive samples this close are the same shot (encoder noise moves a few bits)."""

QUERY_SHARE = 0.8
"""vPDQ's default: 80 % of the query's frames must match."""

TARGET_SHARE = 0.0

BANK_INTERVAL = 0.25
"""Seconds between the samples of a video being banked. Uploads are sampled every second from
their own start; a trimmed copy starts anywhere, so its samples fall between the banked video's
whole seconds. Banking 4 samples a second puts one within 1/8 s of every upload sample, where
even fast-changing footage still matches (a 1 s step left a copy trimmed at 1.5 s matching 0.33
of its frames, 4 a second 1.00). The query side, the one hashed per upload, stays at 1 a second."""


@dataclass(frozen=True, slots=True)
class FrameHash:
    start: float
    end: float
    """Seconds covered by this hash (the folded run of near-identical samples)."""
    hex: str
    quality: int


@dataclass(frozen=True, slots=True)
class VideoHash:
    frames: tuple[FrameHash, ...]

    @property
    def usable(self) -> tuple[FrameHash, ...]:
        return tuple(f for f in self.frames if f.quality >= PDQ_MIN_QUALITY)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"start": f.start, "end": f.end, "pdq": f.hex, "quality": f.quality}
            for f in self.frames
        ]

    @classmethod
    def from_json(cls, rows: Iterable[dict[str, Any]]) -> VideoHash:
        try:
            return cls(
                tuple(
                    FrameHash(float(r["start"]), float(r["end"]), str(r["pdq"]), int(r["quality"]))
                    for r in rows
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a video hash: {exc}") from exc

    def to_pytx(self) -> str:
        """python-threatexchange's ``vpdq`` signal string (``VPDQSignal``, as HMA stores it)."""
        return json.dumps([f"{f.hex},{f.quality},{f.start:.3f}" for f in self.frames])

    @classmethod
    def from_pytx(cls, signal: str) -> VideoHash:
        try:
            items = json.loads(signal or "[]")
        except ValueError as exc:
            raise InvalidInput(f"vpdq signal is not JSON: {exc}") from exc
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidInput('vpdq signal must be a JSON list of "hex,quality,timestamp"')
        rows = []
        for k, item in enumerate(items):
            parts = item.split(",")
            if len(parts) != 3:
                raise InvalidInput(f"vpdq feature {k}: expected hex,quality,timestamp: {item!r}")
            rows.append((parts[0], parts[1], parts[2]))
        return cls._from_features(rows, "vpdq signal")

    def to_vpdq_file(self) -> str:
        """The vpdq library's hash-file text: ``frame,quality,hex,timestamp`` lines."""
        return "".join(
            f"{k},{f.quality},{f.hex},{f.start:.3f}\n" for k, f in enumerate(self.frames)
        )

    @classmethod
    def from_vpdq_file(cls, text: str) -> VideoHash:
        rows = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 4:
                raise InvalidInput(
                    f"line {lineno}: expected frame,quality,hex,timestamp: {line[:80]!r}"
                )
            rows.append((parts[2], parts[1], parts[3]))
        return cls._from_features(rows, "vpdq file")

    @classmethod
    def _from_features(cls, rows: list[tuple[str, str, str]], what: str) -> VideoHash:
        parsed = []
        for k, (hex_, quality, timestamp) in enumerate(rows):
            try:
                q, t = int(quality), float(timestamp)
                int(hex_, 16)
            except ValueError:
                raise InvalidInput(f"{what}, frame {k}: bad number or hex") from None
            if len(hex_) != 64 or not 0 <= q <= 100 or not t >= 0:
                raise InvalidInput(
                    f"{what}, frame {k}: need 64 hex digits, quality 0-100, timestamp >= 0"
                )
            parsed.append((t, hex_.lower(), q))
        parsed.sort(key=lambda r: r[0])
        frames = [
            FrameHash(t, parsed[k + 1][0] if k + 1 < len(parsed) else t, h, q)
            for k, (t, h, q) in enumerate(parsed)
        ]
        return cls(tuple(frames))


def parse_video_hash(value: str) -> VideoHash:
    """A video hash in any of the three forms above (Nigran JSON, pytx signal, vpdq file)."""
    text = value.strip()
    if not text.startswith("["):
        return VideoHash.from_vpdq_file(text)
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"video hash is not JSON: {exc}") from exc
    if isinstance(items, list) and items and all(isinstance(i, str) for i in items):
        return VideoHash.from_pytx(text)
    if not isinstance(items, list):
        raise InvalidInput("video hash must be a JSON list of frames")
    return VideoHash.from_json(items)


def hash_frames(frames: list[Frame], *, dedupe_distance: int = DEDUPE_DISTANCE) -> VideoHash:
    out: list[FrameHash] = []
    ordered = sorted(frames, key=lambda f: f.timestamp)
    for k, frame in enumerate(ordered):
        h = pdq_from_array(frame.rgb)
        end = ordered[k + 1].timestamp if k + 1 < len(ordered) else frame.timestamp
        if out and h.distance(out[-1].hex) <= dedupe_distance:
            out[-1] = FrameHash(out[-1].start, end, out[-1].hex, out[-1].quality)
            continue
        out.append(FrameHash(frame.timestamp, end, h.hex, h.quality))
    return VideoHash(tuple(out))


def hash_frames_dihedral(
    frames: list[Frame], *, dedupe_distance: int = DEDUPE_DISTANCE
) -> list[VideoHash]:
    """The video hashed in its 8 orientations (original first, then pdqhash's rotations and
    flips), so a rotated or mirrored re-upload matches a bank video hashed upright. Frames are
    64 px squares (see ``frames.FRAME_SIDE``), where one PDQ pass gives all 8 exactly."""
    ordered = sorted(frames, key=lambda f: f.timestamp)
    per_frame = [pdq_dihedral_array(f.rgb) for f in ordered]
    out = []
    for k in range(8):
        folded: list[FrameHash] = []
        for i, frame in enumerate(ordered):
            h = per_frame[i][k]
            end = ordered[i + 1].timestamp if i + 1 < len(ordered) else frame.timestamp
            if folded and h.distance(folded[-1].hex) <= dedupe_distance:
                folded[-1] = FrameHash(folded[-1].start, end, folded[-1].hex, folded[-1].quality)
                continue
            folded.append(FrameHash(frame.timestamp, end, h.hex, h.quality))
        out.append(VideoHash(tuple(folded)))
    return out


def video_hash(path: Path) -> VideoHash:
    """Sample and hash a video file (the frame shown at each second: a hash to exchange, which
    others may bank); raises :class:`~nigran.errors.InvalidMedia` if broken."""
    return hash_frames(sample_frames(path, images=False))


def bank_video_hash(path: Path) -> VideoHash:
    """The hash a video is banked under: samples every :data:`BANK_INTERVAL` seconds."""
    return hash_frames(sample_frames(path, interval=BANK_INTERVAL, images=False))


def video_variants(path: Path) -> list[VideoHash]:
    """A video file hashed in its 8 orientations (original first), as the pipeline matches it
    (``Analysed.video_variants``), so ``nigran media match`` finds what ``moderate`` finds: at
    its key frames alone where they are dense (``frames.sample_frames(keyframes=True)``)."""
    return hash_frames_dihedral(sample_frames(path, images=False, keyframes=True))


@dataclass(frozen=True, slots=True)
class VideoMatch:
    video_id: int
    query_share: float
    target_share: float
    pairs: list[tuple[float, float, int]] = field(default_factory=list)
    """``(query_seconds, bank_seconds, distance)`` for each matched query frame (best pair)."""


def _shares(
    query: tuple[FrameHash, ...],
    target: tuple[FrameHash, ...],
    hits: dict[int, list[tuple[int, int]]],
    video_id: int,
) -> VideoMatch:
    pairs = []
    covered: set[int] = set()
    for qi, matches in sorted(hits.items()):
        ti, distance = min(matches, key=lambda m: m[1])
        pairs.append((query[qi].start, target[ti].start, distance))
        covered.update(t for t, _ in matches)
    return VideoMatch(
        video_id=video_id,
        query_share=len(hits) / len(query) if query else 0.0,
        target_share=len(covered) / len(target) if target else 0.0,
        pairs=pairs,
    )


def compare_videos(
    query: VideoHash, target: VideoHash, *, max_distance: int = PDQ_MATCH_DISTANCE
) -> VideoMatch:
    """All-pairs comparison of two videos' usable frames (for tests and one-off checks)."""
    q, t = query.usable, target.usable
    hits: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for qi, qf in enumerate(q):
        for ti, tf in enumerate(t):
            d = (int(qf.hex, 16) ^ int(tf.hex, 16)).bit_count()
            if d <= max_distance:
                hits[qi].append((ti, d))
    return _shares(q, t, hits, video_id=-1)


class VideoIndex:
    """Banked videos' frame hashes in one :class:`PdqIndex`; a lookup hashes nothing twice."""

    def __init__(self) -> None:
        self._index = PdqIndex()
        self._videos: dict[int, tuple[FrameHash, ...]] = {}
        self._entries: dict[int, list[int]] = {}  # video id -> its frames' index entry ids
        self._next_row = 0
        self._rows: dict[int, tuple[int, int]] = {}  # index entry id -> (video id, frame number)

    def __len__(self) -> int:
        return len(self._videos)

    def add(self, video_id: int, video: VideoHash) -> None:
        self.add_many([(video_id, video)])

    def add_many(self, videos: Iterable[tuple[int, VideoHash]]) -> None:
        """Bank many videos with one index insertion (start-up, imports)."""
        entry_ids: list[int] = []
        hexes: list[str] = []
        for video_id, video in dict(videos).items():  # a repeated id: the last one counts
            if video_id in self._videos:
                self.remove(video_id)
            frames = video.usable
            self._videos[video_id] = frames
            mine = list(range(self._next_row, self._next_row + len(frames)))
            self._next_row += len(frames)
            self._entries[video_id] = mine
            for k, entry in enumerate(mine):
                self._rows[entry] = (video_id, k)
            entry_ids += mine
            hexes += [f.hex for f in frames]
        if entry_ids:
            self._index.add(np.asarray(entry_ids, dtype=np.int64), hexes)

    def remove(self, video_id: int) -> None:
        if self._videos.pop(video_id, None) is None:
            return
        for entry in self._entries.pop(video_id, []):
            self._index.remove(entry)
            del self._rows[entry]

    def query(
        self,
        video: VideoHash,
        *,
        max_distance: int = PDQ_MATCH_DISTANCE,
        query_share: float = QUERY_SHARE,
        target_share: float = TARGET_SHARE,
    ) -> list[VideoMatch]:
        """Banked videos whose shares reach both thresholds, best first."""
        frames = video.usable
        per_video: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for qi, frame in enumerate(frames):
            for entry, distance in self._index.query(frame.hex, max_distance):
                vid, ti = self._rows[entry]
                per_video[vid][qi].append((ti, distance))
        out = []
        for vid, hits in per_video.items():
            match = _shares(frames, self._videos[vid], hits, vid)
            if match.query_share >= query_share and match.target_share >= target_share:
                out.append(match)
        return sorted(out, key=lambda m: (-m.query_share, -m.target_share, m.video_id))
