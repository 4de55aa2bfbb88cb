"""PDF from the HTML report: headless Chromium's print-to-PDF (the same engine the tests check
the HTML in), so the PDF shows exactly what the browser shows, Nastaliq included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from nigran.errors import ConfigError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def print_pdf(html: Path, pdf: Path, *, timeout: float = 120) -> Path:
    exe = next((shutil.which(c) for c in CANDIDATES if shutil.which(c)), None)
    if exe is None:
        raise ConfigError("PDF needs Chromium on the PATH (apt-get install chromium)")
    subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return pdf
