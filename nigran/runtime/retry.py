"""Start-up that waits for its services: retry with exponential backoff until a deadline.

A worker started together with its database and NATS (a deploy, a reboot, a failover) sees them
refuse or drop connections for a while; exiting then only hands the retrying to a supervisor, and
without one the worker stays down. So start-up steps are retried, with backoff, until
``deadline_s`` has passed; the last error is raised after that.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("nigran.retry")
T = TypeVar("T")

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 10.0
TRANSIENT: tuple[type[BaseException], ...] = (DBAPIError, OSError, TimeoutError)
"""Errors a service that is starting, restarting or dropping connections gives."""


def delays(deadline_s: float) -> Callable[[], float | None]:
    """Next wait (doubling, with jitter, capped), or None once ``deadline_s`` has passed."""
    start = time.monotonic()
    delay = FIRST_DELAY_S

    def next_delay() -> float | None:
        nonlocal delay
        left = deadline_s - (time.monotonic() - start)
        if left <= 0:
            return None
        wait = min(delay * random.uniform(0.5, 1.0), left)
        delay = min(delay * 2, MAX_DELAY_S)
        return wait

    return next_delay


def retry(
    fn: Callable[[], T],
    *,
    what: str,
    deadline_s: float,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
) -> T:
    next_delay = delays(deadline_s)
    while True:
        try:
            return fn()
        except transient as exc:
            wait = next_delay()
            if wait is None:
                raise
            log.warning("%s not available (%s); retrying in %.1f s", what, exc, wait)
            time.sleep(wait)


async def retry_async(
    fn: Callable[[], Awaitable[T]],
    *,
    what: str,
    deadline_s: float,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
) -> T:
    next_delay = delays(deadline_s)
    while True:
        try:
            return await fn()
        except transient as exc:
            wait = next_delay()
            if wait is None:
                raise
            log.warning("%s not available (%s); retrying in %.1f s", what, exc, wait)
            await asyncio.sleep(wait)
