from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from nigran.detect.media.hashing import (
    PDQ_MATCH_DISTANCE,
    file_digests,
    hamming,
    open_image,
    pdq_dihedral,
    pdq_from_image,
)
from nigran.detect.media.samples import synthetic_image
from nigran.errors import InvalidMedia, NotFound, PayloadTooLarge


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


@pytest.mark.parametrize(
    ("seed", "mode", "fmt"), [(1, "RGB", "JPEG"), (2, "L", "PNG"), (3, "RGB", "PNG")]
)
def test_pdq_equals_python_threatexchange(tmp_path: Path, seed: int, mode: str, fmt: str) -> None:
    pdq_hasher = pytest.importorskip("threatexchange.signal_type.pdq.pdq_hasher")
    path = tmp_path / f"img.{fmt.lower()}"
    synthetic_image(seed, (500, 375)).convert(mode).save(path, format=fmt)
    theirs_hex, theirs_quality = pdq_hasher.pdq_from_file(path)
    ours = pdq_from_image(open_image(path))
    assert (ours.hex, ours.quality) == (theirs_hex, theirs_quality)
    assert ours.usable


def test_copies_match_and_unrelated_do_not(photo: Image.Image) -> None:
    original = pdq_from_image(photo)
    w, h = photo.size
    copies = {
        "jpeg q=40": Image.open(io.BytesIO(_jpeg(photo, 40))),
        "half size": photo.resize((w // 2, h // 2)),
        # PDQ tolerates little cropping: about 2 % off one side stays within 31 bits.
        "2% crop": photo.crop((int(w * 0.02), 0, w, h)),
        "grey": photo.convert("L"),
    }
    for name, copy in copies.items():
        assert original.distance(pdq_from_image(copy)) <= PDQ_MATCH_DISTANCE, name
    for seed in range(100, 110):
        other = pdq_from_image(synthetic_image(seed, photo.size))
        assert original.distance(other) > PDQ_MATCH_DISTANCE


def test_dihedral_variants_catch_rotation_and_mirroring(photo: Image.Image) -> None:
    variants = {v.hex for v in pdq_dihedral(photo)}
    assert len(variants) == 8
    assert pdq_dihedral(photo)[0] == pdq_from_image(photo)
    for op in (
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_180,
        Image.Transpose.ROTATE_270,
        Image.Transpose.FLIP_LEFT_RIGHT,
    ):
        turned = pdq_from_image(photo.transpose(op))
        assert pdq_from_image(photo).distance(turned) > PDQ_MATCH_DISTANCE, op
        assert min(hamming(turned.hex, v) for v in variants) <= PDQ_MATCH_DISTANCE, op


def test_flat_image_has_low_quality() -> None:
    assert not pdq_from_image(Image.new("RGB", (200, 200), (120, 120, 120))).usable


def test_digests_match_hashlib(tmp_path: Path) -> None:
    data = _jpeg(synthetic_image(9))
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    expected = (hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest())
    assert (file_digests(path).md5, file_digests(path).sha256) == expected
    assert file_digests(data) == file_digests(path)


def test_bad_images_get_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InvalidMedia, match="empty"):
        open_image(empty)
    with pytest.raises(InvalidMedia, match="not an image"):
        open_image(b"%PDF-1.4 this is not a picture", where="upload 'x.pdf'")
    truncated = _jpeg(synthetic_image(4))[:2000]
    with pytest.raises(InvalidMedia, match="corrupt or truncated") as err:
        open_image(truncated)
    assert "upload" in str(err.value)
    with pytest.raises(NotFound):
        open_image(tmp_path / "missing.png")
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as fh:  # sparse: 2 GB on paper, nothing on disk
        fh.truncate(2 * 1024**3)
    with pytest.raises(PayloadTooLarge, match="2,147,483,648 bytes") as too_big:
        open_image(huge)
    assert str(huge) in str(too_big.value)
