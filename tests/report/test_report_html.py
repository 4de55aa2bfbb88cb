"""The HTML report in a real browser (Debian's Chromium, headless, via Playwright): the Urdu
report renders right to left in the embedded Nastaliq font with no missing glyphs, and a
screenshot is kept in ``test-artifacts/``. Also the CLI writes every file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fontTools.ttLib import TTFont
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.report import html, period
from nigran.report.build import build
from nigran.store import Store
from tests.console.test_browser import ARGS, ARTIFACTS, CHROMIUM, _need_browser
from tests.report.test_figures import scenario


def _cmap() -> set[int]:
    return set(TTFont(io.BytesIO(html._font_bytes()))["cmap"].getBestCmap())


def _arabic(text: str) -> set[str]:
    return {ch for ch in text if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff"}


def test_every_urdu_label_is_in_the_font() -> None:
    cmap = _cmap()
    chars = set().union(*(_arabic(v) for v in html.UR.values()))
    assert chars and not [c for c in chars if ord(c) not in cmap]


def test_urdu_report_renders_in_chromium(sqlite_store: Store, tmp_path: Path) -> None:
    sync_playwright = _need_browser()
    scenario(sqlite_store)
    with sqlite_store.read() as conn:
        rep = build(conn, period.parse("2026-H2"))
    page_file = tmp_path / "report.ur.html"
    page_file.write_text(html.render(rep, "ur"), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_file.as_uri())
            page.evaluate("document.fonts.ready")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            assert page.evaluate(
                "document.fonts.check('20px \"Noto Nastaliq Urdu\"', document.title)"
            )
            # The font is loaded and used: a heading set in it is wider than in the fallback
            # serif (Nastaliq's joined forms), for the page's headings and the charts' labels.
            widths = page.evaluate(
                """() => {
                  const probe = (text, family) => {
                    const s = document.createElement('span');
                    s.style.font = '20px ' + family; s.textContent = text;
                    document.body.appendChild(s);
                    const w = s.getBoundingClientRect().width; s.remove(); return w;
                  };
                  const texts = [...document.querySelectorAll('h1, h2, svg text')]
                    .map(e => e.textContent).filter(t => /[\\u0600-\\u06ff]/.test(t));
                  return texts.map(t => [t, probe(t, '"Noto Nastaliq Urdu"'), probe(t, 'serif')]);
                }"""
            )
            assert len(widths) >= 10
            assert all(nastaliq > 0 and nastaliq != serif for _, nastaliq, serif in widths)
            svg_fonts = page.evaluate(
                "[...document.querySelectorAll('svg text')]"
                ".map(t => getComputedStyle(t).fontFamily)"
            )
            assert svg_fonts and all("Noto Nastaliq Urdu" in f for f in svg_fonts)
            page.screenshot(path=str(ARTIFACTS / "report-ur.png"), full_page=False)
            assert errors == []
        finally:
            browser.close()
    # Every Urdu character on the page is one the font has a glyph for.
    cmap = _cmap()
    text = "".join(t for t, _, _ in widths)
    assert not [c for c in _arabic(text) if ord(c) not in cmap]


def test_report_command_writes_csv_json_html(sqlite_store: Store, tmp_path: Path) -> None:
    scenario(sqlite_store)
    out = tmp_path / "out"
    r = CliRunner().invoke(
        build_app(),
        [
            "report",
            "--period",
            "2026-H2",
            "--out",
            str(out),
            "--db",
            sqlite_store.engine.url.render_as_string(hide_password=False),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "ledger check: the 12 ledgered tables" in r.output
    data = json.loads((out / "report.json").read_text())
    gov = data["tables"]["government_requests"]
    with (out / "government_requests.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["received"] for r in rows] == [str(x["received"]) for x in gov["rows"]]
    assert (out / "eu_annex_i_part_3_member_states_orders.csv").exists()
    assert (out / "eu_annex_i_part_9_human_resources.csv").exists()
    page = (out / "report.html").read_text()
    assert page.count("<svg") == 4 and "@font-face" in page


def test_report_command_prints_the_urdu_report_to_pdf(sqlite_store: Store, tmp_path: Path) -> None:
    """``--pdf`` end to end: Chromium prints the Urdu page, with the Nastaliq font embedded."""
    _need_browser()
    scenario(sqlite_store)
    out = tmp_path / "out"
    r = CliRunner().invoke(
        build_app(),
        [
            "report",
            "--period",
            "2026-H2",
            "--out",
            str(out),
            "--language",
            "ur",
            "--pdf",
            "--db",
            sqlite_store.engine.url.render_as_string(hide_password=False),
        ],
    )
    assert r.exit_code == 0, r.output
    pdf = (out / "report.ur.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"NotoNastaliqUrdu" in pdf  # the subset font Chromium embedded
    assert b"/Type /Page" in pdf or b"/Type/Page" in pdf
