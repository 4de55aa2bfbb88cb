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

from nigran import __version__, metrics
from nigran.api.guard import RequestGuard, error_body
from nigran.banks.hashes import configured_index_dir
from nigran.config import settings
from nigran.enforce import Enforcer
from nigran.errors import NigranError
from nigran.model import utcnow
from nigran.runtime.pipeline import Pipeline
from nigran.schedule import Scheduler
from nigran.store import Store

log = logging.getLogger("nigran.api")
SYNC_INTERVAL_S = 0.5


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
        # /docs is served by nigran.api.docs from local files (FastAPI's pages load a CDN's).
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
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

    from nigran.api import content, docs, legal, media, policy, review
    from nigran.console import authority as authority_console
    from nigran.console import routes as console

    for router in (content.router, media.router, policy.router, review.router, legal.router):
        app.include_router(router)
    app.include_router(docs.router)
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

    app.add_middleware(RequestGuard, limit=max_request_bytes or cfg.max_request_bytes)
    if cfg.trusted_proxies:
        # The client address (the login throttle's key) comes from X-Forwarded-For only when the
        # connection is from a listed proxy; `nigran serve` turns uvicorn's own handling off.
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(cfg.trusted_proxies))
    return app
