"""A report as files for machines (one CSV per table, one JSON) and as a terminal summary."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table as RichTable

from nigran.report.build import Report
from nigran.report.figures import Table


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_csv(t: Table, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(t.columns)
        for r in t.rows:
            w.writerow([_cell(r.get(c)) for c in t.columns])


def write_files(report: Report, out: Path) -> list[Path]:
    """``<table>.csv`` for each table and ``report.json`` with all of them; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in report.tables:
        p = out / f"{t.name}.csv"
        write_csv(t, p)
        paths.append(p)
    p = out / "report.json"
    p.write_bytes(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2))
    paths.append(p)
    return paths


SUMMARY = {
    "government_requests": [
        "country",
        "authority",
        "received",
        "items_named",
        "withheld_locally",
        "removed_globally",
        "refused_or_no_action",
        "open",
        "median_hours_to_acknowledge",
        "median_hours_to_act",
        "p90_hours_to_act",
        "share_within_deadline",
        "breaches",
    ],
    "appeals": ["restriction_source", "filed", "upheld", "reversed", "open", "share_reversed"],
    "review_capacity": [
        "language",
        "reviewers",
        "legal_reviewers",
        "active_reviewers",
        "decisions",
    ],
}


SHORT = {
    "items_named": "items",
    "withheld_locally": "withheld",
    "removed_globally": "removed global",
    "refused_or_no_action": "refused",
    "median_hours_to_acknowledge": "ack p50 h",
    "median_hours_to_act": "act p50 h",
    "p90_hours_to_act": "act p90 h",
    "share_within_deadline": "in time",
    "restriction_source": "source",
    "share_reversed": "reversed share",
    "legal_reviewers": "legal",
    "active_reviewers": "decided in period",
}


def _fmt(v: object, column: str = "") -> str:
    if isinstance(v, float) and column.startswith("share"):
        return f"{v:.1%}"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return _cell(v)


def print_summary(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]Transparency report {report.period.label}[/] "
        f"({report.period.start:%Y-%m-%d} to {report.period.end:%Y-%m-%d}, end exclusive)"
    )
    for name, cols in SUMMARY.items():
        t = report.table(name)
        rt = RichTable(title=t.title, title_justify="left")
        for c in cols:
            rt.add_column(SHORT.get(c, c.replace("_", " ")), overflow="fold")
        for r in t.rows:
            rt.add_row(*[_fmt(r.get(c), c) for c in cols])
        console.print(rt)
    mod = report.table("moderation")
    by: dict[tuple[str, str], int] = {}
    for r in mod.rows:
        k = (r["detection"], r["restriction_type"])
        by[k] = by.get(k, 0) + r["restrictions"]
    rt = RichTable(title="Restrictions by detection method and type", title_justify="left")
    for c in ("detection", "type", "restrictions"):
        rt.add_column(c)
    for (d, ty), n in sorted(by.items()):
        rt.add_row(d, ty, str(n))
    console.print(rt)
    if report.ledger_checked:
        if report.ledger_mismatches:
            console.print(
                f"[red]ledger check: {len(report.ledger_mismatches)} table(s) differ "
                f"from the chain[/]"
            )
            for m in report.ledger_mismatches:
                console.print(f"  {m}")
        else:
            n = sum(1 for t in report.tables if t.ledgered)
            console.print(
                f"ledger check: the {n} ledgered tables recomputed from "
                f"{report.ledger_entries} ledger entries agree with the stored records"
            )
