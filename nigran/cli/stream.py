"""Distributed mode: ``nigran publish`` and ``nigran worker`` over NATS JetStream."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nigran.banks.hashes import configured_index_dir
from nigran.cli import app
from nigran.cli.core import DbOption, err
from nigran.config import settings
from nigran.errors import NigranError
from nigran.runtime.heap import freeze_loaded
from nigran.runtime.pipeline import Pipeline
from nigran.runtime.retry import TRANSIENT, retry
from nigran.runtime.stream import (
    DEFAULT_PREFIX,
    STREAM_TRANSIENT,
    Topology,
    Worker,
    publish_lines,
)
from nigran.store import Store

StreamOption = Annotated[
    str | None,
    typer.Option("--stream-url", envvar="NIGRAN_STREAM_URL", help="NATS URL (default local)."),
]
PrefixOption = Annotated[str, typer.Option(help="Subject prefix (one per deployment).")]


def _url(given: str | None) -> str:
    return given or settings().stream_url or "nats://127.0.0.1:4222"


@app.command()
def publish(
    file: Annotated[str, typer.Argument(help="JSONL file of content items, or - for stdin.")],
    stream_url: StreamOption = None,
    prefix: PrefixOption = DEFAULT_PREFIX,
) -> None:
    """Validate items and publish them to the JetStream work queue for `nigran worker`."""
    if file != "-" and not Path(file).is_file():
        err.print(f"[red]error:[/] {file}: no such file")
        raise typer.Exit(2)
    try:
        if file == "-":
            report = asyncio.run(
                publish_lines(_url(stream_url), sys.stdin.buffer, Topology(prefix))
            )
        else:
            with Path(file).open("rb") as source:
                report = asyncio.run(publish_lines(_url(stream_url), source, Topology(prefix)))
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    for number, reason in report.rejected:
        print(f"rejected {file}:line {number}: {reason}", file=sys.stderr)
    Console().print(
        f"{report.published} published · {report.duplicates} already in the queue · "
        f"{len(report.rejected)} rejected"
    )
    if report.rejected:
        raise typer.Exit(1)


@app.command()
def worker(
    stream_url: StreamOption = None,
    db: DbOption = None,
    prefix: PrefixOption = DEFAULT_PREFIX,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 256,
    idle_exit: Annotated[
        float | None,
        typer.Option(
            help="Exit once this many seconds passed without a message (default: run on)."
        ),
    ] = None,
    startup_timeout: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to keep retrying (with backoff) the database and NATS at start-up.",
        ),
    ] = 120.0,
    ack_wait: Annotated[
        float,
        typer.Option(
            min=1,
            help="Seconds before a message a worker took but did not ack (it died) goes to "
            "another; set when the consumer is first created.",
        ),
    ] = 60.0,
    scheduler: Annotated[
        bool, typer.Option(help="Run due legal duties (nigran scheduler) in this process too.")
    ] = True,
) -> None:
    """Consume the work queue: moderate, store, ack. Run as many as you like, anywhere."""

    from nigran.schedule import Scheduler

    def start() -> Pipeline:
        store = Store.open(db)
        try:
            return Pipeline(store, index_dir=configured_index_dir(store))
        except BaseException:
            store.dispose()
            raise

    try:
        pipe = retry(start, what="the database", deadline_s=startup_timeout)
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except TRANSIENT as exc:
        err.print(f"[red]error:[/] the database is not available: {exc}")
        raise typer.Exit(2) from exc
    duties = Scheduler(pipe.store).start() if scheduler else None
    freeze_loaded()
    w = Worker(pipe, _url(stream_url), Topology(prefix), batch_size=batch_size, ack_wait=ack_wait)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, w.stop)
        await w.run(idle_exit=idle_exit, startup_s=startup_timeout)

    try:
        asyncio.run(main())
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except STREAM_TRANSIENT as exc:
        err.print(f"[red]error:[/] NATS is not available: {exc}")
        raise typer.Exit(2) from exc
    finally:
        if duties is not None:
            duties.stop()
    s = w.stats
    Console().print(
        f"worker done: {s.moderated} moderated · {s.duplicates} already stored · "
        f"{s.rejected} rejected · {s.batches} batches"
    )
