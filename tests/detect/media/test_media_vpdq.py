from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nigran.detect.media.vpdq import (
    VideoHash,
    VideoIndex,
    compare_videos,
    parse_video_hash,
    video_hash,
)
from nigran.errors import InvalidInput


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


def _pytx_vpdq(monkeypatch: pytest.MonkeyPatch) -> Any:
    """python-threatexchange's vPDQ signal type. It imports the ``vpdq`` extension (a C++
    hasher) at the top, but parsing and brute-force matching are plain Python; without the
    extension a stand-in lets those load."""
    pytest.importorskip("threatexchange")
    try:
        import vpdq  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("vpdq")
        stand_in.VpdqFeature = type("VpdqFeature", (), {})  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "vpdq", stand_in)
    from threatexchange.extensions.vpdq import vpdq as signal_module

    return signal_module


def test_pytx_vpdq_signal_round_trip_and_pytx_matching(
    video_a: Path,
    video_b: Path,
    transcoded: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytx = _pytx_vpdq(monkeypatch)
    from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq, vpdq_to_json

    original = video_hash(video_a)
    signal = original.to_pytx()
    assert pytx.VPDQSignal.validate_signal_str(signal) == signal
    # Through pytx's own parser and writer and back: same hashes, qualities and start times.
    features = json_to_vpdq(signal)
    assert [(f.pdq_hex, f.quality) for f in features] == [
        (f.hex, f.quality) for f in original.frames
    ]
    back = VideoHash.from_pytx(vpdq_to_json(features))
    assert [(f.hex, f.quality, f.start) for f in back.frames] == [
        (f.hex, f.quality, pytest.approx(f.start, abs=0.06)) for f in original.frames
    ]
    assert compare_videos(back, original).query_share == 1.0
    # pytx's matcher, given our hashes, agrees with ours about a copy and an unrelated video.
    copy = video_hash(transcoded(video_a, "a_pytx.mp4", size=(240, 180)))
    assert pytx.VPDQSignal.compare_hash(copy.to_pytx(), signal).match
    assert compare_videos(copy, original).query_share >= 0.8
    assert not pytx.VPDQSignal.compare_hash(video_hash(video_b).to_pytx(), signal).match
    # pytx's example signal reads as a video hash here.
    example = VideoHash.from_pytx(pytx.VPDQSignal.get_examples()[0])
    assert len(example.frames) >= 1 and all(len(f.hex) == 64 for f in example.frames)


def test_vpdq_file_form_and_autodetection(video_a: Path) -> None:
    original = video_hash(video_a)
    text = original.to_vpdq_file()
    first = text.splitlines()[0].split(",")
    assert first[0] == "0" and first[2] == original.frames[0].hex and len(first) == 4
    for form in (text, original.to_pytx(), json.dumps(original.to_json())):
        parsed = parse_video_hash(form)
        assert [f.hex for f in parsed.frames] == [f.hex for f in original.frames]
    assert parse_video_hash(json.dumps(original.to_json())) == original  # lossless
    with pytest.raises(InvalidInput, match="line 2"):
        VideoHash.from_vpdq_file(text.splitlines()[0] + "\n1,100,abc\n")
    with pytest.raises(InvalidInput, match="frame 0"):
        VideoHash.from_pytx(json.dumps(["zz" * 32 + ",100,0.0"]))
    with pytest.raises(InvalidInput, match="quality 0-100"):
        parse_video_hash("0,101," + "a" * 64 + ",0.0")
