"""``nigran eval --robustness``: the shipped heads on test text disguised the way users dodge
filters, beside the TF-IDF + LR baseline on the same text.

Each official test split is scored twice: as published, and with words disguised by seeded,
per-script obfuscations that ``normalize.py`` claims to undo (elongation, stand-in digits and
symbols, spaced-out letters, Cyrillic look-alikes, invisible characters and odd case in Latin
script; Arabic-keyboard letters, tatweel, vowel marks and invisible characters in Urdu script).
The report gives each model's macro-F1 on both and the share of disguised texts whose
normalised form is exactly the original's. It measures one thing, robustness to these
disguises; it says nothing about text from other sources (see the cross-dataset section of
``nigran eval`` for that).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from nigran.detect.text.classifiers import TextClassifiers
from nigran.detect.text.normalize import normalize_text
from nigran.training import datasets as D

Log = Callable[[str], None]
SEED = 20251129
WORD_RATE = 0.35
"""Share of words disguised: high enough to matter, as in a text written to dodge a filter."""

_VOWELS = "aeiou"
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_HOMOGLYPH = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х"}  # Cyrillic
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")
_URDU_TO_ARABIC = {"ی": "ي", "ک": "ك", "ہ": "ه"}
_TATWEEL = "\u0640"
_MARKS = ("\u064e", "\u0650", "\u064f")  # zabar, zer, pesh


def _elongate(word: str, rnd: random.Random) -> str:
    # A vowel standing alone (not already doubled), repeated: "bohat" -> "bohaaaat".
    spots = [
        i
        for i, c in enumerate(word)
        if c in _VOWELS
        and (i == 0 or word[i - 1] != c)
        and (i + 1 == len(word) or word[i + 1] != c)
    ]
    if not spots:
        return word
    i = rnd.choice(spots)
    return word[:i] + word[i] * rnd.randint(3, 6) + word[i + 1 :]


def _replace_one(word: str, table: dict[str, str], rnd: random.Random) -> str:
    """One letter of ``word`` that ``table`` has, chosen at random, replaced by its entry."""
    spots = [i for i, c in enumerate(word) if c in table]
    if not spots:
        return word
    i = rnd.choice(spots)
    return word[:i] + table[word[i]] + word[i + 1 :]


def _leet(word: str, rnd: random.Random) -> str:
    return word if len(word) < 3 else _replace_one(word, _LEET, rnd)


def _spaced(word: str, rnd: random.Random) -> str:
    if not 3 <= len(word) <= 7:
        return word
    return rnd.choice(" .*-").join(word)


def _homoglyph(word: str, rnd: random.Random) -> str:
    return _replace_one(word, _HOMOGLYPH, rnd)


def _invisible(word: str, rnd: random.Random) -> str:
    if len(word) < 2:
        return word
    i = rnd.randint(1, len(word) - 1)
    return word[:i] + rnd.choice(_INVISIBLE) + word[i:]


def _odd_case(word: str, rnd: random.Random) -> str:
    return "".join(c.upper() if rnd.random() < 0.5 else c for c in word)


def _arabic_keyboard(word: str, rnd: random.Random) -> str:
    return "".join(_URDU_TO_ARABIC.get(c, c) for c in word)


def _tatweel(word: str, rnd: random.Random) -> str:
    if len(word) < 2:
        return word
    i = rnd.randint(1, len(word) - 1)
    return word[:i] + _TATWEEL * rnd.randint(1, 3) + word[i:]


def _vowel_mark(word: str, rnd: random.Random) -> str:
    i = rnd.randint(1, len(word))
    return word[:i] + rnd.choice(_MARKS) + word[i:]


LATIN_DISGUISES: tuple[Callable[[str, random.Random], str], ...] = (
    _elongate,
    _leet,
    _spaced,
    _homoglyph,
    _invisible,
    _odd_case,
)
URDU_DISGUISES: tuple[Callable[[str, random.Random], str], ...] = (
    _arabic_keyboard,
    _tatweel,
    _vowel_mark,
    _invisible,
)


def _is_latin_word(word: str) -> bool:
    return len(word) >= 3 and word.isascii() and word.isalpha()


def _is_urdu_word(word: str) -> bool:
    return len(word) >= 2 and all("\u0621" <= c <= "\u06ff" for c in word)


def disguise(text: str, rnd: random.Random, rate: float = WORD_RATE) -> str:
    """``text`` with about ``rate`` of its words disguised, one obfuscation per word, chosen
    for the word's script. Content words are what people disguise: Latin words shorter than
    three letters, and other tokens (mentions, numbers, punctuation) stay as written."""
    out = []
    for word in text.split(" "):
        if rnd.random() < rate:
            if _is_latin_word(word):
                word = rnd.choice(LATIN_DISGUISES)(word.lower(), rnd)
            elif _is_urdu_word(word):
                word = rnd.choice(URDU_DISGUISES)(word, rnd)
        out.append(word)
    return " ".join(out)


@dataclass(frozen=True, slots=True)
class Robustness:
    dataset: str
    head: str
    rows: int
    restored: float
    """Share of disguised texts whose normalised form equals the original's."""
    joined: int
    """Disguised texts not restored whose normalised form has fewer words than the original's
    (spaced-out letters joined with a one-letter word beside them)."""
    ours_clean: float
    ours_disguised: float
    base_clean: float
    base_disguised: float
    ours_flips: int
    """Test texts whose predicted class the disguise changed."""
    base_flips: int


JOBS: tuple[tuple[str, str, Callable[[Path], D.Dataset]], ...] = (
    ("ruhsold_task1", "ur-Latn/offensive", D.ruhsold_task1),
    ("urdu_threat", "ur/threat", D.urdu_threat),
    ("olid_a", "en/offensive", D.olid),
)


def _macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    return float(f1_score(y, pred, average="macro"))


def robustness_of(
    model: TextClassifiers, name: str, head: str, ds: D.Dataset, log: Log = print
) -> Robustness:
    """One dataset's test split, clean and disguised, through ``head`` and the baseline."""
    from nigran.training.evaluate import baseline_pipeline

    t0 = time.perf_counter()
    tr, te = ds.splits["train"], ds.splits["test"]
    rnd = random.Random(f"{SEED}:{name}")
    disguised = [disguise(t, rnd) for t in te.texts]
    pairs = [
        (normalize_text(a), normalize_text(b)) for a, b in zip(te.texts, disguised, strict=True)
    ]
    same = [a == b for a, b in pairs]
    joined = sum(a != b and len(b.split()) < len(a.split()) for a, b in pairs)
    y = np.asarray(te.labels, dtype=np.int64)
    i = model.head(head)
    threshold = model.heads[i].threshold
    ours = [(model.proba(t)[:, i] >= threshold).astype(np.int64) for t in (te.texts, disguised)]
    base = baseline_pipeline().fit(tr.texts, tr.labels)
    theirs = [base.predict(t) for t in (te.texts, disguised)]
    res = Robustness(
        name,
        head,
        len(y),
        float(np.mean(same)),
        joined,
        _macro_f1(y, ours[0]),
        _macro_f1(y, ours[1]),
        _macro_f1(y, theirs[0]),
        _macro_f1(y, theirs[1]),
        int((ours[0] != ours[1]).sum()),
        int((theirs[0] != theirs[1]).sum()),
    )
    log(
        f"{name}: restored {res.restored:.3f}; Nigran {res.ours_clean:.4f} -> "
        f"{res.ours_disguised:.4f}; baseline {res.base_clean:.4f} -> {res.base_disguised:.4f} "
        f"({time.perf_counter() - t0:.0f}s)"
    )
    return res


def evaluate_robustness(
    model: TextClassifiers, data: Path | None = None, *, log: Log = print
) -> list[Robustness]:
    root = D.data_dir(data)
    return [robustness_of(model, name, head, load(root), log) for name, head, load in JOBS]


def write_robustness_report(
    results: Sequence[Robustness], path: Path, model: TextClassifiers
) -> Path:
    lines = [
        "# Nigran text classifiers: robustness to disguised words",
        "",
        f"Model `{model.version}`, written by `nigran eval --robustness`.",
        "",
        f"Official test splits, scored as published and with about {WORD_RATE:.0%} of words "
        "disguised (seeded; per word one of: elongated vowel, stand-in digit or symbol, "
        "spaced-out letters, a Cyrillic look-alike, an invisible character, odd case; in Urdu "
        "script: Arabic-keyboard letters, tatweel, a vowel mark, an invisible character). "
        "`restored`: share of disguised texts whose normalised form is exactly the original's. "
        "Macro-F1 at each head's shipped threshold; the baseline (char+word TF-IDF, logistic "
        "regression) is trained on the same training split in the same run.",
        "",
        "| dataset | head | rows | restored | Nigran clean | Nigran disguised | change | flips | "
        "baseline clean | baseline disguised | change | flips |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.dataset} | `{r.head}` | {r.rows} | {r.restored:.3f} | {r.ours_clean:.4f} | "
            f"{r.ours_disguised:.4f} | {r.ours_disguised - r.ours_clean:+.4f} | {r.ours_flips} | "
            f"{r.base_clean:.4f} | {r.base_disguised:.4f} | "
            f"{r.base_disguised - r.base_clean:+.4f} | {r.base_flips} |"
        )
    lines += [
        "",
        "Not restored, and why: "
        + "; ".join(
            f"{r.dataset} {round((1 - r.restored) * r.rows)} texts, of which {r.joined} joined a "
            "spaced-out word with a one-letter word beside it"
            for r in results
        )
        + ".",
        "",
        "`flips`: test texts whose predicted class the disguise changed (flips either way can "
        "cancel out in the metric).",
        "",
        "The disguises and their rates are in `nigran/training/robustness.py`.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
