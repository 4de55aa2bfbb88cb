"""``nigran eval --langid``: language ID accuracy per language on held-out text, beside lid.176.

The samples are ``langid_data.held_out`` (public test splits, the seeded Davidson test fifth, our
written test sentences) plus, when the repository's ``examples/stream.jsonl`` is present, the
sample stream's items by their labelled language (written for Nigran, never trained on). lid.176
alone is scored on the same raw text with its top label; it has no Roman Urdu, so that row is 0
by design. The report goes to ``models/LANGID.md``; the README's figures come from it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from nigran.detect.text.langid import LanguageIdentifier, lid176
from nigran.training import datasets as D
from nigran.training import langid_data as LD

CODE_MIXED = "mix"
MIX_LANGUAGES = ("ur-Latn", "en", "ur")
"""A code-mixed item is right in any of the languages it mixes; the flag is what is measured."""


@dataclass
class LangidRow:
    language: str
    source: str
    n: int
    ours: float
    lid176: float
    code_mixed: float
    wrong: list[tuple[str, int]] = field(default_factory=list)
    """Nigran's most frequent wrong answers."""


def report_path() -> Path:
    return Path(str(resources.files("nigran.detect.text") / "models" / "LANGID.md"))


def stream_samples(path: Path | None = None) -> list[LD.Sample]:
    """The sample stream's items (all text fields joined, as the pipeline reads them), grouped
    by the language ``stream.labels.tsv`` gives each; none if the files are absent."""
    path = path or Path(__file__).resolve().parents[2] / "examples" / "stream.jsonl"
    labels = path.with_name("stream.labels.tsv")
    if not path.is_file() or not labels.is_file():
        return []
    with labels.open(encoding="utf-8") as fh:
        header, *rows = [line.rstrip("\n").split("\t") for line in fh]
    col = header.index("lang")
    by_lang: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line, row in zip(fh, rows, strict=True):
            item = json.loads(line)
            by_lang.setdefault(row[col], []).append(" ".join(item["texts"].values()))
    return [
        LD.Sample(texts, lang, "examples/stream.jsonl") for lang, texts in sorted(by_lang.items())
    ]


def _right(sample: LD.Sample, i: int, language: str) -> bool:
    if sample.language == CODE_MIXED:
        return language in MIX_LANGUAGES
    return language == sample.row_language(i)


def evaluate_langid(
    data: Path | None = None,
    ident: LanguageIdentifier | None = None,
    *,
    log: Callable[[str], None] = lambda _: None,
) -> list[LangidRow]:
    root = D.data_dir(data)
    ident = ident or LanguageIdentifier()
    out = []
    for s in LD.held_out(root) + stream_samples():
        res = ident.identify_batch(s.texts)
        ours = [_right(s, i, r.language) for i, r in enumerate(res)]
        lid = [lid176(t, 1) for t in s.texts]
        theirs = [bool(p) and _right(s, i, p[0][0]) for i, p in enumerate(lid)]
        wrong = Counter(r.language for r, ok in zip(res, ours, strict=True) if not ok)
        row = LangidRow(
            s.language,
            s.source,
            len(s),
            sum(ours) / len(s),
            sum(theirs) / len(s),
            sum(r.code_mixed for r in res) / len(s),
            wrong.most_common(3),
        )
        log(f"{row.language:8} {row.source:40} {row.n:6} {row.ours:.4f} (lid.176 {row.lid176:.4f})")
        out.append(row)
    return out


def write_langid_report(
    rows: list[LangidRow], ident: LanguageIdentifier, path: Path | None = None
) -> Path:
    path = path or report_path()
    md = [
        "# Nigran language ID: accuracy on held-out text",
        "",
        f"Identifier `{ident.version}`, written by `nigran eval --langid`. "
        "Every row is text that no part of language ID trained on or was chosen on (see "
        "`nigran/training/langid_data.py`). lid.176 alone: its top label on the same text. "
        "`other`: Latin-script sentences in 14 languages, right when the exact language is named. "
        "`mix`: code-mixed items, right in any language they mix; the flag column is the share "
        "flagged code-mixed (on the other rows it is the false-flag rate). The sample stream and "
        "`written.tsv` were both written by Nigran's authors and the Latin head trained on the "
        "latter's `train` rows: the stream rows are unseen text, not an independent source.",
        "",
        "| language | source | rows | Nigran | lid.176 alone | flagged code-mixed "
        "| Nigran's wrong answers |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        wrong = ", ".join(f"{lang} {n}" for lang, n in r.wrong) or "—"
        md.append(
            f"| {r.language} | {r.source} | {r.n} | {r.ours:.4f} | {r.lid176:.4f} "
            f"| {r.code_mixed:.3f} | {wrong} |"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return path
