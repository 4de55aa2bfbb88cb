"""Synthetic images and videos for tests, benchmarks and demos.

Why synthetic? Nigran ships no media, and no test may download any; these generators make natural
enough pictures (smooth gradients, blobs, edges — PDQ quality well above 50) that are different for
every seed, so "unrelated media do not match" is a real test, and videos with clear scene cuts.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

__all__ = ["synthetic_image", "synthetic_texture", "synthetic_video", "text_image"]


def synthetic_image(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like RGB picture: low-frequency colour field plus a few sharp shapes."""
    rng = np.random.default_rng(seed)
    width, height = size
    coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    field = Image.fromarray(coarse, "RGB").resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(field)
    for _ in range(int(rng.integers(4, 9))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w = int(rng.integers(width // 10, width // 2))
        h = int(rng.integers(height // 10, height // 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x0 + w, y0 + h), fill=colour)
        else:
            draw.rectangle((x0, y0, x0 + w, y0 + h), fill=colour)
    return field.filter(ImageFilter.GaussianBlur(radius=max(1.0, width / 400)))


def synthetic_texture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Fine, busy texture (gravel, foliage, fabric): high-frequency detail everywhere, the
    pictures where a transform's rounding moves PDQ bits most, and where OCR sees false text."""
    rng = np.random.default_rng(seed)
    width, height = size
    cells = rng.integers(0, 256, (max(1, height // 4), max(1, width // 4), 3), dtype=np.uint8)
    noise = Image.fromarray(cells, "RGB").resize(size, Image.Resampling.NEAREST)
    return noise.filter(ImageFilter.GaussianBlur(radius=1.5))


def text_image(
    lines: list[str],
    font: Path | str,
    *,
    size: int = 40,
    width: int = 800,
    background: tuple[int, int, int] = (255, 255, 255),
    colour: tuple[int, int, int] = (0, 0, 0),
    rtl: bool = False,
    padding: int = 30,
) -> Image.Image:
    """``lines`` rendered in ``font`` (a TrueType file), one under another; ``rtl`` shapes and
    right-aligns them (Pillow's raqm layout, which Urdu and Arabic need)."""
    from PIL import ImageFont

    layout = ImageFont.Layout.RAQM if rtl else ImageFont.Layout.BASIC
    face = ImageFont.truetype(str(font), size, layout_engine=layout)
    direction = "rtl" if rtl else None
    heights: list[int] = []
    for line in lines:
        box = face.getbbox(line, direction=direction)
        heights.append(int(box[3] - min(0, box[1])))
    line_gap = int(size * 0.6)
    height = 2 * padding + sum(heights) + line_gap * max(0, len(lines) - 1)
    image = Image.new("RGB", (width, max(height, size + 2 * padding)), background)
    draw = ImageDraw.Draw(image)
    y = padding
    for line, line_height in zip(lines, heights, strict=True):
        box = face.getbbox(line, direction=direction)
        x = width - padding - (box[2] - box[0]) if rtl else float(padding)
        at = (x - box[0], y - min(0.0, box[1]))
        draw.text(at, line, font=face, fill=colour, direction=direction)
        y += line_height + line_gap
    return image


def _pan(scene: Image.Image, size: tuple[int, int], t: float) -> NDArray[np.uint8]:
    """A slow pan/zoom across ``scene`` so consecutive frames differ a little, like real footage."""
    sw, sh = scene.size
    zoom = 1.0 - 0.08 * t
    cw, ch = int(sw * zoom), int(sh * zoom)
    x0 = int((sw - cw) * t)
    y0 = int((sh - ch) * 0.5)
    crop = scene.crop((x0, y0, x0 + cw, y0 + ch)).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(crop, dtype=np.uint8)


def synthetic_video(
    path: Path,
    *,
    seed: int,
    seconds: float = 6.0,
    size: tuple[int, int] = (320, 240),
    fps: int = 10,
    scene_seconds: float = 2.0,
    codec: str = "libx264",
    preset: str = "ultrafast",
    bitrate: int | None = None,
    keyint: int | None = None,
) -> Path:
    """Write an MP4 of ``seconds`` with a new scene every ``scene_seconds``; returns ``path``.
    ``keyint``: a key frame every so many frames and none at cuts (x264's default puts one at
    each cut)."""
    import av

    rng = np.random.default_rng(seed)
    frames = round(seconds * fps)
    per_scene = max(1, round(scene_seconds * fps))
    scene_size = (size[0] * 5 // 4, size[1] * 5 // 4)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        if codec == "libx264":
            stream.options = {"preset": preset, "crf": "23"}
            if bitrate:  # an upload's average bitrate instead of constant quality
                stream.options = {"preset": preset}
                stream.bit_rate = bitrate
            if keyint:
                stream.options = {
                    **stream.options,
                    "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0",
                }
        scene = synthetic_image(int(rng.integers(0, 2**31)), scene_size)
        for i in range(frames):
            if i and i % per_scene == 0:
                scene = synthetic_image(int(rng.integers(0, 2**31)), scene_size)
            t = (i % per_scene) / per_scene
            frame = av.VideoFrame.from_ndarray(_pan(scene, size, t), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
