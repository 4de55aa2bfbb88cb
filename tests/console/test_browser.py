"""The console in a real browser: Debian's Chromium, headless, driven by Playwright.

Walks one reviewer from sign-in to a decision on an Urdu case: the media starts blurred and is
revealed by a click, the Urdu text renders right to left in the vendored Nastaliq font (a
screenshot is kept in ``test-artifacts/``), the decision is made with keyboard shortcuts, the
case leaves the queue and the content's visibility changes. Outside CI a missing Chromium or
Playwright skips with the reason; under CI=true it fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nigran import enforce
from nigran.model import TextField
from nigran.runtime.pipeline import moderate
from nigran.store import Store
from tests.conftest import IN_CI, REPO
from tests.console.test_console import image_file
from tests.factories import BENIGN_UR, THREAT_UR, item
from tests.review.support import PASSWORD, REVIEW_ALL, person, video_case

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"


def _need_browser() -> Any:
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the machine
        problem = f"playwright is not installed: {exc}"
    if problem is None and not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {problem}")
        pytest.skip(problem)
    return sync_playwright


def _signed_in_page(browser: Any, base: str, who: str) -> tuple[Any, list[str]]:
    """A page signed in as ``who`` and the console errors it logs (a test expects none)."""
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/console/queues")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("#signin")
    return page, errors


def test_review_walk_in_chromium(server: tuple[str, Store], tmp_path: Path) -> None:
    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-hate")
    c = item(
        "urdu1",
        texts={TextField.CAPTION: BENIGN_UR, TextField.BODY: THREAT_UR},
        media=[image_file(tmp_path)],
    )
    # The pipeline opens the case: the policy routes the threat to review, the queue
    # configuration picks the Urdu threats queue from the detected language.
    case_id = moderate(store, [c], policy=REVIEW_ALL).outcomes[0].case_id
    assert case_id is not None
    assert enforce.visible(store, "urdu1", "PK")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.click("a[data-queue='ur-hate']")
            page.click("#claim")
            page.wait_for_url(f"**/console/cases/{case_id}")

            body = page.locator("p.text[data-field='body']")
            assert body.get_attribute("dir") == "rtl"
            style = body.evaluate(
                "el => [getComputedStyle(el).direction, getComputedStyle(el).fontFamily]"
            )
            assert style[0] == "rtl" and "Nastaliq" in style[1]
            page.evaluate("document.fonts.ready")
            assert page.evaluate("document.fonts.check('20px \"Noto Nastaliq Urdu\"', 'نگران')")
            assert body.locator("mark").count() >= 1

            img = page.locator("figure.thumb img")
            assert "blur" in img.evaluate("el => getComputedStyle(el).filter")
            page.screenshot(path=str(ARTIFACTS / "urdu-case.png"), full_page=True)
            page.click("[data-reveal-button]")
            assert img.evaluate("el => getComputedStyle(el).filter") == "none"

            # Keyboard: 5 picks "remove" (0 is no violation), d decides; nothing in between.
            page.keyboard.press("5")
            assert page.locator("#action").input_value() == "remove"
            page.keyboard.press("d")
            page.wait_for_url("**/console/queues/ur-hate?done=*")
            assert page.locator("text=The queue is empty").count() == 1
            assert not errors, errors
        finally:
            browser.close()
    assert not enforce.visible(store, "urdu1", "PK")
    assert (ARTIFACTS / "urdu-case.png").stat().st_size > 10_000


def test_video_case_frame_strip_in_chromium(server: tuple[str, Store], tmp_path: Path) -> None:
    """The strip arrives through htmx under the page's CSP, blurred like the video; revealing
    the video reveals its stills, and clicking a still moves the video to that moment."""
    from nigran.detect.media.samples import synthetic_video

    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-hate")
    video = synthetic_video(tmp_path / "clip.mp4", seed=5, seconds=12, scene_seconds=3)
    case_id = video_case(store, "vid1", video)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.goto(f"{base}/console/cases/{case_id}")
            stills = page.locator(".frames img")
            stills.first.wait_for(timeout=20_000)
            assert stills.count() > 5
            page.wait_for_function(
                "() => [...document.querySelectorAll('.frames img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            assert "blur" in stills.first.evaluate("el => getComputedStyle(el).filter")
            page.click("[data-reveal-button]")
            assert stills.first.evaluate("el => getComputedStyle(el).filter") == "none"
            assert page.locator("video").evaluate("el => getComputedStyle(el).filter") == "none"
            page.locator("video").evaluate(
                "v => new Promise(r => v.readyState >= 1 ? r() : "
                "v.addEventListener('loadedmetadata', r))"
            )
            stills.nth(3).click()
            seek = float(stills.nth(3).get_attribute("data-seek") or "0")
            assert seek > 0
            assert page.locator("video").evaluate("v => v.currentTime") == pytest.approx(seek)
            page.screenshot(path=str(ARTIFACTS / "video-case.png"), full_page=True)
            assert not errors, errors
        finally:
            browser.close()
