"""Video re-uploads match: re-encoded at three bitrates, trimmed, at another frame rate,
mirrored and rotated; unrelated videos do not. Fast content (a cut every 0.8 s, panning)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from nigran.detect.media.banks import Bank, HashBanks
from nigran.detect.media.frames import (
    MAX_KEYFRAME_GAP,
    MIN_KEYFRAME_STEP,
    dense_keyframes,
    sample_frames,
)
from nigran.detect.media.vpdq import (
    QUERY_SHARE,
    bank_video_hash,
    hash_frames_dihedral,
    video_variants,
)


@pytest.fixture(scope="module")
def fast(make_video: Callable[..., Path]) -> Path:
    return make_video("fast.mp4", 31, seconds=6, size=(320, 240), fps=30, scene_seconds=0.8)


@pytest.fixture(scope="module")
def banks(fast: Path) -> HashBanks:
    out = HashBanks()
    out.create_bank(Bank("videos", category="sexual"), actor="t")
    out.add_entry("videos", "vpdq", bank_video_hash(fast).to_pytx(), actor="t")
    return out


COPIES: dict[str, dict[str, object]] = {
    "150 kbit/s": {"codec": "libx264", "bitrate": 150_000},
    "400 kbit/s": {"codec": "libx264", "bitrate": 400_000},
    "1.2 Mbit/s": {"codec": "libx264", "bitrate": 1_200_000},
    "trimmed 1.3-5 s": {"codec": "libx264", "bitrate": 400_000, "start": 1.3, "end": 5.0},
    "30 -> 24 fps": {"codec": "libx264", "bitrate": 400_000, "fps": 24},
    "24 fps, trimmed": {"codec": "libx264", "fps": 24, "start": 0.7},
    "mirrored": {"codec": "libx264", "mirror": True},
    "rotated": {"codec": "libx264", "rotate": True, "size": (240, 320)},
    "smaller, mpeg4": {"codec": "mpeg4", "size": (224, 168)},
}


@pytest.mark.parametrize("copy", list(COPIES))
def test_a_reupload_matches(
    copy: str, fast: Path, banks: HashBanks, transcoded: Callable[..., Path]
) -> None:
    name = "".join(c if c.isalnum() else "-" for c in copy) + ".mp4"
    upload = transcoded(fast, name, **COPIES[copy])
    found = banks.match_video(video_variants(upload))
    assert len(found.matches) == 1, copy
    assert found.matches[0].details["query_share"] >= QUERY_SHARE, copy
    # Both samplers match, whichever the upload's key frames choose.
    other = hash_frames_dihedral(
        sample_frames(upload, images=False, keyframes=not dense_keyframes(upload))
    )
    found = banks.match_video(other)
    assert len(found.matches) == 1, copy
    assert found.matches[0].details["query_share"] >= QUERY_SHARE, copy


def test_dense_key_frames_are_sampled_alone(fast: Path, transcoded: Callable[..., Path]) -> None:
    # x264 puts a key frame at each cut (every 0.8 s here): dense. Key frames only every
    # 250 frames: not dense, sampled at each second as before.
    cuts = transcoded(fast, "keys-at-cuts.mp4", codec="libx264", bitrate=400_000)
    assert dense_keyframes(cuts)
    keys = sample_frames(cuts, images=False, keyframes=True)
    every_second = sample_frames(cuts, images=False)
    assert [f.timestamp for f in keys] != [f.timestamp for f in every_second]
    assert all(b.timestamp - a.timestamp <= MAX_KEYFRAME_GAP for a, b in pairwise(keys))
    # A key frame every 3 frames (0.1 s): not every one is a sample.
    short = transcoded(fast, "keys-short-gop.mp4", codec="libx264", bitrate=400_000, keyint=3)
    assert dense_keyframes(short)
    steps = [b.timestamp - a.timestamp for a, b in pairwise(sample_frames(short, keyframes=True))]
    assert steps and min(steps) >= MIN_KEYFRAME_STEP
    sparse = transcoded(fast, "keys-sparse.mp4", codec="libx264", bitrate=400_000, keyint=250)
    assert not dense_keyframes(sparse)
    assert [f.timestamp for f in sample_frames(sparse, images=False, keyframes=True)] == [
        f.timestamp for f in sample_frames(sparse, images=False)
    ]


def test_unrelated_videos_do_not_match(
    banks: HashBanks, make_video: Callable[..., Path], video_a: Path, video_b: Path
) -> None:
    other = make_video("fast-other.mp4", 32, seconds=6, size=(320, 240), fps=30, scene_seconds=0.8)
    for video in (other, video_a, video_b):
        assert banks.match_video(video_variants(video)).matches == [], video.name


def test_samples_are_the_frames_shown_at_each_second(fast: Path) -> None:
    """Skipping non-reference frames away from sample times changes no sample."""
    skipping = sample_frames(fast, images=False)
    full = sample_frames(fast, images=False, skip_nonref=False)
    assert [f.timestamp for f in skipping] == [f.timestamp for f in full]
    assert all((a.rgb == b.rgb).all() for a, b in zip(skipping, full, strict=True))
    assert [f.timestamp for f in skipping if f.reason == "interval"] == [0, 1, 2, 3, 4, 5]
