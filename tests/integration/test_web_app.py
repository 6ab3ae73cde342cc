"""The web chat without a browser: helpers, the Blocks app, and its API per session (gradio_client)."""

from __future__ import annotations

import re
import secrets
import socket
from pathlib import Path

import filelock
import httpx
import pytest

from assistant.api import Assistant
from assistant.results import Critique, DraftSpan, ElementResult, IssueInstance, IssueResult, Verdict
from assistant.settings import load_settings
from assistant.web import views
from assistant.web.app import EXAMPLES_DIR, contextualise, create_app, model_status, split_chat_draft
from assistant.web.exports import BROWSER_COOKIE

WEAK = (EXAMPLES_DIR / "weak-executive-summary.md").read_text(encoding="utf-8")
STRONG = (EXAMPLES_DIR / "strong-executive-summary.md").read_text(encoding="utf-8")


def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One test index for the whole pytest session, built by whichever module asks first."""
    root = tmp_path_factory.getbasetemp().parent if tmp_path_factory.getbasetemp().name.startswith("popen-") else tmp_path_factory.getbasetemp()
    data = root / "casereview-web-index"
    with filelock.FileLock(str(data) + ".lock"):
        if not (data / ".built").exists():
            Assistant(load_settings(data_dir=data)).ingest()
            (data / ".built").write_text("ok")
    return data


def browser_client(server: str, browser_id: str | None = None):
    """A gradio_client session carrying a browser cookie of its own (exports are bound to it)."""
    from gradio_client import Client

    browser_id = browser_id or secrets.token_urlsafe(16)
    return Client(server, verbose=False, headers={"Cookie": f"{BROWSER_COOKIE}={browser_id}"}), browser_id


def export_link(result: object) -> str:
    """The download path in an export's HTML output (the last output of every export endpoint)."""
    note = result[-1] if isinstance(result, (list, tuple)) else result
    found = re.search(r'href="(/casereview/export/[^"]+)"', str(note))
    assert found, f"no export link in {note!r}"
    return found.group(1)


def fetch(server: str, path: str, browser_id: str) -> httpx.Response:
    return httpx.get(server.rstrip("/") + path, headers={"Cookie": f"{BROWSER_COOKIE}={browser_id}"}, timeout=30)


def exported(server: str, result: object, browser_id: str) -> bytes:
    """The bytes of an export, fetched as its own browser would."""
    response = fetch(server, export_link(result), browser_id)
    assert response.status_code == 200, response.text
    return response.content


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant(load_settings(data_dir=shared_index(tmp_path_factory)))


@pytest.fixture(scope="module")
def server(assistant: Assistant):
    from assistant.web.app import launch

    demo, url = launch(assistant, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


# ---------------------------------------------------------------- pure helpers


def _critique(text: str) -> Critique:
    name = text.index("Jayden")
    fam = text.index("His mother's partner")
    return Critique(
        profile="scr-executive-summary",
        verdict=Verdict(present=1, partial=0, missing=1, issues=1),
        elements=[
            ElementResult(id="intro-circumstances", label="Introduction", status="present", confidence=0.9, evidence=[DraftSpan(start=name, end=fam - 1, text=text[name : fam - 1])]),
            ElementResult(id="family-involvement", label="Family involvement", status="missing", confidence=0.8, expectation="The extent to which the family took part."),
        ],
        issues=[IssueResult(id="privacy-identifiers", label="Identifying details", confidence=0.9, instances=[IssueInstance(span=DraftSpan(start=name, end=name + 6, text="Jayden"), why="a name", suggestion="use Child A")])],
    )


def test_highlight_puts_problem_inside_evidence_and_escapes() -> None:
    text = "<b>x</b>\n" + WEAK
    html = views.highlighted_draft_html(text, _critique(text))
    assert '<mark class="cr-problem" data-issue="privacy-identifiers"' in html
    assert ">Jayden</mark>" in html
    assert 'data-element="intro-circumstances"' in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_findings_and_checklist_name_missing_family_involvement() -> None:
    c = _critique(WEAK)
    assert 'data-finding="missing:family-involvement"' in views.findings_html(c)
    assert 'data-element="family-involvement"' in views.checklist_html(c)
    assert "missing: family involvement" in views.critique_chat_markdown(c)


def test_follow_up_questions_keep_context() -> None:
    assert contextualise("Who chairs it?", "What is a serious case review?") == "What is a serious case review? Who chairs it?"
    assert contextualise("Within what time should a serious case review be completed?", "Who writes the overview report?") == "Within what time should a serious case review be completed?"
    assert contextualise("and the executive summary?", None) == "and the executive summary?"


def test_a_pasted_draft_in_the_chat_is_checked() -> None:
    is_check, draft = split_chat_draft("Is my summary missing anything?\n" + WEAK, "")
    assert is_check and draft.startswith("# Executive summary") and "missing anything" not in draft
    assert split_chat_draft("is my summary missing anything?", STRONG) == (True, STRONG)
    assert split_chat_draft("Who writes the overview report?", STRONG) == (False, "")


def test_model_status_warns_for_remote_endpoints() -> None:
    local = load_settings(data_dir=Path("/nonexistent"))
    assert model_status(local) == (model_status(local)[0], False)
    remote = load_settings(data_dir=Path("/nonexistent"), model={"name": "openai:gpt-4o-mini", "allow_remote": True})
    text, is_remote = model_status(remote)
    assert is_remote and "remote endpoint" in text
    ollama = load_settings(data_dir=Path("/nonexistent"), model={"name": "ollama:llama3", "base_url": "http://127.0.0.1:11434"})
    assert model_status(ollama)[1] is False


# ---------------------------------------------------------------- the app


def test_create_app_is_separate_from_launch(assistant: Assistant) -> None:
    import gradio as gr

    demo = create_app(assistant)
    assert isinstance(demo, gr.Blocks)
    assert demo.analytics_enabled is False


def test_server_binds_loopback_only(server: str) -> None:
    assert server.startswith("http://127.0.0.1:")


def test_check_endpoint_reports_missing_family_involvement(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    checklist, draft_html, findings = client.predict(WEAK, "scr-executive-summary", api_name="/check_draft")[:3]
    assert 'data-finding="missing:family-involvement"' in findings
    assert 'class="cr-problem" data-issue="privacy-identifiers"' in draft_html and ">Jayden</mark>" in draft_html
    assert 'cr-status-missing" data-element="family-involvement"' in checklist


def test_sessions_do_not_see_each_other(server: str) -> None:
    """Two sessions check different drafts and ask different things; each export holds only its own, and B cannot fetch A's."""
    (a, id_a), (b, id_b) = browser_client(server), browser_client(server)
    a.predict(WEAK, "scr-executive-summary", api_name="/check_draft")
    b.predict(STRONG, "scr-executive-summary", api_name="/check_draft")
    link_a = export_link(a.predict(WEAK, "scr-executive-summary", api_name="/export_markdown"))
    assert fetch(server, link_a, id_b).status_code == 404  # another browser: refused, and the export is not used up
    md_a = fetch(server, link_a, id_a).content.decode("utf-8")
    md_b = exported(server, b.predict(STRONG, "scr-executive-summary", api_name="/export_markdown"), id_b).decode("utf-8")
    assert "Jayden" in md_a and "Jayden" not in md_b
    assert fetch(server, link_a, id_a).status_code == 404  # served once, then gone from memory

    a.predict("Within what time should a serious case review be completed?", [], "scr-executive-summary", 5, "", api_name="/chat")
    b.predict("Who should write the overview report?", [], "scr-executive-summary", 5, "", api_name="/chat")
    conv_a = exported(server, a.predict(api_name="/export_conversation"), id_a).decode("utf-8")
    conv_b = exported(server, b.predict(api_name="/export_conversation"), id_b).decode("utf-8")
    assert "completed" in conv_a and "overview report" not in conv_a
    assert "overview report" in conv_b and "completed?" not in conv_b


def test_export_formats(server: str) -> None:
    client, browser_id = browser_client(server)
    client.predict(WEAK, "scr-executive-summary", api_name="/check_draft")
    md = exported(server, client.predict(WEAK, "scr-executive-summary", api_name="/export_markdown"), browser_id)
    page = exported(server, client.predict(WEAK, "scr-executive-summary", api_name="/export_html"), browser_id)
    docx = exported(server, client.predict(WEAK, "scr-executive-summary", api_name="/export_docx"), browser_id)
    assert "family" in md.decode("utf-8").lower()
    assert page.decode("utf-8").lstrip().startswith("<") and "Jayden" in page.decode("utf-8")
    assert docx[:2] == b"PK"


def test_an_export_of_a_changed_draft_is_rechecked(server: str) -> None:
    """Results belong to a draft: exporting after the text changed exports the new text's critique."""
    client, browser_id = browser_client(server)
    client.predict(WEAK, "scr-executive-summary", api_name="/check_draft")
    out = client.predict(STRONG, "scr-executive-summary", api_name="/export_markdown")
    md = exported(server, out, browser_id).decode("utf-8")
    assert "Jayden" not in md and "Child D" in md
    assert 'data-finding="missing:family-involvement"' not in out[2]  # the findings panel was re-made for STRONG


def test_an_export_link_without_its_cookie_is_refused(server: str) -> None:
    client, browser_id = browser_client(server)
    client.predict(WEAK, "scr-executive-summary", api_name="/check_draft")
    link = export_link(client.predict(WEAK, "scr-executive-summary", api_name="/export_markdown"))
    bare = httpx.get(server.rstrip("/") + link, timeout=30)
    assert bare.status_code == 404 and "Jayden" not in bare.text
    assert bare.headers["cache-control"] == "no-store" and "set-cookie" in bare.headers  # a new browser gets its own id
    assert "Jayden" in fetch(server, link, browser_id).text


def test_demonstration_mode_shows_scores(server: str) -> None:
    from gradio_client import Client

    table = Client(server, verbose=False).predict("timescale for completing a serious case review", 5, api_name="/retrieve")
    rows = table["data"] if isinstance(table, dict) else table
    assert 1 <= len(rows) <= 5
    assert all(float(r[1]) > 0 for r in rows)


# ---------------------------------------------------------------- the command


def test_chat_command_options() -> None:
    from assistant.cli import build_parser
    from assistant.cli.chat_cmd import parse_auth

    args = build_parser().parse_args(["chat", "--port", "7999", "--auth", "ann:secret:with:colons"])
    assert args.port == 7999 and not args.share
    assert parse_auth(args.auth) == ("ann", "secret:with:colons")
    assert parse_auth(None) is None
    with pytest.raises(ValueError):
        parse_auth("nopassword")
    mcp = build_parser().parse_args(["mcp", "--transport", "http", "--port", "9000"])
    assert (mcp.transport, mcp.port) == ("http", 9000)


def test_chat_command_builds_a_missing_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli.chat_cmd import ensure_index

    calls = []

    class Fake:
        @property
        def snapshot(self):
            from assistant.index.store import StoreError

            if not calls:
                raise StoreError("no index")
            return object()

        def ingest(self):
            calls.append("ingest")

            class R:
                added = ["a"]
                chunks = 1

            return R()

    assert ensure_index(Fake()) is True and calls == ["ingest"]
    assert ensure_index(Fake()) is False


def test_a_draft_pasted_in_the_chat_is_checked(server: str) -> None:
    from gradio_client import Client

    out = Client(server, verbose=False).predict("Is my summary missing anything?\n" + WEAK, [], "scr-executive-summary", 5, "", api_name="/chat")
    history = out[0]
    reply = history[-1]["content"]
    reply = reply if isinstance(reply, str) else str(reply)
    assert "missing: family involvement" in reply
    assert "Check my draft" in reply


def test_answer_with_choice_lists_extractive_and_the_configured_model(assistant: Assistant) -> None:
    from assistant.web.app import EXTRACTIVE_CHOICE

    with_model = Assistant(assistant.settings.model_copy(update={"model": assistant.settings.model.model_copy(update={"name": "llamacpp:smollm2"})}))
    with_model.__dict__["snapshot"] = assistant.snapshot  # reuse the built index; building the page loads no model
    config = create_app(with_model).config
    dropdowns = [c for c in config["components"] if c.get("props", {}).get("elem_id") == "cr-answer-with"]
    assert dropdowns and [choice[0] for choice in dropdowns[0]["props"]["choices"]] == [EXTRACTIVE_CHOICE, "llamacpp:smollm2"]
