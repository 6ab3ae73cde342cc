"""The web chat: a Gradio Blocks app over one :class:`~assistant.api.Assistant`.

``create_app(assistant)`` builds the Blocks (tests and other servers can mount
it); ``launch(...)`` serves it on 127.0.0.1 with analytics off.

Privacy rules kept here:

* every piece of a conversation or a draft lives in per-session ``gr.State``
  or component values, never in module globals, so sessions cannot see each
  other's drafts or history;
* Gradio's temp dir is a 0700 folder of this process (``privatedir``); an
  uploaded file is read into memory and Gradio's copy is deleted at once;
* exports are made in memory and served once to the browser that asked
  (``exports``, ``guard``), never written to disk;
* Gradio's browser run history (localStorage) and deep links are off;
* a user error is shown on the page next to its cause and logged as one line
  naming the kind of problem, never the draft or the file name.
"""

from __future__ import annotations

import html
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.settings import apply_offline_environment

apply_offline_environment()

import gradio as gr  # noqa: E402

from assistant.results import Answer, Critique  # noqa: E402
from assistant.web import views  # noqa: E402
from assistant.web.exports import BROWSER_COOKIE, ROUTE, ExportStore  # noqa: E402
from assistant.web.privatedir import private_temp_dir, remove_on_signals  # noqa: E402

WEB_DIR = Path(__file__).resolve().parent
EXAMPLES_DIR = WEB_DIR / "examples"
CSS = (WEB_DIR / "style.css").read_text(encoding="utf-8")
HOST = "127.0.0.1"
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".pdf", ".docx"]

EXAMPLES = {
    "weak": ("Weak example", "weak-executive-summary.md"),
    "strong": ("Strong example", "strong-executive-summary.md"),
}

# A chat message asks for a draft check when it says so ...
_CHECK_CUE = re.compile(
    r"\b(missing anything|anything missing|what(?:'s| is) missing|check (?:my|this|the) (?:draft|summary|report)|"
    r"critique (?:my|this)|review (?:my|this) (?:draft|summary)|how (?:good|complete) is (?:my|this))\b",
    re.I,
)
# ... and a short question that leans on the last one is read in its context.
_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|what if|but|so|then|is that|does that|does it|do they|is it|are they|why)\b"
    r"|\b(it|that|this|they|them|those|these|its|their)\b",
    re.I,
)
DRAFT_MIN_CHARS = 400
log = logging.getLogger("casereview.web")


# ------------------------------------------------------------------ helpers (pure)


def model_status(settings: Any) -> tuple[str, bool]:
    """Markdown naming the active model, and whether it is a remote endpoint."""
    name = settings.model.name
    if name == "none":
        return "**Model:** none — answers are quotes from the guidance (extractive); nothing leaves this machine.", False
    endpoint = None
    remote = False
    try:
        from assistant.models.registry import endpoint_for, is_loopback_url

        endpoint = endpoint_for(settings.model)
        remote = bool(endpoint) and not is_loopback_url(endpoint)
    except Exception:  # noqa: BLE001 - an unknown provider: say what is configured, no guess
        endpoint = settings.model.base_url
        remote = bool(endpoint) and not any(h in endpoint for h in ("127.0.0.1", "localhost", "[::1]"))
    text = f"**Model:** `{name}`" + (f" at `{endpoint}`" if endpoint else " (in this process)")
    if remote:
        text += "  \n⚠️ <span class='cr-remote-warning'>This is a remote endpoint: questions and drafts are sent to it.</span>"
    return text, remote


def contextualise(question: str, previous: str | None) -> str:
    """A short follow-up ('and who chairs it?') is searched together with the previous question."""
    q = question.strip()
    if previous and len(q.split()) <= 12 and _FOLLOW_UP.search(q):
        return f"{previous[-400:]} {q}"
    return q


def split_chat_draft(message: str, session_draft: str) -> tuple[bool, str]:
    """(is this a draft check?, the draft). A long pasted text is a draft; a check request uses the Check tab's draft."""
    text = message.strip()
    long_text = len(text) >= DRAFT_MIN_CHARS and text.count("\n") >= 2 or len(text) > 1500
    if long_text:
        lines = text.splitlines()
        # drop a leading or trailing instruction line such as "Is my summary missing anything?"
        if lines and len(lines[0]) < 200 and (_CHECK_CUE.search(lines[0]) or lines[0].rstrip().endswith("?")):
            lines = lines[1:]
        elif lines and len(lines[-1]) < 200 and (_CHECK_CUE.search(lines[-1]) or lines[-1].rstrip().endswith("?")):
            lines = lines[:-1]
        return True, "\n".join(lines).strip()
    if _CHECK_CUE.search(text) and session_draft.strip():
        return True, session_draft
    return False, ""


def _remove_upload(path: str) -> None:
    """Delete Gradio's temporary copy of an upload (and its folder when that is now empty)."""
    try:
        p = Path(path)
        p.unlink(missing_ok=True)
        try:
            p.parent.rmdir()
        except OSError:
            pass
    except OSError:
        pass


def draft_upload(**kwargs: Any) -> gr.File:
    """A ``gr.File`` (filepath mode) whose preprocessing leaves nothing behind.

    Why: Gradio 6's ``File._process_single_file`` creates an empty temporary
    file in the cache for every upload and abandons it. The override is on
    the instance (a subclass would make Gradio write a ``.pyi`` beside this
    module). The file type is checked by ``load_draft``, whose refusal is
    shown on the page instead of a toast.
    """
    from gradio.utils import NamedString

    component = gr.File(type="filepath", **kwargs)
    component._process_single_file = lambda f: NamedString(f.path)  # type: ignore[method-assign]
    return component


def log_user_error(action: str, exc: Exception) -> None:
    """One log line, no traceback: what failed and the kind of problem (a LoadError's ``problem`` holds no draft text)."""
    kind = getattr(exc, "problem", None) or type(exc).__name__
    log.warning("user error: %s: %s", action, kind)


def error_html(what: str, message: str) -> str:
    """An error shown on the page in words, next to what caused it (not a fading toast)."""
    return f'<div class="cr-error" role="alert"><b>{html.escape(what)}</b> {html.escape(message)}</div>'


def is_current(state: dict | None, text: str, profile: str | None) -> bool:
    """Whether the results in ``state`` were made from exactly this text with this profile."""
    return bool(state) and state.get("source") == (text or "") and state.get("profile") == profile


def stale_html(state: dict | None, text: str, profile: str | None) -> str:
    """The 'out of date' banner, or '' when the results match the draft (or there are none)."""
    if not state or is_current(state, text, profile):
        return ""
    what = "draft has changed" if state.get("source") != (text or "") else "profile has changed"
    return (
        f'<div class="cr-stale-note" role="status"><b>Out of date.</b> The {what} since these results were made: '
        "they describe the earlier version. Press <b>Check draft</b> to check this one (Export checks it first).</div>"
    )


EXTRACTIVE_CHOICE = "none (quotes from the guidance only)"
EXPORT_FORMATS = {
    "markdown": ("critique.md", "text/markdown; charset=utf-8"),
    "html": ("critique.html", "text/html; charset=utf-8"),
    "docx": ("critique.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
# After an export returns its link, click it (the link appears once Gradio has rendered the HTML).
AUTO_DOWNLOAD_JS = """() => {
  const go = (n) => {
    const links = document.querySelectorAll('a[data-cr-auto="1"]');
    if (!links.length) { if (n > 0) setTimeout(() => go(n - 1), 50); return; }
    links.forEach((a) => { a.dataset.crAuto = '0'; a.click(); });
  };
  go(60);
}"""


def download_html(token: str, filename: str, size: int) -> str:
    """The one-time link to an in-memory export, marked for the automatic click."""
    return (
        f'<p class="cr-export-ready">Downloading <a href="{ROUTE}{token}" download="{html.escape(filename)}" data-cr-auto="1">{html.escape(filename)}</a> '
        f"({size / 1024:.1f} KB). The file was made in memory and is not kept; the link works once, in this browser. Export again for another copy.</p>"
    )


def browser_of(request: gr.Request | None) -> str:
    """The id the guard gave this browser (its cookie); '' for a client without one."""
    if request is None:
        return ""
    return request.cookies.get(BROWSER_COOKIE, "") or ""


# ------------------------------------------------------------------ the app


def create_app(assistant: Any, *, title: str = "CaseReview", exports: ExportStore | None = None) -> gr.Blocks:
    """The Blocks app: Ask, Check my draft and Guidance tabs over ``assistant``.

    Exports go to ``exports``, which the guard of :func:`launch` serves; an app
    mounted elsewhere needs that guard in front of it for downloads to work.
    """
    from assistant.critique.profiles import profile_names

    private_temp_dir()  # before gr.Blocks: Gradio reads GRADIO_TEMP_DIR when the Blocks and App are made
    exports = exports if exports is not None else ExportStore()
    settings = assistant.settings
    # load the index and embedder once, before the first session, so no request pays for it
    snapshot = assistant.snapshot
    _ = assistant.retriever
    chunk_text = {c.chunk_id: c.text for c in snapshot.chunks}

    def lookup(chunk_id: str) -> str | None:
        return chunk_text.get(chunk_id)

    model_md, _remote = model_status(settings)
    profiles = profile_names()
    default_profile = settings.critique.profile if settings.critique.profile in profiles else (profiles[0] if profiles else None)

    doc_choices = [(f"{'[card] ' if d.summary else ''}{d.title} ({d.id})", d.id) for d in assistant.sources()]
    sections: dict[str, list[tuple[str, list[str]]]] = {}
    for c in sorted(snapshot.chunks, key=lambda c: (c.doc_id, c.location.char_start)):
        label = " > ".join(c.location.heading_path) or "(untitled)"
        doc_sections = sections.setdefault(c.doc_id, [])
        if not doc_sections or doc_sections[-1][0] != label:
            doc_sections.append((label, []))
        doc_sections[-1][1].append(c.text)

    # ---- handlers -------------------------------------------------------

    def do_check(text: str, profile: str) -> tuple[Critique, str]:
        critique = assistant.check(text, profile)
        # the engine validates and normalises the text; highlight offsets are into that text
        from assistant.critique.draft import read_draft_text

        return critique, read_draft_text(text, settings.critique.max_draft_chars)

    def check_outputs(critique: Critique, text: str) -> tuple[str, str, str]:
        return views.checklist_html(critique), views.highlighted_draft_html(text, critique), views.findings_html(critique)

    def run_check(text: str, profile: str) -> dict:
        """Check ``text`` and return every result panel, the new state and a cleared banner; raises ValueError."""
        critique, norm = do_check(text, profile)
        checklist_v, draft_html, findings_v = check_outputs(critique, norm)
        return {
            checklist: checklist_v,
            draft_view: draft_html,
            findings: findings_v,
            critique_state: {"critique": critique, "text": norm, "source": text, "profile": profile},
            stale_note: "",
            check_area: gr.update(elem_classes=[]),
        }

    def on_check(text: str, profile: str, progress: gr.Progress = gr.Progress()):  # noqa: B008 - Gradio's injection idiom
        if not (text or "").strip():
            return {draft_error: error_html("Nothing to check.", "Paste a draft above or upload a file first.")}
        progress(0.3, desc="Checking elements and issues")
        try:
            out = run_check(text, profile)
        except ValueError as exc:
            log_user_error("check", exc)
            return {draft_error: error_html("Could not check this draft.", str(exc))}
        return {**out, draft_error: "", export_group: gr.update(visible=True), export_note: ""}

    def on_upload(path: str | None, on_page: bool = False):
        """Read an upload in memory and delete Gradio's copy.

        From the page (``on_page``) it returns (draft, upload, error) and never
        raises, so a refusal stays on the page; called bare it returns
        (text, None) or raises ``gr.Error`` (the contract the upload tests use).
        """
        if not path:
            return (gr.skip(), None, gr.skip()) if on_page else (gr.skip(), None)
        name = Path(path).name
        try:
            data = Path(path).read_bytes()
        finally:
            _remove_upload(path)
        from assistant.critique.draft import load_draft

        try:
            text = load_draft(data, name, settings.critique.max_draft_chars)
        except ValueError as exc:
            log_user_error("upload", exc)
            if on_page:
                return gr.skip(), None, error_html("Could not read this upload.", str(exc))
            raise gr.Error(str(exc), print_exception=False) from None
        if not on_page:
            return text, None
        gr.Info(f"Read {name}: {len(text):,} characters. Press “Check draft”.")
        return text, None, ""

    def on_draft_change(text: str, state: dict | None, profile: str):
        """Any change to the draft (typing, paste, upload, example) clears its error and marks old results out of date."""
        banner = stale_html(state, text, profile)
        return banner, gr.update(elem_classes=["cr-stale"] if banner else []), ""

    def on_profile_change(text: str, state: dict | None, profile: str):
        banner = stale_html(state, text, profile)
        return banner, gr.update(elem_classes=["cr-stale"] if banner else [])

    def export_critique(state: dict | None, text: str, profile: str, fmt: str, request: gr.Request | None) -> dict:
        """Export the critique of the draft as it is now: re-checked first when the results are out of date."""
        out: dict = {}
        if not is_current(state, text, profile):
            if not (text or "").strip():
                return {export_note: error_html("Nothing to export.", "Paste or upload a draft and check it first.")}
            try:
                out = run_check(text, profile)
            except ValueError as exc:
                log_user_error("export", exc)
                return {export_note: error_html("Could not check this draft for the export.", str(exc))}
            state = out[critique_state]
        owner = browser_of(request)
        if not owner:
            return {**out, export_note: error_html("No download session.", "This browser sent no session cookie; reload the page and export again.")}
        critique, norm = state["critique"], state["text"]
        filename, media_type = EXPORT_FORMATS[fmt]
        from assistant.critique.render import render

        try:
            if fmt == "docx":
                from assistant.critique.render import render_docx

                body = render_docx(critique, norm)
            else:
                body = render(critique, norm, fmt).encode("utf-8")
        except ImportError:
            return {**out, export_note: error_html("Word export is not available.", "python-docx is not installed here.")}
        token = exports.put(owner, filename, media_type, body)
        return {**out, export_note: download_html(token, filename, len(body))}

    def make_export(fmt: str):
        def export(state: dict | None, text: str, profile: str, request: gr.Request) -> dict:
            return export_critique(state, text, profile, fmt, request)

        export.__name__ = f"export_{fmt}"
        return export

    def export_conversation(turns: list[dict], request: gr.Request) -> str:
        if not turns:
            return error_html("Nothing to export.", "Ask something first; then export the conversation.")
        owner = browser_of(request)
        if not owner:
            return error_html("No download session.", "This browser sent no session cookie; reload the page and export again.")
        body = views.conversation_markdown(turns).encode("utf-8")
        token = exports.put(owner, "conversation.md", "text/markdown; charset=utf-8", body)
        return download_html(token, "conversation.md", len(body))
    def on_chat(message: str, history: list, turns: list[dict], profile: str, k: int, session_draft: str, answer_with: str = ""):
        message = (message or "").strip()
        history = list(history or [])
        turns = list(turns or [])
        skip4 = (gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
        if not message:
            yield history, "", turns, *skip4
            return
        is_check, draft = split_chat_draft(message, session_draft or "")
        shown = message if not is_check or len(message) < 300 else message[:280].rstrip() + " …"
        history = history + [{"role": "user", "content": shown}, {"role": "assistant", "content": "…"}]
        yield history, "", turns, *skip4
        if is_check:
            try:
                critique, norm = do_check(draft, profile)
            except ValueError as exc:
                history[-1] = {"role": "assistant", "content": f"I could not check that draft: {views.esc(str(exc))}"}
                yield history, "", turns, *skip4
                return
            digest = views.critique_chat_markdown(critique)
            history[-1] = {"role": "assistant", "content": digest}
            turns.append({"question": "Is my draft missing anything?", "answer_md": digest, "effective": None})
            checklist_v, draft_html, findings_v = check_outputs(critique, norm)
            yield history, "", turns, norm, checklist_v, draft_html, findings_v, {"critique": critique, "text": norm, "source": norm, "profile": profile}
            return
        previous = next((t["effective"] for t in reversed(turns) if t.get("effective")), None)
        effective = contextualise(message, previous)
        answer: Answer | None = None
        streamed = ""
        try:
            # a configured model streams its tokens; the verified answer then replaces them, visibly
            use_model = answer_with != EXTRACTIVE_CHOICE
            for item in assistant.ask_stream(effective, k=int(k) if k else None, use_model=use_model):
                if isinstance(item, str):
                    streamed += item
                    history[-1] = {"role": "assistant", "content": views.esc(streamed).replace("\n", "<br>") + " …"}
                    yield history, "", turns, *skip4
                else:
                    answer = item
        except ValueError as exc:
            history[-1] = {"role": "assistant", "content": views.esc(str(exc))}
            yield history, "", turns, *skip4
            return
        assert answer is not None
        content = views.answer_message(answer, lookup)
        if streamed and answer.mode == "extractive":
            content = '<p class="cr-note">The model\'s answer did not pass citation checks and was replaced by quotes from the guidance.</p>\n' + content
        if effective != message:
            content += f'\n\n<p class="cr-note">Read as a follow-up: “{views.esc(effective)}”</p>'
        history[-1] = {"role": "assistant", "content": content}
        turns.append({"question": message, "answer_md": views.answer_markdown(answer), "effective": effective})
        yield history, "", turns, *skip4

    def on_clear():
        return [], [], ""

    def on_doc(doc_id: str | None):
        labels = [label for label, _ in sections.get(doc_id or "", [])]
        first = labels[0] if labels else None
        return gr.update(choices=labels, value=first), section_html(doc_id, first)

    def section_html(doc_id: str | None, label: str | None) -> str:
        if not doc_id:
            return ""
        doc = snapshot.docs.get(doc_id)
        head = ""
        if doc is not None:
            kind = "guidance card — a summary written by the CaseReview team, not the original text" if doc.is_summary else doc.kind
            head = f"<h3>{views.esc(doc.title)}</h3><p class='cr-docid'>{views.esc(doc.doc_id)} · {views.esc(kind)} · {views.esc(doc.publisher)} {views.esc((doc.date or '')[:4])}</p>"
        for name, texts in sections.get(doc_id, []):
            if name == label:
                body = "".join(f"<p class='cr-passage'>{views.esc(t)}</p>" for t in texts)
                return f"{head}<h4>{views.esc(name)}</h4>{body}"
        return head

    def on_demo(question: str, k: int):
        question = (question or "").strip()
        if not question:
            raise gr.Error("Type a question to see what the retriever finds.", print_exception=False)
        hits = assistant.retriever.search(question, k=int(k))
        rows = [
            [i, round(h.score, 4), "" if h.dense_rank is None else h.dense_rank + 1, "" if h.bm25_rank is None else h.bm25_rank + 1, h.doc_id, h.location.label(), h.text[:300]]
            for i, h in enumerate(hits, start=1)
        ]
        return rows

    def load_example(which: str):
        _, filename = EXAMPLES[which]
        return (EXAMPLES_DIR / filename).read_text(encoding="utf-8"), gr.Tabs(selected="check")

    # ---- layout ---------------------------------------------------------

    with gr.Blocks(title=title, analytics_enabled=False, delete_cache=(600, 1800)) as demo:
        turns_state = gr.State([])
        critique_state = gr.State(None)
        page_flag = gr.State(True)  # tells on_upload it serves the page (errors stay on it)

        with gr.Row():
            gr.Markdown(f"## {title}\nAsk the child-safeguarding case-review guidance, or check a draft against it. Drafts stay on this machine and in this browser session.")
            gr.Markdown(model_md, elem_id="cr-model", elem_classes=["cr-model"])
        with gr.Accordion("Settings", open=False, elem_id="cr-settings"):
            with gr.Row():
                profile = gr.Dropdown(profiles, value=default_profile, label="Profile (what a draft is checked against)", elem_id="cr-profile")
                k = gr.Slider(1, 20, value=settings.retrieval.k, step=1, label="Passages retrieved per question", elem_id="cr-k")
            model_choices = [EXTRACTIVE_CHOICE] + ([settings.model.name] if settings.model.name != "none" else [])
            answer_with = gr.Dropdown(
                model_choices, value=model_choices[-1], label="Answer with (the configured model, or quotes from the guidance only)", elem_id="cr-answer-with",
                interactive=len(model_choices) > 1,
            )
            gr.Markdown(model_md + "\n\nModels are configured when the server starts (`casereview chat --model …` or the settings file); drafts are never sent to a model unless `critique.engine` asks for its opinion.")

        with gr.Tabs(elem_id="cr-tabs") as tabs:
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    height=520,
                    elem_id="cr-chat",
                    feedback_options=None,
                    buttons=["copy"],
                    placeholder="Ask about the guidance, e.g. *Who should write the overview report?* — or paste a draft and ask *is my summary missing anything?*",
                )
                with gr.Row():
                    msg = gr.Textbox(placeholder="Ask a question about the guidance …", show_label=False, scale=8, elem_id="cr-question", lines=1, max_lines=12)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="cr-send")
                with gr.Row():
                    clear = gr.Button("New conversation", size="sm")
                    conv_export = gr.Button("Export conversation (Markdown)", size="sm", elem_id="cr-export-conversation")
                conv_note = gr.HTML("", elem_id="cr-conversation-link")

            with gr.Tab("Check my draft", id="check", elem_id="tab-check"):
                with gr.Column(elem_id="cr-check-area") as check_area:
                    with gr.Row():
                        with gr.Column(scale=1):
                            draft = gr.Textbox(label="Your draft", lines=16, max_lines=40, placeholder="Paste the draft here, or upload a file below.", elem_id="cr-draft-input")
                            upload = draft_upload(label="…or upload .txt, .md, .pdf or .docx (read in memory, not kept)", file_types=UPLOAD_TYPES, elem_id="cr-upload")
                            draft_error = gr.HTML("", elem_id="cr-draft-error")
                            check_btn = gr.Button("Check draft", variant="primary", elem_id="cr-check")
                        with gr.Column(scale=1):
                            stale_note = gr.HTML("", elem_id="cr-stale")
                            checklist = gr.HTML(label="Checklist", elem_id="cr-checklist")
                    with gr.Row():
                        with gr.Column(scale=1):
                            gr.Markdown("### Your draft, highlighted")
                            draft_view = gr.HTML(elem_id="cr-draft-view")
                        with gr.Column(scale=1):
                            gr.Markdown("### Findings")
                            findings = gr.HTML(elem_id="cr-findings")
                    with gr.Group(visible=False) as export_group:
                        with gr.Row():
                            exp_md = gr.Button("Export Markdown", size="sm", elem_id="cr-export-md")
                            exp_html = gr.Button("Export HTML", size="sm", elem_id="cr-export-html")
                            exp_docx = gr.Button("Export Word (.docx)", size="sm", elem_id="cr-export-docx")
                        export_note = gr.HTML("", elem_id="cr-export-link")

            with gr.Tab("Guidance", id="guidance", elem_id="tab-guidance"):
                with gr.Accordion("Browse the guidance", open=True):
                    with gr.Row():
                        first_doc = doc_choices[0][1] if doc_choices else None
                        first_labels = [label for label, _ in sections.get(first_doc or "", [])]
                        first_label = first_labels[0] if first_labels else None
                        doc_dd = gr.Dropdown(doc_choices, value=first_doc, label="Document ([card] = the team's summary, not the original text)", elem_id="cr-doc")
                        section_dd = gr.Dropdown(first_labels, value=first_label, label="Section", elem_id="cr-section")
                    section_view = gr.HTML(section_html(first_doc, first_label), elem_id="cr-section-view")
                with gr.Accordion("Demonstration mode (for trainers): what the retriever finds", open=False, elem_id="cr-demo"):
                    with gr.Row():
                        demo_q = gr.Textbox(label="Question", scale=6, elem_id="cr-demo-question")
                        demo_k = gr.Slider(1, 20, value=settings.retrieval.k, step=1, label="Passages", scale=2)
                        demo_btn = gr.Button("Show passages", scale=1, elem_id="cr-demo-run")
                    demo_table = gr.Dataframe(
                        headers=["#", "fused score", "dense rank", "BM25 rank", "document", "location", "passage"],
                        interactive=False,
                        wrap=True,
                        column_widths=["4%", "8%", "7%", "7%", "18%", "20%", "36%"],
                        elem_id="cr-demo-table",
                    )
                    gr.Markdown("Fused score = reciprocal-rank fusion of the dense (embedding) and BM25 (keyword) rankings; a blank rank means that retriever did not find the passage.")
                with gr.Accordion("Example drafts", open=True):
                    gr.Markdown("Two invented executive summaries to try the checker on: one strong, one weak. Loading one puts it in **Check my draft**.")
                    with gr.Row():
                        ex_buttons = {key: gr.Button(f"Load {label.lower()}", elem_id=f"cr-example-{key}") for key, (label, _) in EXAMPLES.items()}

        # ---- events -----------------------------------------------------
        chat_inputs = [msg, chatbot, turns_state, profile, k, draft, answer_with]
        chat_outputs = [chatbot, msg, turns_state, draft, checklist, draft_view, findings, critique_state]
        msg.submit(on_chat, chat_inputs, chat_outputs, api_name="chat")
        send.click(on_chat, chat_inputs, chat_outputs, api_visibility="private")
        clear.click(on_clear, None, [chatbot, turns_state, msg], api_visibility="private")
        chatbot.clear(on_clear, None, [chatbot, turns_state, msg], api_visibility="private")
        conv_export.click(export_conversation, [turns_state], [conv_note], api_name="export_conversation").then(None, js=AUTO_DOWNLOAD_JS)

        upload.upload(on_upload, [upload, page_flag], [draft, upload, draft_error], api_visibility="private")
        stale_watch = {"show_progress": "hidden", "trigger_mode": "always_last", "concurrency_limit": None, "api_visibility": "private"}
        draft.change(on_draft_change, [draft, critique_state, profile], [stale_note, check_area, draft_error], **stale_watch)
        profile.change(on_profile_change, [draft, critique_state, profile], [stale_note, check_area], **stale_watch)
        result_panels = [checklist, draft_view, findings, critique_state, stale_note, check_area]
        check_btn.click(on_check, [draft, profile], [*result_panels, draft_error, export_group, export_note], api_name="check_draft")
        for button, fmt in ((exp_md, "markdown"), (exp_html, "html"), (exp_docx, "docx")):
            button.click(make_export(fmt), [critique_state, draft, profile], [*result_panels, export_note], api_name=f"export_{fmt}").then(None, js=AUTO_DOWNLOAD_JS)

        doc_dd.change(on_doc, [doc_dd], [section_dd, section_view], api_visibility="private")
        section_dd.change(section_html, [doc_dd, section_dd], [section_view], api_visibility="private")
        demo_btn.click(on_demo, [demo_q, demo_k], [demo_table], api_name="retrieve")
        demo_q.submit(on_demo, [demo_q, demo_k], [demo_table], api_visibility="private")
        for key, button in ex_buttons.items():
            button.click(lambda w=key: load_example(w), None, [draft, tabs], api_visibility="private")

    demo.queue(default_concurrency_limit=4)
    return demo


def guarded_app(exports: ExportStore, *, share: bool = False) -> Any:
    """Gradio's App with :class:`~assistant.web.guard.Guard` outermost (around Gradio's own CORS layer)."""
    from gradio.routes import App

    from assistant.web.guard import Guard

    class GuardedApp(App):
        def build_middleware_stack(self):  # noqa: ANN202 - Starlette's hook, called once at the first request
            return Guard(super().build_middleware_stack(), exports=exports, allow_suffixes=(".gradio.live",) if share else ())

    return GuardedApp()


def launch(
    assistant: Any,
    *,
    port: int = 7860,
    share: bool = False,
    auth: tuple[str, str] | Callable[[str, str], Any] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> tuple[gr.Blocks, str]:
    """Serve the app on 127.0.0.1:``port``. ``share`` opens a public gradio.live link (only when asked)."""
    if share:
        print(
            "casereview: WARNING: --share makes this chat reachable from the internet through a gradio.live tunnel. "
            "Anyone with the link can use it, and drafts pasted there pass through Gradio's share servers. "
            "Use --auth user:pass, and stop the server when you are done.",
            file=sys.stderr,
        )
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    exports = ExportStore()
    demo = create_app(assistant, exports=exports)
    remove_on_signals()
    _, local_url, _ = demo.launch(
        server_name=HOST,
        server_port=port,
        share=share,
        auth=auth,
        auth_message="CaseReview: sign in with the user name and password the person who started this server gave you." if auth else None,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=True,
        css=CSS,
        footer_links=[],
        run_history=False,
        max_file_size="50mb",
        mcp_server=False,
        _app=guarded_app(exports, share=share),
    )
    return demo, local_url
