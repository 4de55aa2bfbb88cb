from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nigran.detect.media.vpdq import VideoHash, VideoIndex, compare_videos, video_hash


def test_reencoded_resized_cropped_and_trimmed_copies_match(
    video_a: Path, video_b: Path, transcoded: Callable[..., Path]
) -> None:
    original = video_hash(video_a)
    assert len(original.usable) >= 6
    copies = {
        "mpeg4": transcoded(video_a, "a_mpeg4.mp4"),
        "h264 at 160x120": transcoded(video_a, "a_small.mp4", size=(160, 120), codec="libx264"),
        "2% crop": transcoded(video_a, "a_crop.mp4", crop=0.01, codec="libx264"),
        "clip 2-6 s": transcoded(video_a, "a_clip.mp4", start=2.0, end=6.0),
    }
    for name, path in copies.items():
        match = compare_videos(video_hash(path), original)
        assert match.query_share >= 0.8, (name, match)
    unrelated = compare_videos(video_hash(video_b), original)
    assert unrelated.query_share == 0.0


def test_video_index_finds_the_banked_video(
    video_a: Path, video_b: Path, make_video: Callable[..., Path], transcoded: Callable[..., Path]
) -> None:
    index = VideoIndex()
    index.add(1, video_hash(video_a))
    index.add(2, video_hash(video_b))
    for seed in (31, 32, 33):
        index.add(seed, video_hash(make_video(f"bank{seed}.mp4", seed, seconds=4)))
    query = video_hash(transcoded(video_a, "a_query.mp4", size=(240, 180)))
    matches = index.query(query)
    assert [m.video_id for m in matches] == [1]
    assert matches[0].pairs and all(d <= 31 for _, _, d in matches[0].pairs)
    index.remove(1)
    assert index.query(query) == []
    restored = VideoHash.from_json(query.to_json())
    assert restored == query
