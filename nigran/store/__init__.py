"""The store: one SQLAlchemy Core engine over SQLite (default) or PostgreSQL.

``Store.open()`` connects and brings the schema up to date with Alembic. Writes go through
``store.transaction()`` (one transaction: all of it lands or none of it does); reads through
``store.read()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event

from nigran.config import settings
from nigran.errors import ConfigError


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        return Path(url[len(prefix) :])
    return None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN, so writes can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # BEGIN IMMEDIATE: a writer takes the write lock before reading the ledger head, so two
        # processes can never both extend the chain from the same head.
        immediate = conn.get_execution_options().get("nigran_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fast: Engine | None = None
        self._fast_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = True, echo: bool = False) -> Store:
        url = url or settings().database_url
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(url, echo=echo, future=True, pool_pre_ping=True)
        except Exception as exc:
            raise ConfigError(f"cannot use database URL {url!r}: {exc}") from exc
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        elif engine.dialect.name != "postgresql":
            raise ConfigError(
                f"unsupported database {engine.dialect.name!r}: use SQLite or PostgreSQL"
            )
        store = cls(engine)
        if upgrade:
            store.upgrade()
        return store

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("nigran.store") / "migrations"))
        cfg.set_main_option("sqlalchemy.url", self.engine.url.render_as_string(hide_password=False))
        return cfg

    def upgrade(self, revision: str = "heads") -> None:
        """Apply migrations up to ``revision`` (idempotent).

        Each area's migrations form their own Alembic branch off the core (``0001_core``), so
        areas evolve their tables independently; ``heads`` applies every branch.
        """
        cfg = self.alembic_config()
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Two processes starting at once must not both create the schema.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7071)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def current_revision(self) -> str | None:
        """The applied revision(s): one per area branch, comma-separated and sorted."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
        return ",".join(sorted(heads)) or None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: commits on success, rolls back everything on any error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(nigran_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def fast_statement(self) -> Iterator[Connection]:
        """A connection for one self-contained statement whose loss in a crash is harmless.

        On PostgreSQL: autocommit, so the statement is its own transaction (one round trip
        instead of BEGIN, statement, COMMIT), and ``synchronous_commit=off``, so the commit does
        not wait for the WAL flush. Use it only for operational state that may be lost in a
        crash without harm (review claims: a lost claim returns the case to its queue); never for
        decisions or the ledger. From a small pool of its own, opened on first use. Elsewhere
        (SQLite): an ordinary write transaction.
        """
        if self.dialect != "postgresql":
            with self.transaction() as conn:
                yield conn
            return
        with self.fast_engine().connect() as conn:
            yield conn

    def fast_engine(self) -> Engine:
        """The engine behind :meth:`fast_statement` on PostgreSQL (created on first use).

        A quarter of the main pool's size: its statements take a fraction of a millisecond, and
        every connection counts against the server's ``max_connections``.
        """
        with self._fast_lock:
            if self._fast is None:
                size = getattr(self.engine.pool, "size", None)
                self._fast = create_engine(
                    self.engine.url,
                    connect_args={"options": "-c synchronous_commit=off"},
                    isolation_level="AUTOCOMMIT",
                    pool_size=max(2, (size() if callable(size) else 8) // 4),
                    max_overflow=2,
                    pool_timeout=60,
                    pool_pre_ping=True,
                )
            return self._fast

    def dispose(self) -> None:
        self.engine.dispose()
        if self._fast is not None:
            self._fast.dispose()
            self._fast = None
