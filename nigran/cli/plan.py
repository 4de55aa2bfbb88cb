"""``nigran plan staff``: reviewers per queue and shift, legal desks sized against the packs'
deadlines, and the review budget. A thin wrapper over ``nigran.report.staffing``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nigran.cli import app as root
from nigran.cli.core import DbOption, open_store
from nigran.errors import NigranError

plan_app = typer.Typer(help="Capacity planning from the record.", no_args_is_help=True)
root.add_typer(plan_app, name="plan")
err = Console(stderr=True)


@plan_app.command("staff")
def staff(
    period: Annotated[
        str | None, typer.Option(help="Measure queue arrivals and handling over this period.")
    ] = None,
    rates: Annotated[
        Path | None, typer.Option(help="Queue rates and mix volumes (YAML/JSON) instead.")
    ] = None,
    mix: Annotated[
        list[str] | None, typer.Option(help="Order mixes to size legal desks for (PK, IN).")
    ] = None,
    from_record: Annotated[
        bool,
        typer.Option(
            "--from-record",
            help="Measure every jurisdiction's order mix over --period (orders a month, order "
            "types, office hours, items per order, notices under its law).",
        ),
    ] = False,
    volume: Annotated[
        list[str] | None,
        typer.Option(help="Orders a month for a mix, e.g. IN=300 (repeatable)."),
    ] = None,
    scale: Annotated[float, typer.Option(help="Multiply the mixes' volumes.")] = 1.0,
    seeds: Annotated[int, typer.Option(help="Simulated months per staffing level.")] = 100,
    level: Annotated[float, typer.Option(help="Share picked up within the target.")] = 0.8,
    max_risk: Annotated[
        float, typer.Option(help="Acceptable monthly risk of missing a legal deadline.")
    ] = 0.05,
    budget: Annotated[
        bool, typer.Option(help="Also print the review budget per language queue.")
    ] = False,
    utilisation: Annotated[float, typer.Option(help="Reviewers' busy share (budget).")] = 0.85,
    utc_offset: Annotated[float, typer.Option(help="Local time of the shifts.")] = 5.0,
    db: DbOption = None,
) -> None:
    """Reviewers needed per queue and shift (Erlang C / A), legal desks per order mix
    (simulation, 95% intervals), and with --budget the review budget."""
    from nigran.report import period as periods
    from nigran.report import staffing
    from nigran.report.arrivals import measure_mixes
    from nigran.report.simulate import MIXES, Mix, wilson

    out = Console()
    try:
        loads: list[staffing.QueueLoad] = []
        mixes = dict(MIXES)
        if rates is not None:
            loads, given = staffing.read_rates(rates)
            mixes.update(given)
        measured: dict[str, Mix] = {}
        if from_record and period is None:
            raise typer.BadParameter("--from-record measures over a --period")
        if period is not None:
            p = periods.parse(period)
            with open_store(db).read() as conn:
                loads += staffing.measure(conn, p, utc_offset)
                if from_record:
                    measured = measure_mixes(conn, p)
            if from_record and not measured:
                raise typer.BadParameter(f"no orders were received in {p.label} to measure")
            mixes.update(measured)
        for v in volume or []:
            name, _, n = v.partition("=")
            try:
                per_month = float(n)
            except ValueError:
                raise typer.BadParameter(f"--volume {v!r}: give MIX=ORDERS_A_MONTH") from None
            if name.upper() not in mixes:
                raise typer.BadParameter(f"--volume {v!r}: no mix {name!r}")
            mixes[name.upper()] = dataclasses.replace(
                mixes[name.upper()],
                orders_per_month=per_month,
                source=f"given: {per_month:g} orders a month",
            )
        floor = wilson(0, seeds).high
        if floor > max_risk:
            raise typer.BadParameter(
                f"with {seeds} simulated months the 95% bound on the risk cannot go below "
                f"{floor:.1%}: give more --seeds or a larger --max-risk"
            )
        chosen = [m.upper() for m in (mix or sorted(measured) or ["PK", "IN"])]
        unknown = [m for m in chosen if m not in mixes]
        if unknown:
            raise typer.BadParameter(f"unknown mix {unknown}; known: {sorted(mixes)}")
        plans = [staffing.plan_queue(ld, level) for ld in loads]
        desks = [
            staffing.plan_desk(sub, name, scale=scale, seeds=range(seeds), max_risk=max_risk)
            for m in chosen
            for name, sub in staffing.desks(mixes[m])
        ]
        budgets = staffing.review_budget(plans, utilisation) if budget else []
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc

    if plans:
        t = Table(
            title=f"Review queues: on duty per shift for {level:.0%} picked up within the "
            "target (Erlang C)",
            title_justify="left",
        )
        for c in (
            "queue",
            "lang",
            "shift",
            "per h",
            "handle min",
            "target h",
            "on duty",
            "level at n-1 / n / n+1",
            "abandon (A)",
            "source",
        ):
            t.add_column(c)
        for qp in plans:
            ld = qp.load
            t.add_row(
                ld.queue,
                ld.language or "",
                ld.shift,
                f"{ld.rate_per_h:.2f}",
                f"{ld.handle_h * 60:.1f}",
                f"{ld.target_h:g}",
                str(qp.staff),
                " / ".join(f"{v:.1%}" for v in qp.levels.values()),
                "" if qp.abandon is None else f"{qp.abandon:.1%}",
                ("measured" if ld.handle_measured else "measured*") if ld.measured else "given",
            )
        out.print(t)
        if any(not qp.load.handle_measured for qp in plans):
            out.print(
                "* no case was decided in that queue in the period: its handling time is "
                "the 5-minute default, assumed"
            )
        heads = sum(qp.staff for qp in plans) * 7 * 8 / 40
        out.print(
            f"review queues: {sum(qp.staff for qp in plans)} shift-seats a day, "
            f"about {heads:.1f} people at 40 h a week (before leave and training)"
        )
    for d in desks:
        t = Table(
            title=f"{d.mix.name} {d.desk} desk, {scale:g}x volume "
            f"({d.mix.orders_per_month * scale:.0f} orders a month before the desk split): "
            f"{seeds} simulated months per level, earliest deadline first, 95% intervals",
            title_justify="left",
        )
        for c in (
            "on duty",
            "orders in time",
            "risk of a missed deadline in a month",
            "grievances in time",
            "by order type",
        ):
            t.add_column(c, overflow="fold")
        for r in d.rows:
            t.add_row(
                str(r.servers),
                str(r.in_time),
                str(r.risk_of_miss),
                str(r.complaints_in_time),
                "; ".join(f"{k} {v.mean:.1%}" for k, v in r.by_type.items()),
            )
        out.print(t)
        out.print(f"{d.mix.name} volume: {d.mix.source or 'given in the rates file'}")
        if d.recommended is None:
            out.print(
                f"{d.mix.name} {d.desk}: no staffing up to 40 keeps the risk under {max_risk:.0%}"
            )
        else:
            out.print(
                f"{d.mix.name} {d.desk} desk: {d.recommended} on duty around the clock "
                f"(about {d.recommended * staffing.ROTA:.1f} people at 40 h a week) keeps the "
                f"monthly risk of a missed legal deadline at or under {max_risk:.0%} "
                "(95% upper bound)"
            )
    if budgets:
        t = Table(
            title=f"Review budget at {utilisation:.0%} utilisation: share of automatically "
            "flagged items the planned staff can review",
            title_justify="left",
        )
        for c in (
            "queue",
            "lang",
            "on duty (max)",
            "capacity per h",
            "must take per h",
            "flagged per h",
            "reviewable share",
        ):
            t.add_column(c)
        for b in budgets:
            t.add_row(
                b.queue,
                b.language or "",
                str(b.staff),
                f"{b.capacity_per_h:g}",
                f"{b.other_per_h:g}",
                f"{b.flagged_per_h:g}",
                f"{b.share:.1%}",
            )
        out.print(t)
