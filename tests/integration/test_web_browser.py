"""The web chat driven as a person would: Debian's Chromium, headless, through Playwright.

Screenshots go to test-artifacts/ (gitignored). Skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.settings import load_settings
from assistant.web.app import EXAMPLES_DIR

from test_web_app import free_port, shared_index

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
WEAK = (EXAMPLES_DIR / "weak-executive-summary.md").read_text(encoding="utf-8")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    from assistant.web.app import launch

    assistant = Assistant(load_settings(data_dir=shared_index(tmp_path_factory)))
    demo, local_url = launch(assistant, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield local_url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#cr-question textarea")
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_check_tab(page) -> None:
    page.get_by_role("tab", name="Check my draft").click()
    page.wait_for_selector("#cr-draft-input textarea")


def test_ask_a_question_and_see_a_cited_answer(page) -> None:
    page.fill("#cr-question textarea", "Within what time should a serious case review be completed?")
    page.keyboard.press("Enter")
    citation = page.locator("#cr-chat details.cr-citation").first
    citation.wait_for()
    assert "six months" in page.locator("#cr-chat").inner_text()
    citation.locator("summary").click()
    quote = citation.locator("mark.cr-quote")
    quote.wait_for(state="visible")
    assert quote.inner_text().strip()
    assert "[1]" in citation.locator("summary").inner_text()
    shot(page, "web-ask-cited-answer")


def test_weak_draft_shows_missing_family_involvement_and_highlighted_identifier(page) -> None:
    open_check_tab(page)
    page.fill("#cr-draft-input textarea", WEAK)
    page.click("#cr-check")
    page.wait_for_selector('#cr-findings details[data-finding="missing:family-involvement"]')
    row = page.locator('#cr-checklist tr[data-element="family-involvement"]')
    assert "missing" in row.inner_text()
    assert "Family involvement" in row.inner_text()
    marks = page.locator('#cr-draft-view mark.cr-problem[data-issue="privacy-identifiers"]')
    assert marks.count() >= 1
    assert "Jayden" in " ".join(marks.all_inner_texts())
    finding = page.locator('#cr-findings details[data-finding="missing:family-involvement"]')
    finding.locator("summary").click()
    assert "Suggested fix" in finding.inner_text()
    shot(page, "web-check-weak-draft")


def test_upload_a_pdf_draft(page, tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for para in WEAK.split("\n\n"):
        pdf.multi_cell(0, 6, para.replace("#", "").strip())
        pdf.ln(3)
    path = tmp_path / "weak-draft.pdf"
    pdf.output(str(path))

    open_check_tab(page)
    page.set_input_files("#cr-upload input[type=file]", str(path))
    page.wait_for_function("document.querySelector('#cr-draft-input textarea').value.includes('Coltsfoot')")
    page.click("#cr-check")
    page.wait_for_selector('#cr-findings details[data-finding="missing:family-involvement"]')
    assert page.locator('#cr-draft-view mark.cr-problem[data-issue="privacy-identifiers"]').count() >= 1
    shot(page, "web-check-pdf-upload")


def test_export_the_critique(page, tmp_path: Path) -> None:
    open_check_tab(page)
    page.fill("#cr-draft-input textarea", WEAK)
    page.click("#cr-check")
    page.wait_for_selector('#cr-findings details[data-finding="missing:family-involvement"]')
    with page.expect_download() as info:  # one click: the export is made in memory and downloads at once
        page.click("#cr-export-md")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert saved.name == "critique.md" and "family" in text.lower()
    shot(page, "web-export-critique")


def test_example_draft_loads_with_one_click(page) -> None:
    page.get_by_role("tab", name="Guidance").click()
    page.click("#cr-example-strong")
    page.wait_for_function("document.querySelector('#cr-draft-input textarea') && document.querySelector('#cr-draft-input textarea').value.includes('Child D')")
    shot(page, "web-example-loaded")


def test_demonstration_mode_table(page) -> None:
    page.get_by_role("tab", name="Guidance").click()
    page.get_by_text("Demonstration mode").click()
    page.fill("#cr-demo-question textarea", "who chairs the review panel")
    page.click("#cr-demo-run")
    page.wait_for_function("document.querySelector('#cr-demo-table') && document.querySelector('#cr-demo-table').innerText.includes('.txt') || document.querySelector('#cr-demo-table').innerText.includes('.md')")
    shot(page, "web-demonstration-mode")


def test_browse_a_document_section(page) -> None:
    page.get_by_role("tab", name="Guidance").click()
    view = page.locator("#cr-section-view")
    view.locator("h4").wait_for()
    assert view.locator("p.cr-passage").count() >= 1
    shot(page, "web-guidance-browse")
