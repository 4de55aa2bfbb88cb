"""On-screen text: tesseract over images and sampled frames, in Urdu, English, Sindhi, Pashto and
Punjabi (Shahmukhi).

The text read becomes the item's ``on_screen`` field (:func:`with_on_screen_text`), so the text
detectors (lexicon, classifiers) judge it like a caption and their evidence spans point into it.

Tesseract and its language data come from Debian (``scripts/system-packages.txt``):
``tesseract-ocr`` plus ``tesseract-ocr-urd``/``-eng``/``-snd``/``-pus``/``-pan``. It runs as a
subprocess, one image on stdin, one thread (``OMP_THREAD_LIMIT=1``): the pipeline parallelises
across items.

What keeps noise from becoming signals (a textured photo read as a "threat"):

- a line is kept only if it reads like language: its words' mean confidence reaches
  :data:`MIN_LINE_CONFIDENCE` (or :data:`LOW_LINE_CONFIDENCE` with words of
  :data:`LONG_WORDS` letters on average, which texture "words" are not) and at least
  :data:`MIN_WORD_SHARE` of its tokens are words of one script (letters only, Arabic or Latin,
  two letters or more); all kept lines together hold at least :data:`MIN_LETTERS` letters, or
  the picture has no text;
- large pictures are reduced to :data:`MAX_OCR_SIDE` before reading (a 12 MP photo's text is
  then read in about 2 s instead of timing out), and each read has a time limit: a read that
  runs over is "no text", logged and counted (:attr:`OcrEngine.timeouts`), never a stall.

How well Nastaliq is read: ``python -m bench.ocr`` measures character error rates per engine
and font on rendered Urdu sentences (figures in docs/performance.md).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from PIL import Image, ImageOps

from nigran import languages
from nigran.errors import ConfigError
from nigran.model import MAX_TEXT_CHARS, Content, TextField

__all__ = [
    "DEFAULT_LANGUAGES",
    "MAX_OCR_SIDE",
    "MIN_LINE_CONFIDENCE",
    "MIN_WORD_CONFIDENCE",
    "MIN_WORD_SHARE",
    "OcrEngine",
    "OcrText",
    "is_word",
    "text_language",
    "with_on_screen_text",
]

log = logging.getLogger(__name__)

DEFAULT_LANGUAGES = languages.ocr_models(own_family_only=True)
"""The models of the languages with classifier heads of their own (``urd``, ``eng``), Urdu
first: its model also reads Punjabi (Shahmukhi) and much Sindhi/Pashto text; add ``snd``,
``pus``, ``pan`` where those dominate (each language slows tesseract down)."""

APT_PACKAGES = ("tesseract-ocr", *(f"tesseract-ocr-{m}" for m in languages.ocr_models()))
"""Every model the table of languages names (``scripts/system-packages.txt`` installs them)."""

MAX_OCR_SIDE = 2000
"""Longer side pictures are reduced to before reading: captions and signs stay far above the
~20 px letter height tesseract needs, and a 12 MP photo no longer runs into the time limit."""

MIN_LINE_CONFIDENCE = 50.0
"""Mean tesseract confidence (0-100) of a line's words from which the line is kept (if it is
mostly words, :data:`MIN_WORD_SHARE`)."""

LOW_LINE_CONFIDENCE = 35.0
LONG_WORDS = 2.6
"""A less confident line (mean from :data:`LOW_LINE_CONFIDENCE`) is kept if its tokens average
:data:`LONG_WORDS` letters or more. Measured (urd model, 4 textures and 2 photos against 18
Nastaliq renderings): every line tesseract "read" in a texture averaged 2.5 letters a token or
fewer and mostly 26-42 confidence; Nastaliq lines average 2.7-5.8 letters (tesseract merges
words) at 34-69 confidence, 16 of 18 kept."""

MIN_WORD_CONFIDENCE = 10.0
"""Within a kept line, words below this are dropped (tesseract's near-zero guesses)."""

MIN_WORD_SHARE = 0.6
"""Share of a line's tokens that must be words of one script (:func:`is_word`) to keep it."""

MIN_LETTERS = 4
"""Fewer letters than this in all kept words: no text (two stray letters are not a caption)."""

UPSCALE_BELOW = 1000
"""Pictures whose longer side is below this are enlarged, at most 2x, towards it: small frames'
captions get the letter size tesseract needs. Enlarging further hurts: a Nastaliq line made 400 px
high read at CER 0.25, at its own 100 px 0.15 (``bench.ocr``)."""


SHRINK = 0.6
"""Scale of the second read of a picture whose first read held Arabic-script words but nothing
the filter kept (see :meth:`OcrEngine.read_text`)."""

SECOND_LOOK = True
"""Read Arabic-script pictures a second time, reduced to :data:`SHRINK` and enlarged back
(smoothed; :attr:`OcrText.also`). Measured (``bench.ocr --lexicon``, Nastaliq): threats found
22/39 with one reading, 28/39 with both (27/39 reading the reduced copy as it is); benign
renderings with a signal 0/72 either way."""

MIN_SECOND_LOOK_HEIGHT = 32
"""Pictures whose second reading would be lower than this many pixels are read once."""

RETRY_ARABIC_WORDS = 2
"""Arabic-script words (:func:`is_word`) a filtered-out first read must hold to be read again
smaller: textures read as symbols and mixed tokens mostly do not reach it."""


@dataclass(frozen=True, slots=True)
class OcrText:
    """What one read found."""

    text: str
    """The kept words, line by line ("" when the picture has no text by the rules above)."""
    words: int = 0
    """Words tesseract reported."""
    kept: int = 0
    """Words kept (confident enough); ``text`` is empty when they do not look like language."""
    confidence: float = 0.0
    """Mean confidence of the kept words (0 when none)."""
    timed_out: bool = False
    also: str = ""
    """A second reading of the same picture, smoothed, when the first read Arabic-script text
    (:data:`SECOND_LOOK`): tesseract misreads Nastaliq differently at another scale, and the
    text detectors judge both readings. Not part of ``text`` (character error rates are of the
    first reading)."""


@cache
def _installed_languages(binary: str) -> frozenset[str]:
    out = subprocess.run(
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


class OcrEngine:
    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        psm: int = 6,
        binary: str | None = None,
        timeout: float = 8.0,
        max_side: int = MAX_OCR_SIDE,
        min_confidence: float = MIN_LINE_CONFIDENCE,
        min_word_share: float = MIN_WORD_SHARE,
        min_height: int | None = None,
        combined: bool = False,
    ) -> None:
        """``min_confidence`` and ``min_word_share``: see :data:`MIN_LINE_CONFIDENCE` and
        :data:`MIN_WORD_SHARE` (0 and 0 keep everything tesseract reports); ``min_height``:
        enlarge pictures to this height instead (the rule before :data:`UPSCALE_BELOW`, kept for
        the benchmark's baseline); ``combined``: one tesseract pass with all the models together
        (``urd+eng``) instead of one model after another until one reads text."""
        found = binary or shutil.which("tesseract")
        if found is None:
            raise ConfigError(
                "tesseract is not installed; install the Debian packages: " + " ".join(APT_PACKAGES)
            )
        missing = set(languages) - _installed_languages(found)
        if missing:
            raise ConfigError(
                f"tesseract lacks language data for {sorted(missing)}; install "
                + " ".join(f"tesseract-ocr-{m}" for m in sorted(missing))
            )
        self.binary = found
        self.languages = tuple(languages)
        self.psm = psm
        self.timeout = timeout
        self.max_side = max_side
        self.min_confidence = min_confidence
        self.min_word_share = min_word_share
        self.min_height = min_height
        self.passes = ("+".join(self.languages),) if combined else self.languages
        self.timeouts = 0
        """Reads that ran over their time limit (each one logged, its picture read as no text)."""
        first = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        self.version = (first.stdout or first.stderr).splitlines()[0].strip()
        self.settings = f"psm{psm}/conf{min_confidence:g}/share{min_word_share:g}/side{max_side}"

    @staticmethod
    def available() -> bool:
        return shutil.which("tesseract") is not None

    def read(self, image: Image.Image) -> str:
        """The text tesseract finds in ``image`` and the filters keep (may be empty)."""
        return self.read_text(image).text

    def prepare(self, image: Image.Image) -> Image.Image:
        """Grey, dark text on light, letters of a size tesseract reads."""
        grey = ImageOps.grayscale(image)
        if _median(grey) < 128:
            # Captions are usually light text on dark video; tesseract reads dark on light far
            # better (measured: a short white-on-black Urdu line went from unreadable to exact).
            grey = ImageOps.invert(grey)
        if max(grey.size) > self.max_side:
            scale = self.max_side / max(grey.size)
            size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
            grey = grey.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        elif self.min_height is not None and grey.height < self.min_height:
            scale = self.min_height / max(1, grey.height)
            grey = grey.resize(
                (round(grey.width * scale), self.min_height), Image.Resampling.LANCZOS
            )
        elif self.min_height is None and max(grey.size) < UPSCALE_BELOW:
            # Small frames: letters of a 24 px caption in a 320 px frame are too small to read.
            scale = min(2.0, UPSCALE_BELOW / max(1, max(grey.size)))
            size = (round(grey.width * scale), round(grey.height * scale))
            grey = grey.resize(size, Image.Resampling.LANCZOS)
        return grey

    def read_text(self, image: Image.Image, *, timeout: float | None = None) -> OcrText:
        """Read ``image`` within ``timeout`` seconds (default: the engine's); a read that runs
        over returns no text with ``timed_out`` set, and is logged and counted."""
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        if limit <= 0:
            return self._timed_out(image, limit)
        prepared = self.prepare(image)
        buf = io.BytesIO()
        prepared.save(buf, format="PNG")
        pngs = [buf.getvalue()]
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        deadline = time.monotonic() + limit
        read = OcrText("")
        # One model at a time, Urdu first, until one reads text: measured (bench.ocr), ``urd``
        # alone is 4x faster than ``urd+eng`` in one pass and reads Urdu better; English text,
        # which the Urdu model reads as noise the filter drops, is read by the next pass.
        for models in self.passes:
            attempt = 0
            while attempt < len(pngs):
                left = deadline - time.monotonic()
                if left <= 0:
                    return self._timed_out(image, limit)
                command = [self.binary, "-", "-", "-l", models, "--psm", str(self.psm), "tsv"]
                try:
                    done = subprocess.run(
                        command,
                        input=pngs[attempt],
                        capture_output=True,
                        timeout=left,
                        env=env,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    return self._timed_out(image, limit)
                words = _tsv_words(done.stdout.decode("utf-8", "replace"))
                read = self.filter(words)
                if read.text:
                    return self._second_look(read, prepared, models, env, deadline)
                if attempt == 0 and len(pngs) == 1:
                    if not words:
                        # Tesseract sometimes finds no line at all in a clear one-line
                        # picture at one scale and reads it exactly at another (measured on
                        # rendered Naskh lines); a blank read is tried once more, larger (1.5x,
                        # or up to 300 px high). Textures always yield "words", so they are
                        # never read twice this way.
                        factor = max(1.5, min(3.0, 300 / max(1, prepared.height)))
                        pngs.append(_scaled_png(prepared, factor, self.max_side))
                    elif _arabic_words(words) >= RETRY_ARABIC_WORDS:
                        # A tall Nastaliq line is often cut into several "lines" of fragments
                        # the filter drops; read smaller it is one line (measured, bench.ocr:
                        # 900x161 renderings read as nothing at their size, at CER 0.2-0.3 at
                        # 0.6x).
                        pngs.append(_scaled_png(prepared, SHRINK, self.max_side))
                attempt += 1
            # Later passes (other models) read the picture as prepared.
            del pngs[1:]
        return read

    def _second_look(
        self,
        read: OcrText,
        prepared: Image.Image,
        models: str,
        env: dict[str, str],
        deadline: float,
    ) -> OcrText:
        """``read`` with a second reading of the picture smoothed (:data:`SECOND_LOOK`) if it
        is mostly Arabic script, the picture is large enough and time is left (a second read
        that runs over is dropped, the first kept)."""
        letters = [c for c in read.text if c.isalpha()]
        arabic = sum(_script(c) == "Arab" for c in letters)
        if (
            not SECOND_LOOK
            or arabic <= len(letters) / 2
            or prepared.height * SHRINK < MIN_SECOND_LOOK_HEIGHT
        ):
            return read
        left = deadline - time.monotonic()
        if left <= 0:
            return read
        command = [self.binary, "-", "-", "-l", models, "--psm", str(self.psm), "tsv"]
        try:
            done = subprocess.run(
                command,
                input=_resampled_png(prepared, SHRINK),
                capture_output=True,
                timeout=left,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return read
        again = self.filter(_tsv_words(done.stdout.decode("utf-8", "replace"))).text
        lines = [line for line in again.splitlines() if line not in read.text.splitlines()]
        return replace(read, also="\n".join(lines)) if lines else read

    def _timed_out(self, image: Image.Image, limit: float) -> OcrText:
        self.timeouts += 1
        log.warning(
            "OCR of a %dx%d picture ran over its %.1f s limit: read as no text (%d so far)",
            image.width,
            image.height,
            limit,
            self.timeouts,
        )
        return OcrText("", timed_out=True)

    def filter(self, words: Sequence[tuple[tuple[int, int, int], float, str]]) -> OcrText:
        """Keep the lines that read like language (confident enough on average, mostly words of
        one script), without their near-zero words; no text unless enough letters are left."""
        lines: dict[tuple[int, int, int], list[tuple[float, str]]] = {}
        for line, conf, word in words:
            lines.setdefault(line, []).append((conf, word))
        kept: list[list[tuple[float, str]]] = []
        for line_words in lines.values():
            mean = sum(c for c, _ in line_words) / len(line_words)
            shaped = sum(is_word(w) for _, w in line_words) / len(line_words)
            length = sum(sum(c.isalpha() for c in w) for _, w in line_words) / len(line_words)
            confident = mean >= self.min_confidence or (
                mean >= min(self.min_confidence, LOW_LINE_CONFIDENCE) and length >= LONG_WORDS
            )
            if confident and shaped >= self.min_word_share:
                floor = min(MIN_WORD_CONFIDENCE, mean)
                kept.append([(c, w) for c, w in line_words if c >= floor])
        flat = [cw for line_words in kept for cw in line_words]
        letters = sum(c.isalpha() for _, w in flat for c in w)
        confidence = round(sum(c for c, _ in flat) / len(flat), 1) if flat else 0.0
        if letters < MIN_LETTERS or not flat:
            return OcrText("", words=len(words), kept=0, confidence=confidence)
        text = "\n".join(" ".join(w for _, w in line_words) for line_words in kept if line_words)
        return OcrText(text, words=len(words), kept=len(flat), confidence=confidence)

    def read_all(self, images: Iterable[Image.Image]) -> str:
        """Text of several frames, each distinct line once, in order of first appearance."""
        seen: list[str] = []
        for image in images:
            text = self.read(image)
            if text and text not in seen:
                seen.append(text)
        return "\n".join(seen)


def _arabic_words(words: Sequence[tuple[tuple[int, int, int], float, str]]) -> int:
    return sum(
        is_word(w) and _script(next(c for c in w if c.isalpha())) == "Arab" for *_, w in words
    )


def _resampled_png(grey: Image.Image, factor: float) -> bytes:
    """``grey`` reduced by ``factor`` and enlarged back: the same letters, smoothed (measured
    on Nastaliq: tesseract misreads such a copy differently from the original)."""
    size = (max(1, round(grey.width * factor)), max(1, round(grey.height * factor)))
    smooth = grey.resize(size, Image.Resampling.LANCZOS).resize(grey.size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    smooth.save(buf, format="PNG")
    return buf.getvalue()


def _scaled_png(grey: Image.Image, factor: float, max_side: int) -> bytes:
    factor = min(factor, max_side / max(1, max(grey.size)))
    size = (max(1, round(grey.width * factor)), max(1, round(grey.height * factor)))
    buf = io.BytesIO()
    grey.resize(size, Image.Resampling.LANCZOS).save(buf, format="PNG")
    return buf.getvalue()


def _tsv_words(tsv: str) -> list[tuple[tuple[int, int, int], float, str]]:
    """``((block, paragraph, line), confidence, word)`` for each word of tesseract's TSV."""
    out = []
    rows = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        if len(row) < 12 or row[0] != "5":
            continue
        word = row[11].strip()
        try:
            conf = float(row[10])
            line = (int(row[2]), int(row[3]), int(row[4]))
        except ValueError:
            continue
        if word:
            out.append((line, conf, word))
    return out


_SINGLE_LETTER_WORDS = frozenset("aAIو")
"""One-letter tokens that are words (English "a", "I"; Urdu "و", and)."""


def _script(c: str) -> str | None:
    if not c.isalpha():
        return None
    name = unicodedata.name(c, "")
    if name.startswith("ARABIC"):
        return "Arab"
    if name.startswith("LATIN"):
        return "Latn"
    return name.split(" ", 1)[0] or None


def is_word(token: str) -> bool:
    """A token made of letters of one script (Arabic or Latin; inner marks, apostrophes and
    hyphens allowed), two letters or more: what a word read off a picture looks like, and what
    tesseract's readings of textures (``|/-_ '=~``, ``yeu``, mixed digits and letters) mostly
    are not."""
    core = token.strip(".,;:!?()[]{}\"'«»“”‘’،۔؟٫٬")
    if not core:
        return False
    scripts = set()
    letters = 0
    for c in core:
        if c in "'’-" or unicodedata.category(c) in ("Mn", "Mc", "Cf"):
            continue
        script = _script(c)
        if script is None:
            return False
        scripts.add(script)
        letters += 1
    if len(scripts) != 1 or scripts - {"Arab", "Latn"}:
        return False
    return letters >= 2 or core in _SINGLE_LETTER_WORDS


def text_language(text: str, models: Sequence[str]) -> str | None:
    """The language of text read off a picture, for the text detectors and review routing.

    The language identifier decides; Arabic-script text it cannot place among the languages
    whose tesseract model read it (short OCR text is often taken for Persian or Arabic) goes to
    the first of those (Urdu by default), as does Arabic-script text it does not know."""
    from nigran.detect.text.langid import guess_language

    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    found = guess_language(text)
    arabic = sum(_script(c) == "Arab" for c in letters) > len(letters) / 2
    if not arabic:
        return found if found != "und" else None
    readers = [
        lang.code
        for lang in languages.TABLE
        if lang.script == "Arab" and lang.ocr is not None and lang.ocr in models
    ]
    if found in readers:
        return found
    return readers[0] if readers else found


def _median(grey: Image.Image) -> int:
    histogram = grey.histogram()
    half, seen = (grey.width * grey.height) / 2, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return value
    return 255


def with_on_screen_text(item: Content, text: str) -> Content:
    """A copy of ``item`` whose ``on_screen`` field holds ``text`` (after any given by the
    platform), for the text detectors."""
    if not text.strip():
        return item
    texts = dict(item.texts)
    given = texts.get(TextField.ON_SCREEN, "")
    merged = f"{given}\n{text}" if given else text
    texts[TextField.ON_SCREEN] = merged[:MAX_TEXT_CHARS]
    return item.model_copy(update={"texts": texts})
