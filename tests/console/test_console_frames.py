"""Video cases on the console: a strip of frame thumbnails, blurred like the video, flagged
frames marked, and served only to reviewers who may see the case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.console import thumbnails
from nigran.detect.media.samples import synthetic_video
from nigran.model import Evidence, Signal, SignalSource
from nigran.store import Store
from tests.console.test_console import World, signed_in
from tests.review.support import person, video_case


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("frames")
    return synthetic_video(folder / "clip.mp4", seed=3, seconds=20, scene_seconds=4)


@pytest.fixture
def world(sqlite_store: Store, video: Path) -> World:
    person(sqlite_store, "amna", "ur-hate")
    person(sqlite_store, "bilal", "ur-sexual")
    cid = video_case(sqlite_store, "v1", video, severity=4)
    return World(sqlite_store, create_app(sqlite_store), cid)


def test_strip_is_thinned_evenly_and_keeps_flagged_frames(video: Path) -> None:
    every = thumbnails.all_thumbnails(video)
    assert len(every) >= 20  # one a second plus the cuts
    assert all(t.jpeg[:2] == b"\xff\xd8" for t in every)  # JPEG
    nudity = Signal(
        source=SignalSource.NUDITY,
        detector="nudenet",
        category="sexual",
        score=0.9,
        evidence=Evidence(details={"detections": [{"label": "x", "score": 0.9, "t": 13.0}]}),
    )
    other_video = Signal(
        source=SignalSource.HASH_MATCH,
        detector="vpdq",
        category="sexual",
        score=1.0,
        evidence=Evidence(details={"media": "elsewhere.mp4", "frames": [{"query_s": 7.0}]}),
    )
    flagged = thumbnails.flagged_times([nudity, other_video], str(video))
    assert flagged == {13.0}
    strip = thumbnails.strip(video, flagged, limit=6)
    assert len(strip) == 6
    times = [t.timestamp for _, t, _ in strip]
    assert times == sorted(times) and times[0] == 0.0 and times[-1] > 10
    assert [t.timestamp for _, t, hit in strip if hit] == [13.0]
    # Cached: the same file is not decoded again (same objects come back).
    assert thumbnails.all_thumbnails(video) is every


def test_case_page_loads_the_strip_and_frames_are_served(world: World) -> None:
    client, _ = signed_in(world, "amna")
    page = client.get(f"/console/cases/{world.case_id}").text
    assert f'hx-get="/console/cases/{world.case_id}/media/0/frames"' in page
    strip = client.get(f"/console/cases/{world.case_id}/media/0/frames")
    assert strip.status_code == 200
    imgs = re.findall(r'<img src="(/console/cases/[^"]+\.jpg)"[^>]*class="([^"]*)"', strip.text)
    assert 1 < len(imgs) <= thumbnails.MAX_THUMBS
    assert all("blur" in cls and "grey" in cls for _, cls in imgs)  # wellness defaults
    first = client.get(imgs[0][0])
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    assert client.get(f"/console/cases/{world.case_id}/media/0/frames/999.jpg").status_code == 404


def test_frames_refused_outside_your_queues_and_without_a_session(world: World) -> None:
    outsider, _ = signed_in(world, "bilal")
    assert outsider.get(f"/console/cases/{world.case_id}/media/0/frames").status_code == 403
    assert outsider.get(f"/console/cases/{world.case_id}/media/0/frames/0.jpg").status_code == 403
    client = TestClient(world.app)  # type: ignore[arg-type]
    r = client.get(f"/console/cases/{world.case_id}/media/0/frames", follow_redirects=False)
    assert r.status_code == 303  # no session: sign in first


def test_videos_are_served_in_byte_ranges(world: World, video: Path) -> None:
    """Browsers seek in a video only when the server answers byte ranges."""
    client, _ = signed_in(world, "amna")
    url = f"/console/cases/{world.case_id}/media/0"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert whole.content == video.read_bytes()
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == video.read_bytes()[100:200]
