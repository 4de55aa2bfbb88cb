"""Operating points set by review capacity (issue #20, part 4).

A review queue can look at so many items a day; the staffing plan (``nigran plan staff
--budget``, :func:`nigran.report.staffing.review_budget`) says, per language queue, what share of
the automatically flagged items its planned staff can review. The score at which a category is
sent to review in a language should then flag no more than that: here, per language (and the one
category a file is scored for), the lowest score cut whose flagged share of a traffic sample stays
within the target share of traffic, and what that cut catches on labelled rows.

Targets come either as one share of traffic for every language (``--review-share``), from the
staffing plan's budget table, read as printed (a queue's reviewable share of the flagged items,
times the share of the sample the head flags at its own threshold today, is the share of traffic
its reviewers can take), or from each review queue's ``review_share`` (``queues.yaml``). The cuts
are printed as the policy rules' ``min_score`` per language and, with ``--write-rules``, written
as a new rules version (:func:`rules_with_review_cuts`, ``status: proposed``: shadow-evaluated
with ``nigran policy diff`` before a person marks it active; no live rules file is edited).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from nigran.errors import InvalidInput

if TYPE_CHECKING:
    from nigran.policy.ruleset import Rule

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


def cut_for_share(scores: Array, share: float, ceiling: float = np.inf) -> float:
    """The lowest score cut with at most ``share`` of ``scores`` in ``[cut, ceiling)`` (just
    above the top such score, sending nothing more to review, when one row alone would exceed
    the share). Scores at or above ``ceiling`` are acted on automatically, not reviewed, so they
    do not count against the share; without a ceiling every score at or above the cut does."""
    if not 0 <= share <= 1:
        raise InvalidInput(f"a review share is between 0 and 1, not {share}")
    k = int(np.floor(share * len(scores)))
    desc = np.sort(scores[scores < ceiling])[::-1]
    if len(desc) == 0:
        return float(min(ceiling, 1.0))
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
    """Share of the language's rows sent to review: at or above the cut, below the bar where
    the rules act automatically instead."""
    recall: float
    """Of the labelled harmful rows in this language: at or above the cut, so acted on or sent
    to review (nan if none)."""
    benign_flagged: float
    ceiling: float = np.inf
    """The score from which the rules act automatically (removal) rather than review."""


def operating_points(
    languages: Sequence[str],
    scores: Array,
    y: IntArray,
    targets: Mapping[str, float],
    default: float | None = None,
    ceiling: Callable[[str], float] | None = None,
    review_scores: Array | None = None,
) -> list[OperatingPoint]:
    """Per language of the sample, the cut for its target share of traffic (``default`` for
    languages without one; languages with neither are left out). ``ceiling``: per language, the
    score from which the rules act automatically instead of sending to review
    (:func:`automatic_bar`); those rows do not count against the share. ``review_scores``: per
    row, the highest score below its ceiling of the signals it carries, where a row carries
    several (the rules weigh each signal on its own, so a term hit under the removal bar is sent
    to review even when the classifier's signal on the same item is removed); default
    ``scores``."""
    langs = np.asarray(languages)
    out = []
    for lang in sorted(set(languages)):
        target = targets.get(lang, default)
        if target is None:
            continue
        rows = langs == lang
        s, yy = scores[rows], y[rows]
        top = ceiling(lang) if ceiling is not None else np.inf
        rs = review_scores[rows] if review_scores is not None else s
        cut = cut_for_share(rs, target, top)
        flagged = s >= cut
        harm, ok = yy == 1, yy == 0
        out.append(
            OperatingPoint(
                lang,
                int(rows.sum()),
                target,
                cut,
                float(((rs >= cut) & (rs < top)).mean()),
                float(flagged[harm].mean()) if harm.any() else float("nan"),
                float(flagged[ok].mean()) if ok.any() else float("nan"),
                float(top),
            )
        )
    return out


def review_rules(rules: Iterable[Rule], category: str) -> list[Rule]:
    """The rules that send ``category`` to review whatever the context (not, say, a rule for
    fast-spreading items only) and do nothing else: the bars an operating point sets."""
    return [
        r
        for r in rules
        if r.review_queue is not None
        and not r.effects
        and r.context is None
        and r.thresholds is not None
        and r.categories is not None
        and category in r.categories
    ]


def automatic_bar(rules: Iterable[Rule], category: str) -> Callable[[str], float]:
    """Per language, the score from which ``category``'s review rules give way to an automatic
    action (the rules named in their ``unless``): the top of the review band."""
    found = review_rules(rules, category)
    if not found:
        raise InvalidInput(f"no rule sends {category!r} to review whatever the context")
    stops = [u.thresholds for r in found for u in r.unless if u.thresholds is not None]

    def bar(lang: str) -> float:
        return min((t.for_language(lang) for t in stops), default=float(np.inf))

    return bar


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


def _bar(cut: float) -> float:
    """A cut as a rules bar: rounded up to the 4 decimals signals carry, at most 1 (a cut that
    is a 4-decimal score already stays as it is, whatever its binary representation)."""
    return min(1.0, float(np.ceil(round(cut * 10_000, 6)) / 10_000))


def min_score_yaml(points: Sequence[OperatingPoint], category: str) -> str:
    """The cuts as a rules file's review ``min_score``, as ``--write-rules`` writes them: rounded
    up to the 4 decimals signals carry, so the bar never lets in more than the cut."""
    cuts = ", ".join(f"{p.language}: {_bar(p.cut):.4f}" for p in points)
    return f"{category}.review: min_score: {{{cuts}}}"


MIN_ROWS_FOR_BAR = 50
"""Fewest rows of a language in the sample for its cut to become a rules bar: a cut from a
handful of rows would move the bar for all of that language's traffic on noise."""


@dataclass(frozen=True, slots=True)
class BarChange:
    """One review bar a new rules version moves: rule, language, old bar (as it resolved), new."""

    rule: str
    language: str
    old: float
    new: float


_FLOW_MIN_SCORE = re.compile(r"min_score:\s*\{[^{}]*\}")


def rules_with_review_cuts(
    text: str,
    where: str,
    points: Sequence[OperatingPoint],
    category: str,
    version: str,
    description: str,
) -> tuple[str, list[BarChange]]:
    """A new rules version from ``text`` (a rules file) whose review rules for ``category`` (the
    rules that send it to review whatever the context; not, say, the viral-reach rule) take each
    language's cut as its ``min_score``; other languages keep their bars. ``und-Latn`` (Latin
    script, language not determined: mostly Roman Urdu) follows ``ur-Latn`` when the sample has
    none of its own. The version is ``status: proposed``: it runs in shadow (``nigran policy
    diff``) until a person marks it active. Comments and layout are kept; only the bars change."""
    from nigran.policy.engine import engine_from_text
    from nigran.policy.ruleset import Thresholds
    from nigran.policy.yaml_lines import load_located

    if not points:
        raise InvalidInput(
            f"no review cuts to write (no language had a target share and {MIN_ROWS_FOR_BAR} rows)"
        )
    ids = {r.id for r in review_rules(engine_from_text(text, where).rules, category)}
    loc = load_located(text, where)
    rules = loc.data.get("rules") if isinstance(loc.data, dict) else None
    if not isinstance(rules, list):
        raise InvalidInput("not a rules file (no `rules:` list)", where=where)
    bars = {p.language: _bar(p.cut) for p in points}
    if "ur-Latn" in bars and "und-Latn" not in bars:
        bars["und-Latn"] = bars["ur-Latn"]
    lines = text.splitlines(keepends=True)
    changes: list[BarChange] = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or rule.get("id") not in ids:
            continue
        when = rule["when"]
        old = when.get("min_score")
        lineno = loc.line(("rules", i, "when", "min_score"))
        at = f"{where}:{lineno}"
        if not isinstance(old, dict) or "default" not in old:
            raise InvalidInput(f"rule {rule.get('id')}: no per-language min_score", where=at)
        row = lines[lineno - 1]
        if len(_FLOW_MIN_SCORE.findall(row)) != 1:
            raise InvalidInput(
                f"rule {rule.get('id')}: min_score is not a one-line {{...}} mapping here; "
                "write the bars by hand",
                where=at,
            )
        before = Thresholds({k: float(v) for k, v in old.items() if k != "default"}, old["default"])
        new = {str(k): float(v) for k, v in old.items()} | bars
        for lang, bar in sorted(bars.items()):
            changes.append(BarChange(str(rule.get("id")), lang, before.for_language(lang), bar))
        flow = ", ".join(
            f"{k}: {new[k]:g}" for k in ["default", *sorted(k for k in new if k != "default")]
        )
        found = _FLOW_MIN_SCORE.search(row)
        assert found is not None
        lines[lineno - 1] = f"{row[: found.start()]}min_score: {{{flow}}}{row[found.end() :]}"
    if not changes:
        raise InvalidInput(
            f"no rule sends {category!r} to review whatever the context", where=where
        )
    out = "".join(lines)
    out = _set_top(out, "version", json.dumps(version))
    out = _set_top(out, "status", "proposed")
    out = _set_top(out, "description", json.dumps(description, ensure_ascii=False))
    return out, changes


def _set_top(text: str, key: str, value: str) -> str:
    """``text`` with its top-level ``key:`` line set to ``value`` (added before ``rules:``)."""
    line = f"{key}: {value}"
    out, n = re.subn(rf"^{key}:.*$", lambda _: line, text, count=1, flags=re.M)
    if n:
        return out
    return re.sub(r"^rules:", lambda _: f"{line}\nrules:", out, count=1, flags=re.M)
