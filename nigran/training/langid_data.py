"""Which text trains, tunes and tests language ID: one place, so no test row can train.

Splits (fixed seed; the public sets' official test splits are never trained or tuned on):

- Roman Urdu: RUHSOLD task 1 train (training), validation (choosing), test (held out).
- English: OLID train, a fixed tenth kept aside for choosing; OLID test held out. Davidson has no
  split: 70% training, 10% choosing, 20% held out, by a seeded shuffle.
- ``data/langid/written.tsv`` (sentences written for Nigran): ``train`` rows of Roman Urdu,
  English and 14 other Latin-script languages train the Latin head, a seeded quarter of each
  language kept aside for choosing; ``dev`` rows choose the Arabic-script rule; ``test`` rows are
  held out.
- Urdu (Nastaliq): nothing trains on it; the Urdu/Punjabi rule is chosen on Urdu threat *train*
  and the ``dev`` rows; Urdu threat test and all of Urdu abusive are held out.

The final model is refitted on training plus choosing text; test rows that repeat a training
text word for word are left out of every test.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from nigran.errors import ConfigError
from nigran.training import datasets as D

SEED = 20241129
LATIN_LABELS = ("ur-Latn", "en", "other")
WRITTEN = "written.tsv"


@dataclass(frozen=True, slots=True)
class Sample:
    texts: list[str]
    language: str
    """The language every text is labelled with: ``ur-Latn``, ``en``, ``ur``, ``pnb``… or, for
    the Latin head's third class, the actual code of each row (see ``languages``)."""
    source: str
    languages: tuple[str, ...] = ()
    """Per-row codes where rows differ (other Latin-script languages)."""

    def __len__(self) -> int:
        return len(self.texts)

    def row_language(self, i: int) -> str:
        return self.languages[i] if self.languages else self.language


def shuffled_parts(texts: list[str], fractions: tuple[float, ...], seed: int) -> list[list[str]]:
    """``texts`` shuffled by ``seed`` and cut into parts of the given fractions (the last part
    takes the rounding remainder)."""
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    parts: list[list[str]] = []
    start = 0
    for f in fractions[:-1]:
        n = round(f * len(texts))
        parts.append([texts[i] for i in order[start : start + n]])
        start += n
    parts.append([texts[i] for i in order[start:]])
    return parts


def written_path() -> Path:
    return Path(str(resources.files("nigran.detect.text") / "data" / "langid" / WRITTEN))


def written_rows(split: str) -> list[tuple[str, str]]:
    """``(language, text)`` rows of ``written.tsv`` in ``split`` (train, dev or test)."""
    path = written_path()
    if not path.is_file():
        raise ConfigError(f"{path} is missing from the package")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != ["language", "split", "text"]:
        raise ConfigError("expected header language, split, text", where=str(path))
    return [(lang, text) for lang, s, text in rows[1:] if s == split]


OTHER_LATIN = ("es", "fr", "de", "it", "pt", "nl", "id", "tr", "sw", "tl", "pl", "vi", "ro", "sv")


def _other_latin(split: str) -> tuple[list[str], list[str]]:
    rows = [(lang, t) for lang, t in written_rows(split) if lang in OTHER_LATIN]
    return [t for _, t in rows], [lang for lang, _ in rows]


@dataclass(frozen=True, slots=True)
class LatinData:
    train: dict[str, list[str]]
    """Label (``ur-Latn``, ``en``, ``other``) to training texts from the public datasets."""
    written: dict[str, list[str]]
    """Label to training sentences of ``written.tsv`` (weighted apart: a few hundred sentences
    that teach what tweets do not hold, such as English about Pakistani places and food)."""
    validation: list[Sample]
    sources: dict[str, str]


def _quarter_aside(texts: list[str], langs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Per language, three quarters to fit and a quarter to choose on (seeded); returns
    ``(fit, validation, validation languages)``."""
    fit: list[str] = []
    val: list[str] = []
    val_langs: list[str] = []
    for lang in dict.fromkeys(langs):
        rows = [t for t, code in zip(texts, langs, strict=True) if code == lang]
        a, b = shuffled_parts(rows, (0.75, 0.25), SEED)
        fit += a
        val += b
        val_langs += [lang] * len(b)
    return fit, val, val_langs


def latin_data(root: Path) -> LatinData:
    r1 = D.ruhsold_task1(root).splits
    olid_fit, olid_val = shuffled_parts(D.olid(root).splits["train"].texts, (0.9, 0.1), SEED)
    dv_fit, dv_val, _ = davidson_parts(root)
    other_fit, other_val, other_langs = _quarter_aside(*_other_latin("train"))
    rows = written_rows("train")
    written: dict[str, list[str]] = {"other": other_fit}
    validation = [
        Sample(r1["validation"].texts, "ur-Latn", "ruhsold task1 validation"),
        Sample(olid_val, "en", "olid train (held-aside tenth)"),
        Sample(dv_val, "en", "davidson (validation tenth)"),
    ]
    for lang in ("ur-Latn", "en"):
        texts = [t for code, t in rows if code == lang]
        fit, val, _ = _quarter_aside(texts, [lang] * len(texts))
        written[lang] = fit
        validation.append(Sample(val, lang, "written.tsv train (held-aside quarter)"))
    validation.append(
        Sample(
            other_val,
            "other",
            "written.tsv train, other Latin (held-aside quarter)",
            tuple(other_langs),
        )
    )
    return LatinData(
        train={"ur-Latn": r1["train"].texts, "en": olid_fit + dv_fit, "other": []},
        written=written,
        validation=validation,
        sources={
            "ur-Latn": "ruhsold task1 train + validation; written.tsv ur-Latn train rows",
            "en": "olid train; davidson 80% (seeded); written.tsv en train rows",
            "other": "written.tsv train rows: " + ", ".join(OTHER_LATIN),
        },
    )


def davidson_parts(root: Path) -> tuple[list[str], list[str], list[str]]:
    """Davidson's tweets as (train 70%, validation 10%, test 20%), seeded."""
    a, b, c = shuffled_parts(D.davidson(root).splits["all"].texts, (0.7, 0.1, 0.2), SEED)
    return a, b, c


def arabic_dev(root: Path) -> list[Sample]:
    """Where the Urdu/Punjabi/Persian rule is chosen."""
    out = [Sample(D.urdu_threat(root).splits["train"].texts, "ur", "urdu_threat train")]
    rows = written_rows("dev")
    for lang in ("pnb", "sd", "ps", "fa", "ar"):
        texts = [t for code, t in rows if code == lang]
        out.append(Sample(texts, lang, "written.tsv dev"))
    return out


def held_out(root: Path) -> list[Sample]:
    """Every test set of language ID: text no part of it trained or was chosen on. A few test
    rows repeat a training text word for word (OLID 4, RUHSOLD 5); they are left out."""
    r1 = D.ruhsold_task1(root).splits
    dv_fit, dv_val, dv_test = davidson_parts(root)
    seen = set(
        r1["train"].texts
        + r1["validation"].texts
        + D.olid(root).splits["train"].texts
        + dv_fit
        + dv_val
    )

    def unseen(texts: list[str]) -> list[str]:
        return [t for t in texts if t not in seen]

    out = [
        Sample(unseen(r1["test"].texts), "ur-Latn", "ruhsold task1 test"),
        Sample(unseen(D.olid(root).splits["test"].texts), "en", "olid test"),
        Sample(unseen(dv_test), "en", "davidson (test fifth, seeded)"),
        Sample(D.urdu_threat(root).splits["test"].texts, "ur", "urdu_threat test"),
        Sample(D.urdu_abusive(root).splits["all"].texts, "ur", "urdu_abusive (all)"),
    ]
    return out + written_test()


def written_test() -> list[Sample]:
    rows = written_rows("test")
    out = []
    for lang in ("ur-Latn", "en", "ur", "pnb", "sd", "ps", "fa", "ar", "pa", "hi"):
        texts = [t for code, t in rows if code == lang]
        if texts:
            out.append(Sample(texts, lang, "written.tsv test"))
    other, langs = _other_latin("test")
    out.append(Sample(other, "other", "written.tsv test (14 languages)", tuple(langs)))
    return out
