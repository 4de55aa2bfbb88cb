"""Language guess by script: the core's placeholder until the trained identifier lands.

It tells Arabic script from Latin from Gurmukhi from Devanagari and nothing finer: Arabic script
is reported as Urdu (``ur``), Latin as ``und-Latn`` (it cannot tell Roman Urdu from English).
"""

from __future__ import annotations

import unicodedata
from collections import Counter

_SCRIPT_LANG = {
    "ARABIC": "ur",
    "LATIN": "und-Latn",
    "GURMUKHI": "pa",
    "DEVANAGARI": "hi",
}


def dominant_script(text: str) -> str | None:
    counts: Counter[str] = Counter()
    for c in text:
        if c.isalpha():
            try:
                name = unicodedata.name(c)
            except ValueError:
                continue
            counts[name.split(" ", 1)[0]] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def guess_language(text: str) -> str:
    script = dominant_script(text)
    if script is None:
        return "und"
    return _SCRIPT_LANG.get(script, "und")
