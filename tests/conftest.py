"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL server.

PostgreSQL is found at ``NIGRAN_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432``);
the suite creates its own database and drops it at the end. Outside CI a missing server skips
the PostgreSQL half with the reason printed; under ``CI=true`` it is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from nigran.store import Store

PG_BASE = os.environ.get("NIGRAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("NIGRAN_TRAINING_DATA_DIR", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files Nigran keeps in its data directory (the saved media index) go to the test's own
    folder, never the user's."""
    monkeypatch.setenv("NIGRAN_DATA_DIR", str(tmp_path / "nigran-data"))
    # The CLI freezes a moderating process's heap after loading; tests share one process.
    monkeypatch.setenv("NIGRAN_FREEZE_HEAP", "0")


def _admin_url() -> str:
    return f"{PG_BASE}/postgres"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test session; dropped afterwards."""
    name = f"nigran_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_BASE}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}: {exc}")
    try:
        yield f"{PG_BASE}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_pg(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nigran.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_server")
        _reset_pg(url)
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store.open(store_url)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'nigran.sqlite3'}")
    yield s
    s.dispose()


NATS_URL = os.environ.get("NIGRAN_TEST_NATS", "nats://127.0.0.1:4222")


@pytest.fixture(scope="session")
def nats_url() -> str:
    """A real NATS server with JetStream (``./dev test`` starts one if none is running)."""
    import socket
    from urllib.parse import urlparse

    u = urlparse(NATS_URL)
    try:
        socket.create_connection((u.hostname or "127.0.0.1", u.port or 4222), timeout=2).close()
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"NATS is required in CI but not reachable at {NATS_URL}: {exc}")
        pytest.skip(f"NATS not reachable at {NATS_URL}: {exc}")
    return NATS_URL


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI=true a skipped test is a failed test: everything a test needs is installed there
    (by ./dev), so a skip can only mean something is missing that should not be."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, which must not happen: {reason}"
