"""Hashes of media: PDQ (perceptual, images and frames), vPDQ-style video hashes, MD5 and SHA-256.

PDQ values are 64 lower-case hex digits exactly as python-threatexchange writes them (same
``pdqhash`` core, same image-to-array conversion, same bit order), so hashes move between Nigran,
HMA and ThreatExchange unchanged. PDQ is not rotation-invariant: :func:`pdq_dihedral` gives the 8
rotations/flips so a rotated or mirrored copy still matches.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from nigran.errors import InvalidMedia, NotFound, PayloadTooLarge

__all__ = [
    "MAX_IMAGE_BYTES",
    "PDQ_MATCH_DISTANCE",
    "PDQ_MIN_QUALITY",
    "Digests",
    "PdqHash",
    "check_media_file",
    "file_digests",
    "hamming",
    "hashes_to_matrix",
    "open_image",
    "pdq_dihedral",
    "pdq_dihedral_array",
    "pdq_from_array",
    "pdq_from_image",
]

PDQ_MATCH_DISTANCE = 31
"""ThreatExchange's "confident match" distance for PDQ."""

PDQ_MIN_QUALITY = 50
"""Hashes of lower quality (flat, featureless pictures) match too much to be trusted."""

MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_IMAGE_PIXELS = 100_000_000


@dataclass(frozen=True, slots=True)
class PdqHash:
    hex: str
    """256 bits as 64 lower-case hex digits, most significant bit first (ThreatExchange's form)."""
    quality: int
    """0-100; below :data:`PDQ_MIN_QUALITY` the hash should not be banked or matched."""

    @property
    def usable(self) -> bool:
        return self.quality >= PDQ_MIN_QUALITY

    def distance(self, other: PdqHash | str) -> int:
        return hamming(self.hex, other if isinstance(other, str) else other.hex)


def _vector_to_hex(vector: NDArray[np.integer]) -> str:
    # packbits is big-endian per byte: element 0 becomes the top bit, as in pytx's int(bin_str, 2).
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()


def _to_pdq_array(image: Image.Image) -> NDArray[np.uint8]:
    """The same conversion as python-threatexchange's ``pdq_hasher`` (so the hashes are equal),
    extended to modes it does not handle (palette, RGBA, CMYK...), which go through RGB."""
    if image.mode in ("LA", "I;16") or image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.concatenate([array[..., np.newaxis]] * 3, axis=2)
    return array


def pdq_from_array(rgb: NDArray[np.uint8]) -> PdqHash:
    """PDQ of an ``(h, w, 3)`` uint8 array (video frames arrive in this form)."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return PdqHash(_vector_to_hex(vector), int(quality))


def pdq_from_image(image: Image.Image) -> PdqHash:
    return pdq_from_array(_to_pdq_array(image))


def pdq_dihedral(image: Image.Image) -> list[PdqHash]:
    """The 8 dihedral variants (original first, then rotations and flips), in one pass."""
    return pdq_dihedral_array(_to_pdq_array(image))


def pdq_dihedral_array(rgb: NDArray[np.uint8]) -> list[PdqHash]:
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    return [PdqHash(_vector_to_hex(v), int(quality)) for v in vectors]


def hashes_to_matrix(hexes: list[str]) -> NDArray[np.uint8]:
    """``(n, 32)`` uint8 rows from hex strings; the index's storage form."""
    try:
        raw = b"".join(bytes.fromhex(h) for h in hexes)
    except ValueError as exc:
        raise InvalidMedia(f"not a PDQ hex hash: {exc}") from exc
    if len(raw) != 32 * len(hexes):
        bad = next(h for h in hexes if len(h) != 64)
        raise InvalidMedia(f"PDQ hash {bad!r} is not 64 hex digits")
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(hexes), 32).copy()


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


# -- files -------------------------------------------------------------------------------------


def check_media_file(path: Path, *, max_bytes: int) -> int:
    """Refuse, before reading a byte, a file that is missing, empty, not a file or too large;
    returns its size."""
    if not path.exists():
        raise NotFound("media file does not exist", where=str(path))
    if not path.is_file():
        raise InvalidMedia("not a regular file", where=str(path))
    size = path.stat().st_size
    if size == 0:
        raise InvalidMedia("file is empty (0 bytes)", where=str(path))
    if size > max_bytes:
        raise PayloadTooLarge(
            f"file is {size:,} bytes; the limit is {max_bytes:,} bytes", where=str(path)
        )
    return size


def open_image(
    source: Path | bytes, *, max_bytes: int = MAX_IMAGE_BYTES, where: str | None = None
) -> Image.Image:
    """Decode an image fully (so a truncated file fails here, not later), with typed errors."""
    if isinstance(source, Path):
        where = where or str(source)
        check_media_file(source, max_bytes=max_bytes)
        data = source.read_bytes()
    else:
        data = source
        where = where or "upload"
        if not data:
            raise InvalidMedia("image is empty (0 bytes)", where=where)
        if len(data) > max_bytes:
            raise PayloadTooLarge(
                f"image is {len(data):,} bytes; the limit is {max_bytes:,} bytes", where=where
            )
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise PayloadTooLarge(
                f"image is {image.width}x{image.height} pixels; the limit is "
                f"{MAX_IMAGE_PIXELS:,} pixels",
                where=where,
            )
        image.load()
    except UnidentifiedImageError as exc:
        raise InvalidMedia(
            "not an image Nigran can read (JPEG, PNG, WebP, GIF...)", where=where
        ) from exc
    except Image.DecompressionBombError as exc:
        raise PayloadTooLarge(f"image too large to decode safely: {exc}", where=where) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidMedia(f"image is corrupt or truncated: {exc}", where=where) from exc
    return image


@dataclass(frozen=True, slots=True)
class Digests:
    md5: str
    sha256: str


def file_digests(source: Path | bytes) -> Digests:
    """MD5 (HMA's video_md5 signal) and SHA-256 (exact identity), streamed for large files."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    if isinstance(source, bytes):
        md5.update(source)
        sha.update(source)
    else:
        with source.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                md5.update(chunk)
                sha.update(chunk)
    return Digests(md5.hexdigest(), sha.hexdigest())
