"""HTML and Markdown for the web chat, built from the shared result types.

Pure functions of an :class:`~assistant.results.Answer` or
:class:`~assistant.results.Critique` (and the draft text), so they are easy to
test and hold no state. Everything that came from a user or a document is
escaped before it is put in HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.results import Answer, Citation, Critique

STATUS_ICON = {"present": "✓", "partial": "◐", "missing": "✗"}
STATUS_WORD = {"present": "present", "partial": "partial", "missing": "missing"}

# passage text for a chunk id, or None when unknown (the index may have changed)
PassageLookup = Callable[[str], "str | None"]


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")


# ------------------------------------------------------------------ answers


def passage_html(citation: Citation, passage: str | None) -> str:
    """The cited passage with the quoted span marked; the quote alone when the passage is unknown."""
    quote = citation.quote
    if passage:
        start = citation.quote_start
        if passage[start : start + len(quote)] != quote:
            start = passage.find(quote)
        if start >= 0:
            before, after = passage[:start], passage[start + len(quote) :]
            return f'<p class="cr-passage">{esc(before)}<mark class="cr-quote">{esc(quote)}</mark>{esc(after)}</p>'
    return f'<p class="cr-passage"><mark class="cr-quote">{esc(quote)}</mark></p>'


def citation_html(citation: Citation, passage: str | None) -> str:
    """One source as an expandable block: marker, title and location; opens on the passage."""
    note = f'<p class="cr-note">{esc(citation.note)}</p>' if citation.note else ""
    return (
        f'<details class="cr-citation" data-key="{citation.key}" data-doc="{esc(citation.doc_id)}">'
        f"<summary><b>[{citation.key}]</b> {esc(citation.title)} <span class=\"cr-loc\">— {esc(citation.location.label())}</span></summary>"
        f'<p class="cr-docid">{esc(citation.doc_id)} · {esc(citation.kind)}</p>'
        f"{note}{passage_html(citation, passage)}</details>"
    )


def answer_sources_html(answer: Answer, lookup: PassageLookup) -> str:
    if not answer.citations:
        return ""
    blocks = "".join(citation_html(c, lookup(c.chunk_id)) for c in answer.citations)
    return f'<div class="cr-sources">{blocks}</div>'


def answer_message(answer: Answer, lookup: PassageLookup) -> str:
    """The chat message for an answer: the text with its markers, then the sources, then notes."""
    text = answer.text.strip()
    parts = [esc(text).replace("\n", "<br>")]
    if answer.abstained:
        parts.insert(0, '<p class="cr-abstain">The guidance in the index does not answer this.</p>')
    sources = answer_sources_html(answer, lookup)
    if sources:
        parts.append(sources)
    for note in answer.notes:
        parts.append(f'<p class="cr-note">Note: {esc(note)}</p>')
    return "\n\n".join(parts)


def answer_markdown(answer: Answer) -> str:
    lines = [answer.text.strip(), ""]
    for c in answer.citations:
        lines.append(f"[{c.key}] {c.title} ({c.doc_id}) — {c.location.label()}")
        if c.note:
            lines.append(f"    {c.note}")
        lines.append(f"    > {c.quote}")
    lines += [f"Note: {n}" for n in answer.notes]
    return "\n".join(lines).rstrip()


# ------------------------------------------------------------------ critiques


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    cls: str  # "cr-evidence" or "cr-problem"
    title: str
    data: str  # element or issue id
    priority: int


def _spans(critique: Critique, text_len: int) -> list[_Span]:
    spans: list[_Span] = []
    for e in critique.elements:
        for ev in e.evidence:
            if 0 <= ev.start < ev.end <= text_len:
                spans.append(_Span(ev.start, ev.end, "cr-evidence", f"{e.label} ({e.status})", e.id, 1))
    for issue in critique.issues:
        for inst in issue.instances:
            s = inst.span
            if 0 <= s.start < s.end <= text_len:
                tip = f"{issue.label}: {inst.why}" + (f" Suggestion: {inst.suggestion}" if inst.suggestion else "")
                spans.append(_Span(s.start, s.end, "cr-problem", tip, issue.id, 2))
    return spans


def highlighted_draft_html(text: str, critique: Critique) -> str:
    """The draft with evidence (green) and problems (red) marked; a problem inside evidence wins."""
    spans = _spans(critique, len(text))
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        covering = [s for s in spans if s.start <= a and b <= s.end]
        piece = esc(text[a:b])
        if covering:
            top = max(covering, key=lambda s: (s.priority, -(s.end - s.start)))
            kind = "issue" if top.cls == "cr-problem" else "element"
            out.append(f'<mark class="{top.cls}" data-{kind}="{esc(top.data)}" title="{esc(top.title)}">{piece}</mark>')
        else:
            out.append(piece)
    legend = '<p class="cr-legend"><mark class="cr-evidence">evidence for an element</mark> <mark class="cr-problem">a problem to fix</mark> (hover for details)</p>'
    return f'{legend}<div class="cr-draft">{"".join(out)}</div>'


def checklist_html(critique: Critique) -> str:
    v = critique.verdict
    head = (
        f'<div class="cr-verdict"><p><b>{v.present} present · {v.partial} partial · {v.missing} missing · {v.issues} issues</b> '
        f'(profile <code>{esc(critique.profile)}</code>, {esc(critique.engine)})</p>'
    )
    if v.summary:
        head += f"<p>{esc(v.summary)}</p>"
    if v.fix_first:
        head += "<p><b>Fix first:</b></p><ol>" + "".join(f"<li>{esc(f)}</li>" for f in v.fix_first) + "</ol>"
    head += "</div>"
    rows = "".join(
        f'<tr class="cr-status-{e.status}" data-element="{esc(e.id)}"><td class="cr-icon">{STATUS_ICON[e.status]}</td>'
        f"<td>{esc(e.label)}</td><td><b>{STATUS_WORD[e.status]}</b></td><td>{e.confidence:.0%}</td></tr>"
        for e in critique.elements
    )
    table = f'<table class="cr-checklist"><thead><tr><th></th><th>Element</th><th>Status</th><th>Confidence</th></tr></thead><tbody>{rows}</tbody></table>'
    issues = ""
    if critique.issues:
        items = "".join(
            f'<li class="cr-issue" data-issue="{esc(i.id)}"><b>{esc(i.label)}</b> — {len(i.instances)} place{"s" if len(i.instances) != 1 else ""}</li>'
            for i in critique.issues
        )
        issues = f'<h4>Issues</h4><ul class="cr-issues">{items}</ul>'
    notes = "".join(f'<p class="cr-note">Note: {esc(n)}</p>' for n in critique.notes)
    return f'<div class="cr-result">{head}{table}{issues}{notes}</div>'


def _guidance_html(citations: Iterable[Citation]) -> str:
    blocks = []
    for c in citations:
        note = f' <span class="cr-note">({esc(c.note.split(";")[0])})</span>' if c.note else ""
        blocks.append(
            f'<div class="cr-guidance"><p><b>Guidance:</b> {esc(c.title)} <span class="cr-loc">— {esc(c.location.label())}</span>{note}</p>'
            f"<blockquote>{esc(c.quote)}</blockquote></div>"
        )
    return "".join(blocks)


def findings_html(critique: Critique) -> str:
    """Each finding as an expandable block: what is wrong, the guidance it rests on, the suggested fix."""
    blocks: list[str] = []
    for e in critique.elements:
        if e.status == "present":
            continue
        evidence = ""
        if e.evidence:
            evidence = "<p><b>What the draft has:</b></p><ul>" + "".join(f"<li>{esc(s.text)}</li>" for s in e.evidence[:3]) + "</ul>"
        fix = f"Add {'a fuller account of' if e.status == 'partial' else 'a section on'} {e.label.lower()}" + (f": {e.expectation}" if e.expectation else ".")
        blocks.append(
            f'<details class="cr-finding" data-finding="{esc(e.status)}:{esc(e.id)}"><summary><span class="cr-tag cr-tag-{e.status}">{e.status}</span> {esc(e.label)}</summary>'
            f"{evidence}{_guidance_html(e.guidance)}<p><b>Suggested fix:</b> {esc(fix)}</p></details>"
        )
    for i in critique.issues:
        places = "".join(
            f"<li><q>{esc(inst.span.text)}</q> — {esc(inst.why)}" + (f"<br><b>Suggested fix:</b> {esc(inst.suggestion)}" if inst.suggestion else "") + "</li>"
            for inst in i.instances
        )
        why = f"<p>{esc(i.why)}</p>" if i.why else ""
        blocks.append(
            f'<details class="cr-finding" data-finding="issue:{esc(i.id)}"><summary><span class="cr-tag cr-tag-issue">issue</span> {esc(i.label)}</summary>'
            f"{why}<ul>{places}</ul>{_guidance_html(i.guidance)}</details>"
        )
    if not blocks:
        return '<p class="cr-ok">No findings: every element is present and no issues were found.</p>'
    return '<div class="cr-findings">' + "".join(blocks) + "</div>"


def critique_chat_markdown(critique: Critique) -> str:
    """A short Markdown digest of a critique for the chat; the full result is on the Check tab."""
    v = critique.verdict
    lines = [f"**Draft check** ({critique.profile}): {v.present} present, {v.partial} partial, {v.missing} missing, {v.issues} issues."]
    if v.summary:
        lines.append(v.summary)
    for e in critique.elements:
        if e.status != "present":
            lines.append(f"- **{e.status}: {e.label.lower()}**" + (f" — {e.expectation}" if e.expectation else ""))
    for i in critique.issues:
        first = i.instances[0].span.text if i.instances else ""
        lines.append(f"- **issue: {i.label.lower()}**" + (f" — e.g. “{first}”" if first else ""))
    lines.append("\nThe highlighted draft and each finding's guidance are on the **Check my draft** tab.")
    return "\n".join(lines)


def conversation_markdown(turns: list[dict]) -> str:
    """The session's conversation as Markdown, with each answer's sources."""
    out = ["# CaseReview conversation", ""]
    for n, turn in enumerate(turns, start=1):
        out.append(f"## {n}. {turn['question']}")
        out.append("")
        out.append(turn["answer_md"])
        out.append("")
    return "\n".join(out).rstrip() + "\n"
