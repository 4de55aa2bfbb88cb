"""On-screen text: tesseract over images and sampled frames, in Urdu, English, Sindhi, Pashto and
Punjabi (Shahmukhi).

The text read becomes the item's ``on_screen`` field (:func:`with_on_screen_text`), so the text
detectors (lexicon, classifiers) judge it like a caption and their evidence spans point into it.

Tesseract and its language data come from Debian (``scripts/system-packages.txt``):
``tesseract-ocr`` plus ``tesseract-ocr-urd``/``-eng``/``-snd``/``-pus``/``-pan``. It runs as a
subprocess, one image on stdin, one thread (``OMP_THREAD_LIMIT=1``): the pipeline parallelises
across items.

Measured here (tests/detect/media/test_media_ocr.py): an Urdu sentence rendered in Noto Naskh
Arabic or Amiri reads back exactly; in Noto Nastaliq Urdu (the usual on-screen style) tesseract's
``urd`` model drops or merges some letters, which is why the lexicon's normalisation matters.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from functools import cache

from PIL import Image, ImageOps

from nigran import languages
from nigran.errors import ConfigError
from nigran.model import MAX_TEXT_CHARS, Content, TextField

__all__ = ["DEFAULT_LANGUAGES", "OcrEngine", "with_on_screen_text"]

DEFAULT_LANGUAGES = languages.ocr_models(own_family_only=True)
"""The models of the languages with classifier heads of their own (``urd``, ``eng``), Urdu
first: its model also reads Punjabi (Shahmukhi) and much Sindhi/Pashto text; add ``snd``,
``pus``, ``pan`` where those dominate (each language slows tesseract down)."""

APT_PACKAGES = ("tesseract-ocr", *(f"tesseract-ocr-{m}" for m in languages.ocr_models()))
"""Every model the table of languages names (``scripts/system-packages.txt`` installs them)."""


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
        timeout: float = 30.0,
    ) -> None:
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
        first = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        self.version = (first.stdout or first.stderr).splitlines()[0].strip()

    @staticmethod
    def available() -> bool:
        return shutil.which("tesseract") is not None

    def read(self, image: Image.Image) -> str:
        """The text tesseract finds in ``image`` (may be empty)."""
        grey = ImageOps.grayscale(image)
        if _median(grey) < 128:
            # Captions are usually light text on dark video; tesseract reads dark on light far
            # better (measured: a short white-on-black Urdu line went from unreadable to exact).
            grey = ImageOps.invert(grey)
        if grey.height < 400:
            # tesseract wants text at least ~20 px high; small frames are scaled up first.
            scale = 400 / max(1, grey.height)
            grey = grey.resize((round(grey.width * scale), 400), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        grey.save(buf, format="PNG")
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        try:
            done = subprocess.run(
                [self.binary, "-", "-", "-l", "+".join(self.languages), "--psm", str(self.psm)],
                input=buf.getvalue(),
                capture_output=True,
                timeout=self.timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return ""
        return " ".join(done.stdout.decode("utf-8", "replace").split())

    def read_all(self, images: Iterable[Image.Image]) -> str:
        """Text of several frames, each distinct line once, in order of first appearance."""
        seen: list[str] = []
        for image in images:
            text = self.read(image)
            if text and text not in seen:
                seen.append(text)
        return "\n".join(seen)


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
