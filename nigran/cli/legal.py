"""Legal commands: ``nigran authorities``, ``keys``, ``orders``, ``reports``, ``appeals``,
``notices``, ``dsa``. Each is a few lines over ``nigran.legal``; output is JSON (or CSV for
order exports) so it can be piped, except short confirmations.

The groups are registered on the root app when this module is imported (as ``core`` does).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from sqlalchemy import Connection

from nigran.cli import app as root
from nigran.cli.core import DbOption, open_store
from nigran.errors import NigranError
from nigran.model import ActionType, utcnow
from nigran.review.auth import User
from nigran.store import Store

authorities_app = typer.Typer(help="Authority accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Role-scoped API keys.", no_args_is_help=True)
orders_app = typer.Typer(help="Authority orders with legal deadlines.", no_args_is_help=True)
reports_app = typer.Typer(help="User reports and trusted flaggers.", no_args_is_help=True)
appeals_app = typer.Typer(help="Appeals against restrictions.", no_args_is_help=True)
notices_app = typer.Typer(help="Statements of reasons.", no_args_is_help=True)
dsa_app = typer.Typer(help="DSA Transparency Database export.", no_args_is_help=True)
for sub, name in (
    (authorities_app, "authorities"),
    (keys_app, "keys"),
    (orders_app, "orders"),
    (reports_app, "reports"),
    (appeals_app, "appeals"),
    (notices_app, "notices"),
    (dsa_app, "dsa"),
):
    root.add_typer(sub, name=name)

err = Console(stderr=True)
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Workflow time, ISO 8601 with zone (default: now)."),
]


def _at(at: str | None) -> datetime:
    if at is None:
        return utcnow()
    try:
        t = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{at!r} is not an ISO 8601 time") from exc
    if t.tzinfo is None:
        raise typer.BadParameter("give a zone, e.g. 2026-02-20T10:00:00Z")
    return t


def _print(value: Any) -> None:
    sys.stdout.write(
        orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n"
    )


def _fail(exc: NigranError) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}")
    return typer.Exit(2)


def _write(db: str | None, act: Callable[[Connection], Any]) -> None:
    """Run ``act`` in one write transaction, then print what it returned as JSON; an error users
    can cause ends the command with its message and nothing written."""
    try:
        with open_store(db).transaction() as conn:
            result = act(conn)
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(result)


def _person(store: Store, name: str, *roles: str) -> User:
    """Who a deciding command acts as: a user that exists, is active and holds one of
    ``roles`` (or admin). Separation of duties compares this user's id, never the typed name."""
    from nigran.review.auth import acting_user

    return acting_user(store, name, *roles)


def _write_as(
    db: str | None, name: str, roles: tuple[str, ...], act: Callable[[Connection, User], Any]
) -> None:
    """``_write`` acting as the named user (checked first: nothing is written for a stranger)."""
    try:
        store = open_store(db)
        person = _person(store, name, *roles)
        with store.transaction() as conn:
            result = act(conn, person)
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(result)


def _read_json(path: str) -> Any:
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"{path}: not JSON: {exc}") from exc


# -- authorities and keys ------------------------------------------------------------------------


@authorities_app.command("add")
def authorities_add(
    id: str,
    name: Annotated[str, typer.Option()],
    jurisdiction: Annotated[str, typer.Option()],
    requester: Annotated[str, typer.Option(help="The pack's requester key, e.g. PTA, IN_GOVT.")],
    db: DbOption = None,
) -> None:
    """Register an authority (one account per authority)."""
    from nigran.legal import authorities

    try:
        with open_store(db).transaction() as conn:
            a = authorities.add_authority(conn, id, name, jurisdiction, requester)
    except NigranError as exc:
        raise _fail(exc) from exc
    Console().print(f"authority {a.id} ({a.name}) for {a.jurisdiction} as {a.requester}")


@keys_app.command("create")
def keys_create(
    principal: str,
    role: Annotated[str, typer.Option(help="authority, legal, platform, flagger or admin")],
    authority: Annotated[str | None, typer.Option(help="For authority keys.")] = None,
    db: DbOption = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from nigran.legal import authorities

    try:
        with open_store(db).transaction() as conn:
            key = authorities.create_key(conn, principal, role, authority_id=authority)
    except NigranError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(key + "\n")


# -- orders --------------------------------------------------------------------------------------


@orders_app.command("receive")
def orders_receive(
    file: Annotated[str, typer.Argument(help="Order JSON (or - for stdin).")],
    authority: Annotated[str, typer.Option()],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Take in an order from an authority; prints the authority's view of it."""
    from pydantic import ValidationError

    from nigran.legal import orders

    try:
        body = orders.OrderIn.model_validate(_read_json(file))
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        with open_store(db).transaction() as conn:
            v = orders.receive(conn, authority, body, now=_at(at))
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(v.authority_view())


@orders_app.command("clarify")
def orders_clarify(
    order_id: str,
    file: str,
    authority: Annotated[str, typer.Option()],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """The authority supplies what was missing."""
    from nigran.legal import orders

    body = orders.Clarification.model_validate(_read_json(file))
    try:
        with open_store(db).transaction() as conn:
            v = orders.clarify(conn, authority, order_id, body, now=_at(at))
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(v.authority_view())


@orders_app.command("decide")
def orders_decide(
    order_id: str,
    reviewer: Annotated[str, typer.Option()],
    outcome: Annotated[str, typer.Option(help="withhold, global or refuse")] = "withhold",
    reasons: str = "",
    item: Annotated[list[str] | None, typer.Option(help="Act on these items only.")] = None,
    tos_category: Annotated[str | None, typer.Option(help="For global removal.")] = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """A legal reviewer's decision on an order (REVIEWER: a user with the legal role)."""
    from nigran.legal import orders

    if outcome not in ("withhold", "global", "refuse"):
        raise typer.BadParameter("outcome is withhold, global or refuse")
    try:
        store = open_store(db)
        person = _person(store, reviewer, "legal")
        with store.transaction() as conn:
            v = orders.decide(
                conn,
                order_id,
                reviewer=person.id,
                outcome=outcome,  # type: ignore[arg-type]
                reasons=reasons,
                items=item,
                tos_category=tos_category,
                now=_at(at),
            )
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(v.full_view())


@orders_app.command("acknowledge")
def orders_acknowledge(
    order_id: str,
    reviewer: Annotated[str, typer.Option(help="A user with the legal role.")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Confirm receipt of an order (the start of its time to acknowledge, once per order)."""
    from nigran.legal import orders

    _write_as(
        db,
        reviewer,
        ("legal",),
        lambda conn, person: orders.acknowledge(
            conn, order_id, by=person.id, now=_at(at)
        ).full_view(),
    )


@orders_app.command("respond")
def orders_respond(
    order_id: str,
    by: Annotated[str, typer.Option()],
    text: str | None = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Tell the authority the effect given to its order."""
    from nigran.legal import orders

    try:
        with open_store(db).transaction() as conn:
            v = orders.respond(conn, order_id, by=by, text=text, now=_at(at))
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(v.authority_view())


@orders_app.command("show")
def orders_show(
    order_id: str,
    authority: Annotated[str | None, typer.Option(help="Show as this authority sees it.")] = None,
    db: DbOption = None,
) -> None:
    """One order with its events (the authority's view with --authority)."""
    from nigran.legal import orders

    try:
        with open_store(db).read() as conn:
            v = orders.get(conn, order_id, authority_id=authority)
    except NigranError as exc:
        raise _fail(exc) from exc
    _print(v.authority_view() if authority else v.full_view())


@orders_app.command("list")
def orders_list(
    authority: str | None = None, status: str | None = None, db: DbOption = None
) -> None:
    """Orders as a table: status, deadline, time to act."""
    from rich.table import Table

    from nigran.legal import orders

    with open_store(db).read() as conn:
        views = orders.list_orders(conn, authority_id=authority, status=status, with_events=False)
    t = Table(
        "id",
        "authority",
        "type",
        "ground",
        "status",
        "clock",
        "received",
        "deadline",
        "acted",
        "in time",
    )
    for v in views:
        t.add_row(
            v.id,
            v.authority,
            v.kind,
            v.legal_ground or "-",
            v.status,
            v.clock,
            f"{v.received_at:%Y-%m-%d %H:%M}",
            f"{v.act_by:%Y-%m-%d %H:%M}" if v.act_by else "stopped",
            f"{v.acted_at:%Y-%m-%d %H:%M}" if v.acted_at else "-",
            {True: "yes", False: "NO", None: "-"}[v.within_deadline()],
        )
    Console(width=160).print(t)


@orders_app.command("export")
def orders_export(
    authority: Annotated[str, typer.Option(help="Only this authority's orders.")],
    format: Annotated[str, typer.Option("--format")] = "csv",
    db: DbOption = None,
) -> None:
    """An authority's orders as CSV or JSON (what its account can download)."""
    from nigran.legal import orders

    with open_store(db).read() as conn:
        views = orders.list_orders(conn, authority_id=authority, limit=1_000_000)
    sys.stdout.write(
        orders.export_csv(views) if format == "csv" else orders.export_json(views) + "\n"
    )


@orders_app.command("escalate")
def orders_escalate(at: AtOption = None, db: DbOption = None) -> None:
    """Check every open order's clock now (the scheduler does this by itself; this catches up
    orders received before it ran): at risk, or breached past the deadline."""
    from nigran.legal import orders

    with open_store(db).transaction() as conn:
        _print({"escalated": orders.escalate_at_risk(conn, now=_at(at))})


# -- reports, appeals, notices -------------------------------------------------------------------


@reports_app.command("submit")
def reports_submit(file: str, at: AtOption = None, db: DbOption = None) -> None:
    """A user's report (JSON with the Art. 16 fields)."""
    from nigran.legal import reports

    body = reports.ReportIn.model_validate(_read_json(file))
    _write(db, lambda conn: reports.submit(conn, body, now=_at(at)))


@reports_app.command("resolve")
def reports_resolve(
    report_id: str,
    reviewer: Annotated[str, typer.Option()],
    founded: Annotated[bool, typer.Option("--founded/--unfounded")],
    action: ActionType | None = None,
    scope: str | None = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Decide a report (REVIEWER: a user with a review role)."""
    from nigran.legal import reports

    _write_as(
        db,
        reviewer,
        ("reviewer", "lead", "legal"),
        lambda conn, person: reports.resolve(
            conn,
            report_id,
            founded=founded,
            reviewer=person.id,
            action=action,
            scope=scope,
            now=_at(at),
        ),
    )


@reports_app.command("contest")
def reports_contest(
    report_id: str,
    by: Annotated[str, typer.Option(help="The notifier (only they may contest).")],
    reasons: Annotated[str, typer.Option()],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """The notifier contests a decision not to act on their report (DSA Art. 20); another
    person decides it with ``reports resolve``."""
    from nigran.legal import reports

    _write(db, lambda conn: reports.contest(conn, report_id, by=by, reasons=reasons, now=_at(at)))


@reports_app.command("trusted-flagger")
def reports_trusted(
    id: str,
    name: Annotated[str, typer.Option()],
    jurisdiction: Annotated[str, typer.Option()],
    awarded_by: Annotated[
        str, typer.Option(help="The authority that awarded the status (e.g. Bundesnetzagentur).")
    ],
    expertise: Annotated[
        str, typer.Option(help="Comma-separated taxonomy categories the status covers.")
    ],
    as_user: Annotated[
        str, typer.Option("--as", help="The legal staff member recording the award.")
    ],
    account: Annotated[
        str | None,
        typer.Option(help="The account that files its notices (default: the id)."),
    ] = None,
    awarded_on: Annotated[
        str | None, typer.Option(help="When the coordinator awarded it (default: now).")
    ] = None,
    issue_key: Annotated[
        bool, typer.Option(help="Print a new 'flagger' API key for the account (once).")
    ] = False,
    priority: float = 1.0,
    db: DbOption = None,
) -> None:
    """Award trusted-flagger status (DSA Art. 22) to an account: its awarding authority, areas of
    expertise and award date. Only notices that account files with its own ``flagger`` key, in
    the jurisdiction and within its areas, count as a trusted flagger's."""
    from nigran.legal import authorities, reports

    areas = [a.strip() for a in expertise.split(",") if a.strip()]

    def act(conn: Connection, person: User) -> dict[str, Any]:
        out = reports.add_trusted_flagger(
            conn,
            id,
            name,
            jurisdiction,
            awarded_by=awarded_by,
            expertise=areas,
            account=account,
            awarded_at=_at(awarded_on) if awarded_on else None,
            recorded_by=person.id,
            priority=priority,
            now=utcnow(),
        )
        if issue_key:  # shown once, stored hashed
            out["api_key"] = authorities.create_key(conn, str(out["account"]), "flagger")
        return out

    _write_as(db, as_user, ("legal",), act)


@reports_app.command("revoke-trusted-flagger")
def reports_revoke_trusted(
    id: str,
    reason: Annotated[str, typer.Option(help="Why (e.g. the coordinator's decision).")],
    as_user: Annotated[
        str, typer.Option("--as", help="The legal staff member recording the revocation.")
    ],
    db: DbOption = None,
) -> None:
    """Revoke an account's trusted-flagger status; its later notices are ordinary notices."""
    from nigran.legal import reports

    _write_as(
        db,
        as_user,
        ("legal",),
        lambda conn, person: reports.revoke_trusted_flagger(
            conn, id, by=person.id, reason=reason, now=utcnow()
        ),
    )


@appeals_app.command("file")
def appeals_file(
    content_id: str,
    appellant: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    restriction: Annotated[
        str | None,
        typer.Option(help="The restriction appealed (needed when several are in force)."),
    ] = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """The author appeals one restriction on their content."""
    from nigran.legal import appeals

    _write(
        db,
        lambda conn: appeals.file(
            conn,
            content_id=content_id,
            appellant=appellant,
            reason=reason,
            restriction_id=restriction,
            now=_at(at),
        ),
    )


@appeals_app.command("decide")
def appeals_decide(
    appeal_id: str,
    reviewer: Annotated[str, typer.Option()],
    outcome: Annotated[str, typer.Option(help="reversed or upheld")],
    reason: Annotated[str, typer.Option()],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """A person who did not take the original decision decides the appeal (REVIEWER: a user
    with a review role; the legal role for restrictions an authority ordered)."""
    from nigran.legal import appeals

    _write_as(
        db,
        reviewer,
        ("reviewer", "lead", "legal"),
        lambda conn, person: appeals.decide(
            conn,
            appeal_id,
            reviewer=person.id,
            reviewer_roles=person.roles,
            outcome=outcome,  # type: ignore[arg-type]
            reason=reason,
            now=_at(at),
        ),
    )


@appeals_app.command("stats")
def appeals_stats(db: DbOption = None) -> None:
    """Overturn rates by ground and automated origin (for QA)."""
    from nigran.legal import appeals

    with open_store(db).read() as conn:
        _print(appeals.overturn_rates(conn))


@notices_app.command("show")
def notices_show(content_id: str, db: DbOption = None) -> None:
    """Notices sent (or withheld by law) about a content item, with their text."""
    from sqlalchemy import select

    from nigran.store.tables_legal import notices

    with open_store(db).read() as conn:
        rows = conn.execute(
            select(notices)
            .where(notices.c.content_id == content_id)
            .order_by(notices.c.created_at, notices.c.id)
        ).all()
    for r in rows:
        flag = f" WITHHELD BY LAW ({r.withheld_citation})" if r.withheld_by_law else ""
        sys.stdout.write(f"--- {r.kind} to {r.recipient} [{r.language}]{flag}\n{r.text}\n")


@notices_app.command("issue")
def notices_issue(db: DbOption = None) -> None:
    """Statements of reasons for restrictive decisions that have none yet."""
    from nigran.legal import notices

    with open_store(db).transaction() as conn:
        ids = notices.issue_pending(conn, now=utcnow())
    Console().print(f"{len(ids)} notices issued")


# -- DSA -----------------------------------------------------------------------------------------


@dsa_app.command("export")
def dsa_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the batch files.")],
    since: str | None = None,
    until: str | None = None,
    batch: Annotated[int, typer.Option(min=1, max=100)] = 100,
    db: DbOption = None,
) -> None:
    """Validated statements of reasons, in files of at most 100; failures field by field."""
    from nigran.legal import dsa

    with open_store(db).read() as conn:
        result = dsa.export(
            conn,
            out,
            since=_at(since) if since else None,
            until=_at(until) if until else None,
            batch=batch,
        )
    for p in result.problems:
        err.print(f"[red]invalid[/] {p}")
    Console().print(
        f"{result.written} statements in {len(result.files)} file(s) under {out}; "
        f"{result.invalid} invalid; {result.skipped_not_eu} decisions outside the EU/EEA"
    )
    if result.invalid:
        raise typer.Exit(1)


@dsa_app.command("submit")
def dsa_submit(
    since: str | None = None,
    until: str | None = None,
    batch: Annotated[int, typer.Option(min=1, max=100)] = 100,
    db: DbOption = None,
) -> None:
    """Send the valid statements to the Transparency Database (NIGRAN_DSA_URL, with the token
    in NIGRAN_DSA_TOKEN); each is recorded, and an accepted one is never sent again."""
    from nigran.config import settings
    from nigran.legal import dsa
    from nigran.legal.dsa_submit import submit

    cfg = settings()
    store = open_store(db)
    with store.read() as conn:
        built = dsa.collect(
            conn, since=_at(since) if since else None, until=_at(until) if until else None
        )
    for p in built.problems:
        err.print(f"[red]invalid, not sent[/] {p}")
    try:
        r = submit(store, built.statements, url=cfg.dsa_url, token=cfg.dsa_token, batch=batch)
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    for puid, msgs in r.problems.items():
        err.print(f"[red]rejected[/] {puid}: {'; '.join(msgs)}")
    sent = r.accepted + r.already_present + r.rejected + r.failed
    Console().print(
        f"{sent} sent in {r.requests} request(s) to {cfg.dsa_url}: {r.accepted} accepted, "
        f"{r.already_present} already present, {r.rejected} rejected, {r.failed} failed; "
        f"{r.skipped_done} already accepted and {r.skipped_unchanged} rejected and unchanged, "
        f"not sent; {built.invalid} invalid"
    )
    if r.retry_at:
        Console().print(
            f"the failed ones are sent again by the scheduler (dsa.submit), first at "
            f"{min(r.retry_at):%Y-%m-%d %H:%M:%S} UTC"
        )
    if r.rejected or r.failed or built.invalid:
        raise typer.Exit(1)


@dsa_app.command("status")
def dsa_status(db: DbOption = None) -> None:
    """Where the statements sent to the Transparency Database stand, and those that need a
    person: rejected as invalid (never retried) or failed with no retry left."""
    from nigran.legal import dsa_submit

    with open_store(db).read() as conn:
        o = dsa_submit.overview(conn)
        bad = dsa_submit.problems(conn)
    Console().print(
        f"{o.accepted} accepted, {o.rejected} rejected (invalid, not retried), "
        f"{o.retry_pending} awaiting a retry, {o.given_up} given up"
    )
    for p in bad:
        answer = p["answer"] or {}
        why = "; ".join(answer.get("errors", [])) if isinstance(answer, dict) else str(answer)
        err.print(
            f"[red]{p['status']}[/] {p['puid']} (attempt {p['attempt']}, "
            f"HTTP {p['http_status'] or 'no answer'}): {why or answer}"
        )
    if bad:
        raise typer.Exit(1)


@dsa_app.command("validate")
def dsa_validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Check a statements file field by field against the submission rules."""
    from nigran.legal import dsa

    try:
        n, problems = dsa.validate_file(file)
    except (orjson.JSONDecodeError, TypeError, KeyError) as exc:
        err.print(f"[red]error:[/] {file}: not a statements file ({exc})")
        raise typer.Exit(2) from exc
    for p in problems:
        err.print(f"[red]invalid[/] {p}")
    Console().print(f"{n} statements, {len(problems)} problems")
    if problems:
        raise typer.Exit(1)
