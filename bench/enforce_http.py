"""The visibility endpoint over HTTP, under concurrent load from a second process on loopback.

    python -m bench.enforce_http [--requests 5000] [--concurrency 32]

Moderates the sample stream (examples/stream.jsonl) into a fresh SQLite file, starts
``nigran serve`` on it in one process, and drives ``GET /v1/visibility/{id}?country=..`` (with and
without ``viewer_age``) from this process with an asyncio httpx2 client at the given
concurrency. Prints requests/s and latency percentiles. The in-process figure for the same
question is bench/enforce.py.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import orjson

from nigran.model import Content
from nigran.runtime.pipeline import moderate
from nigran.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drive(base: str, ids: list[str], n: int, concurrency: int) -> list[float]:
    rnd = random.Random(1)
    queries = [
        (rnd.choice(ids), rnd.choice(["PK", "DE", "IN", "US"]), rnd.choice([None, 16, 30]))
        for _ in range(n)
    ]
    lat: list[float] = []
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        it = iter(queries)

        async def worker() -> None:
            for cid, country, age in it:
                params: dict[str, str | int] = {"country": country}
                if age is not None:
                    params["viewer_age"] = age
                t0 = time.perf_counter()
                r = await client.get(f"/v1/visibility/{cid}", params=params)
                lat.append(time.perf_counter() - t0)
                r.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        items = [
            Content.model_validate(orjson.loads(line))
            for line in (ROOT / "examples" / "stream.jsonl").read_bytes().splitlines()
            if line.strip()
        ]
        store = Store.open(url)
        moderate(store, items)
        store.dispose()
        ids = sorted({c.id for c in items})
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "nigran"),
                "serve",
                "--db",
                url,
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx2.HTTPError:
                    time.sleep(0.1)
            else:
                raise SystemExit("server did not start")
            asyncio.run(_drive(base, ids, min(500, args.requests), args.concurrency))  # warm up
            t0 = time.perf_counter()
            lat = asyncio.run(_drive(base, ids, args.requests, args.concurrency))
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=10)
    lat.sort()
    pct = {p: lat[min(len(lat) - 1, int(len(lat) * p / 100))] * 1000 for p in (50, 95, 99)}
    print(
        f"GET /v1/visibility over loopback, {len(ids)} items, {args.requests:,} requests,"
        f" concurrency {args.concurrency}, server: nigran serve (SQLite), client: this process"
    )
    print(
        f"  {args.requests / wall:,.0f} requests/s   p50 {pct[50]:.1f} ms  p95 {pct[95]:.1f} ms"
        f"  p99 {pct[99]:.1f} ms"
    )


if __name__ == "__main__":
    main()
