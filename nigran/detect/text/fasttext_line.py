"""What fastText's C++ predictor reads: one line of words, the way ``Dictionary::getLine`` splits
it. Shared by the serving path (:mod:`nigran.detect.text.classifiers` hands every text to the
predictor through :func:`one_line`) and by training (:mod:`nigran.training.fasttext_format`
ports the featuriser word for word on :func:`tokens`), so both read the same words."""

from __future__ import annotations

import re

EOS = "</s>"
LABEL_PREFIX = "__label__"

# fastText's readWord splits on exactly these; the line ends at the first newline.
_SEPARATORS = " \n\r\t\v\f\0"
_SPLIT = re.compile("[" + re.escape(_SEPARATORS) + "]+")
_TO_SPACE = str.maketrans({c: " " for c in _SEPARATORS})
_NOT_SPACE_SEPARATOR = re.compile("[" + re.escape(_SEPARATORS.replace(" ", "")) + "]")


def one_line(text: str) -> str:
    """What the predictor is given: separators as spaces (a newline would end the line) and
    label-looking tokens defused, ending in the newline that makes fastText add ``</s>``."""
    # Searching first is several times faster than translating every text.
    if _NOT_SPACE_SEPARATOR.search(text):
        text = text.translate(_TO_SPACE)
    if LABEL_PREFIX in text:
        text = text.replace(LABEL_PREFIX, "__label ")
    return text + "\n"


def tokens(text: str) -> list[str]:
    """The words fastText reads from :func:`one_line` (``</s>`` last)."""
    return [t for t in _SPLIT.split(one_line(text)) if t] + [EOS]
