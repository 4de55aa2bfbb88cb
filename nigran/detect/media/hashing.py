"""Hashes of media: PDQ (perceptual, images and frames), vPDQ-style video hashes, MD5 and SHA-256.

PDQ values are 64 lower-case hex digits exactly as python-threatexchange writes them (same
``pdqhash`` core, same image-to-array conversion, same bit order), so hashes move between Nigran,
HMA and ThreatExchange unchanged. PDQ is not rotation-invariant: :func:`pdq_dihedral` gives the 8
rotations/flips so a rotated or mirrored copy still matches.

One exception: palette (``P``) and CMYK files, which pytx hashes by their raw channels (palette
indices as grey, C/M/Y as R/G/B) and Nigran by their picture. :func:`pdq_pytx` computes pytx's
form (``nigran media hash --pytx-compatible``), and matching tries it as a ninth variant.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
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
    "PYTX_RAW_MODES",
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
    "pdq_pytx",
    "pytx_array",
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


PYTX_RAW_MODES = frozenset({"P", "PA", "CMYK", "1", "I", "F", "YCbCr", "LAB", "HSV"})
"""Modes whose raw channels python-threatexchange hashes as if they were RGB (palette indices as
grey levels, C, M and Y as R, G and B), while Nigran hashes the picture (converted to RGB):
the same file's two hashes are 212-256 bits apart."""


def pytx_array(image: Image.Image) -> NDArray[np.uint8]:
    """The array python-threatexchange's ``pdq_hasher`` hashes, raw channels and all, so a
    palette or CMYK file's hash equals the one an HMA bank holds for it."""
    if image.mode in ("LA", "I;16"):
        image = image.convert("RGB")
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=2)
    if array.dtype != np.uint8:
        # pdqhash reads the buffer as bytes; bilevel (bool) pixels are 0 and 1, as there.
        array = array.astype(np.uint8)
    return np.ascontiguousarray(array[:, :, :3])


def pdq_pytx(image: Image.Image) -> PdqHash:
    """PDQ exactly as python-threatexchange (and so HMA) computes it for this file; differs from
    :func:`pdq_from_image` only for the :data:`PYTX_RAW_MODES`."""
    return pdq_from_array(pytx_array(image))


def pdq_from_array(rgb: NDArray[np.uint8]) -> PdqHash:
    """PDQ of an ``(h, w, 3)`` uint8 array (video frames arrive in this form)."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return PdqHash(_vector_to_hex(vector), int(quality))


def pdq_from_image(image: Image.Image) -> PdqHash:
    return pdq_from_array(_to_pdq_array(image))


def pdq_dihedral(image: Image.Image) -> list[PdqHash]:
    """The 8 dihedral variants: upright, rotated 90/180/270 degrees counter-clockwise, mirrored
    left-right, flipped top-bottom, transposed, transversed (Pillow's ``Transpose`` order); for
    palette, CMYK and other :data:`PYTX_RAW_MODES`, python-threatexchange's raw-channel hash as
    a ninth.

    Each variant is the PDQ of the *transformed full-size picture*: a rotated or mirrored copy,
    turned back, is the banked picture again, so it matches at the distance its re-encoding
    alone causes. pdqhash's own ``compute_dihedral`` instead transforms the one 64x64 it reduced
    to; its box filter is not mirror-symmetric, and a losslessly rotated text image was 56-78
    bits from every variant.

    The upright variant is pdqhash's own (equal to python-threatexchange's, what banks hold);
    the other seven come from :func:`_dihedral_buffers`, PDQ's reduction written as two matrix
    products, so the 7 extra orientations cost about one more pass over the pixels, not seven.
    """
    upright = pdq_from_image(image)
    buffers = _dihedral_buffers(_to_pdq_array(image))
    out = [upright] + [PdqHash(_buffer_to_hex(b), upright.quality) for b in buffers[1:]]
    if image.mode in PYTX_RAW_MODES:
        # A ninth variant, the raw-channel hash pytx computes, so a palette or CMYK file banked
        # from HMA still matches (its upright hash is unusable by Nigran's convention).
        out.append(pdq_pytx(image))
    return out


def _dihedral_buffers(rgb: NDArray[np.uint8]) -> list[NDArray[np.float64]]:
    """The 64x64 pictures PDQ hashes, for the 8 orientations of ``rgb``, in ``pdq_dihedral``'s
    order.

    PDQ reduces the luma ``L`` (h x w) with two passes of a box filter along each axis (Jarosz)
    and keeps 64 rows and 64 columns of the result. Both steps are linear and separable, so the
    64x64 is ``B(h) @ L @ B(w).T`` with ``B(n)`` a 64 x n matrix (:func:`_reduction`). A flip
    reverses the columns of one ``B``; a transpose transposes the result. So the 4 unflipped
    and flipped products give all 8 orientations."""
    luma = (rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114).astype(np.float32)
    h, w = luma.shape
    bh, bw = _reduction(h), _reduction(w)
    right = np.hstack([bw.T, bw[:, ::-1].T]).astype(np.float32)  # w x 128
    left = np.vstack([bh, bh[:, ::-1]])  # 128 x h
    both = left @ (luma @ right).astype(np.float64)  # 128 x 128
    upright, mirrored = both[:64, :64], both[:64, 64:]
    flipped, half_turn = both[64:, :64], both[64:, 64:]
    # Pillow's ROTATE_90 (counter-clockwise) is the transpose flipped top-bottom, and so on.
    return [
        upright,
        mirrored.T,
        half_turn,
        flipped.T,
        mirrored,
        flipped,
        upright.T,
        half_turn.T,
    ]


@cache
def _reduction(n: int, out: int = 64) -> NDArray[np.float64]:
    """``out x n``: PDQ's two box-filter passes along an axis of length ``n``, then its sampling
    of ``out`` positions (pdq's ``box1DFloat``, ``jaroszFilterFloat`` and ``decimateFloat``)."""
    window = (n + 2 * out - 1) // (2 * out)
    half = (window + 2) // 2  # pdq's window is centred for odd sizes, one longer ahead for even
    lo, hi = window - half, half - 1

    def box_row(k: int) -> tuple[int, int]:
        return max(0, k - lo), min(n - 1, k + hi)

    matrix = np.zeros((out, n))
    for i in range(out):
        centre = int(((i + 0.5) * n) / out)
        a, b = box_row(centre)
        for k in range(a, b + 1):  # the second pass's row k, weighted by the first's average
            ka, kb = box_row(k)
            matrix[i, ka : kb + 1] += 1.0 / ((b - a + 1) * (kb - ka + 1))
    return matrix


@cache
def _dct_16x64() -> NDArray[np.float64]:
    i = np.arange(1, 17)[:, np.newaxis]
    j = np.arange(64)[np.newaxis, :]
    matrix: NDArray[np.float64] = np.sqrt(2.0 / 64.0) * np.cos((np.pi / 2 / 64.0) * i * (2 * j + 1))
    return matrix


def _buffer_to_hex(buffer: NDArray[np.float64]) -> str:
    """PDQ's last steps (16x16 DCT, bits above the median) in pdqhash's bit order."""
    dct = _dct_16x64()
    coefficients = (dct @ buffer @ dct.T).ravel()
    median = np.sort(coefficients)[127]
    return _vector_to_hex((coefficients > median)[::-1])


def pdq_dihedral_array(rgb: NDArray[np.uint8]) -> list[PdqHash]:
    """pdqhash's one-pass dihedral variants, for video frames already reduced to a 64 px
    square (``frames.FRAME_SIDE``), where transforming the hash equals hashing the transform."""
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
