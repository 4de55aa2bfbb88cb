"""Video decoding: the frame shown at each second plus one at every scene change, and thumbnails.

PyAV's wheels bundle FFmpeg, so nothing is needed from the system. Decoding is all-or-nothing:
:func:`sample_frames` returns every sampled frame or raises :class:`~nigran.errors.InvalidMedia`,
so a broken file never leaves half a video's rows behind.

Why look at every decoded frame for scene changes but convert only the samples? Converting a 720p
frame costs about as much as decoding it; the scene test reads a sparse grid of the luma plane
in place, which costs almost nothing.

Speed (one minute of 720p H.264 with B-frames, one core): what is not needed is not done.
Frames no other frame refers to are not decoded (``skip_frame=NONREF``) except in the quarter
second before each sample time, where every frame is (so the sample is the frame shown at that
time, see :func:`sample_frames`), nor is the deblocking filter run (``skip_loop_filter``);
FFmpeg's swscale shrinks each sample straight to the 64x64
that is hashed (area averaging, ~0.2 ms instead of ~4 ms through a 640 px RGB copy and Pillow);
the display copy for OCR, nudity and thumbnails is made only when asked for (``images=True``).
Measured on the benchmark's video, against full-size frames decoded normally, the PDQ of these
samples is 6 bits away on average (at most 10), far inside the 31 that counts as a match; what
matters more, banked and uploaded videos are sampled at the same moments of the picture.

What bounds that sampler is decoding the reference frames themselves (every P frame and
reference B frame, half the frames of an x264 ``medium`` upload): measured alone, without any
sampling, it costs more than 1 s of CPU per minute of 720p at 3.7 Mbit/s on this hardware. An
upload being matched whose key frames are dense (at most :data:`MAX_KEYFRAME_GAP` apart, as
phones and cut-aware encoders write them) is therefore sampled at its key frames alone
(``keyframes=True``), which decodes nothing else; banks are sampled 4 times a second, so each key
frame is within 1/8 s of a banked sample. Sparse key frames (a 250-frame GOP) fall back to the
sampler above. Figures: ``python -m bench.media --only bitrates`` and docs/performance.md.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from nigran.detect.media.hashing import check_media_file
from nigran.errors import InvalidMedia, PayloadTooLarge

__all__ = [
    "FRAME_SIDE",
    "MAX_KEYFRAME_GAP",
    "MAX_VIDEO_BYTES",
    "MAX_VIDEO_SECONDS",
    "Frame",
    "dense_keyframes",
    "sample_frames",
    "thumbnail",
]

MAX_VIDEO_BYTES = 1024 * 1024 * 1024
"""Uploads above 1 GiB are refused before decoding (short-video service: minutes, not hours)."""

MAX_VIDEO_SECONDS = 30 * 60

FRAME_SIDE = 64
"""Sampled frames are reduced (antialiased, by Pillow) to this square for hashing. PDQ reduces to
64x64 itself, with a box filter that is not mirror-symmetric: at 256 px the hash of a rotated
frame was 20-34 bits from the matching dihedral variant, at 64 px it is exact (0 bits), so the
8 orientations of a frame cost one PDQ pass (~0.4 ms) instead of eight."""

SCENE_THRESHOLD = 30.0
"""Mean absolute luma difference (0-255) between consecutive frames that counts as a cut."""

MIN_SCENE_GAP = 0.5
"""Seconds: a flash or fast motion must not add a sample on every frame."""


@dataclass(frozen=True, slots=True)
class Frame:
    timestamp: float
    """Seconds from the start of the video."""
    reason: Literal["interval", "scene"]
    rgb: NDArray[np.uint8]
    """``(FRAME_SIDE, FRAME_SIDE, 3)`` for hashing; see :attr:`image` for a display copy."""
    image: Image.Image | None
    """The frame at its own aspect ratio, at most 640 px wide, for OCR, nudity and thumbnails;
    None when sampled for hashing only (``images=False``)."""


def _luma_grid(frame: object, width: int, height: int) -> NDArray[np.int16]:
    plane = frame.planes[0]  # type: ignore[attr-defined]
    luma = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)[:height, :width]
    step = max(1, min(width, height) // 24)
    return luma[::step, ::step].astype(np.int16)


SAMPLE_WINDOW = 0.25
"""Seconds before a sample time from which every frame is decoded, so the frame shown at the
sample time (the last one at or before it) is the one sampled, whatever the frame rate."""


MAX_KEYFRAME_GAP = 2.0
"""Seconds: a video whose key frames are never further apart than this (from its first frame to
its last) is sampled at its key frames alone when ``keyframes=True`` (see :func:`sample_frames`).
Phones write a key frame every 1-2 s, and encoders one at each cut; a 250-frame GOP is not
dense enough and is sampled as usual."""


MIN_KEYFRAME_STEP = 0.5
"""Seconds: key frames closer than this to the previous sample are not sampled (a video made
of key frames only, MJPEG or a short GOP, would otherwise be sampled at every frame)."""


def dense_keyframes(path: Path, max_gap: float = MAX_KEYFRAME_GAP) -> bool:
    """Whether the video's key frames are at most ``max_gap`` s apart throughout, read from the
    container's packets alone (no decoding: ~0.05 s of CPU a minute of 720p)."""
    import av

    keys: list[float] = []
    first: float | None = None
    last: float | None = None
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                return False
            stream = container.streams.video[0]
            base = stream.time_base
            if base is None:
                return False
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                t = float(packet.pts * base)
                first = t if first is None else min(first, t)
                last = t if last is None else max(last, t)
                if packet.is_keyframe:
                    keys.append(t)
    except (av.FFmpegError, ValueError, OSError):
        return False  # the full sampler reports what is wrong with the file
    if first is None or last is None or not keys:
        return False
    keys.sort()
    edges = [first, *keys, last]
    return keys[0] - first <= 1e-3 and all(b - a <= max_gap for a, b in pairwise(edges))


def sample_frames(
    path: Path,
    *,
    interval: float = 1.0,
    scene_threshold: float = SCENE_THRESHOLD,
    max_bytes: int = MAX_VIDEO_BYTES,
    max_seconds: float = MAX_VIDEO_SECONDS,
    skip_nonref: bool = True,
    images: bool = True,
    window: float = SAMPLE_WINDOW,
    keyframes: bool = False,
) -> list[Frame]:
    """The frame shown at ``0, interval, 2*interval...`` seconds (from the first frame's time)
    plus the first frame of each new scene.

    ``keyframes=True`` (uploads being matched, never videos being banked): a video whose key
    frames are dense (:func:`dense_keyframes`) is sampled at its key frames alone, decoding
    nothing else: an eighth of the CPU on 720p at 3.7 Mbit/s (``bench.media --only
    bitrates``). Matching holds because banked videos are sampled 4 times a second
    (``vpdq.BANK_INTERVAL``): every key frame is within 1/8 s of a banked sample, as the
    seconds of a trimmed copy are.

    Why the frame *shown* at each time: a re-encode at another frame rate, bitrate or GOP shows
    nearly the same picture at the same moment, so the two videos' samples agree, where "the
    first decoded frame from that time on" lands on different frames in each (with non-reference
    frames skipped, up to a GOP step later: 0.71 of a fast 720p clip's frames matched after a
    1.5 Mbit/s re-encode, 0.50 after 30 -> 24 fps). Times count from the first frame, so an
    encoder's start offset does not shift them.

    ``skip_nonref``: frames no other frame refers to are not decoded, except within
    :data:`SAMPLE_WINDOW` before each sample time, where every frame is (FFmpeg reads the skip
    setting per packet): the right frame at about the cost of skipping.

    ``images=False``: hashing only, no display copies (:attr:`Frame.image` is None);
    ``window=0``: non-reference frames are never decoded (the sampling before issue 22, for
    the benchmark)."""
    import av

    where = str(path)
    check_media_file(path, max_bytes=max_bytes)
    if keyframes and dense_keyframes(path):
        return _key_frames(path, max_seconds=max_seconds, images=images)
    frames: list[Frame] = []
    try:
        with av.open(where, mode="r") as container:
            if not container.streams.video:
                raise InvalidMedia("file has no video stream", where=where)
            stream = container.streams.video[0]
            context = stream.codec_context
            context.thread_count = 1
            # Deblocking is a fifth of H.264 decoding; PDQ at 64x64 cannot see the block
            # edges it smooths (2 bits apart on average, measured).
            context.options = {"skip_loop_filter": "all"}
            if container.duration is not None and container.duration / 1e6 > max_seconds:
                raise PayloadTooLarge(
                    f"video is {container.duration / 1e6:.0f} s long; the limit is "
                    f"{max_seconds:.0f} s",
                    where=where,
                )
            base = stream.time_base
            start: float | None = None
            next_sample = 0.0
            last_scene = -MIN_SCENE_GAP
            previous: NDArray[np.int16] | None = None
            held: tuple[object, float] | None = None  # the latest frame before next_sample
            skipping = False
            for packet in container.demux(stream):
                if skip_nonref and packet.pts is not None and start is not None and base:
                    # Packets arrive in decode order, each with its own presentation time: a
                    # non-reference frame is decoded only if it is shown just before a sample.
                    want = float(packet.pts * base) - start >= next_sample - window
                    if want == skipping:
                        context.skip_frame = "DEFAULT" if want else "NONREF"
                        skipping = not want
                for frame in context.decode(packet):
                    t = _timestamp(frame, stream)
                    if start is None:
                        start = t
                    t -= start
                    if t > max_seconds:
                        raise PayloadTooLarge(
                            f"video runs past {max_seconds:.0f} s, the limit", where=where
                        )
                    while t >= next_sample - 1e-6:
                        # The frame on screen at next_sample is the one held (shown until this
                        # one), or this one if it starts right at the sample time.
                        exact = t <= next_sample + 1e-6
                        chosen = frame if exact or held is None else held[0]
                        frames.append(_frame(chosen, round(next_sample, 3), "interval", images))
                        next_sample += interval
                    grid = _luma_grid(frame, frame.width, frame.height)
                    if (
                        previous is not None
                        and previous.shape == grid.shape
                        and t - last_scene >= MIN_SCENE_GAP
                        and float(np.abs(grid - previous).mean()) > scene_threshold
                        and not (frames and frames[-1].timestamp == round(t, 3))
                    ):
                        frames.append(_frame(frame, round(t, 3), "scene", images))
                        last_scene = t
                    previous = grid
                    held = (frame, t)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise _decode_error(exc, where) from exc
    return _in_order(frames, where)


def _key_frames(path: Path, *, max_seconds: float, images: bool) -> list[Frame]:
    """Every key frame, at its own time from the first one's, nothing else decoded."""
    import av

    where = str(path)
    frames: list[Frame] = []
    try:
        with av.open(where, mode="r") as container:
            stream = container.streams.video[0]
            context = stream.codec_context
            context.thread_count = 1
            context.options = {"skip_loop_filter": "all"}
            context.skip_frame = "NONKEY"
            if container.duration is not None and container.duration / 1e6 > max_seconds:
                raise PayloadTooLarge(
                    f"video is {container.duration / 1e6:.0f} s long; the limit is "
                    f"{max_seconds:.0f} s",
                    where=where,
                )
            start: float | None = None
            for frame in container.decode(stream):
                if not frame.key_frame:
                    continue  # a decoder that ignores skip_frame still yields no extra samples
                t = _timestamp(frame, stream)
                start = t if start is None else start
                t -= start
                if t > max_seconds:
                    raise PayloadTooLarge(
                        f"video runs past {max_seconds:.0f} s, the limit", where=where
                    )
                if frames and t - frames[-1].timestamp < MIN_KEYFRAME_STEP:
                    continue  # all-intra video (every frame a key frame): a few a second
                frames.append(_frame(frame, round(t, 3), "interval", images))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise _decode_error(exc, where) from exc
    return _in_order(frames, where)


def _decode_error(exc: Exception, where: str) -> InvalidMedia:
    """An error FFmpeg or the file system raised while decoding, as InvalidMedia naming the file
    (Nigran's own errors, such as PayloadTooLarge, are none of these and pass through)."""
    import av

    if isinstance(exc, av.FFmpegError):
        return InvalidMedia(f"video is corrupt or not a video: {exc}", where=where)
    return InvalidMedia(f"video cannot be decoded: {exc}", where=where)


def _in_order(frames: list[Frame], where: str) -> list[Frame]:
    if not frames:
        raise InvalidMedia("video has no decodable frames", where=where)
    frames.sort(key=lambda f: f.timestamp)
    return frames


def _timestamp(frame: object, stream: object) -> float:
    time = getattr(frame, "time", None)
    if time is not None:
        return float(time)
    pts = getattr(frame, "pts", None) or 0
    base = getattr(stream, "time_base", None)
    return float(pts * base) if base is not None else 0.0


def _frame(
    frame: object, t: float, reason: Literal["interval", "scene"], images: bool = True
) -> Frame:
    # Straight from the decoded frame to the hashed square: one swscale pass, area-averaged.
    rgb = frame.reformat(  # type: ignore[attr-defined]
        width=FRAME_SIDE, height=FRAME_SIDE, format="rgb24", interpolation="AREA"
    ).to_ndarray()
    display = None
    if images:
        width, height = frame.width, frame.height  # type: ignore[attr-defined]
        scale = min(1.0, 640 / max(1, width))
        display = frame.reformat(  # type: ignore[attr-defined]
            width=max(2, round(width * scale) // 2 * 2),
            height=max(2, round(height * scale) // 2 * 2),
            format="rgb24",
            interpolation="FAST_BILINEAR",
        ).to_image()
    return Frame(timestamp=round(t, 3), reason=reason, rgb=np.ascontiguousarray(rgb), image=display)


def thumbnail(image: Image.Image, *, max_side: int = 320, quality: int = 80) -> bytes:
    """A JPEG of at most ``max_side`` pixels on its longer side, for the review console."""
    copy = image.convert("RGB")
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality)
    return out.getvalue()
