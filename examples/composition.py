"""Validate ``stream.jsonl`` against ``nigran.model.Content`` and print what it is made of.

The counts come from the label sidecar (``stream.labels.tsv``: the intent each item was written
with) and, for the lexicon columns, from running the project's own lexicon detector over the
stream, so they change when the term banks do. Prints Markdown tables; prints no item text.

    .venv/bin/python examples/composition.py
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from build_stream import OFFENDERS

from nigran.detect.text.lexicon import LexiconDetector
from nigran.model import Content

HERE = Path(__file__).resolve().parent
LANG_NAMES = {
    "ur": "Urdu (Nastaliq)",
    "ur-Latn": "Roman Urdu",
    "en": "English",
    "pnb": "Punjabi (Shahmukhi)",
    "mix": "Code-mixed Urdu/English",
    "ps": "Pashto",
    "sd": "Sindhi",
}


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    print(f"\n**{title}**\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


def main() -> None:
    lines = (HERE / "stream.jsonl").read_text(encoding="utf-8").splitlines()
    items = []
    for n, line in enumerate(lines, start=1):
        try:
            items.append(Content.model_validate(json.loads(line)))
        except ValueError as exc:  # pydantic's ValidationError and json's errors are ValueErrors
            raise SystemExit(f"stream.jsonl line {n}: {exc}") from exc
    with (HERE / "stream.labels.tsv").open(encoding="utf-8") as f:
        labels = list(csv.DictReader(f, delimiter="\t"))
    if len(labels) != len(items):
        raise SystemExit(f"{len(items)} stream lines but {len(labels)} label rows")
    for item, lab in zip(items, labels, strict=True):
        if (item.id, item.version) != (lab["id"], int(lab["version"])):
            raise SystemExit(f"label row {lab['line']} names {lab['id']}, stream has {item.key}")

    firsts = [lab for lab in labels if lab["copy"] == ""]
    times = sorted(i.created_at for i in items if i.created_at)
    offenders = {handle for handle, _ in OFFENDERS}
    offenders_seen = {i.author for i in items} & offenders
    by_offenders = sum(
        1
        for i, lab in zip(items, labels, strict=True)
        if lab["copy"] == "" and lab["intent"] == "violating" and i.author in offenders
    )
    ranked = sorted(zip(items, labels, strict=True), key=lambda p: -p[0].reach.views_per_hour)
    top = [lab["category"] or "benign" for _, lab in ranked[:5]]
    facts = [
        ("lines (all valid `Content`)", len(items)),
        ("distinct items (ids)", len({i.id for i in items})),
        ("distinct `id@version`", len({i.key for i in items})),
        ("second versions (edited items)", sum(1 for lab in labels if lab["copy"] == "edit")),
        ("exact duplicate lines", sum(1 for lab in labels if lab["copy"] == "duplicate")),
        ("benign near-misses", sum(1 for lab in firsts if lab["near_miss"] == "yes")),
        ("distinct authors", len({i.author for i in items})),
        (
            f"violating items by the {len(offenders_seen)} offender accounts",
            f"{by_offenders} of {sum(1 for lab in firsts if lab['intent'] == 'violating')}",
        ),
        ("lines with the most views per hour: intent of the top 5", ", ".join(top)),
        ("created_at", f"{times[0]:%Y-%m-%d %H:%M} to {times[-1]:%Y-%m-%d %H:%M} UTC"),
    ]
    table("The stream", ["", ""], [[k, v] for k, v in facts])
    print("\nThe tables below count each item once (its first version) unless they say otherwise.")

    by_lang = Counter((lab["lang"], lab["intent"]) for lab in firsts)
    rows = []
    for code, name in LANG_NAMES.items():
        b, v = by_lang[(code, "benign")], by_lang[(code, "violating")]
        rows.append([name, b, v, b + v, f"{(b + v) / len(firsts):.0%}"])
    nb = sum(r[1] for r in rows)  # type: ignore[misc]
    nv = sum(r[2] for r in rows)  # type: ignore[misc]
    rows.append(["**all**", nb, nv, nb + nv, "100%"])
    table("By language and intent", ["language", "benign", "violating", "all", "share"], rows)

    cats = Counter(lab["category"] for lab in firsts if lab["intent"] == "violating")
    table(
        "Violating items by category",
        ["category", "items"],
        [[c, k] for c, k in cats.most_common()],
    )

    kinds = Counter(lab["kind"] for lab in firsts)
    table("By kind", ["kind", "items"], [[k, n] for k, n in kinds.most_common()])

    countries = Counter(i.upload_country for i in items)
    table(
        "By upload country (all lines)",
        ["country", "lines"],
        [[c, n] for c, n in countries.most_common()],
    )

    detector = LexiconDetector.from_default_banks()
    hit = [bool(s) for s in detector.detect(items)]
    groups: dict[str, list[bool]] = {
        "violating": [],
        "benign near-miss": [],
        "benign, other": [],
    }
    for lab, h in zip(labels, hit, strict=True):
        if lab["copy"] == "duplicate":
            continue
        if lab["intent"] == "violating":
            groups["violating"].append(h)
        elif lab["near_miss"] == "yes":
            groups["benign near-miss"].append(h)
        else:
            groups["benign, other"].append(h)
    table(
        f"Items (first and second versions) with at least one lexicon signal ({detector.version})",
        ["group", "items", "with a lexicon signal", "without"],
        [[g, len(hs), sum(hs), len(hs) - sum(hs)] for g, hs in groups.items()],
    )


if __name__ == "__main__":
    main()
