"""From a ``MediaRef`` to a readable local file, and each file analysed once per batch.

A ref is a path relative to the local media store (``<data_dir>/media``), nothing else: an
absolute path or a ``file://`` URL would let whoever submits content make the server read, and the
console serve, any file it can open. Nigran never fetches remote URLs while moderating: the API
stores an upload first (``POST /v1/media``) and answers with its ref.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image

from nigran.detect.media.frames import MAX_VIDEO_BYTES, Frame, sample_frames
from nigran.detect.media.hashing import (
    MAX_IMAGE_BYTES,
    Digests,
    PdqHash,
    check_media_file,
    file_digests,
    open_image,
    pdq_dihedral,
)
from nigran.detect.media.vpdq import VideoHash, hash_frames, hash_frames_dihedral
from nigran.errors import InvalidMedia
from nigran.model import MediaKind, MediaRef

__all__ = ["Analysed", "MediaLoader", "media_root", "resolve_ref", "save_upload"]


def media_root() -> Path:
    from nigran.config import settings

    return settings().data_dir / "media"


def resolve_ref(ref: MediaRef, *, root: Path | None = None) -> Path:
    """The file a ref names inside the media store; anything that would leave the store (an
    absolute path, a URL, ``..``, a symlink pointing out) is refused. ``MediaRef`` already refuses
    those forms; this checks again for refs read back from older rows."""
    raw = ref.ref
    if "\x00" in raw or urlparse(raw).scheme or raw.startswith(("/", "\\")):
        raise InvalidMedia(
            "a media ref must be a path relative to the media store (upload the file with "
            "POST /v1/media)",
            where=raw[:200],
        )
    base = (root or media_root()).resolve()
    full = (base / raw).resolve()
    if not full.is_relative_to(base):
        raise InvalidMedia("media path leaves the media store", where=raw[:200])
    return full


_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp"}


def save_upload(
    data: bytes, *, kind: MediaKind, filename: str = "upload", root: Path | None = None
) -> MediaRef:
    """Check an uploaded file and keep it in the media store under its SHA-256; returns the
    ref to put in ``Content.media``. Refused with a typed error, before anything is written:
    an empty file, one over the size limit, an image that does not decode, a video with no
    decodable frame."""
    import hashlib
    import os
    import tempfile

    limit = MAX_VIDEO_BYTES if kind is MediaKind.VIDEO else MAX_IMAGE_BYTES
    where = f"upload {filename!r}"
    if kind is MediaKind.AUDIO:
        raise InvalidMedia("audio uploads are not accepted yet", where=where)
    if kind is MediaKind.IMAGE:
        image = open_image(data, max_bytes=limit, where=where)
        suffix = _SUFFIX.get(image.format or "", ".img")
    else:
        suffix = Path(filename).suffix.lower() or ".mp4"
    base = root or media_root()
    digest = hashlib.sha256(data).hexdigest()
    target = base / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".upload-", suffix=suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            if kind is MediaKind.VIDEO:
                check_media_file(Path(tmp), max_bytes=limit)
                sample_frames(Path(tmp), max_bytes=limit, images=False)
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return MediaRef(ref=str(target.relative_to(base)), kind=kind, sha256=digest)


@dataclass
class Analysed:
    """What every media detector needs from one file, each part computed at most once."""

    ref: MediaRef
    path: Path
    _digests: Digests | None = None
    _image: Image.Image | None = None
    _frames: list[Frame] | None = None
    _dihedral: list[PdqHash] | None = None
    _video: VideoHash | None = None
    _video_variants: list[VideoHash] | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_video(self) -> bool:
        return self.ref.kind is MediaKind.VIDEO

    def digests(self) -> Digests:
        if self._digests is None:
            self._digests = file_digests(self.path)
        return self._digests

    def image(self) -> Image.Image:
        if self._image is None:
            self._image = open_image(self.path, where=self.ref.ref)
        return self._image

    def frames(self) -> list[Frame]:
        if self._frames is None:
            # An upload being matched: key frames alone where they are dense (frames.py).
            self._frames = sample_frames(self.path, keyframes=True)
        return self._frames

    def dihedral(self) -> list[PdqHash]:
        if self._dihedral is None:
            self._dihedral = pdq_dihedral(self.image())
        return self._dihedral

    def video(self) -> VideoHash:
        if self._video is None:
            self._video = hash_frames(self.frames())
        return self._video

    def video_variants(self) -> list[VideoHash]:
        """The video in its 8 orientations (original first)."""
        if self._video_variants is None:
            self._video_variants = hash_frames_dihedral(self.frames())
            self._video = self._video_variants[0]
        return self._video_variants

    def pictures(self, limit: int) -> list[tuple[float | None, Image.Image]]:
        """Up to ``limit`` pictures to look at: the image, or frames spread over the video
        (scene changes first, they are where new content appears)."""
        if not self.is_video:
            return [(None, self.image())]
        frames = self.frames()
        if len(frames) <= limit:
            chosen = frames
        else:
            scenes = [f for f in frames if f.reason == "scene"][: limit // 2]
            rest = [f for f in frames if f.reason != "scene"]
            step = len(rest) / max(1, limit - len(scenes))
            chosen = scenes + [rest[int(k * step)] for k in range(limit - len(scenes))]
            chosen.sort(key=lambda f: f.timestamp)
        return [(f.timestamp, f.image) for f in chosen if f.image is not None]


class MediaLoader:
    """Resolves refs and keeps the last few analysed files, so the hash, nudity and OCR
    detectors decode a video once between them, not three times."""

    def __init__(self, *, root: Path | None = None, keep: int = 8) -> None:
        self.root = root
        self.keep = keep
        self._cache: OrderedDict[tuple[str, int, int], Analysed] = OrderedDict()

    def load(self, ref: MediaRef) -> Analysed:
        if ref.kind is MediaKind.AUDIO:
            raise InvalidMedia("audio is not analysed yet", where=ref.ref)
        path = resolve_ref(ref, root=self.root)
        limit = MAX_VIDEO_BYTES if ref.kind is MediaKind.VIDEO else MAX_IMAGE_BYTES
        check_media_file(path, max_bytes=limit)
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key in self._cache:
            self._cache.move_to_end(key)
            analysed = self._cache[key]
        else:
            analysed = Analysed(ref=ref, path=path)
            self._cache[key] = analysed
        if ref.sha256 is not None and analysed.digests().sha256 != ref.sha256:
            raise InvalidMedia("file does not match the sha256 given with it", where=ref.ref)
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return analysed
