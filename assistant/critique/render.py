"""Critique to text, Markdown, JSON, self-contained HTML, or a Word document.

In HTML every piece of draft text is escaped; the draft is shown whole with
evidence and problem spans highlighted by their character offsets.
"""

from __future__ import annotations

import html
import io
import json
from typing import Literal

from assistant.results import Citation, Critique

Format = Literal["text", "markdown", "json", "html"]
_MARK = {"present": "[x]", "partial": "[~]", "missing": "[ ]"}


def _cite_line(c: Citation) -> str:
    note = " (summary, not the original text)" if c.is_summary else ""
    return f"{c.title}, {c.location.label()}{note}: \"{c.quote}\""


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render_text(critique: Critique, text: str = "", markdown: bool = False) -> str:
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    bullet = "- " if markdown else "  "
    v = critique.verdict
    out = [f"{h1}Draft check against {critique.profile}", "", v.summary]
    if v.fix_first:
        out += ["", f"{h2}Fix first" if markdown else "Fix first:"]
        out += [f"{i}. {item}" for i, item in enumerate(v.fix_first, 1)]
    out += ["", f"{h2}Elements" if markdown else "Elements:"]
    for e in critique.elements:
        out.append(f"{bullet}{_MARK[e.status]} {e.label} ({e.id}): {e.status}")
        if e.status != "present":
            out.append(f"{bullet}    expects: {e.expectation}")
        for ev in e.evidence[:2]:
            out.append(f"{bullet}    evidence [{ev.start}-{ev.end}]: \"{_short(ev.text)}\"")
        for c in e.guidance[:1]:
            out.append(f"{bullet}    guidance: {_cite_line(c)}")
    out += ["", f"{h2}Issues" if markdown else "Issues:"]
    if not critique.issues:
        out.append(f"{bullet}none found")
    for i in critique.issues:
        out.append(f"{bullet}{i.label} ({i.finding}): {len(i.instances)} instance{'s' if len(i.instances) != 1 else ''}")
        out.append(f"{bullet}    why it matters: {i.why}")
        for c in i.guidance[:1]:
            out.append(f"{bullet}    guidance: {_cite_line(c)}")
        for inst in i.instances[:5]:
            out.append(f"{bullet}    [{inst.span.start}-{inst.span.end}] \"{_short(inst.span.text)}\": {inst.why}")
            if inst.suggestion:
                out.append(f"{bullet}      suggestion: {inst.suggestion}")
    if critique.notes:
        out += ["", f"{h2}Notes" if markdown else "Notes:"] + [f"{bullet}{n}" for n in critique.notes]
    out += ["", "Findings: " + (", ".join(critique.findings) or "none")]
    return "\n".join(out) + "\n"


def render_json(critique: Critique) -> str:
    data = critique.model_dump(mode="json")
    data["findings"] = critique.findings
    return json.dumps(data, indent=2, ensure_ascii=False)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.verdict{background:#f3f6fa;border-left:4px solid #2b6cb0;padding:.8rem 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
.present{color:#276749}.partial{color:#975a16}.missing{color:#9b2c2c}
.draft{white-space:pre-wrap;border:1px solid #ddd;padding:1rem;background:#fff;font-family:Georgia,serif}
mark.ev{background:#c6f6d5}mark.pb{background:#fed7d7;border-bottom:2px solid #c53030}
.small{color:#555;font-size:.9em}blockquote{margin:.3rem 0 .3rem 1rem;color:#444}
"""


def _highlighted(critique: Critique, text: str) -> str:
    """The draft, escaped, with evidence (green) and problems (red) marked by offsets; problems win overlaps."""
    marks: list[tuple[int, int, str, str]] = []
    for e in critique.elements:
        for ev in e.evidence:
            marks.append((ev.start, ev.end, "ev", e.label))
    for i in critique.issues:
        for inst in i.instances:
            marks.append((inst.span.start, inst.span.end, "pb", f"{i.label}: {inst.why}"))
    n = len(text)
    kind = [""] * (n + 1)
    title = [""] * (n + 1)
    for start, end, k, t in sorted(marks, key=lambda m: m[2] == "pb"):
        start, end = max(0, start), min(n, end)
        for p in range(start, end):
            if kind[p] != "pb":
                kind[p], title[p] = k, t
    out: list[str] = []
    p = 0
    while p < n:
        q = p
        while q < n and kind[q] == kind[p] and title[q] == title[p]:
            q += 1
        chunk = html.escape(text[p:q])
        if kind[p]:
            out.append(f'<mark class="{kind[p]}" title="{html.escape(title[p], quote=True)}">{chunk}</mark>')
        else:
            out.append(chunk)
        p = q
    return "".join(out)


def render_html(critique: Critique, text: str) -> str:
    e = html.escape
    v = critique.verdict
    rows = []
    for el in critique.elements:
        ev = "".join(f"<blockquote>{e(_short(x.text, 220))}</blockquote>" for x in el.evidence[:2])
        cites = "".join(f'<div class="small">{e(_cite_line(c))}</div>' for c in el.guidance[:1])
        expect = f"<div>{e(el.expectation)}</div>" if el.status != "present" else ""
        rows.append(f'<tr><td>{e(el.label)}<div class="small">{e(el.id)}</div></td><td class="{e(el.status)}">{e(el.status)}</td><td>{expect}{ev}{cites}</td></tr>')
    issues = []
    for i in critique.issues:
        items = "".join(
            f"<li><blockquote>{e(_short(x.span.text, 240))}</blockquote>{e(x.why)}"
            + (f"<div><b>Suggestion:</b> {e(x.suggestion)}</div>" if x.suggestion else "") + "</li>"
            for x in i.instances
        )
        cites = "".join(f'<div class="small">{e(_cite_line(c))}</div>' for c in i.guidance[:1])
        issues.append(f"<h3>{e(i.label)} <span class=\"small\">{e(i.finding)}</span></h3><p>{e(i.why)}</p>{cites}<ul>{items}</ul>")
    fix = "".join(f"<li>{e(x)}</li>" for x in v.fix_first)
    notes = "".join(f"<li>{e(n)}</li>" for n in critique.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Draft check: {e(critique.profile)}</title><style>{_CSS}</style></head>
<body><h1>Draft check against {e(critique.profile)}</h1>
<div class="verdict"><p>{e(v.summary)}</p>{f'<p><b>Fix first</b></p><ol>{fix}</ol>' if fix else ''}</div>
<h2>Elements</h2><table><tr><th>Element</th><th>Status</th><th>Detail</th></tr>{''.join(rows)}</table>
<h2>Issues</h2>{''.join(issues) or '<p>None found.</p>'}
<h2>The draft</h2><p class="small">Green: sentences that carry an element. Red: problems (hover for details).</p>
<div class="draft">{_highlighted(critique, text)}</div>
{f'<h2>Notes</h2><ul>{notes}</ul>' if notes else ''}
<p class="small">Findings: {e(', '.join(critique.findings) or 'none')}</p>
</body></html>
"""


def render(critique: Critique, text: str, fmt: str = "text") -> str:
    """The critique in ``fmt``: text, markdown, json or html."""
    if fmt == "text":
        return render_text(critique, text)
    if fmt == "markdown":
        return render_text(critique, text, markdown=True)
    if fmt == "json":
        return render_json(critique)
    if fmt == "html":
        return render_html(critique, text)
    raise ValueError(f"unknown format {fmt!r}; formats: text, markdown, json, html")


def render_docx(critique: Critique, text: str) -> bytes:
    """The critique as a Word document (python-docx); returns the .docx bytes."""
    import docx

    doc = docx.Document()
    doc.add_heading(f"Draft check against {critique.profile}", 0)
    doc.add_paragraph(critique.verdict.summary)
    if critique.verdict.fix_first:
        doc.add_heading("Fix first", 1)
        for item in critique.verdict.fix_first:
            doc.add_paragraph(item, style="List Number")
    doc.add_heading("Elements", 1)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, ("Element", "Status", "Detail")):
        cell.text = title
    for el in critique.elements:
        row = table.add_row().cells
        row[0].text = f"{el.label} ({el.id})"
        row[1].text = el.status
        detail = [] if el.status == "present" else [el.expectation]
        detail += [f"\u201c{_short(ev.text, 200)}\u201d" for ev in el.evidence[:2]]
        detail += [_cite_line(c) for c in el.guidance[:1]]
        row[2].text = "\n".join(detail)
    doc.add_heading("Issues", 1)
    if not critique.issues:
        doc.add_paragraph("None found.")
    for i in critique.issues:
        doc.add_heading(f"{i.label} ({i.finding})", 2)
        doc.add_paragraph(i.why)
        for c in i.guidance[:1]:
            doc.add_paragraph(_cite_line(c))
        for inst in i.instances:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"\u201c{_short(inst.span.text, 240)}\u201d ").italic = True
            p.add_run(inst.why)
            if inst.suggestion:
                doc.add_paragraph(f"Suggestion: {inst.suggestion}")
    if critique.notes:
        doc.add_heading("Notes", 1)
        for n in critique.notes:
            doc.add_paragraph(n, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
