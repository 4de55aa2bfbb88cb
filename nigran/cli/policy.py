"""``nigran policy``: read packs and taxonomy, lint them, explain a decision, diff two versions.

Each command is a few lines over :mod:`nigran.policy`; what it prints is what the library returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from nigran.cli import app as root_app
from nigran.errors import NigranError
from nigran.model import Content, Signal, utcnow
from nigran.policy import PolicyContext, ruleset
from nigran.policy import engine as eng
from nigran.policy import packs as pk
from nigran.policy.deadlines import order_deadline
from nigran.policy.durations import parse_instant
from nigran.policy.shadow import REPLAY_LIMITS, DiffReport, shadow_diff
from nigran.policy.taxonomy import taxonomy
from nigran.policy.visibility import VisibilityIndex
from nigran.store.history import stored_history

app = typer.Typer(
    help="Policy: taxonomy, jurisdiction packs, rules, versions.", no_args_is_help=True
)
root_app.add_typer(app, name="policy")
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False)


def _fail(exc: NigranError) -> typer.Exit:
    err.print(f"error: {exc}", markup=False)
    return typer.Exit(2)


def _is_rules(path: Path) -> bool:
    if path.parent.name == "rules":
        return True
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    return any(line.startswith("rules:") for line in head.splitlines())


@app.command()
def lint(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Pack or rules YAML files (default: the shipped packs and rules)."),
    ] = None,
) -> None:
    """Validate packs (schema + cross-references) and rules; print file:line: reason per problem."""
    files = files or []
    rule_files = [f for f in files if _is_rules(f)]
    pack_files = [f for f in files if f not in rule_files]
    shipped = {p.stem: p for p in pk.packs_dir().glob("*.yaml")}
    # A pack given on the command line replaces the shipped one of the same name, so an
    # edited DE.yaml is still checked against the shipped EU.yaml it extends.
    chosen = {**shipped, **{f.stem: f for f in pack_files}}
    packs, issues = pk.lint_files(chosen.values())
    problems = [str(i) for i in issues]
    if not files:
        rule_files = sorted(ruleset.rules_dir().glob("*.yaml"))
    if rule_files:
        if issues:
            problems.append("rules not checked: the packs they refer to are invalid")
        else:
            problems += [str(i) for i in ruleset.lint_rules(rule_files, pk.PackSet(packs))]
    checked = len(chosen) + len(rule_files)
    for p in problems:
        out.print(p)
    # Stale or unverified grounds and terms are warnings: the packs are valid, but a lawyer
    # should look (automated enforcement holds them for legal review meanwhile).
    warnings = pk.stale_terms(packs, utcnow().date()) if not problems else []
    for w in warnings:
        out.print(str(w))
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/] in {checked} file(s)")
        raise typer.Exit(1)
    out.print(
        f"ok: {len(chosen)} pack(s) and {len(rule_files)} rules file(s) valid"
        + (f"; {len(warnings)} warning(s)" if warnings else "")
    )


show_app = typer.Typer(help="Show the taxonomy, packs, rules and versions.", no_args_is_help=True)
app.add_typer(show_app, name="show")


@show_app.command("taxonomy")
def show_taxonomy() -> None:
    """The global categories with severity and DSA mapping."""
    t = Table("code", "name", "sev", "DSA category", "DSA keywords")
    for c in taxonomy().values():
        t.add_row(
            c.code,
            c.name,
            str(c.severity),
            c.dsa_category.removeprefix("STATEMENT_CATEGORY_"),
            ", ".join(k.removeprefix("KEYWORD_") for k in c.dsa_keywords),
        )
    out.print(t)


@show_app.command("packs")
def show_packs() -> None:
    """The packs in force."""
    t = Table(
        "pack", "name", "version", "extends", "territory", "grounds", "order types", "reviewed"
    )
    for p in sorted(pk.default_packs().packs.values(), key=lambda p: p.id):
        terr = ",".join(p.territory) if len(p.territory) < 6 else f"{len(p.territory)} countries"
        t.add_row(
            p.id,
            p.name,
            p.version,
            p.extends or "",
            terr,
            str(len(p.grounds)),
            str(len(p.order_types)),
            str(p.reviewed_at),
        )
    out.print(t)


@show_app.command("pack")
def show_pack(pack_id: Annotated[str, typer.Argument(help="e.g. PK")]) -> None:
    """One pack: grounds and order types, each with its source and verification status."""
    try:
        p = pk.default_packs().pack(pack_id)
    except NigranError as exc:
        raise _fail(exc) from exc
    out.print(
        f"{p.id} {p.name} {p.version}  territory {','.join(p.territory)}  tz {p.tz.key}"
        f"  owner {p.owner}  reviewed {p.reviewed_at}"
        + ("  LEGAL REVIEW REQUIRED BEFORE USE" if p.legal_review_required else "")
    )
    g = Table(
        "ground", "label", "basis", "→ categories", "action", "verification", title="legal grounds"
    )
    for x in p.grounds.values():
        g.add_row(
            x.code,
            x.label,
            x.legal_basis,
            ",".join(x.categories),
            x.action.value,
            str(x.verification),
        )
    out.print(g)
    o = Table(
        "order type",
        "kind",
        "from",
        "term",
        "clock",
        "notice",
        "scope",
        "verification",
        title="order types",
    )
    for o_ in p.order_types.values():
        for t in o_.terms:
            clock = str(t.deadline) if t.deadline else t.standard
            if t.internal_slo:
                clock += f" (SLO {t.internal_slo})"
            if t.working_days:
                clock += " working days"
            o.add_row(
                o_.id + ("" if o_.active else " (inactive)"),
                o_.kind,
                ",".join(o_.from_),
                f"{t.effective_from}..{t.effective_until or ''}",
                clock,
                o_.user_notice.mode,
                o_.scope,
                str(t.verification),
            )
    out.print(o)
    out.print(
        f"appeal window: {p.appeal_window or 'not fixed'}; user notice: {p.user_notice.mode} "
        f"({p.user_notice.basis}); retention: {p.record_keeping.get('retention') or 'not fixed'}"
    )
    out.print("reports: " + ", ".join(f"{r['id']} ({r['cadence']})" for r in p.reporting))


@show_app.command("rules")
def show_rules(
    version: Annotated[str | None, typer.Option(help="Rules version (default: active).")] = None,
) -> None:
    """The rules of one version, in evaluation order."""
    try:
        e = eng.load_engine(version)
    except NigranError as exc:
        raise _fail(exc) from exc
    out.print(f"{e.version} ({e.status}) {e.description}")
    t = Table("rule", "when", "then")
    for r in e.rules:
        when = []
        if r.categories:
            when.append(",".join(sorted(r.categories)))
        if r.thresholds:
            bars = [f"{r.thresholds.default:g}"] + [
                f"{k}:{v:g}" for k, v in r.thresholds.by_lang.items()
            ]
            when.append("≥ " + " ".join(bars))
        if r.sources:
            when.append("source " + ",".join(sorted(r.sources)))
        if r.unless:
            when.append("unless " + ",".join(u.id for u in r.unless))
        if r.context:
            when.append(
                "context "
                + ", ".join(f"{k}={v}" for k, v in _fields(r.context).items() if v is not None)
            )
        then = [
            f"{e_.action.type.value} {e_.action.scope} {e_.action.ground}"
            if e_.action
            else f"{e_.action_type} in {e_.scope_from}"
            for e_ in r.effects
        ]
        if r.review_queue:
            then.append(f"review {r.review_queue} {r.review_deadline or ''}")
        if r.order_queue:
            then.append(f"act on order, queue {r.order_queue}")
        t.add_row(r.id, "; ".join(when), "; ".join(then))
    out.print(t)


def _fields(obj: object) -> dict[str, object]:
    return {k: getattr(obj, k) for k in obj.__slots__}  # type: ignore[attr-defined]


@show_app.command("versions")
def show_versions() -> None:
    """Rules versions shipped and their status."""
    for v in eng.versions():
        e = eng.load_engine(v)
        out.print(f"{v}  {e.status:<9} {e.version}  {e.description}")


@app.command()
def explain(
    item: Annotated[Path, typer.Argument(help="A content item as JSON (the API's shape).")],
    signals: Annotated[
        Path | None, typer.Option(help="Signals as a JSON list (default: run the detectors).")
    ] = None,
    version: Annotated[str | None, typer.Option(help="Rules version (default: active).")] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", "-c", help="Countries to show visibility for.")
    ] = None,
    viewer_age: Annotated[
        int | None, typer.Option(help="Viewer age for the visibility check.")
    ] = None,
    audience_min_age: Annotated[
        int | None, typer.Option(help="Youngest age of the audience.")
    ] = None,
    strikes: Annotated[int, typer.Option(help="Author strikes in force.")] = 0,
) -> None:
    """Why would this item get this decision? Signals → rules that fired → actions → visibility."""
    try:
        content = Content.model_validate(orjson.loads(item.read_bytes()))
        if signals is not None:
            sigs = [Signal.model_validate(s) for s in orjson.loads(signals.read_bytes())]
        else:
            from nigran.detect import default_detectors

            sigs = [s for d in default_detectors() for s in d.detect([content])[0]]
        engine = eng.load_engine(version)
    except NigranError as exc:
        raise _fail(exc) from exc
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/] {item}: {exc}")
        raise typer.Exit(2) from exc
    ctx = PolicyContext(audience_min_age=audience_min_age, author_strikes=strikes)
    d = engine.decide(content, sigs, ctx)
    out.print(
        f"{content.key} upload country {content.upload_country or '?'}; policy {d.policy_version}"
    )
    out.print("signals:")
    for i, s in enumerate(sigs):
        term = f" term {s.evidence.term!r}" if s.evidence.term else ""
        out.print(
            f"  [{i}] {s.source.value}/{s.detector} {s.category} {s.score:.2f}"
            f" lang={s.language}{term}"
        )
    out.print("rules fired:" if d.explanation else "rules fired: none")
    for h in d.explanation:
        out.print(f"  {h.rule}  signals {h.signals}: {h.reason}")
    out.print("decision:")
    for a in d.actions:
        gate = f" min_age {a.min_age}" if a.min_age else ""
        out.print(f"  {a.type.value} in {a.scope} on {a.ground}{gate}")
    if d.review:
        due = f" by {d.review.deadline:%Y-%m-%dT%H:%MZ}" if d.review.deadline else ""
        out.print(
            f"  review: queue {d.review.queue}, {d.review.category},"
            f" severity {d.review.severity}{due}"
        )
    if not d.actions and not d.review:
        out.print("  none")
    if d.statement:
        out.print(f"statement: {d.statement}")
    ix = VisibilityIndex()
    ix.apply_decision(d, "explain")
    shown = (
        [c.upper() for c in country]
        if country
        else sorted(
            {"PK", "IN", "DE", "US"}
            | ({content.upload_country} if content.upload_country else set())
        )
    )
    age = "unknown age" if viewer_age is None else f"age {viewer_age}"
    out.print(
        f"visibility ({age}): "
        + ", ".join(f"{c} {_seen(ix, content.id, c, viewer_age)}" for c in shown)
    )


def _seen(ix: VisibilityIndex, cid: str, country: str, age: int | None) -> str:
    return "visible" if ix.visible(cid, country, age) else ix.state(cid, country)[0].value


@app.command()
def deadline(
    pack_id: Annotated[str, typer.Argument(help="Pack, e.g. IN")],
    order_type: Annotated[str, typer.Argument(help="Order type, e.g. IN.ORDER_3_1_D")],
    received_at: Annotated[
        str, typer.Argument(help="When the order arrived (ISO 8601, with zone)")
    ],
) -> None:
    """When must an order be acted on? Uses the pack term in force on the day it arrived."""
    try:
        p = pk.default_packs().pack(pack_id)
        d = order_deadline(p, order_type, parse_instant(received_at))
    except NigranError as exc:
        raise _fail(exc) from exc
    due = f"{d.due_at.isoformat()}" if d.due_at else "no fixed legal deadline"
    slo = f"; internal SLO {d.slo_at.isoformat()}" if d.slo_at else ""
    out.print(f"{order_type} received {parse_instant(received_at).isoformat()}: due {due}{slo}")
    out.print(
        f"term in force {d.term_from}..{d.term_until or ''} ({d.standard}, basis {d.basis});"
        f" pack {d.pack}@{d.pack_version}"
    )
    out.print(f"verification: {d.verification}")
    if d.required_fields:
        out.print("required order fields: " + ", ".join(d.required_fields))


DbOption = Annotated[
    str | None, typer.Option("--db", envvar="NIGRAN_DATABASE_URL", help="Database URL.")
]


@app.command()
def diff(
    from_version: Annotated[str, typer.Option("--from", help="Current rules version.")],
    to_version: Annotated[str, typer.Option("--to", help="Proposed rules version.")],
    since: Annotated[
        str | None, typer.Option(help="Only content received since (ISO date).")
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(help="Replay a JSONL file of {content, signals} instead of the store."),
    ] = None,
    db: DbOption = None,
    examples: Annotated[int, typer.Option(min=0, max=100)] = 5,
) -> None:
    """Shadow mode: replay stored content through two versions and report what would change."""
    try:
        old, new = eng.load_engine(from_version), eng.load_engine(to_version)
        if history is not None:
            items: Iterable[tuple[Content, list[Signal], PolicyContext]] = _history_file(
                history, parse_instant(since) if since else None
            )
            limits = "replayed from file; context as given there"
        else:
            from nigran.store import Store

            items = stored_history(Store.open(db), parse_instant(since) if since else None)
            limits = REPLAY_LIMITS
        report = shadow_diff(old, new, items, examples=examples, limits=limits)
    except NigranError as exc:
        raise _fail(exc) from exc
    _print_diff(report)


def _history_file(
    path: Path, since: datetime | None
) -> list[tuple[Content, list[Signal], PolicyContext]]:
    from nigran.errors import InvalidInput

    out_items = []
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
                c = Content.model_validate(row["content"])
                sigs = [Signal.model_validate(s) for s in row.get("signals", [])]
                ctx_raw = row.get("context", {})
                now = (
                    parse_instant(ctx_raw["now"])
                    if "now" in ctx_raw
                    else (c.created_at or parse_instant("1970-01-01"))
                )
                ctx = PolicyContext(
                    now=now,
                    author_strikes=int(ctx_raw.get("author_strikes", 0)),
                    viewer_countries=tuple(ctx_raw.get("viewer_countries", ())),
                    audience_min_age=ctx_raw.get("audience_min_age"),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise InvalidInput(f"bad history line: {exc}", where=f"{path}:{n}") from exc
            if since is None or ctx.now >= since:
                out_items.append((c, sigs, ctx))
    return out_items


def _print_diff(r: DiffReport) -> None:
    out.print(
        f"shadow diff {r.from_version} -> {r.to_version}:"
        f" {r.changed} of {r.items} decisions would change"
    )
    if r.limits:
        out.print(f"({r.limits})")
    for title, counter in (
        ("by category", r.by_category),
        ("by country", r.by_country),
        ("by outcome", r.by_transition),
    ):
        if counter:
            out.print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common()))
    for c in r.examples:
        out.print(f"  {c.content_id}@{c.version}: {c.before}  ->  {c.after}")


@app.command()
def withheld(
    country: Annotated[str, typer.Argument(help="ISO country code, e.g. PK")],
    db: DbOption = None,
) -> None:
    """Items a viewer in COUNTRY cannot see (withheld there or removed), from the store."""
    from nigran.enforce import Enforcer
    from nigran.store import Store

    try:
        store = Store.open(db)
    except NigranError as exc:
        raise _fail(exc) from exc
    ix = Enforcer(store).index  # the serving path's index, from the restrictions in force
    ids = ix.withheld_in(country.upper())
    for cid in ids:
        grounds = ", ".join(sorted({r.ground or "?" for r in ix.restrictions(cid)}))
        out.print(f"{cid}  {ix.state(cid, country.upper())[0].value}  {grounds}")
    out.print(f"{len(ids)} item(s) not visible in {country.upper()}")
