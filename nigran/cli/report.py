"""``nigran report``: the transparency report for a period (tables on the terminal; CSV, JSON and
HTML in ``--out``). A thin wrapper over ``nigran.report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nigran.cli import app as root
from nigran.cli.core import DbOption, open_store
from nigran.errors import NigranError

err = Console(stderr=True)


def _qualitative(path: Path) -> dict[str, str]:
    import yaml

    from nigran.errors import InvalidInput

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: not readable YAML: {exc}", where="qualitative") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput(f"{path}: give indicator: text pairs", where="qualitative")
    return {str(k): v.strip() for k, v in data.items()}


def _recipients(path: Path) -> dict[str, int]:
    import yaml

    from nigran.errors import InvalidInput

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: not readable YAML: {exc}", where="recipients") from exc
    if not isinstance(data, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in data.values()
    ):
        raise InvalidInput(f"{path}: give total / COUNTRY: whole numbers", where="recipients")
    return {str(k): v for k, v in data.items()}


@root.command("report")
def report(
    period: Annotated[str, typer.Option(help="2026, 2026-H2, 2026-Q4 or 2026-12 (UTC).")],
    out: Annotated[
        Path | None, typer.Option(help="Write <table>.csv, report.json and report.html here.")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of the HTML report: en or ur.")] = "en",
    pdf: Annotated[
        bool, typer.Option(help="Also print the HTML to report.pdf with headless Chromium.")
    ] = False,
    check_ledger: Annotated[
        bool, typer.Option(help="Recompute the figures from the ledger chain and compare.")
    ] = True,
    provider: Annotated[
        str, typer.Option(help="Name of the service provider (EU Annex I Part 1).")
    ] = "",
    service: Annotated[
        str, typer.Option(help="Name of the service (the EU templates' Service column).")
    ] = "",
    qualitative: Annotated[
        Path | None,
        typer.Option(help="YAML: the provider's text per EU Part 11 indicator (see docs)."),
    ] = None,
    recipients: Annotated[
        Path | None,
        typer.Option(
            help="YAML: average monthly active recipients, total and per Member State "
            "(EU Part 10; Nigran does not count them)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Transparency report: government requests, EU IR 2024/2835 templates, India's monthly
    report, the PK order log, moderation, appeals and review capacity, from the record."""
    from nigran.report import html, render
    from nigran.report import period as periods
    from nigran.report.build import build

    if language not in ("en", "ur"):
        raise typer.BadParameter("language is en or ur")
    try:
        p = periods.parse(period)
        texts = _qualitative(qualitative) if qualitative is not None else None
        amar = _recipients(recipients) if recipients is not None else None
        with open_store(db).read() as conn:
            rep = build(
                conn,
                p,
                check_ledger=check_ledger,
                provider=provider,
                service=service,
                qualitative=texts,
                recipients=amar,
            )
    except NigranError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    render.print_summary(rep)
    if out is not None:
        paths = render.write_files(rep, out)
        page = out / ("report.html" if language == "en" else f"report.{language}.html")
        page.write_text(html.render(rep, language), encoding="utf-8")
        paths.append(page)
        if pdf:
            from nigran.report.pdf import print_pdf

            paths.append(print_pdf(page, page.with_suffix(".pdf")))
        Console().print(f"wrote {len(paths)} files to {out}")
    if rep.ledger_mismatches:
        raise typer.Exit(1)
