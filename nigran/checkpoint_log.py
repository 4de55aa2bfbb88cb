"""Checkpoints kept outside the database: the append-only log and the export.

Whoever can write the database can rewrite the chain, delete or re-sign the checkpoint rows and
move the head: the database alone cannot prove it was not rewritten. So every checkpoint is also
appended to a file (``NIGRAN_CHECKPOINT_LOG``, default ``ledger-checkpoints.jsonl`` in the data
directory; keep it on other storage, or ship it away, for it to outlive the database), and
``nigran ledger checkpoints --export FILE`` writes all of them for a regulator to keep. Both are
JSON lines of :meth:`nigran.checkpoint.Published.record`, each with the consistency proof from
the checkpoint before it; ``nigran ledger verify --checkpoints FILE --public-key KEY`` checks that
today's database extends every one of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nigran import checkpoint
from nigran.checkpoint import Published
from nigran.config import settings
from nigran.errors import InvalidInput
from nigran.store import Store


def log_path() -> Path:
    s = settings()
    return s.checkpoint_log or s.data_dir / "ledger-checkpoints.jsonl"


def _line(p: Published) -> bytes:
    return orjson.dumps(p.record(), option=orjson.OPT_SORT_KEYS) + b"\n"


def append(p: Published, path: Path | None = None) -> Path:
    """Append one checkpoint and flush it to disk (O_APPEND: never rewrites what is there)."""
    path = path or log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, _line(p))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def export(published: Iterable[Published], path: Path) -> int:
    """Write every checkpoint to ``path`` (replacing it); returns how many."""
    lines = [_line(p) for p in published]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(b"".join(lines))
    os.replace(tmp, path)
    return len(lines)


def read(path: Path) -> list[Published]:
    """Parse a checkpoint log or export; a line that is not a checkpoint is an error with its
    line number (a damaged log must not pass as a shorter one)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read checkpoints: {exc}", where=str(path)) from exc
    out = []
    for no, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            rec = orjson.loads(raw)
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
            out.append(Published.from_record(rec))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a checkpoint record: {exc}", where=f"{path}:{no}") from exc
    return out


def read_if_present(path: Path | None = None) -> list[Published]:
    path = path or log_path()
    return read(path) if path.exists() else []


def sign_and_publish(store: Store, key: Ed25519PrivateKey, path: Path | None = None) -> Published:
    """Sign a checkpoint (refused unless the chain still extends every checkpoint in the log),
    commit it with its ledger entry, then append it to the log."""
    path = path or log_path()
    published = read_if_present(path)
    with store.transaction() as conn:
        p = checkpoint.create(conn, key, published=published)
    # After the commit: a log line for a checkpoint that never committed would be a false alarm;
    # a crash here leaves the row unlogged, which `ledger checkpoints --export` still publishes.
    append(p, path)
    return p
