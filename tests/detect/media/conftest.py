"""Media made here, per test session: nothing is downloaded, nothing is checked in."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

av = pytest.importorskip("av", reason="PyAV (media extra) is not installed")

from nigran.detect.media.samples import synthetic_image, synthetic_video  # noqa: E402


def transcode(
    src: Path,
    dst: Path,
    *,
    size: tuple[int, int] | None = None,
    codec: str = "mpeg4",
    crop: float = 0.0,
    start: float = 0.0,
    end: float | None = None,
    rotate: bool = False,
    mirror: bool = False,
) -> Path:
    """Re-encode ``src`` the way a re-uploader would: other codec, size, a small crop, a trim."""
    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        stream_in = inp.streams.video[0]
        rate = stream_in.average_rate or Fraction(10)
        stream = out.add_stream(codec, rate=rate)
        first = True
        n = 0
        for frame in inp.decode(stream_in):
            t = float(frame.time or 0.0)
            if t < start or (end is not None and t >= end):
                continue
            image: Image.Image = frame.to_image()
            if crop:
                w, h = image.size
                dx, dy = int(w * crop), int(h * crop)
                image = image.crop((dx, dy, w - dx, h - dy))
            if rotate:
                image = image.transpose(Image.Transpose.ROTATE_90)
            if mirror:
                image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if size:
                image = image.resize(size)
            if first:
                stream.width, stream.height = image.size[0] // 2 * 2, image.size[1] // 2 * 2
                stream.pix_fmt = "yuv420p"
                first = False
            image = image.resize((stream.width, stream.height))
            out_frame = av.VideoFrame.from_image(image)
            out_frame.pts = n
            out_frame.time_base = Fraction(1) / rate
            n += 1
            for packet in stream.encode(out_frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def video_a(media_dir: Path) -> Path:
    return synthetic_video(media_dir / "a.mp4", seed=11, seconds=8, scene_seconds=1.5)


@pytest.fixture(scope="session")
def video_b(media_dir: Path) -> Path:
    return synthetic_video(media_dir / "b.mp4", seed=22, seconds=8, scene_seconds=1.5)


@pytest.fixture(scope="session")
def make_video(media_dir: Path) -> Callable[..., Path]:
    def make(name: str, seed: int, **kwargs: object) -> Path:
        return synthetic_video(media_dir / name, seed=seed, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def transcoded(media_dir: Path) -> Callable[..., Path]:
    def make(src: Path, name: str, **kwargs: object) -> Path:
        return transcode(src, media_dir / name, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def photo() -> Image.Image:
    return synthetic_image(5, (640, 480))
