"""Media matching and analysis speed, with baselines measured side by side in the same process.

Prints:
- PDQ lookup at N bank hashes (default 1,000,000): p50/p99 per query for Nigran's ``PdqIndex``,
  faiss ``IndexBinaryMultiHash`` (what HMA's MIH index uses) and python-threatexchange's
  ``PDQIndex2`` (HMA's default; fewer queries, it is slow); recall against numpy brute force;
  memory at N and extrapolated to 10M; save and reload time; cost of an incremental add/remove.
- Video: time to sample (1 fps + scene cuts) and hash one minute of 720p (made here with PyAV),
  on one thread; lookup of that video among 10,000 banked videos.
- Video at upload bitrates (0.7, 1.5 and 3.7 Mbit/s 720p, made here): hashing CPU per minute and
  the share of a re-encode's frames matching the banked original, for the sampler before issue
  22, the current one, and full decoding.
- NudeNet: images per second on one thread.

Usage: .venv/bin/python -m bench.media [--hashes 1000000] [--queries 1000] [--baseline-queries 20]
Single-threaded on purpose (OMP/BLAS threads = 1): figures are per core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal  # noqa: E402

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from nigran.detect.media.frames import (  # noqa: E402
    MAX_VIDEO_BYTES,
    MAX_VIDEO_SECONDS,
    SCENE_THRESHOLD,
    Frame,
)
from nigran.detect.media.index import PdqIndex, brute_force  # noqa: E402

RADIUS = 31


def _pct(samples: list[float]) -> str:
    a = np.array(samples) * 1e3
    return f"p50 {np.percentile(a, 50):8.3f} ms   p99 {np.percentile(a, 99):8.3f} ms"


def _timed(
    fn: Any, queries: Sequence[Any] | np.ndarray
) -> tuple[list[Any], list[float], list[float]]:
    """Results, wall-clock seconds and this thread's CPU seconds per query. CPU time leaves
    out the time another process held the core: on a shared machine that is the figure that
    describes the code; wall time is what a caller waits."""
    results, wall, cpu = [], [], []
    for q in queries:
        t, c = time.perf_counter(), time.thread_time()
        results.append(fn(q))
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
    return results, wall, cpu


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _queries(bank: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Half near copies of bank hashes (0..31 bits flipped), half unrelated hashes."""
    near = bank[rng.integers(0, len(bank), n // 2)].copy()
    for row, k in zip(near, rng.integers(0, RADIUS + 1, len(near)), strict=True):
        for bit in rng.choice(256, int(k), replace=False):
            row[bit // 8] ^= 1 << (bit % 8)
    far = rng.integers(0, 256, (n - len(near), 32), dtype=np.uint8)
    out = np.concatenate([near, far])
    rng.shuffle(out)
    return out


def bench_index(n: int, n_queries: int, n_baseline: int) -> None:
    print(f"== PDQ lookup, {n:,} bank hashes, distance <= {RADIUS}, one thread ==")
    rng = np.random.default_rng(2026)
    bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    queries = _queries(bank, n_queries, rng)

    print(f"  ({_load()})")
    before = _rss_mb()
    t = time.perf_counter()
    index = PdqIndex()
    index.add(np.arange(n, dtype=np.int64), bank)
    build = time.perf_counter() - t
    rss = _rss_mb() - before
    index.query(queries[0], RADIUS)
    results, wall, cpu = _timed(lambda q, ix=index: ix.query(q, RADIUS), queries)
    nigran = float(np.percentile(cpu, 50))
    print(f"nigran PdqIndex (MIH 16x16, numpy)  {_pct(wall)} wall   build {build:.2f} s")
    print(f"                                    {_pct(cpu)} CPU")

    truth = brute_force(bank, queries[:200], RADIUS)
    agree = sum(
        {e for e, _ in r} == set(b.tolist()) for r, b in zip(results[:200], truth, strict=True)
    )
    hits = sum(len(b) for b in truth)
    print(f"  recall vs brute force: {agree}/200 queries identical ({hits} true matches)")
    per_hash = (index.nbytes - 16 * 65537 * 8) / n
    print(
        f"  memory: arrays {index.nbytes / 2**20:.0f} MiB (RSS +{rss:.0f} MiB) at {n:,}; "
        f"10M extrapolated: {(per_hash * 10_000_000 + 16 * 65537 * 8) / 2**30:.2f} GiB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        index.save(Path(tmp) / "idx")
        saved = time.perf_counter() - t
        for mmap in (True, False):
            t = time.perf_counter()
            loaded = PdqIndex.load(Path(tmp) / "idx", mmap=mmap)
            load_s = time.perf_counter() - t
            t = time.perf_counter()
            changed = loaded.sync(np.arange(n, dtype=np.int64), bank)
            sync_s = time.perf_counter() - t
            loaded.query(queries[0], RADIUS)
            _, wall, cpu = _timed(lambda q, ix=loaded: ix.query(q, RADIUS), queries[:500])
            how = "memory-mapped" if mmap else "read in"
            print(
                f"  reload ({how}): {load_s * 1e3:.0f} ms + {sync_s * 1e3:.0f} ms to check it "
                f"against the bank's rows ({changed[0] + changed[1]} changed); "
                f"queries then {_pct(cpu)} CPU"
            )
            del loaded
        print(f"  save {saved:.2f} s")
    extra = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    t = time.perf_counter()
    for k in range(1000):
        index.add([n + k], extra[k : k + 1])
    add_ms = (time.perf_counter() - t) / 1000 * 1e3
    t = time.perf_counter()
    for k in range(1000):
        index.remove(k)
    rm_ms = (time.perf_counter() - t) / 1000 * 1e3
    _, wall, cpu = _timed(lambda q, ix=index: ix.query(q, RADIUS), queries[:300])
    print(
        f"  incremental: add {add_ms:.3f} ms/hash, remove {rm_ms:.3f} ms/entry; "
        f"queries with 1,000 pending adds: {_pct(cpu)} CPU"
    )
    del index

    try:
        import faiss

        faiss.omp_set_num_threads(1)
        t = time.perf_counter()
        mih = faiss.IndexBinaryMultiHash(256, 16, 16)
        mih.nflip = 1
        mih.add(bank)
        build = time.perf_counter() - t
        _, wall, cpu = _timed(
            lambda q, m=mih: m.range_search(q[None, :], RADIUS + 1), queries[: min(300, n_queries)]
        )
        print(f"faiss IndexBinaryMultiHash 16x16    {_pct(wall)} wall   build {build:.2f} s")
        print(f"                                    {_pct(cpu)} CPU")
        faiss_p50 = float(np.percentile(cpu, 50))
        del mih
    except ImportError:
        faiss_p50 = float("nan")
        print("faiss not installed: skipped")

    try:
        from threatexchange.signal_type.pdq.pdq_index2 import PDQIndex2
    except ImportError:
        print("python-threatexchange not installed: PDQIndex2 baseline skipped")
        return
    hexes = [row.tobytes().hex() for row in bank]
    t = time.perf_counter()
    pytx = PDQIndex2(entries=((h, i) for i, h in enumerate(hexes)))
    build = time.perf_counter() - t
    found, wall, cpu = _timed(lambda q: pytx.query(q.tobytes().hex()), queries[:n_baseline])
    agree = sum(
        {m.metadata for m in theirs} == {e for e, _ in mine}
        for theirs, mine in zip(found, results[:n_baseline], strict=True)
    )
    base = float(np.percentile(cpu, 50))
    print(f"pytx PDQIndex2 (faiss flat, {n_baseline} q)  {_pct(wall)} wall   build {build:.2f} s")
    print(f"                                    {_pct(cpu)} CPU")
    print(f"  same answers as nigran: {agree}/{n_baseline}")
    print(
        f"  speed-up at p50 (CPU): nigran {base / nigran:,.0f}x over PDQIndex2, "
        f"{faiss_p50 / nigran:,.1f}x over faiss MIH"
    )


def bench_store(n: int) -> None:
    """Start-up of the bank store at ``n`` PDQ entries (SQLite): index rebuilt from the tables
    vs the saved index reloaded and checked against them."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from nigran.banks.hashes import BankStore
    from nigran.store import Store
    from nigran.store.tables_media import media_bank_entries, media_banks

    print(f"== Bank store start-up, {n:,} PDQ entries, SQLite ==")
    print(f"  ({_load()})")
    rng = np.random.default_rng(11)
    bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        now = datetime.now(UTC)
        t = time.perf_counter()
        with store.transaction() as conn:
            conn.execute(
                insert(media_banks).values(
                    name="big",
                    category="sexual",
                    negative=False,
                    enabled=True,
                    pdq_distance=31,
                    video_share=0.8,
                    hot_limit=None,
                    hot_window_s=3600,
                    severity=3,
                    note="",
                    updated_at=now,
                )
            )
            for start in range(0, n, 50_000):
                conn.execute(
                    insert(media_bank_entries),
                    [
                        {
                            "id": i + 1,
                            "bank": "big",
                            "signal_type": "pdq",
                            "value": bank[i].tobytes().hex(),
                            "note": "",
                            "source": "bench",
                            "status": "active",
                            "metadata": {},
                            "added_at": now,
                            "updated_at": now,
                        }
                        for i in range(start, min(n, start + 50_000))
                    ],
                )
        print(f"  (rows written in {time.perf_counter() - t:.1f} s)")
        folder = Path(tmp) / "index"
        for label, index_dir in (
            ("no saved index (rebuilt from the tables)", None),
            ("first start with an index folder (rebuilt, then saved)", folder),
            ("next start (saved index reloaded, checked against the tables)", folder),
        ):
            t = time.perf_counter()
            loaded = BankStore(store, index_dir=index_dir)
            total = time.perf_counter() - t
            how = loaded.index_load
            detail = f"; index {how.source}, {how.changed} rows patched" if how else ""
            print(f"  {label}: {total:.2f} s{detail}")
            del loaded
        store.engine.dispose()


def bench_video(videos_in_bank: int, video_file: Path | None) -> None:
    from nigran.detect.media.frames import sample_frames
    from nigran.detect.media.samples import synthetic_video
    from nigran.detect.media.vpdq import (
        FrameHash,
        VideoHash,
        VideoIndex,
        hash_frames,
        hash_frames_dihedral,
    )

    print("== Video: one minute of 1280x720 at 30 fps (H.264 veryfast, made here), one thread ==")
    print(f"  ({_load()})")
    with tempfile.TemporaryDirectory() as tmp:
        path = video_file or Path(tmp) / "minute.mp4"
        if not path.exists():
            t = time.perf_counter()
            # preset veryfast: B-frames and references like an ordinary phone upload's encoder
            synthetic_video(
                path,
                seed=7,
                seconds=60,
                size=(1280, 720),
                fps=30,
                scene_seconds=4.5,
                preset="veryfast",
            )
            print(f"  (generated in {time.perf_counter() - t:.1f} s)")
        print(f"  ({path}, {path.stat().st_size:,} bytes)")
        runs = []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.thread_time()
            frames = sample_frames(path, images=False)
            c1 = time.thread_time()
            video = hash_frames(frames)
            t2, c2 = time.perf_counter(), time.thread_time()
            runs.append((c2 - c0, t2 - t0, c1 - c0, c2 - c1))
        cpu, wall, decode, hashing = min(runs)
        print(
            f"nigran video hash: {cpu:.2f} s CPU ({wall:.2f} s wall) per minute of 720p "
            f"(decode+sample {decode:.2f} s, PDQ {hashing:.3f} s); {len(frames)} frames sampled, "
            f"{len(video.frames)} after dedupe"
        )
        c = time.thread_time()
        shown = sample_frames(path)
        print(
            f"  sampling with 640 px display copies too (OCR, nudity, thumbnails): "
            f"{time.thread_time() - c:.2f} s CPU"
        )
        c = time.thread_time()
        hash_frames_dihedral(shown)
        print(
            f"  PDQ of all 8 orientations (rotation-proof matching): {time.thread_time() - c:.3f} s"
        )

    rng = np.random.default_rng(3)
    others = []
    for vid in range(videos_in_bank):
        n = int(rng.integers(10, 60))
        rows = rng.integers(0, 256, (n, 32), dtype=np.uint8)
        frames_ = tuple(FrameHash(i, i + 1, r.tobytes().hex(), 100) for i, r in enumerate(rows))
        others.append((vid, VideoHash(frames_)))
    total_frames = sum(len(v.frames) for _, v in others) + len(video.frames)
    index = VideoIndex()
    t = time.perf_counter()
    index.add_many([*others, (videos_in_bank, video)])
    build = time.perf_counter() - t
    clip = VideoHash(tuple(f for f in video.frames if 20 <= f.start < 40))  # a 20 s excerpt
    for label, query in (("the whole video", video), ("a 20 s clip of it", clip)):
        found, walls, cpus = _timed(lambda q, ix=index: ix.query(q), [query] * 20)
        ok = [m.video_id for m in found[0]] == [videos_in_bank]
        print(
            f"video lookup, {label} ({len(query.frames)} frame hashes), among "
            f"{videos_in_bank + 1:,} banked videos ({total_frames:,} frame hashes): "
            f"{_pct(cpus)} CPU, {_pct(walls)} wall; found it and nothing else: {ok}"
        )
    print(f"  (bank built in {build:.1f} s)")


def bench_nudenet(n_images: int) -> None:
    try:
        from nigran.detect.media.nudity import NudityModel
    except ImportError:
        print("nudenet not installed: skipped")
        return
    from nigran.detect.media.samples import synthetic_image

    print("== NudeNet (320n ONNX, onnxruntime CPU), one thread ==")
    model = NudityModel(threads=1)
    images = [synthetic_image(s, (640, 480)) for s in range(n_images)]
    model.detect(images[0])
    t = time.perf_counter()
    for image in images:
        model.detect(image)
    elapsed = time.perf_counter() - t
    print(f"nudenet: {n_images / elapsed:.1f} images/s ({elapsed / n_images * 1e3:.1f} ms/image)")


# -- video sampling at upload bitrates ---------------------------------------------------------
#
# The sampler before issue 22, kept here verbatim (names aside) as the baseline: non-reference
# frames never decoded, each sample the first decoded frame at or after its second.


def _sample_frames_before_issue22(
    path: Path,
    *,
    interval: float = 1.0,
    scene_threshold: float = SCENE_THRESHOLD,
    max_bytes: int = MAX_VIDEO_BYTES,
    max_seconds: float = MAX_VIDEO_SECONDS,
    skip_nonref: bool = True,
    images: bool = True,
) -> list[Frame]:
    """Frames at ``0, interval, 2*interval...`` seconds plus the first frame of each new scene.

    ``images=False``: hashing only, no display copies (:attr:`Frame.image` is None)."""
    import av

    from nigran.detect.media.frames import MIN_SCENE_GAP, _frame, _luma_grid, _timestamp
    from nigran.detect.media.hashing import check_media_file
    from nigran.errors import InvalidMedia, PayloadTooLarge

    where = str(path)
    check_media_file(path, max_bytes=max_bytes)
    frames: list[Frame] = []
    try:
        with av.open(where, mode="r") as container:
            if not container.streams.video:
                raise InvalidMedia("file has no video stream", where=where)
            stream = container.streams.video[0]
            stream.codec_context.thread_count = 1
            if skip_nonref:
                # Frames no other frame refers to (most B-frames) are not decoded: measured
                # here, half the decode time of a B-frame H.264 stream; a sample then lands on
                # the next decoded frame, a few hundredths of a second later at most.
                stream.codec_context.skip_frame = "NONREF"
                # Deblocking is a fifth of H.264 decoding; PDQ at 64x64 cannot see the block
                # edges it smooths (2 bits apart on average, measured).
                stream.codec_context.options = {"skip_loop_filter": "all"}
            if container.duration is not None and container.duration / 1e6 > max_seconds:
                raise PayloadTooLarge(
                    f"video is {container.duration / 1e6:.0f} s long; the limit is "
                    f"{max_seconds:.0f} s",
                    where=where,
                )
            next_sample = 0.0
            last_scene = -MIN_SCENE_GAP
            previous: NDArray[np.int16] | None = None
            for frame in container.decode(stream):
                t = _timestamp(frame, stream)
                if t > max_seconds:
                    raise PayloadTooLarge(
                        f"video runs past {max_seconds:.0f} s, the limit", where=where
                    )
                grid = _luma_grid(frame, frame.width, frame.height)
                reason: Literal["interval", "scene"] | None = None
                if t >= next_sample:
                    reason = "interval"
                    while next_sample <= t:
                        next_sample += interval
                elif (
                    previous is not None
                    and previous.shape == grid.shape
                    and t - last_scene >= MIN_SCENE_GAP
                    and float(np.abs(grid - previous).mean()) > scene_threshold
                ):
                    reason = "scene"
                    last_scene = t
                previous = grid
                if reason is not None:
                    frames.append(_frame(frame, t, reason, images))
    except (PayloadTooLarge, InvalidMedia):
        raise
    except av.FFmpegError as exc:
        raise InvalidMedia(f"video is corrupt or not a video: {exc}", where=where) from exc
    except (ValueError, OSError) as exc:
        raise InvalidMedia(f"video cannot be decoded: {exc}", where=where) from exc
    if not frames:
        raise InvalidMedia("video has no decodable frames", where=where)
    return frames


def _decode_only(path: Path, skip: Literal["NONREF", "NONKEY"]) -> None:
    """Decode the video with ``skip_frame=skip`` and do nothing else: the floor under any
    sampler that decodes those frames."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        stream.codec_context.options = {"skip_loop_filter": "all"}
        stream.codec_context.skip_frame = skip
        for _ in container.decode(stream):
            pass


def bench_bitrates(seconds: int) -> None:
    """Hashing CPU per minute of 720p and match shares of re-encodes, at three upload bitrates
    and with sparse key frames, for the sampler before issue 22, the frame shown at each second,
    the key frames where dense (what uploads are matched with now), full decoding, and bare
    decoding as the floor."""
    from nigran.detect.media.frames import dense_keyframes, sample_frames
    from nigran.detect.media.samples import synthetic_video
    from nigran.detect.media.vpdq import BANK_INTERVAL, compare_videos, hash_frames

    print(
        f"== Video at upload bitrates: {seconds} s of 1280x720 at 30 fps, a cut every 1.2 s "
        "and panning (H.264 veryfast, B-frames), one thread; CPU = process time per minute =="
    )
    print(f"  ({_load()})")
    samplers: dict[str, Any] = {
        "before issue 22 (non-ref skipped, first after)": lambda p, **kw: (
            _sample_frames_before_issue22(p, images=False, **kw)
        ),
        "frame shown at each second": lambda p, **kw: sample_frames(p, images=False, **kw),
        "now: key frames where dense, else as above": lambda p, **kw: sample_frames(
            p, images=False, keyframes=True, **kw
        ),
        "full decoding, frame shown": lambda p, **kw: sample_frames(
            p, images=False, skip_nonref=False, **kw
        ),
    }
    floors: dict[str, Literal["NONREF", "NONKEY"]] = {
        "decode only, non-ref skipped": "NONREF",
        "decode only, key frames": "NONKEY",
    }
    with tempfile.TemporaryDirectory() as tmp:
        common: dict[str, Any] = {
            "seed": 9,
            "seconds": seconds,
            "size": (1280, 720),
            "fps": 30,
            "scene_seconds": 1.2,
        }
        source = synthetic_video(
            Path(tmp) / "source.mp4", preset="veryfast", bitrate=8_000_000, **common
        )
        uploads: dict[str, Path] = {}
        for rate in (700_000, 1_500_000, 3_700_000):
            # another encoder's choices, same pictures; key frames at the cuts (x264's default)
            uploads[f"{rate / 1e6:.1f} Mbit/s"] = synthetic_video(
                Path(tmp) / f"up-{rate}.mp4", preset="medium", bitrate=rate, **common
            )
        uploads["3.7 Mbit/s, key frame every 250"] = synthetic_video(
            Path(tmp) / "up-gop250.mp4", preset="medium", bitrate=3_700_000, keyint=250, **common
        )
        print(
            "  key frames dense (<= 2 s apart): "
            + ", ".join(f"{k}: {dense_keyframes(p)}" for k, p in uploads.items())
        )
        bank = hash_frames(sample_frames(source, interval=BANK_INTERVAL, images=False))
        for label, sample in samplers.items():
            cells = []
            for name, path in uploads.items():
                c = time.process_time()
                frames = sample(path)
                video = hash_frames(frames)
                cpu = (time.process_time() - c) * 60 / seconds
                share = compare_videos(video, bank).query_share
                cells.append(f"{name}: {cpu:.2f} s, share {share:.2f} ({len(frames)})")
            print(f"  {label:<46} " + " | ".join(cells))
        for label, skip in floors.items():
            cells = []
            for name, path in uploads.items():
                c = time.process_time()
                _decode_only(path, skip)
                cells.append(f"{name}: {(time.process_time() - c) * 60 / seconds:.2f} s")
            print(f"  {label:<46} " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--baseline-queries", type=int, default=20)
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--store-entries", type=int, default=1_000_000)
    parser.add_argument(
        "--video-file",
        type=Path,
        help="reuse this video (made here if missing) instead of a new one",
    )
    parser.add_argument("--only", choices=["index", "store", "video", "bitrates", "nudenet"])
    parser.add_argument("--bitrate-seconds", type=int, default=20)
    args = parser.parse_args()
    if args.only in (None, "index"):
        bench_index(args.hashes, args.queries, args.baseline_queries)
    if args.only in (None, "store"):
        bench_store(args.store_entries)
    if args.only in (None, "video"):
        bench_video(args.videos, args.video_file)
    if args.only in (None, "bitrates"):
        bench_bitrates(args.bitrate_seconds)
    if args.only in (None, "nudenet"):
        bench_nudenet(args.images)


if __name__ == "__main__":
    main()
