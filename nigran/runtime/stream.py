"""The distributed runner: content through NATS JetStream to any number of stateless workers.

- ``publish`` validates items and publishes each to ``<prefix>.content.<kind>`` with the JetStream
  message id ``id@version``, so the server drops a re-published item inside its duplicate window.
- ``Worker`` pulls batches from one durable consumer shared by all workers (each message goes to
  one worker), runs the same :class:`~nigran.runtime.pipeline.Pipeline` as the embedded mode, and
  acks only after the batch's transaction has committed. A worker that dies mid-batch leaves its
  messages unacked; JetStream redelivers them after ``ack_wait`` and the pipeline's idempotency on
  id+version turns the replay into the same decision, never a second one.
- Items the pipeline refuses (a conflicting resubmission) are terminated (never redelivered)
  and reported on ``<prefix>.rejected``; each decision's summary goes to
  ``<prefix>.decisions.<outcome>``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import nats
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StreamConfig
from nats.js.errors import ServiceUnavailableError

from nigran.errors import ConfigError, NigranError
from nigran.model import Content
from nigran.runtime.jsonl import parse_line
from nigran.runtime.pipeline import Pipeline
from nigran.runtime.retry import retry_async

log = logging.getLogger("nigran.stream")


class StreamUnavailable(ConfigError):
    """NATS refused or dropped the connection (a ConfigError once start-up stops retrying)."""


# What a NATS server that is starting or restarting gives a client: retried at start-up.
STREAM_TRANSIENT: tuple[type[BaseException], ...] = (
    StreamUnavailable,
    OSError,
    TimeoutError,
    NatsTimeout,
    nats.errors.ConnectionClosedError,
    nats.errors.NoServersError,
    ServiceUnavailableError,
)

DEFAULT_PREFIX = "nigran"


@dataclass(frozen=True, slots=True)
class Topology:
    """Names derived from one prefix, so several deployments (or tests) share one server."""

    prefix: str = DEFAULT_PREFIX

    @property
    def stream(self) -> str:
        return f"{self.prefix.upper().replace('.', '_')}_CONTENT"

    @property
    def content_subjects(self) -> str:
        return f"{self.prefix}.content.>"

    def content_subject(self, item: Content) -> str:
        return f"{self.prefix}.content.{item.kind.value}"

    @property
    def durable(self) -> str:
        return f"{self.prefix.replace('.', '_')}-workers"

    def decisions_subject(self, outcome: str) -> str:
        return f"{self.prefix}.decisions.{outcome}"

    @property
    def rejected_subject(self) -> str:
        return f"{self.prefix}.rejected"


async def connect(url: str) -> Client:
    try:
        return await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
    except Exception as exc:
        raise StreamUnavailable(f"cannot connect to NATS at {url}: {exc}") from exc


async def ensure_stream(js: JetStreamContext, topo: Topology) -> None:
    """Create the work-queue stream if it is missing (idempotent)."""
    config = StreamConfig(
        name=topo.stream,
        subjects=[topo.content_subjects],
        retention=RetentionPolicy.WORK_QUEUE,
        duplicate_window=2 * 60 * 60,  # seconds: re-publishing within 2 h is dropped by the server
    )
    try:
        await js.stream_info(topo.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(config)


@dataclass(slots=True)
class PublishReport:
    published: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


async def publish_lines(
    url: str, lines: Iterable[bytes], topo: Topology = Topology()
) -> PublishReport:
    """Validate and publish JSONL lines; bad lines are reported by number, not published."""
    nc = await connect(url)
    report = PublishReport()
    try:
        js = nc.jetstream()
        await ensure_stream(js, topo)
        for number, raw in enumerate(lines, start=1):
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            try:
                item = parse_line(raw)
            except NigranError as exc:
                report.rejected.append((number, exc.message))
                continue
            ack = await js.publish(
                topo.content_subject(item),
                orjson.dumps(item.model_dump(mode="json", exclude_none=True)),
                headers={"Nats-Msg-Id": item.key},
            )
            if ack.duplicate:
                report.duplicates += 1
            else:
                report.published += 1
    finally:
        await nc.drain()
    return report


@dataclass(slots=True)
class WorkerStats:
    batches: int = 0
    moderated: int = 0
    duplicates: int = 0
    rejected: int = 0


class Worker:
    def __init__(
        self,
        pipeline: Pipeline,
        url: str,
        topo: Topology = Topology(),
        *,
        batch_size: int = 256,
        fetch_timeout: float = 1.0,
        ack_wait: float = 60.0,
    ) -> None:
        self.pipeline = pipeline
        self.url = url
        self.topo = topo
        self.batch_size = batch_size
        self.fetch_timeout = fetch_timeout
        self.ack_wait = ack_wait
        self.stats = WorkerStats()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(
        self,
        *,
        idle_exit: float | None = None,
        max_items: int | None = None,
        startup_s: float = 0.0,
    ) -> WorkerStats:
        """Consume until stopped, until ``max_items`` were handled, or once ``idle_exit`` seconds
        have passed since the last message (an empty fetch is not activity). Connecting to NATS
        and binding the consumer are retried with backoff for up to ``startup_s`` seconds."""
        nc, sub = await retry_async(
            self._subscribe,
            what=f"NATS at {self.url}",
            deadline_s=startup_s,
            transient=STREAM_TRANSIENT,
        )
        try:
            last_activity = time.monotonic()
            while not self._stop.is_set():
                msgs = await self._fetch(sub)
                if not msgs:
                    if idle_exit is not None and time.monotonic() - last_activity >= idle_exit:
                        break
                    continue
                last_activity = time.monotonic()
                await self._handle(nc, msgs)
                handled = self.stats.moderated + self.stats.duplicates + self.stats.rejected
                if max_items is not None and handled >= max_items:
                    break
            await sub.unsubscribe()
        finally:
            await nc.close()
        return self.stats

    async def _subscribe(self) -> tuple[Client, JetStreamContext.PullSubscription]:
        nc = await connect(self.url)
        try:
            js = nc.jetstream()
            await ensure_stream(js, self.topo)
            sub = await js.pull_subscribe(
                self.topo.content_subjects,
                durable=self.topo.durable,
                stream=self.topo.stream,
                config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=self.ack_wait),
            )
        except BaseException:
            await nc.close()
            raise
        return nc, sub

    async def _fetch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        """The next batch, or [] when none came within ``fetch_timeout``."""
        try:
            return await sub.fetch(self.batch_size, timeout=self.fetch_timeout)
        except (TimeoutError, NatsTimeout):
            return []

    async def _handle(self, nc: Client, msgs: list[Msg]) -> None:
        items: list[Content] = []
        kept: list[Msg] = []
        for msg in msgs:
            try:
                items.append(parse_line(msg.data))
                kept.append(msg)
            except NigranError as exc:
                # Published by something that skipped validation: never redeliver it.
                await self._reject(nc, msg.headers or {}, exc.message)
                await msg.term()
                self.stats.rejected += 1
        if not items:
            return
        # The pipeline blocks on the database: keep the event loop (and acks) responsive.
        try:
            result = await asyncio.to_thread(self.pipeline.run, items)
        except Exception:
            log.exception("batch of %d failed; redelivering later", len(items))
            for msg in kept:
                await msg.nak(delay=5)
            return
        self.stats.batches += 1
        for outcome in result.outcomes:
            msg = kept[outcome.index]
            if outcome.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.moderated += 1
            await nc.publish(
                self.topo.decisions_subject(outcome.decision.outcome),
                orjson.dumps(outcome.summary()),
            )
            await msg.ack()
        for error in result.errors:
            await self._reject(nc, {"key": error.key}, str(error.error))
            await kept[error.index].term()
            self.stats.rejected += 1

    async def _reject(self, nc: Client, headers: dict[str, str], reason: str) -> None:
        log.warning("rejected %s: %s", headers.get("Nats-Msg-Id") or headers.get("key"), reason)
        await nc.publish(
            self.topo.rejected_subject,
            orjson.dumps(
                {"key": headers.get("Nats-Msg-Id") or headers.get("key"), "reason": reason}
            ),
        )
