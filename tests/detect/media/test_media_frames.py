from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from nigran.detect.media.frames import FRAME_SIDE, sample_frames, thumbnail
from nigran.errors import InvalidMedia, PayloadTooLarge


def test_one_frame_a_second_plus_scene_changes(video_a: Path) -> None:
    frames = sample_frames(video_a)
    interval = [f.timestamp for f in frames if f.reason == "interval"]
    scenes = [f.timestamp for f in frames if f.reason == "scene"]
    assert interval == pytest.approx([0, 1, 2, 3, 4, 5, 6, 7], abs=0.11)
    # Cuts every 1.5 s; those at 3.0 and 6.0 fall on a sampled second already.
    assert scenes == pytest.approx([1.5, 4.5, 7.5], abs=0.11)
    assert all(f.rgb.shape == (FRAME_SIDE, FRAME_SIDE, 3) for f in frames)
    assert frames[0].image.size == (320, 240)


def test_thumbnail_is_a_small_jpeg(video_a: Path) -> None:
    data = thumbnail(sample_frames(video_a)[0].image, max_side=160)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert max(image.size) == 160


def test_broken_videos_get_clear_errors(tmp_path: Path, video_a: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InvalidMedia, match=r"empty \(0 bytes\)"):
        sample_frames(empty)

    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01not a video at all" * 500)
    with pytest.raises(InvalidMedia, match=r"garbage\.mp4") as err:
        sample_frames(garbage)
    assert err.value.code == "invalid_media"

    # A real file cut short and with its middle overwritten: decoding must fail cleanly.
    data = bytearray(video_a.read_bytes())
    data[100 : len(data) // 2] = b"\xff" * (len(data) // 2 - 100)
    mangled = tmp_path / "mangled.mp4"
    mangled.write_bytes(bytes(data[: len(data) * 2 // 3]))
    with pytest.raises(InvalidMedia):
        sample_frames(mangled)

    text = tmp_path / "notes.mp4"
    text.write_text("this is a text file that claims to be a video\n" * 50)
    with pytest.raises(InvalidMedia):
        sample_frames(text)

    huge = tmp_path / "huge.mp4"
    with huge.open("wb") as fh:
        fh.truncate(2 * 1024**3)
    with pytest.raises(PayloadTooLarge, match="limit is 1,073,741,824 bytes"):
        sample_frames(huge)


def test_b_frame_video_is_sampled_on_time(make_video: Callable[..., Path]) -> None:
    # veryfast H.264 has B-frames, which sampling skips decoding (skip_frame=NONREF).
    path = make_video("bframes.mp4", 5, seconds=6, fps=25, scene_seconds=1.5, preset="veryfast")
    frames = sample_frames(path)
    interval = [f.timestamp for f in frames if f.reason == "interval"]
    assert interval == pytest.approx([0, 1, 2, 3, 4, 5], abs=0.09)
    scenes = [f.timestamp for f in frames if f.reason == "scene"]
    # cuts every 38 frames (1.52 s): at 3.04 s, just after the 3 s sample, a scene sample too
    assert scenes == pytest.approx([1.52, 3.04, 4.56], abs=0.05)
