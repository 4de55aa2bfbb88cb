"""Every rotation and flip of a banked image matches: losslessly at 0 bits, after a JPEG re-save
within the match distance; and palette/CMYK files match the hashes HMA banks hold for them."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.detect.media.banks import Bank, HashBanks
from nigran.detect.media.hashing import (
    PDQ_MATCH_DISTANCE,
    PYTX_RAW_MODES,
    pdq_dihedral,
    pdq_from_image,
    pdq_pytx,
)
from nigran.detect.media.samples import synthetic_image, synthetic_texture, text_image

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

TRANSFORMS = [
    None,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
]


def _english_text() -> Image.Image:
    if not DEJAVU.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    lines = ["Meet me at the old bridge", "at nine tonight, come alone", "and bring the papers"]
    return text_image(lines, DEJAVU, size=44, width=720)


IMAGES: dict[str, Callable[[], Image.Image]] = {
    "texture": lambda: synthetic_texture(3, (600, 420)),
    "texture, odd size": lambda: synthetic_texture(4, (517, 333)),
    "english text": _english_text,
    "photo": lambda: synthetic_image(5, (640, 480)),
    "large photo": lambda: synthetic_image(6, (1500, 1000)),
}


def _jpeg(image: Image.Image, quality: int = 80) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize("kind", list(IMAGES))
def test_each_variant_is_the_hash_of_the_transformed_picture(kind: str) -> None:
    image = IMAGES[kind]()
    variants = pdq_dihedral(image)
    for transform, variant in zip(TRANSFORMS, variants, strict=True):
        turned = image if transform is None else image.transpose(transform)
        assert variant.hex == pdq_from_image(turned).hex, (kind, transform)


@pytest.mark.parametrize("kind", list(IMAGES))
def test_every_rotation_and_flip_matches_lossless_and_after_jpeg(kind: str) -> None:
    image = IMAGES[kind]()
    banked = pdq_from_image(image)
    assert banked.usable
    for transform in TRANSFORMS:
        upload = image if transform is None else image.transpose(transform)
        lossless = min(v.distance(banked) for v in pdq_dihedral(upload))
        resaved = min(v.distance(banked) for v in pdq_dihedral(_jpeg(upload)))
        assert lossless == 0, (kind, transform)
        assert resaved <= PDQ_MATCH_DISTANCE // 3, (kind, transform, resaved)


def test_rotations_of_one_image_do_not_match_another() -> None:
    banked = pdq_from_image(_english_text())
    other = text_image(["Quarterly report, page 3", "figures as attached"], DEJAVU, size=44)
    for transform in TRANSFORMS:
        upload = other if transform is None else other.transpose(transform)
        assert min(v.distance(banked) for v in pdq_dihedral(upload)) > PDQ_MATCH_DISTANCE


def _palette_and_cmyk(tmp_path: Path) -> list[Path]:
    photo = synthetic_image(12, (480, 360))
    paths = [tmp_path / "palette.png", tmp_path / "cmyk.jpg"]
    photo.quantize(colors=64).save(paths[0])
    photo.convert("CMYK").save(paths[1], quality=90)
    return paths


def test_palette_and_cmyk_hash_as_pytx_does_and_match_hma_banks(tmp_path: Path) -> None:
    pdq_hasher = pytest.importorskip("threatexchange.signal_type.pdq.pdq_hasher")
    for path in _palette_and_cmyk(tmp_path):
        image = Image.open(path)
        assert image.mode in PYTX_RAW_MODES
        theirs_hex, theirs_quality = pdq_hasher.pdq_from_file(path)
        ours = pdq_pytx(image)
        assert (ours.hex, ours.quality) == (theirs_hex, theirs_quality), path.name
        # Nigran's own hash of the picture is far from pytx's: that is the interop caveat...
        assert pdq_from_image(image).distance(theirs_hex) > PDQ_MATCH_DISTANCE, path.name
        # ...and matching closes it: a bank imported from HMA holds pytx's hash, and matches.
        banks = HashBanks()
        banks.create_bank(Bank("hma", category="sexual"), actor="t")
        entry = banks.add_entry("hma", "pdq", theirs_hex, actor="t")
        found = banks.match_image(pdq_dihedral(image))
        assert [(m.entry_id, m.distance) for m in found.matches] == [(entry.id, 0)], path.name


def test_cli_hash_pytx_compatible(tmp_path: Path) -> None:
    pdq_hasher = pytest.importorskip("threatexchange.signal_type.pdq.pdq_hasher")
    runner = CliRunner()
    for path in _palette_and_cmyk(tmp_path):
        done = runner.invoke(build_app(), ["media", "hash", str(path), "--pytx-compatible"])
        assert done.exit_code == 0, done.output
        assert json.loads(done.output)["pdq"] == pdq_hasher.pdq_from_file(path)[0]
        plain = json.loads(runner.invoke(build_app(), ["media", "hash", str(path)]).output)
        assert plain["pdq"] == pdq_from_image(Image.open(path)).hex
