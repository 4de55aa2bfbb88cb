"""The console for a long shift, in a real browser (Chromium via Playwright, as test_browser).

A whole case walked with the keyboard only, the shortcuts' silence while typing in a text field,
and screenshots of each page kept in ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

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
from tests.review.support import REVIEW_ALL, person


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
