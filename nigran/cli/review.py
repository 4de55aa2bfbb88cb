"""Review commands: ``nigran users …``, ``nigran queues``, ``nigran review …``.

Each is a few lines over :mod:`nigran.review`; what they print is what the library returns.
"""

from __future__ import annotations

import random
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nigran.cli import app
from nigran.cli.core import DbOption, open_store
from nigran.errors import NigranError
from nigran.model import utcnow
from nigran.review import auth, cases, qa, queues, sla

out = Console()
err = Console(stderr=True)

users_app = typer.Typer(help="Reviewers, leads, legal staff and admins.", no_args_is_help=True)
review_app = typer.Typer(
    help="Review housekeeping: SLA events, expired claims, QA.", no_args_is_help=True
)
app.add_typer(users_app, name="users")
app.add_typer(review_app, name="review")


def _fail(exc: NigranError) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}")
    return typer.Exit(1)


@users_app.command("add")
def users_add(
    user_id: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="reviewer, lead, legal, authority, admin (repeatable)."),
    ] = ["reviewer"],  # noqa: B006
    queue: Annotated[list[str], typer.Option("--queue", help="Assigned queue (repeatable).")] = [],  # noqa: B006
    language: Annotated[list[str], typer.Option("--language")] = [],  # noqa: B006
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password is prompted for (or read from stdin), never an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = open_store(db)
    unknown = set(queue) - set(queues.config().ids)
    if unknown:
        err.print(f"[red]error:[/] unknown queues {sorted(unknown)}; see `nigran queues`")
        raise typer.Exit(1)
    try:
        u = auth.add_user(
            store,
            user_id,
            password,
            roles=role,
            queues=queue,
            languages=language,
            display_name=name,
        )
    except NigranError as exc:
        raise _fail(exc) from exc
    out.print(
        f"added {u.id} ({', '.join(sorted(u.roles))}); queues: {', '.join(sorted(u.queues)) or '—'}"
    )


@users_app.command("token")
def users_token(
    user_id: str, name: Annotated[str, typer.Option("--name")] = "api", db: DbOption = None
) -> None:
    """Make an API token for a user (printed once; only its hash is stored)."""
    try:
        print(auth.create_token(open_store(db), user_id, name))
    except NigranError as exc:
        raise _fail(exc) from exc


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    t = Table("id", "name", "roles", "queues", "active")
    for u in auth.list_users(open_store(db)):
        t.add_row(
            u.id,
            u.display_name,
            ", ".join(sorted(u.roles)),
            ", ".join(sorted(u.queues)),
            "yes" if u.active else "no",
        )
    out.print(t)


@app.command("queues")
def queues_cmd(db: DbOption = None) -> None:
    """The configured queues with their open cases, oldest age and SLA risk."""
    cfg = queues.config()
    store = open_store(db)
    now = utcnow()
    with store.read() as conn:
        stats = cases.queue_stats(conn, cfg.ids, now)
    t = Table("queue", "name", "open", "claimed", "oldest", "at risk", "breached")
    for q in cfg.queues:
        s = stats[q.id]
        age = f"{(now - s.oldest).total_seconds() / 3600:.1f}h" if s.oldest else "—"
        t.add_row(q.id, q.name, str(s.open), str(s.claimed), age, str(s.at_risk), str(s.breached))
    out.print(t)


@review_app.command("sweep")
def review_sweep(db: DbOption = None) -> None:
    """Return expired claims to their queues and raise SLA at-risk and breach events."""
    store = open_store(db)
    expired = cases.expire_claims(store)
    events = sla.sweep(store)
    out.print(f"{len(expired)} expired claims returned; {len(events)} SLA events raised")
    for e in events:
        out.print(f"  {e['event']} case {e['case_id']} ({e['queue']})")


@review_app.command("sample")
def review_sample(
    rate: Annotated[float, typer.Argument(min=0.0, max=1.0)],
    reviewer: Annotated[str | None, typer.Option("--reviewer")] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    db: DbOption = None,
) -> None:
    """Open blind QA cases for a share of decided cases."""
    opened = qa.sample(open_store(db), rate, rng=random.Random(seed), reviewer=reviewer)
    out.print(f"{len(opened)} QA cases opened")


@review_app.command("qa")
def review_qa(db: DbOption = None) -> None:
    """Agreement (κ per pair, α per queue/language/category), overturn and golden accuracy."""
    with open_store(db).read() as conn:
        r = qa.report(conn)

    def f(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    t = Table("pair", "kappa", "items")
    for p, (k, n) in r.kappa.items():
        t.add_row(" · ".join(p), f(k), str(n))
    out.print(t)
    for dim, vals in r.alpha.items():
        t = Table(dim, "alpha", "units")
        for key, (a, n) in vals.items():
            t.add_row(key, f(a), str(n))
        out.print(t)
    t = Table("reviewer", "overturn rate", "re-reviewed", "golden right", "golden answered")
    for who in sorted(set(r.overturn) | set(r.golden)):
        ov, on = r.overturn.get(who, (None, 0))
        g, gn = r.golden.get(who, (None, 0))
        t.add_row(who, f(ov), str(on), f(g), str(gn))
    out.print(t)
