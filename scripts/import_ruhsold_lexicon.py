"""Turn RUHSOLD's Roman Urdu hate lexicon (MIT) into a Nigran term bank.

Usage: python scripts/import_ruhsold_lexicon.py ../shared/data/ruhsold \
           nigran/detect/text/data/lexicon/ruhsold_roman_urdu.tsv

The source file is a list of words under section headings (``_Offensive/Abusive``, ``_Sexist``,
``_Religious``, ``_Racism``); each section becomes a category and target. Terms shorter than
three letters are left out: on word boundaries they still collide with ordinary words.

The list also holds everyday words ("hai", "tum", "bhi", "chawal"). A term is kept only if, in
the task-1 *training* split (never validation or test), the share of abusive/offensive tweets
containing it is at least ``MIN_RATIO`` times the share of normal tweets containing it, and it
occurs in at least one offensive tweet (a term the labelled data never shows used offensively
cannot be checked, so it waits for reviewers); what is dropped is counted, not printed.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

MIN_RATIO = 3.0
SECTIONS = {
    "offensive/abusive": ("harassment", 2, ""),
    "sexist": ("hate", 3, "gender"),
    "religious": ("hate", 3, "religion"),
    "racism": ("hate", 3, "ethnicity"),
}


def _words(text: str) -> set[str]:
    toks = text.lower().split()
    return set(toks) | {" ".join(toks[i : i + 2]) for i in range(len(toks) - 1)}


def document_rates(train: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Per word (and word pair): the share of offensive and of normal tweets containing it."""
    offensive: Counter[str] = Counter()
    normal: Counter[str] = Counter()
    n_off = n_norm = 0
    for line in train.read_text(encoding="utf-8").splitlines():
        text, _, label = line.rpartition("\t")
        if label.strip() == "0":
            offensive.update(_words(text))
            n_off += 1
        else:
            normal.update(_words(text))
            n_norm += 1
    return (
        {w: c / n_off for w, c in offensive.items()},
        {w: c / n_norm for w, c in normal.items()},
    )


def main(folder: Path, dst: Path) -> None:
    src = folder / "Hate_Words_RomanUrdu_Lower.txt"
    offensive, normal = document_rates(folder / "task_1_train.tsv")
    dropped = 0
    section = None
    seen: set[tuple[str, str]] = set()
    rows = ["term\tcategory\tseverity\tlanguage\ttarget\tnote"]
    for raw in src.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("_"):
            name = line[1:].strip().lower()
            if name in SECTIONS:
                section = SECTIONS[name]
            continue
        if section is None or len(line) < 3 or (line, section[0]) in seen:
            continue
        seen.add((line, section[0]))
        if line not in offensive or offensive[line] < MIN_RATIO * normal.get(line, 0.0):
            dropped += 1
            continue
        category, severity, target = section
        rows.append(f"{line}\t{category}\t{severity}\tur-Latn\t{target}\tRUHSOLD lexicon (MIT)")
    dst.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 1} terms -> {dst}; {dropped} dropped (unseen or not discriminative)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
