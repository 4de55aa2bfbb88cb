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
    fps: int | None = None,
    bitrate: int | None = None,
    keyint: int | None = None,
) -> Path:
    """Re-encode ``src`` the way a re-uploader would: other codec, size, a small crop, a trim,
    another frame rate (each output frame is the picture shown at its time), a bitrate;
    ``keyint``: a key frame every so many frames and at no cut (x264)."""
    with av.open(str(src)) as inp:
        stream_in = inp.streams.video[0]
        rate = Fraction(fps) if fps else (stream_in.average_rate or Fraction(10))
        shown: list[tuple[float, Image.Image]] = [
            (float(frame.time or 0.0), frame.to_image()) for frame in inp.decode(stream_in)
        ]
    first = shown[0][0]
    shown = [(t - first, image) for t, image in shown]
    last = shown[-1][0] if end is None else min(end, shown[-1][0] + 1e-6)
    with av.open(str(dst), mode="w") as out:
        stream = out.add_stream(codec, rate=rate)
        if bitrate:
            stream.bit_rate = bitrate
        if codec == "libx264":
            stream.options = {"preset": "veryfast"}
            if keyint:
                stream.options = {
                    "preset": "veryfast",
                    "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0",
                }
        k, n, opened = 0, 0, False
        while True:
            t = start + n / float(rate)
            if t > last:
                break
            while k + 1 < len(shown) and shown[k + 1][0] <= t + 1e-6:
                k += 1
            image = shown[k][1]
            n += 1
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
            if not opened:
                stream.width, stream.height = image.size[0] // 2 * 2, image.size[1] // 2 * 2
                stream.pix_fmt = "yuv420p"
                opened = True
            image = image.resize((stream.width, stream.height))
            out_frame = av.VideoFrame.from_image(image)
            out_frame.pts = n - 1
            out_frame.time_base = Fraction(1) / rate
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
