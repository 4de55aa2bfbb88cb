"""Operating points set by review capacity (issue #20, part 4).

A review queue can look at so many items a day; the staffing plan (``nigran plan staff
--budget``, :func:`nigran.report.staffing.review_budget`) says, per language queue, what share of
the automatically flagged items its planned staff can review. The score at which a category is
sent to review in a language should then flag no more than that: here, per language (and the one
category a file is scored for), the lowest score cut whose flagged share of a traffic sample stays
within the target share of traffic, and what that cut catches on labelled rows.

Targets come either as one share of traffic for every language (``--review-share``) or from the
staffing plan's budget table, read as printed: a queue's reviewable share of the flagged items,
times the share of the sample the head flags at its own threshold today, is the share of traffic
its reviewers can take. The cuts are printed as the policy rules' ``min_score`` per language,
for a person to put into a rules version (rules are versioned and shadow-evaluated; nothing here
edits them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from nigran.errors import InvalidInput

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class QueueShare:
    """One queue's row of the review budget."""

    queue: str
    language: str
    share: float
    """Share of the automatically flagged items its planned staff can review (0-1)."""


_SPLIT = re.compile(r"\s*[│|┃]\s*")


def parse_budget(text: str, where: str = "budget") -> list[QueueShare]:
    """Rows of ``nigran plan staff --budget``'s review-budget table as printed (after its
    "Review budget" title: box-drawn or ``|``-separated rows whose first two columns are the
    queue and its language and whose last is the reviewable share as a percentage; a narrow
    terminal may cut the queue's name, never the language), or a JSON list of
    ``{"queue", "language", "share"}`` objects (share 0-1)."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            rows = json.loads(stripped)
            return [
                QueueShare(str(r["queue"]), str(r.get("language") or ""), float(r["share"]))
                for r in rows
            ]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a budget JSON list: {exc}", where=where) from exc
    out: list[QueueShare] = []
    seen_title = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "review budget" in line.lower():
            seen_title = True
            continue
        row = line.strip()
        # Data rows only: rich draws the header with "┃" and the rows with "│".
        if not seen_title or not row.startswith(("│", "|")):
            continue
        cells = [c.strip() for c in _SPLIT.split(row.strip("│|"))]
        if len(cells) < 3 or not cells[-1].endswith("%"):
            if cells and cells[0].lower() in ("queue", ""):
                continue  # a header drawn with "|"
            raise InvalidInput(
                "expected queue, lang, …, reviewable share (a percentage)",
                where=f"{where}:{lineno}",
            )
        try:
            share = float(cells[-1].rstrip("%")) / 100
        except ValueError as exc:
            raise InvalidInput(
                f"reviewable share {cells[-1]!r} is not a percentage", where=f"{where}:{lineno}"
            ) from exc
        out.append(QueueShare(cells[0], cells[1], share))
    if not out:
        raise InvalidInput(
            "no review-budget rows found (the table `nigran plan staff --budget` prints, after "
            "its 'Review budget' title)",
            where=where,
        )
    return out


def read_budget(path: Path) -> list[QueueShare]:
    if not path.is_file():
        raise InvalidInput(f"budget file {path} not found")
    return parse_budget(path.read_text(encoding="utf-8"), str(path))


def cut_for_share(scores: Array, share: float) -> float:
    """The lowest score cut with at most ``share`` of ``scores`` at or above it (just above the
    top score, flagging nothing, when one row alone would exceed the share)."""
    if not 0 <= share <= 1:
        raise InvalidInput(f"a review share is between 0 and 1, not {share}")
    if len(scores) == 0:
        return 1.0
    desc = np.sort(scores)[::-1]
    k = int(np.floor(share * len(desc)))
    if k >= len(desc):
        return float(desc[-1])
    # Flag only scores above the (k+1)-th highest, so ties with it never push past the share.
    above = desc[desc > desc[k]]
    return float(above.min()) if len(above) else float(np.nextafter(desc[k], np.inf))


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    language: str
    rows: int
    target_share: float
    """Share of this language's traffic the reviewers can take."""
    cut: float
    flagged_share: float
    recall: float
    """Of the labelled harmful rows in this language: flagged at the cut (nan if none)."""
    benign_flagged: float


def operating_points(
    languages: Sequence[str],
    scores: Array,
    y: IntArray,
    targets: Mapping[str, float],
    default: float | None = None,
) -> list[OperatingPoint]:
    """Per language of the sample, the cut for its target share of traffic (``default`` for
    languages without one; languages with neither are left out)."""
    langs = np.asarray(languages)
    out = []
    for lang in sorted(set(languages)):
        target = targets.get(lang, default)
        if target is None:
            continue
        rows = langs == lang
        s, yy = scores[rows], y[rows]
        cut = cut_for_share(s, target)
        flagged = s >= cut
        harm, ok = yy == 1, yy == 0
        out.append(
            OperatingPoint(
                lang,
                int(rows.sum()),
                target,
                cut,
                float(flagged.mean()),
                float(flagged[harm].mean()) if harm.any() else float("nan"),
                float(flagged[ok].mean()) if ok.any() else float("nan"),
            )
        )
    return out


def targets_from_budget(
    budget: Sequence[QueueShare], flagged_share: Mapping[str, float], category: str = ""
) -> dict[str, float]:
    """Share of traffic per language the budget allows: the reviewable share of flagged items of
    the language's queue times the share of its traffic flagged today (``flagged_share``). Where
    a language has several queues, the one whose name holds ``category`` (``ur-hate`` for hate),
    else the tightest of them."""
    by: dict[str, list[QueueShare]] = {}
    for q in budget:
        by.setdefault(q.language, []).append(q)
    out: dict[str, float] = {}
    for lang, queues in by.items():
        if lang not in flagged_share:
            continue
        named = [q for q in queues if category and category in q.queue]
        share = min(q.share for q in (named or queues))
        out[lang] = min(1.0, share * flagged_share[lang])
    return out


def min_score_yaml(points: Sequence[OperatingPoint], category: str) -> str:
    """The cuts as a rules file's review ``min_score`` (for a person to put in a new version)."""
    cuts = ", ".join(f"{p.language}: {min(p.cut, 1.0):.3f}" for p in points)
    return f"{category}.review: min_score: {{{cuts}}}"
