"""Throughput of ``nigran moderate``'s pipeline: embedded SQLite vs PostgreSQL.

Prints items/s for, side by side in one process:
- detect + decide only (no store): the ceiling the store is measured against;
- the full pipeline (store, ledger, enforcement) on a fresh SQLite file;
- the same on PostgreSQL (``NIGRAN_BENCH_PG``, default the local server; skipped if absent).

Usage: .venv/bin/python -m bench.pipeline [--items 20000] [--batch 256]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from nigran.model import Content
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store

REPO = Path(__file__).resolve().parent.parent
PG = os.environ.get("NIGRAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def corpus(n: int) -> list[Content]:
    """``n`` items cycling through the sample stream's texts, each with a fresh id and a unique
    tag appended to its first text, so no cache anywhere sees the same text twice."""
    path = REPO / "examples" / "stream.jsonl"
    bodies = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    out = []
    for i in range(n):
        b = dict(bodies[i % len(bodies)])
        b["id"] = f"bench-{i}"
        b["version"] = 1
        texts = dict(b["texts"])
        first = next(iter(texts))
        texts[first] = f"{texts[first]} #{i}"
        b["texts"] = texts
        out.append(Content.model_validate(b))
    return out


def run(pipe: Pipeline, items: list[Content], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), batch):
        result = pipe.run(items[i : i + batch])
        assert not result.errors, result.errors[:1]
    return len(items) / (time.perf_counter() - start)


def analyse_only(pipe: Pipeline, items: list[Content], batch: int) -> float:
    from nigran.model import utcnow

    start = time.perf_counter()
    for i in range(0, len(items), batch):
        pipe.analyse(items[i : i + batch], utcnow())
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    items = corpus(args.items)
    rows: list[tuple[str, str]] = []

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        pipe = Pipeline(store)
        pipe.run(corpus(10))  # warm-up: banks loaded, schema ready
        rows.append(("detect + decide, no store", f"{analyse_only(pipe, items, args.batch):,.0f}"))
        store = Store.open(f"sqlite:///{tmp}/bench2.sqlite3")
        rows.append(
            ("full pipeline, SQLite (embedded)", f"{run(Pipeline(store), items, args.batch):,.0f}")
        )

    name = f"nigran_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        rows.append(("full pipeline, PostgreSQL", f"not measured: {exc.__class__.__name__}"))
    else:
        try:
            store = Store.open(f"{PG}/{name}")
            rows.append(
                ("full pipeline, PostgreSQL", f"{run(Pipeline(store), items, args.batch):,.0f}")
            )
            store.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    print(f"nigran moderate throughput: {args.items:,} items, batches of {args.batch}, 1 process")
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value:>12} items/s")


if __name__ == "__main__":
    main()
