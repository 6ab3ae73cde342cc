"""The web app keeps serving when the model worker crashes mid-answer: Debian's Chromium through Playwright.

The app answers with the embedded SmolLM2 through its worker process; the
worker is made to SIGSEGV itself after two tokens of the first answer (the
real signal, at a known point). The page shows the extractive answer with a
one-line note, and the next question gets an answer from a fresh worker.
"""

from __future__ import annotations

import importlib.util
import os

import psutil
import pytest

from assistant.api import Assistant
from assistant.models.worker_server import FAULT_FILE_ENV
from assistant.settings import load_settings

from test_web_app import free_port, shared_index
from test_web_browser import CHROMIUM, CHROMIUM_ARGS, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.llm,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama_cpp cannot be imported: pip install 'casereview[llm]'"),
]

QUESTION = "Within what time should a serious case review be completed?"


def worker_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if "assistant.models.worker_server" in " ".join(p.cmdline())]


def test_a_worker_crash_costs_one_answer_in_the_browser(tmp_path_factory, tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    from assistant.web.app import launch

    fault = tmp_path / "fault"
    fault.write_text("SIGSEGV 2")
    monkeypatch.setenv(FAULT_FILE_ENV, str(fault))  # the worker inherits this process's environment
    settings = load_settings(data_dir=shared_index(tmp_path_factory), model={"name": "llamacpp:smollm2", "max_tokens": 48, "context_size": 2048})
    before = {w.pid for w in worker_children()}  # other tests' models may still have workers
    demo, url = launch(Assistant(settings), port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(300_000)  # a cold worker start and a 135M model on a loaded 2-core machine
            page.goto(url)
            page.wait_for_selector("#cr-question textarea")

            page.fill("#cr-question textarea", QUESTION)
            page.keyboard.press("Enter")
            note = page.locator("#cr-chat p.cr-note", has_text="killed by SIGSEGV")
            try:
                note.wait_for()
            finally:
                shot(page, "web-worker-crash-first-answer")
            assert "six months" in page.locator("#cr-chat").inner_text()  # the extractive answer, cited
            assert page.locator("#cr-chat details.cr-citation").count() >= 1
            assert not fault.exists()
            crashed_note = note.inner_text()
            assert "\n" not in crashed_note.strip()
            first_citations = page.locator("#cr-chat details.cr-citation").count()

            page.fill("#cr-question textarea", QUESTION)
            page.keyboard.press("Enter")
            page.wait_for_function(f"document.querySelectorAll('#cr-chat details.cr-citation').length > {first_citations}")
            last = page.locator("#cr-chat").inner_text().split(QUESTION)[-1]  # the second answer
            assert "killed by" not in last  # a fresh worker answered
            fresh = [w for w in worker_children() if w.pid not in before]
            assert len(fresh) == 1 and fresh[0].is_running()  # the crashed worker is gone, a new one answered
            shot(page, "web-worker-crash-recovered")
            browser.close()
    finally:
        demo.close()
        os.environ.pop(FAULT_FILE_ENV, None)
