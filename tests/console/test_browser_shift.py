"""The console for a long shift, in a real browser (Chromium via Playwright, as test_browser).

A whole case walked with the keyboard only, the shortcuts' silence while typing in a text field,
and screenshots of each page kept in ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from nigran.model import TextField
from nigran.review import cases
from nigran.runtime.pipeline import moderate
from nigran.store import Store
from nigran.store.tables import decisions
from nigran.store.tables_review import outcomes
from tests.console.test_browser import ARGS, ARTIFACTS, CHROMIUM, _need_browser, _signed_in_page
from tests.console.test_console import image_file
from tests.factories import BENIGN_UR, THREAT_UR, item
from tests.review.support import REVIEW_ALL, person, video_case


def test_keyboard_only_walk(server: tuple[str, Store], tmp_path: Path) -> None:
    """Queue → claim (n) → reveal (r) → action (5) → decide (d), with no click in between; keys
    typed into a note go into the note, not to the shortcuts, until Esc leaves it."""
    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-hate")
    c = item(
        "kb1",
        texts={TextField.CAPTION: BENIGN_UR, TextField.BODY: THREAT_UR},
        media=[image_file(tmp_path)],
    )
    case_id = moderate(store, [c], policy=REVIEW_ALL).outcomes[0].case_id
    assert case_id is not None
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.goto(f"{base}/console/queues/ur-hate")
            assert page.locator("#keys kbd", has_text="n").count() == 1  # shortcuts on the page
            page.keyboard.press("n")
            page.wait_for_url(f"**/console/cases/{case_id}")
            assert page.locator("#keys").inner_text().count("decide") >= 1

            # Typing in a text field: r and d are letters of the note, not shortcuts.
            note = page.locator("form[action$='/escalate'] input[name='note']")
            note.focus()
            page.keyboard.type("dr")
            assert note.input_value() == "dr"
            assert page.url.endswith(f"/console/cases/{case_id}")
            img = page.locator("figure.thumb img")
            assert "revealed" not in (img.get_attribute("class") or "")
            page.keyboard.press("Escape")
            assert page.evaluate("document.activeElement === document.body")

            page.keyboard.press("r")
            assert img.evaluate("el => getComputedStyle(el).filter") == "none"
            page.keyboard.press("5")
            assert page.locator("#action").input_value() == "remove"
            assert "remove" in page.locator("#key-status").inner_text()
            page.screenshot(path=str(ARTIFACTS / "keyboard-walk-case.png"), full_page=True)
            page.keyboard.press("d")
            page.wait_for_url("**/console/queues/ur-hate?done=*")
            page.screenshot(path=str(ARTIFACTS / "keyboard-walk-done.png"), full_page=True)
            assert not errors, errors
        finally:
            browser.close()
    with store.read() as conn:
        assert cases.case_row(conn, case_id).status == "decided"
        got = conn.execute(
            select(outcomes.c.reviewer, outcomes.c.label).where(outcomes.c.case_id == case_id)
        ).all()
        assert [(r.reviewer, r.label) for r in got] == [("amna", "remove")]
        by = conn.execute(
            select(decisions.c.decided_by, decisions.c.outcome).where(
                decisions.c.content_id == "kb1", decisions.c.automated.is_(False)
            )
        ).all()
    assert len(by) == 1 and by[0].decided_by == "amna"
    assert (ARTIFACTS / "keyboard-walk-case.png").stat().st_size > 10_000


def _box(locator: Any) -> tuple[float, float]:
    r = locator.evaluate(
        "el => { const b = el.getBoundingClientRect(); return [b.width, b.height]; }"
    )
    return float(r[0]), float(r[1])


def test_portrait_video_whole_with_controls_usable_while_blurred(
    server: tuple[str, Store], tmp_path: Path
) -> None:
    """A 180×320 (9:16) video is shown whole at its own ratio, blurred, and plays, seeks and
    unmutes from controls outside the blur; Enlarge shows it bigger at the same ratio."""
    from nigran.detect.media.samples import synthetic_video

    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-hate")
    video = synthetic_video(tmp_path / "portrait.mp4", seed=9, seconds=6, size=(180, 320))
    case_id = video_case(store, "tall1", video)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.goto(f"{base}/console/cases/{case_id}")
            v = page.locator("figure.thumb video")
            v.evaluate(
                "v => new Promise(r => v.readyState >= 1 ? r() : "
                "v.addEventListener('loadedmetadata', r))"
            )
            natural = v.evaluate("v => [v.videoWidth, v.videoHeight]")
            assert natural == [180, 320]
            w, h = _box(v)
            assert h >= 300  # the full height is on screen, not a 160-pixel crop
            assert w / h == pytest.approx(180 / 320, rel=0.03)

            # Blurred, yet the controls are outside the blur and work.
            assert "blur" in v.evaluate("el => getComputedStyle(el).filter")
            bar = page.locator("figure.thumb .controls")
            assert bar.evaluate("el => getComputedStyle(el).filter") == "none"
            assert v.evaluate("el => el.muted") is True
            page.click("figure.thumb [data-play]")
            page.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
            assert page.locator("figure.thumb [data-play]").inner_text() == "Pause"
            page.click("figure.thumb [data-play]")
            assert v.evaluate("el => el.paused") is True
            page.locator("figure.thumb [data-seek-bar]").fill("500")
            assert v.evaluate("el => el.currentTime") == pytest.approx(3.0, abs=0.2)
            page.click("figure.thumb [data-mute]")
            assert v.evaluate("el => el.muted") is False
            assert "blur" in v.evaluate("el => getComputedStyle(el).filter")  # still blurred
            page.screenshot(path=str(ARTIFACTS / "portrait-video-case.png"), full_page=True)

            page.click("figure.thumb [data-enlarge]")
            big_w, big_h = _box(v)
            assert big_h > h * 1.5 and big_w / big_h == pytest.approx(180 / 320, rel=0.03)
            page.screenshot(path=str(ARTIFACTS / "portrait-video-enlarged.png"))
            page.keyboard.press("Escape")
            assert _box(v) == pytest.approx((w, h), abs=1)
            assert not errors, errors
        finally:
            browser.close()
    assert (ARTIFACTS / "portrait-video-case.png").stat().st_size > 10_000


def test_queue_preview_with_thumbnails_only_when_opted_in(
    server: tuple[str, Store], tmp_path: Path
) -> None:
    """Each row links to its case and shows an excerpt (Urdu right to left in Nastaliq) and the
    media type; thumbnails appear only for a reviewer who turned them on, blurred until
    revealed."""
    from nigran.detect.media.samples import synthetic_video
    from nigran.review import auth

    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-hate")
    person(store, "bilal", "ur-hate")
    auth.update_user(
        store, "amna", wellness={**auth.get_user(store, "amna").wellness, "queue_thumbnails": True}
    )
    c = item("pv1", texts={TextField.BODY: THREAT_UR}, media=[image_file(tmp_path)])
    img_case = moderate(store, [c], policy=REVIEW_ALL).outcomes[0].case_id
    video = synthetic_video(tmp_path / "pv.mp4", seed=3, seconds=4, size=(180, 320))
    vid_case = video_case(store, "pv2", video)
    assert img_case is not None
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.goto(f"{base}/console/queues/ur-hate")
            for cid, kind in ((img_case, "image"), (vid_case, "video")):
                row = page.locator(f"tr[data-case='{cid}']")
                assert row.locator(f"a[href='/console/cases/{cid}']").count() == 2
                assert kind in row.locator("td.media-type").inner_text()
                excerpt = row.locator(".excerpt")
                assert excerpt.inner_text() == THREAT_UR
                assert excerpt.get_attribute("dir") == "rtl"
                style = excerpt.evaluate(
                    "el => [getComputedStyle(el).direction, getComputedStyle(el).fontFamily]"
                )
                assert style[0] == "rtl" and "Nastaliq" in style[1]
            page.wait_for_function(
                "() => [...document.querySelectorAll('.qthumb img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            thumbs = page.locator(".qthumb img")
            assert thumbs.count() == 2
            assert all(
                "blur" in thumbs.nth(i).evaluate("el => getComputedStyle(el).filter")
                for i in range(2)
            )
            page.screenshot(path=str(ARTIFACTS / "queue-preview.png"), full_page=True)
            thumbs.first.click()
            assert thumbs.first.evaluate("el => getComputedStyle(el).filter") == "none"
            page.locator(f"tr[data-case='{vid_case}'] a.case-link").click()
            page.wait_for_url(f"**/console/cases/{vid_case}")
            assert not errors, errors

            other, errors2 = _signed_in_page(browser, base, "bilal")
            other.goto(f"{base}/console/queues/ur-hate")
            assert other.locator("tr[data-case] .excerpt").count() == 2
            assert other.locator(".qthumb img").count() == 0  # not opted in: no thumbnails
            assert other.locator("#thumbs-off a[href='/console/settings']").count() == 1
            assert not errors2, errors2
        finally:
            browser.close()
    assert (ARTIFACTS / "queue-preview.png").stat().st_size > 10_000


def test_wellness_settings_page_applies_to_the_case(
    server: tuple[str, Store], tmp_path: Path
) -> None:
    """A reviewer sets strong blur without greyscale on the settings page; the store keeps it and
    the case page draws the media that way."""
    from nigran.review import auth

    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-hate")
    c = item("ws1", texts={TextField.BODY: THREAT_UR}, media=[image_file(tmp_path)])
    case_id = moderate(store, [c], policy=REVIEW_ALL).outcomes[0].case_id
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.goto(f"{base}/console/settings")
            page.select_option("#blur", "3")
            page.uncheck("#greyscale")
            page.fill("#exposure-limit", "12")
            page.screenshot(path=str(ARTIFACTS / "wellness-settings.png"), full_page=True)
            page.click("#save")
            page.wait_for_url("**/console/settings?saved=1")
            assert page.locator("#blur").input_value() == "3"
            page.goto(f"{base}/console/cases/{case_id}")
            img = page.locator("figure.thumb img")
            assert img.evaluate("el => getComputedStyle(el).filter") == "blur(28px) grayscale(0)"
            assert not errors, errors
        finally:
            browser.close()
    w = auth.get_user(store, "amna").wellness
    assert (w["blur"], w["greyscale"], w["exposure_limit"]) == (3, False, 12)


def test_exposure_break_banner_after_the_limit(server: tuple[str, Store], tmp_path: Path) -> None:
    """With a limit of one graphic reveal, revealing a sexual-content case's image (keyboard r)
    brings up the break banner on the page at once; it suggests, it does not block: the case is
    still decided with the keyboard."""
    from sqlalchemy import select

    from nigran.review import auth
    from nigran.store.tables_review import exposures
    from tests.review.support import report, stored

    sync_playwright = _need_browser()
    base, store = server
    person(store, "amna", "ur-sexual")
    auth.set_wellness(store, "amna", {"exposure_limit": 1})
    c = stored(store, "gx1", THREAT_UR, media=[image_file(tmp_path)])
    case_id = report(store, c, category="sexual", severity=2)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page, errors = _signed_in_page(browser, base, "amna")
            page.goto(f"{base}/console/queues/ur-sexual")
            assert page.locator("#exposure-break").count() == 0
            page.keyboard.press("n")
            page.wait_for_url(f"**/console/cases/{case_id}")
            assert page.locator("#exposure-break").count() == 0
            page.keyboard.press("r")
            banner = page.locator("#exposure-break")
            banner.wait_for(timeout=10_000)
            assert "1 graphic media" in banner.inner_text() and "limit 1" in banner.inner_text()
            page.screenshot(path=str(ARTIFACTS / "exposure-break.png"), full_page=True)
            # Hidden again after a while on screen: the page reports the time (a beacon).
            page.wait_for_timeout(1200)
            page.keyboard.press("r")
            on_screen = None
            for _ in range(100):
                with store.read() as conn:
                    on_screen = conn.execute(select(exposures.c.seconds)).scalar()
                if on_screen is not None:
                    break
                page.wait_for_timeout(100)
            assert on_screen is not None and on_screen >= 1.0
            page.keyboard.press("0")
            page.keyboard.press("d")
            page.wait_for_url("**/console/queues/ur-sexual?done=*")
            assert page.locator("#exposure-break").count() == 1  # still suggested on the queue
            assert not errors, errors
        finally:
            browser.close()
    with store.read() as conn:
        rows = conn.execute(select(exposures.c.user_id, exposures.c.graphic)).all()
        assert [(r.user_id, r.graphic) for r in rows] == [("amna", True)]
        assert cases.case_row(conn, case_id).status == "decided"
