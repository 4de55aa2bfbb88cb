"""The Urdu notices as a reader sees them: Chromium sets them right to left in the vendored
Nastaliq font; the screenshot is kept in ``test-artifacts/urdu-notices.png``."""

from __future__ import annotations

from pathlib import Path

from nigran.legal import notice_text, notices
from tests.conftest import REPO
from tests.console.test_browser import ARGS, ARTIFACTS, CHROMIUM, _need_browser
from tests.legal.test_notices import KINDS, facts

FONT = REPO / "nigran" / "console" / "static" / "NotoNastaliqUrdu-Regular.ttf"


def test_urdu_notices_render_right_to_left_in_nastaliq(tmp_path: Path) -> None:
    sync_playwright = _need_browser()
    items = [("ur", notices.render("ur", facts(kind))) for kind in KINDS]
    page_file = tmp_path / "notices.html"
    page_file.write_text(notice_text.html_page(items, font_url=FONT.as_uri()), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.goto(page_file.as_uri())
            page.evaluate("document.fonts.ready")
            sections = page.locator("section.notice[lang=ur]")
            assert sections.count() == len(KINDS)
            style = sections.first.evaluate(
                "el => [getComputedStyle(el).direction, getComputedStyle(el).fontFamily]"
            )
            assert style[0] == "rtl" and "Nastaliq" in style[1]
            assert page.evaluate("document.fonts.check('20px \"Noto Nastaliq Urdu\"', 'پی ٹی اے')")
            # Right to left: each paragraph's text ends at the left edge, not the right.
            first = sections.first.locator("p").first
            box = first.evaluate(
                "el => { const r = document.createRange(); r.selectNodeContents(el);"
                " const t = r.getBoundingClientRect(), b = el.getBoundingClientRect();"
                " return [t.right, b.right]; }"
            )
            assert abs(box[0] - box[1]) < 2  # text starts at the right edge
            page.screenshot(path=str(ARTIFACTS / "urdu-notices.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "urdu-notices.png").stat().st_size > 10_000
