"""The HTTP API: FastAPI, one router per area, errors as ``{"error": {code, message, where}}``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nigran import __version__, metrics
from nigran.banks.hashes import configured_index_dir
from nigran.config import settings
from nigran.enforce import Enforcer
from nigran.errors import NigranError, PayloadTooLarge
from nigran.model import utcnow
from nigran.runtime.pipeline import Pipeline
from nigran.schedule import Scheduler
from nigran.store import Store

log = logging.getLogger("nigran.api")
SYNC_INTERVAL_S = 0.5


def error_body(code: str, message: str, where: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "where": where}}


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise PayloadTooLarge(f"request body is over {self.limit} bytes")
            return message

        try:
            await self.app(scope, limited, send)
        except PayloadTooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            error_body("payload_too_large", f"request body is over {self.limit} bytes"),
            status_code=413,
        )
        await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def create_app(
    store: Store | None = None,
    *,
    max_request_bytes: int | None = None,
    index_dir: Path | None = None,
    scheduler: bool = False,
) -> FastAPI:
    """``index_dir``: where the media match index is saved between starts; by default the
    configured data directory's when the app opens the configured database itself, else none.
    ``scheduler``: run due jobs (``nigran.schedule``) in a background thread while serving."""
    cfg = settings()
    configured = store is None
    store = store or Store.open()
    enforcer = Enforcer(store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Follow enforcement changes made by other processes (workers, the CLI) via the ledger.
        async def follow() -> None:
            while True:
                await asyncio.sleep(SYNC_INTERVAL_S)
                try:
                    await run_in_threadpool(enforcer.sync)
                except Exception:
                    log.exception("enforcement sync failed; retrying")

        task = asyncio.create_task(follow())
        # Legal duties fall due whether or not anyone calls the API (``nigran serve`` turns
        # this on; tests drive the scheduler themselves).
        duties = Scheduler(store).start() if scheduler else None
        try:
            yield
        finally:
            task.cancel()
            if duties is not None:
                await run_in_threadpool(duties.stop)

    app = FastAPI(
        title="Nigran",
        version=__version__,
        description="Trust and safety for Urdu, Roman Urdu, Punjabi, Pashto, Sindhi and English.",
        lifespan=lifespan,
    )
    app.state.store = store
    if index_dir is None and configured:
        index_dir = configured_index_dir(store)
    app.state.pipeline = Pipeline(store, index_dir=index_dir)
    app.state.enforcer = enforcer
    app.state.max_batch_items = cfg.max_batch_items

    @app.exception_handler(NigranError)
    async def _nigran_error(_: Request, exc: NigranError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.where), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return JSONResponse(error_body("invalid_request", problems), status_code=422)

    from nigran.api import content, legal, media, policy, review
    from nigran.console import authority as authority_console
    from nigran.console import routes as console

    for router in (content.router, media.router, policy.router, review.router, legal.router):
        app.include_router(router)
    app.include_router(console.router)
    app.include_router(authority_console.router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, object]:
        with store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__, "database": store.dialect}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus_metrics() -> PlainTextResponse:
        """Due jobs, order clocks, review queues and throughput (Prometheus text format); like
        ``/healthz``, for the operator's network only."""
        return PlainTextResponse(
            metrics.prometheus_text(store, now=utcnow()), media_type=CONTENT_TYPE_LATEST
        )

    @app.middleware("http")
    async def _read_your_writes(request: Request, call_next: Any) -> Any:
        # Any write in this process (content, review decisions, orders, appeals) may change
        # visibility: catch up before answering, so the next read here already sees it. Writes
        # from other processes arrive through the follower within SYNC_INTERVAL_S.
        response = await call_next(request)
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and response.status_code < 400:
            await run_in_threadpool(enforcer.sync)
        return response

    app.add_middleware(BodyLimit, limit=max_request_bytes or cfg.max_request_bytes)
    return app
