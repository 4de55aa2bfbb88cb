"""Core commands: ``moderate``, ``serve``, ``ledger verify``, ``db upgrade``."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nigran.banks.hashes import configured_index_dir
from nigran.cli import app
from nigran.errors import NigranError
from nigran.model import Content
from nigran.runtime.heap import freeze_loaded
from nigran.runtime.jsonl import LineError, read_jsonl
from nigran.runtime.pipeline import Pipeline
from nigran.runtime.summary import OUTCOMES, Summary
from nigran.store import Store

err = Console(stderr=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="NIGRAN_DATABASE_URL", help="Database URL (default: SQLite file)."),
]

ledger_app = typer.Typer(help="The tamper-evident record.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
enforce_app = typer.Typer(help="Visibility of content per country.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(enforce_app, name="enforce")


def open_store(db: str | None) -> Store:
    try:
        return Store.open(db)
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc


def _lines(source: BinaryIO, progress: Progress, task: object) -> object:
    for raw in source:
        progress.advance(task, len(raw))  # type: ignore[arg-type]
        yield raw


@app.command()
def moderate(
    file: Annotated[str, typer.Argument(help="JSONL file of content items, or - for stdin.")],
    out: Annotated[
        str, typer.Option("--out", "-o", help="Where to write one decision per line (- = stdout).")
    ] = "decisions.jsonl",
    db: DbOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 256,
) -> None:
    """Moderate a stream of content: detect, decide, enforce, record; print a summary."""
    store = open_store(db)
    pipeline = Pipeline(store, index_dir=configured_index_dir(store))
    freeze_loaded()
    summary = Summary()
    errors: list[LineError] = []
    console_out = err if out == "-" else Console()

    if file == "-":
        source: BinaryIO = sys.stdin.buffer
        total = None
    else:
        path = Path(file)
        if not path.is_file():
            err.print(f"[red]error:[/] {file}: no such file")
            raise typer.Exit(2)
        source = path.open("rb")
        total = path.stat().st_size

    if out == "-":
        sink: BinaryIO = sys.stdout.buffer
        tmp_path = None
    else:
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".decisions-", dir=target.parent)
        sink = os.fdopen(fd, "wb")
        tmp_path = Path(tmp)

    started = time.perf_counter()
    try:
        with Progress(
            TextColumn("moderating"),
            BarColumn(),
            MofNCompleteColumn() if total is None else TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("moderate", total=total)
            batch: list[tuple[int, Content]] = []

            def flush() -> None:
                result = pipeline.run([c for _, c in batch])
                for outcome in result.outcomes:
                    summary.add(outcome)
                    sink.write(orjson.dumps(outcome.summary()) + b"\n")
                for e in result.errors:
                    errors.append(LineError(batch[e.index][0], e.error))
                batch.clear()

            for number, parsed in read_jsonl(_lines(source, progress, task)):  # type: ignore[arg-type]
                summary.read += 1
                if isinstance(parsed, LineError):
                    errors.append(parsed)
                    continue
                batch.append((number, parsed))
                if len(batch) >= batch_size:
                    flush()
            if batch:
                flush()
        sink.flush()
        if tmp_path is not None:
            sink.close()
            os.replace(tmp_path, out)
    except BaseException:
        if tmp_path is not None:
            sink.close()
            tmp_path.unlink(missing_ok=True)
        raise
    finally:
        if file != "-":
            source.close()

    elapsed = time.perf_counter() - started
    summary.rejected = len(errors)
    for e in sorted(errors, key=lambda e: e.line):
        print(f"rejected {file}:{e}", file=sys.stderr)
    print_summary(console_out, summary, elapsed, out, store)
    if errors:
        raise typer.Exit(1)


def print_summary(console: Console, s: Summary, elapsed: float, out: str, store: Store) -> None:
    by_lang = Table(title="Decisions by language", title_justify="left")
    by_lang.add_column("language")
    by_lang.add_column("items", justify="right")
    for o in OUTCOMES:
        by_lang.add_column(o, justify="right")
    for lang, n in s.languages.most_common():
        by_lang.add_row(lang, str(n), *(str(s.by_language[(lang, o)] or "") for o in OUTCOMES))
    console.print(by_lang)

    by_cat = Table(title="Items flagged by category", title_justify="left")
    by_cat.add_column("category")
    by_cat.add_column("items", justify="right")
    for o in OUTCOMES[:-1]:
        by_cat.add_column(o, justify="right")
    for cat, n in s.categories.most_common():
        by_cat.add_row(cat, str(n), *(str(s.by_category[(cat, o)] or "") for o in OUTCOMES[:-1]))
    console.print(by_cat)

    rate = s.moderated / elapsed if elapsed > 0 else 0.0
    where = store.engine.url.render_as_string(hide_password=True)
    console.print(
        f"{s.read} read · {s.moderated} moderated · {s.duplicates} already stored · "
        f"{s.rejected} rejected · {s.ledger_entries} ledger entries · "
        f"{elapsed:.2f} s ({rate:,.0f} items/s)\n"
        f"decisions: {out} · database: {where}",
        soft_wrap=True,
    )


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: DbOption = None,
    scheduler: Annotated[
        bool, typer.Option(help="Run due legal duties (nigran scheduler) in this process too.")
    ] = True,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from nigran.api import create_app

    store = open_store(db)
    api = create_app(store, index_dir=configured_index_dir(store), scheduler=scheduler)
    freeze_loaded()
    # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from any local peer; the
    # app honours it only from NIGRAN_TRUSTED_PROXIES (see nigran.api.create_app).
    uvicorn.run(api, host=host, port=port, proxy_headers=False)


PublicKeyOption = Annotated[
    str | None,
    typer.Option(
        "--public-key",
        help="The platform's published key (64 hex digits, or a file holding them) to pin; "
        "default: the public half of the signing key file.",
    ),
]


def _trusted_key(given: str | None) -> str | None:
    """The key to pin: the one given, else the platform's own key file; never a row's key."""
    from nigran import checkpoint

    if given is None:
        path = checkpoint.key_path()
        return checkpoint.public_hex(checkpoint.load_key(path)) if path.exists() else None
    text = Path(given).read_text().strip() if Path(given).is_file() else given.strip()
    try:
        if len(bytes.fromhex(text)) != 32:
            raise ValueError("not 32 bytes")
    except ValueError as exc:
        raise NigranError(f"--public-key must be 64 hex digits: {exc}") from exc
    return text.lower()


@app.command("scheduler")
def scheduler_cmd(
    db: DbOption = None,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds between looks when nothing is due.")
    ] = 1.0,
    once: Annotated[
        bool, typer.Option(help="Run what is due now, then exit (for cron or a check).")
    ] = False,
) -> None:
    """Run due legal duties (statements of reasons, order clocks, SLA, expiries), exactly once
    across any number of processes. ``serve`` and ``worker`` run the same loop by default."""
    import signal

    from nigran.schedule import Scheduler

    store = open_store(db)
    s = Scheduler(store, interval=interval)
    if once:
        s.run(until_idle=True)
    else:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: s.stop(timeout=0))
        Console(stderr=True).print(f"scheduler {s.worker}: running due jobs (Ctrl-C stops)")
        s.run()
    Console().print(f"scheduler {s.worker}: {s.ran} job(s) run, {s.failed} failed")


@app.command("status")
def status_cmd(db: DbOption = None) -> None:
    """The clocks for a terminal: due jobs, order clocks per jurisdiction, review queues and
    throughput (the figures of ``GET /metrics``)."""
    from nigran.metrics import snapshot
    from nigran.model import utcnow

    store = open_store(db)
    with store.read() as conn:
        s = snapshot(conn, now=utcnow())
    out = Console()
    t = Table("job kind", "due", "overdue", "scheduled", "failed", title="Due jobs")
    for kind in sorted({k for k, _ in s.jobs}):
        t.add_row(
            kind,
            *(str(s.jobs.get((kind, st), 0)) for st in ("due", "overdue", "scheduled", "failed")),
        )
    out.print(t)
    t = Table(
        "jurisdiction",
        "running",
        "at_risk",
        "breached",
        "stopped",
        "ever breached",
        title="Open orders by clock",
    )
    for jur in sorted({j for j, _ in s.orders} | set(s.orders_breached)):
        t.add_row(
            jur,
            *(
                str(s.orders.get((jur, c), 0))
                for c in ("running", "at_risk", "breached", "stopped")
            ),
            str(s.orders_breached.get(jur, 0)),
        )
    out.print(t)
    t = Table("queue", "depth", "SLA at risk", "SLA breached", title="Review queues")
    for q, (depth, risk, late) in sorted(s.queues.items()):
        t.add_row(q, str(depth), str(risk), str(late))
    out.print(t)
    out.print(
        f"decisions: {s.decisions.get(True, 0)} automated, {s.decisions.get(False, 0)} by people; "
        f"{s.decisions_last_5m} in the last 5 minutes"
    )
    d = s.dsa
    out.print(
        f"DSA statements: {d.get('accepted', 0)} accepted, {d.get('rejected', 0)} rejected "
        f"(invalid, not retried), {d.get('retry_pending', 0)} awaiting a retry, "
        f"{d.get('given_up', 0)} given up (send again with nigran dsa submit)"
    )


@ledger_app.command("verify")
def ledger_verify(
    db: DbOption = None,
    public_key: PublicKeyOption = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            dir_okay=False,
            help="A checkpoint log or export kept outside the database: prove that today's "
            "database extends every checkpoint in it (default: the checkpoint log, if present).",
        ),
    ] = None,
) -> None:
    """Check the hash chain, the signed checkpoints and the published ones against each other."""
    from nigran import audit, checkpoint, checkpoint_log

    store = open_store(db)
    try:
        trusted = _trusted_key(public_key)
        source = checkpoints or checkpoint_log.log_path()
        if checkpoints is not None and not checkpoints.exists():
            raise NigranError("no such file", where=str(checkpoints))
        published = checkpoint_log.read_if_present(source)
    except (NigranError, OSError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    with store.read() as conn:
        found = checkpoint.audit(conn, trusted, published, source=f"checkpoints in {source}")
        n_checkpoints = len(checkpoint.all_checkpoints(conn))
        # The tables the serving path and reports read, against their entries.
        rows = audit.check(conn)
    found.problems.extend(rows)
    found.checked.append(
        "decision, restriction, enforcement and DSA submission rows against their ledger entries"
        + (f": {len(rows)} disagree" if rows else "")
    )
    out = Console(soft_wrap=True)
    if found.ok:
        out.print(
            f"[green]ledger OK[/]: {found.entries} entries, head {found.head_seq}, "
            f"{n_checkpoints} signed checkpoints"
        )
    for problem in found.problems:
        err.print(f"[red]ledger BROKEN[/]: {problem}", soft_wrap=True)
    if not published:
        found.checked.append(
            f"no published checkpoints ({source} is absent): a rewrite of the whole database, "
            "or entries cut off the end, cannot be told from here"
        )
    for line in found.checked:
        (out if found.ok else err).print(f"  checked: {line}")
    if not found.ok:
        raise typer.Exit(1)


@ledger_app.command("checkpoint")
def ledger_checkpoint(db: DbOption = None) -> None:
    """Sign (Ed25519) the Merkle root of every entry so far; append it to the checkpoint log."""
    from nigran import checkpoint, checkpoint_log

    store = open_store(db)
    try:
        key = checkpoint.load_or_create_key()
        p = checkpoint_log.sign_and_publish(store, key)
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    cp = p.checkpoint
    Console().print(
        f"checkpoint {cp.id}: entries 1..{cp.seq}, root {cp.root}, "
        f"signed {cp.ts} by key {cp.key_id}; recorded as entry {p.entry_seq} and in "
        f"{checkpoint_log.log_path()}",
        soft_wrap=True,
    )


@ledger_app.command("checkpoints")
def ledger_checkpoints(
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            dir_okay=False,
            help="Write every checkpoint (JSON lines, with consistency proofs between them) "
            "for a regulator or auditor to keep.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """List the signed checkpoints, or export them to keep outside the database."""
    from nigran import checkpoint, checkpoint_log

    store = open_store(db)
    with store.read() as conn:
        published = checkpoint.published_from_store(conn)
    if export is not None:
        n = checkpoint_log.export(published, export)
        Console().print(f"{n} checkpoints written to {export}", soft_wrap=True)
        return
    table = Table("id", "entries", "root", "signed", "key", "recorded at")
    for p in published:
        cp = p.checkpoint
        table.add_row(
            str(cp.id), f"1..{cp.seq}", cp.root[:16] + "…", cp.ts, cp.key_id, str(p.entry_seq)
        )
    Console().print(table)


@ledger_app.command("proof")
def ledger_proof(
    seq: Annotated[int, typer.Argument(min=1, help="Ledger entry number.")],
    out: Annotated[str, typer.Option("--out", "-o", help="File (- = stdout).")] = "-",
    db: DbOption = None,
) -> None:
    """Write a self-contained inclusion proof for one entry (verifiable offline)."""
    from nigran import checkpoint

    store = open_store(db)
    try:
        with store.read() as conn:
            doc = checkpoint.proof(conn, seq)
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    if out == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(out).write_bytes(data)


@ledger_app.command("verify-proof")
def ledger_verify_proof(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Proof JSON file.")],
    public_key: PublicKeyOption = None,
) -> None:
    """Check a proof offline: no database, only the proof and the published key."""
    from nigran import checkpoint

    try:
        trusted = _trusted_key(public_key)
        doc = orjson.loads(file.read_bytes())
    except (NigranError, orjson.JSONDecodeError) as exc:
        err.print(f"[red]error:[/] {file}: {exc}")
        raise typer.Exit(2) from exc
    if trusted is None:
        err.print(
            "[red]error:[/] no key to trust: give the platform's published key with --public-key"
        )
        raise typer.Exit(2)
    ok, message = checkpoint.verify_proof(doc, trusted)
    if ok:
        Console().print(f"[green]proof OK[/]: {message}", soft_wrap=True)
        return
    err.print(f"[red]proof FAILED[/]: {message}")
    raise typer.Exit(1)


@ledger_app.command("public-key")
def ledger_public_key() -> None:
    """Print the checkpoint signing key's public half (hex) to publish."""
    from nigran import checkpoint

    Console().print(checkpoint.public_hex(checkpoint.load_or_create_key()))


@enforce_app.command("expire")
def enforce_expire(db: DbOption = None) -> None:
    """Lift restrictions whose expiry has passed (each lift is ledgered). Run it periodically."""
    from nigran.enforce import expire_due

    store = open_store(db)
    with store.transaction() as conn:
        lifted = expire_due(conn)
    Console().print(f"{len(lifted)} expired restrictions lifted")


@enforce_app.command("show")
def enforce_show(
    content_id: str,
    all_: Annotated[bool, typer.Option("--all", help="Lifted restrictions too.")] = False,
    db: DbOption = None,
) -> None:
    """The restrictions on CONTENT_ID, each with where it came from and who may lift it (JSON
    lines)."""
    from nigran.model import LIFTABLE_BY
    from nigran.store.queries import restrictions_of

    with open_store(db).read() as conn:
        found = restrictions_of(conn, content_id)
    for r in found:
        if r.lifted_at is not None and not all_:
            continue
        row = r.model_dump(mode="json", exclude_none=True)
        row["liftable_by"] = sorted(lifter.value for lifter in LIFTABLE_BY[r.source])
        typer.echo(orjson.dumps(row).decode())


@enforce_app.command("check")
def enforce_check(
    content_id: str,
    country: Annotated[str | None, typer.Option(help="Viewer's country (ISO alpha-2).")] = None,
    viewer_age: Annotated[int | None, typer.Option(min=0)] = None,
    db: DbOption = None,
) -> None:
    """May a viewer in COUNTRY of VIEWER_AGE see CONTENT_ID?"""
    from nigran.enforce import Enforcer

    answer = Enforcer(open_store(db)).answer(content_id, country, viewer_age)
    Console().print(
        f"{content_id} in {country or 'any country'}: "
        f"{'visible' if answer.visible else 'not visible'} ({answer.visibility.value}"
        + (f", {answer.ground}" if answer.ground else "")
        + (f", {answer.min_age}+" if answer.min_age else "")
        + ")"
    )


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the schema to the latest version."""
    store = open_store(db)
    Console().print(f"schema at revision {store.current_revision()}")
