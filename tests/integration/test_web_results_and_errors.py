"""Results belong to a draft, and errors stay on the page in words (issue 12 items 1 and 3), in Debian's Chromium."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from test_web_app import STRONG, WEAK
from test_web_browser import CHROMIUM, browser, open_check_tab, page, shot, url  # noqa: F401 - shared fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]
DRAFT_BOX = "#cr-draft-input textarea"
STALE = "#cr-stale .cr-stale-note"
ERROR = "#cr-draft-error .cr-error"


def seconds_until_visible(page, selector: str, timeout_ms: int = 5000) -> float:  # noqa: F811 - page is the fixture
    start = time.monotonic()
    page.wait_for_selector(selector, timeout=timeout_ms)
    return time.monotonic() - start


def test_a_changed_draft_marks_its_results_out_of_date_and_export_rechecks(page, tmp_path: Path) -> None:  # noqa: F811
    open_check_tab(page)
    page.fill(DRAFT_BOX, WEAK)
    page.click("#cr-check")
    page.wait_for_selector('#cr-findings details[data-finding="missing:family-involvement"]')
    assert page.locator(STALE).count() == 0

    page.fill(DRAFT_BOX, STRONG)  # a new paste
    waited = seconds_until_visible(page, STALE)
    assert "Out of date" in page.locator(STALE).inner_text()
    assert "cr-stale" in (page.locator("#cr-check-area").get_attribute("class") or "")
    print(f"out-of-date banner after a paste: {waited:.2f} s")
    shot(page, "web-results-out-of-date")

    with page.expect_download() as info:  # Export checks the draft as it is now, then exports that
        page.click("#cr-export-md")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    exported = saved.read_text(encoding="utf-8")
    assert "Jayden" not in exported and "Child D" in exported
    page.wait_for_selector(STALE, state="detached")
    assert page.locator('#cr-findings details[data-finding="missing:family-involvement"]').count() == 0
    assert "Jayden" not in page.locator("#cr-draft-view").inner_text()

    upload = tmp_path / "other.txt"  # an upload is a change too
    upload.write_text(WEAK, encoding="utf-8")
    page.set_input_files("#cr-upload input[type=file]", str(upload))
    waited = seconds_until_visible(page, STALE, 10_000)
    print(f"out-of-date banner after an upload: {waited:.2f} s")
    assert page.locator(DRAFT_BOX).input_value().startswith("# Executive summary")


def test_a_junk_upload_is_explained_on_the_page_until_the_next_paste(page, tmp_path: Path) -> None:  # noqa: F811
    open_check_tab(page)
    junk = tmp_path / "draft.pdf"
    junk.write_bytes(os.urandom(8192))
    page.set_input_files("#cr-upload input[type=file]", str(junk))
    error = page.locator(ERROR)
    error.wait_for()
    words = error.inner_text()
    assert "draft.pdf" in words and len(words.split()) >= 6, words
    page.wait_for_timeout(7000)  # a toast would have faded by now
    assert error.is_visible() and error.inner_text() == words
    assert page.locator(".toast-body").count() == 0
    tab = page.locator("#tab-check").inner_text()
    assert not re.search(r"^\s*Error\s*$", tab, re.M), tab  # no bare red "Error" on any panel
    assert page.locator("#cr-upload .file-preview").count() == 0  # the upload box is empty again: no × to press
    shot(page, "web-junk-upload-error")

    page.fill(DRAFT_BOX, WEAK)  # one action clears it
    page.wait_for_selector(ERROR, state="detached", timeout=5000)

    page.fill(DRAFT_BOX, "")
    page.click("#cr-check")  # checking nothing is explained in the same place
    page.wait_for_selector(ERROR)
    assert "Nothing to check" in page.locator(ERROR).inner_text()
    good = tmp_path / "draft.txt"
    good.write_text(WEAK, encoding="utf-8")
    page.set_input_files("#cr-upload input[type=file]", str(good))  # a good upload clears it as well
    page.wait_for_selector(ERROR, state="detached", timeout=10_000)
    page.click("#cr-check")
    page.wait_for_selector('#cr-findings details[data-finding="missing:family-involvement"]')
