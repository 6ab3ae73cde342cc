"""The run's outputs: the JSON result (shared/spec/eval-cases.md), a self-contained HTML report, a Markdown summary.

Everything taken from a case, a draft, an answer or an error is HTML-escaped;
the HTML page loads nothing from anywhere (inline CSS, no scripts).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import HEADLINE, canonical, finding_sets, worst_first

SPEC_METRICS = (
    "findings_precision",
    "findings_recall",
    "findings_f1",
    "answer_accuracy",
    "citation_hit_rate",
    "abstention_accuracy",
    "retrieval_recall_at_5",
    "latency_p50_s",
    "latency_p95_s",
)
EXTRA_SCALARS = ("missing_recall", "retrieval_map_at_10", "false_abstention_rate", "peak_memory_mb")
LABELS = {
    "findings_precision": "Findings precision",
    "findings_recall": "Findings recall",
    "findings_f1": "Findings F1",
    "missing_recall": "Recall on missing:* alone",
    "answer_accuracy": "Answer accuracy",
    "citation_hit_rate": "Citation hit rate",
    "abstention_accuracy": "Abstention accuracy",
    "false_abstention_rate": "False abstention rate",
    "retrieval_recall_at_5": "Retrieval recall@5",
    "retrieval_map_at_10": "Retrieval MAP@10",
    "latency_p50_s": "Latency p50 (s)",
    "latency_p95_s": "Latency p95 (s)",
    "peak_memory_mb": "Peak memory (MB)",
}
SPEC_CASE_KEYS = ("id", "task", "passed", "reported", "expected", "answer", "citations", "seconds")


def build_result(results: list[dict[str, Any]], metrics: dict[str, Any], per_finding: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """The JSON result: exactly ``metrics``, ``per_finding``, ``run``, ``cases`` at the top level.

    Each case has the spec's keys first; extras (``allowed``, ``error``,
    ``checks``, ``retrieved``, ``evidence``, ...) follow.
    """
    cases = []
    for r in results:
        case = {k: r.get(k) for k in SPEC_CASE_KEYS}
        case["reported"] = case["reported"] or []
        case["expected"] = case["expected"] or []
        case["citations"] = case["citations"] or []
        case.update({k: v for k, v in r.items() if k not in SPEC_CASE_KEYS})
        cases.append(case)
    return {"metrics": metrics, "per_finding": per_finding, "run": run, "cases": cases}


def write_json(result: dict[str, Any], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_interval(iv: Any) -> str:
    return f"[{iv[0]:.3f}, {iv[1]:.3f}]" if iv else ""


# -- Markdown ---------------------------------------------------------------------------
def markdown_summary(result: dict[str, Any], top_findings: int = 10) -> str:
    m, run = result["metrics"], result["run"]
    ivs = m.get("intervals") or {}
    lines = [
        f"## Eval: {run.get('cases')} cases, model {run.get('model')}, retriever {(run.get('retrieval') or {}).get('mode', '?')}, critique engine {run.get('critique_engine', '?')}",
        "",
        f"Corpus {run.get('corpus')}; started {run.get('started')}; {m.get('passed', 0)} passed, {m.get('errors', 0)} errors.",
        "",
        "| metric | value | 95% interval |",
        "| --- | --- | --- |",
    ]
    for key in (*SPEC_METRICS[:7], "missing_recall", "retrieval_map_at_10", "false_abstention_rate", "latency_p50_s", "latency_p95_s", "peak_memory_mb"):
        if key in m:
            lines.append(f"| {LABELS.get(key, key)} | {fmt(m.get(key))} | {fmt_interval(ivs.get(key))} |")
    pf = result.get("per_finding") or {}
    if pf:
        lines += ["", f"Per finding, worst first (top {min(top_findings, len(pf))} of {len(pf)}):", "", "| finding | precision | recall | support |", "| --- | --- | --- | --- |"]
        for fid, row in worst_first(pf)[:top_findings]:
            lines.append(f"| {fid} | {fmt(row['precision'], 2)} | {fmt(row['recall'], 2)} | {row['support']} |")
    failed = [c for c in result["cases"] if not c.get("passed")]
    if failed:
        shown = ", ".join(c["id"] + (" (error)" if c.get("error") else "") for c in failed[:30])
        more = f" and {len(failed) - 30} more" if len(failed) > 30 else ""
        lines += ["", f"Failed ({len(failed)}): {shown}{more}"]
        errors = sorted({c["error"] for c in failed if c.get("error")})
        for e in errors[:3]:
            lines.append(f"- error: {e}")
    return "\n".join(lines) + "\n"


# -- HTML ------------------------------------------------------------------------------------
CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:1.5em;margin:0 0 4px} h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #d9dde3;padding-bottom:4px}
.sub{color:#5b6472;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:10px 14px;min-width:150px}
.card .v{font-size:1.6em;font-weight:600} .card .l{color:#5b6472;font-size:.85em} .card .i{color:#5b6472;font-size:.8em}
.card.head{border-color:#6d8fd6}
table{border-collapse:collapse;background:#fff;width:100%;font-size:.9em}
th,td{border:1px solid #d9dde3;padding:4px 8px;text-align:left;vertical-align:top} th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{background:#fde8e8} .warn{background:#fff6dd} .good{background:#e8f6ec}
details{background:#fff;border:1px solid #d9dde3;border-radius:8px;margin:8px 0;padding:6px 12px}
summary{cursor:pointer;font-weight:600}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0}
.cols h4{margin:4px 0}
ul.f{margin:0;padding-left:18px} .miss{color:#b42318;font-weight:600} .extra{color:#b54708;font-weight:600} .ok{color:#1a7f37}
.draft{white-space:pre-wrap;font-family:ui-monospace,Consolas,monospace;font-size:.82em;background:#fbfbfc;border:1px solid #e3e6ea;padding:10px;max-height:520px;overflow:auto}
mark{padding:0 1px;border-radius:2px} mark.issue{background:#ffd2cc} mark.present{background:#d5f0dc} mark.partial,mark.missing{background:#ffecb3}
.err{color:#b42318;font-family:ui-monospace,monospace;white-space:pre-wrap}
.legend mark{margin-right:8px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;background:#fff;border:1px solid #d9dde3;padding:10px;border-radius:8px;font-size:.88em}
dl.meta dt{color:#5b6472} dl.meta dd{margin:0;word-break:break-all}
"""


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def highlight(text: str, spans: list[dict[str, Any]]) -> str:
    """The draft with evidence spans in <mark>; overlaps are split at every boundary, all text escaped."""
    n = len(text)
    clean = []
    for s in spans:
        try:
            a, b = max(0, int(s["start"])), min(n, int(s["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if a < b:
            clean.append((a, b, str(s.get("finding", ""))))
    if not clean:
        return e(text)
    cuts = sorted({0, n, *[a for a, _, _ in clean], *[b for _, b, _ in clean]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [f for (x, y, f) in clean if x <= a and b <= y]
        piece = e(text[a:b])
        if covering:
            kinds = {f.split(":", 1)[0] for f in covering}
            kind = "issue" if "issue" in kinds else ("partial" if "partial" in kinds or "missing" in kinds else "present")
            out.append(f'<mark class="{kind}" title="{e(", ".join(sorted(set(covering))))}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def _cls(v: Any) -> str:
    if v is None:
        return ""
    return "bad" if v < 0.5 else ("warn" if v < 0.8 else "good")


def _finding_list(items: list[str], other: set[str], missing_cls: str) -> str:
    if not items:
        return "<p><em>none</em></p>"
    lis = []
    for f in items:
        cls = "ok" if canonical(f) in other else missing_cls
        lis.append(f'<li class="{cls}">{e(f)}</li>')
    return '<ul class="f">' + "".join(lis) + "</ul>"


def _critique_case(c: dict[str, Any], draft: str | None) -> str:
    reported, expected, allowed = finding_sets(c)
    exp_list = list(dict.fromkeys(c.get("expected") or []))
    rep_list = list(dict.fromkeys(c.get("reported") or []))
    allowed_raw = c.get("allowed") or []
    rep_items = []
    for f in rep_list:
        cf = canonical(f)
        cls = "ok" if cf in expected else ("" if cf in allowed else "extra")
        tag = " (allowed)" if cf in allowed and cf not in expected else ("" if cf in expected else " (not expected)")
        rep_items.append(f'<li class="{cls}">{e(f)}{e(tag)}</li>')
    exp_items = [f'<li class="{"ok" if canonical(f) in reported else "miss"}">{e(f)}{"" if canonical(f) in reported else " (not reported)"}</li>' for f in exp_list]
    parts = [
        '<div class="cols">',
        f"<div><h4>Expected</h4>{'<ul class=f>' + ''.join(exp_items) + '</ul>' if exp_items else '<p><em>no findings</em></p>'}"
        + (f"<p>Allowed: {e(', '.join(allowed_raw))}</p>" if allowed_raw else "")
        + "</div>",
        f"<div><h4>Reported{(' by ' + e(c.get('engine'))) if c.get('engine') else ''}</h4>{'<ul class=f>' + ''.join(rep_items) + '</ul>' if rep_items else '<p><em>no findings</em></p>'}</div>",
        "</div>",
    ]
    if c.get("answer"):
        parts.append(f"<p><strong>Verdict:</strong> {e(c['answer'])}</p>")
    if draft is not None:
        parts.append(
            '<p class="legend"><mark class="issue">issue span</mark><mark class="partial">partial element</mark><mark class="present">element evidence</mark></p>'
        )
        parts.append(f'<div class="draft">{highlight(draft, c.get("evidence") or [])}</div>')
    return "".join(parts)


def _ask_case(c: dict[str, Any], case: Any) -> str:
    checks = c.get("checks") or {}
    exp = getattr(case, "expected", None)
    expected_bits = []
    if exp is not None:
        if exp.abstain:
            expected_bits.append("<li>abstain: “the guidance does not say”, nothing cited</li>")
        for group in exp.answer_contains:
            expected_bits.append(f"<li>contains one of: {e(' | '.join(group))}</li>")
        if exp.sources:
            expected_bits.append(f"<li>cites one of: {e(', '.join(exp.sources))}</li>")
    else:
        expected_bits.append(f"<li>sources: {e(', '.join(c.get('expected') or []))}</li>")
    status = []
    for key, label in (("answer", "answer contains"), ("citation", "citation hit"), ("abstention", "abstention"), ("retrieval_at_5", "retrieved in top 5")):
        v = checks.get(key)
        if v is not None:
            status.append(f'<li class="{"ok" if v else "miss"}">{label}: {"yes" if v else "no"}</li>')
    cites = "".join(f"<li>[{e(ci.get('key'))}] {e(ci.get('doc_id'))} — {e(ci.get('location'))}: “{e(ci.get('quote'))}”</li>" for ci in c.get("citations") or [])
    question = getattr(case, "input", None)
    return (
        (f"<p><strong>Question:</strong> {e(question)}</p>" if question else "")
        + '<div class="cols">'
        + f"<div><h4>Expected</h4><ul class=f>{''.join(expected_bits)}</ul><h4>Checks</h4><ul class=f>{''.join(status)}</ul></div>"
        + f"<div><h4>Reported{' (abstained)' if checks.get('abstained') else ''}</h4><div class=draft>{e(c.get('answer'))}</div>"
        + (f"<ul class=f>{cites}</ul>" if cites else "<p><em>no citations</em></p>")
        + (f"<p>Retrieved: {e(', '.join(c.get('retrieved') or []))}</p>" if c.get("retrieved") else "")
        + "</div></div>"
    )


def html_report(result: dict[str, Any], cases_by_id: dict[str, Any] | None = None) -> str:
    """A self-contained page: headline metrics, per-finding table worst first, failed cases, run metadata."""
    cases_by_id = cases_by_id or {}
    m, run = result["metrics"], result["run"]
    ivs = m.get("intervals") or {}
    title = f"CaseReview eval — {run.get('started', '')}"
    out = [f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width,initial-scale=1'><title>{e(title)}</title><style>{CSS}</style></head><body><main>"]
    out.append(f"<h1>{e(title)}</h1>")
    out.append(
        f"<p class=sub>{e(run.get('cases'))} cases · {e(m.get('passed'))} passed · {e(m.get('errors'))} errors · model {e(run.get('model'))} · "
        f"retriever {e((run.get('retrieval') or {}).get('mode'))} · critique engine {e(run.get('critique_engine'))}</p>"
    )
    out.append("<h2>Headline metrics</h2><div class=cards>")
    for key in (*HEADLINE, "findings_precision", "findings_recall", "missing_recall", "retrieval_recall_at_5", "retrieval_map_at_10", "false_abstention_rate", "latency_p50_s", "latency_p95_s", "peak_memory_mb"):
        if key not in m:
            continue
        iv = ivs.get(key)
        head = " head" if key in HEADLINE else ""
        out.append(f"<div class='card{head}'><div class=v>{e(fmt(m.get(key)))}</div><div class=l>{e(LABELS.get(key, key))}</div><div class=i>{e(('95% CI ' + fmt_interval(iv)) if iv else '')}</div></div>")
    out.append("</div>")
    lat = m.get("latency_by_task") or {}
    if lat:
        out.append("<p class=sub>Latency per task: " + e("; ".join(f"{t}: p50 {fmt(v.get('p50_s'))} s, p95 {fmt(v.get('p95_s'))} s over {v.get('cases')}" for t, v in lat.items())) + "</p>")

    pf = result.get("per_finding") or {}
    out.append("<h2>Per finding, worst first</h2>")
    if pf:
        out.append("<table><tr><th>finding</th><th>precision</th><th>recall</th><th>support</th><th>reported</th></tr>")
        for fid, row in worst_first(pf):
            out.append(
                f"<tr><td>{e(fid)}</td><td class='num {_cls(row['precision'])}'>{e(fmt(row['precision'], 2))}</td>"
                f"<td class='num {_cls(row['recall'])}'>{e(fmt(row['recall'], 2))}</td><td class=num>{e(row['support'])}</td><td class=num>{e(row.get('reported', ''))}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p><em>No critique cases in this run.</em></p>")

    failed = [c for c in result["cases"] if not c.get("passed")]
    out.append(f"<h2>Failed cases ({len(failed)})</h2>")
    if not failed:
        out.append("<p>Every case passed.</p>")
    for c in failed:
        case = cases_by_id.get(c["id"])
        label = f"{c['id']} · {c['task']}" + (" · error" if c.get("error") else "") + (f" · {c['seconds']:.2f} s" if isinstance(c.get("seconds"), (int, float)) else "")
        out.append(f"<details><summary>{e(label)}</summary>")
        if c.get("error"):
            out.append(f"<p class=err>{e(c['error'])}</p>")
        if c["task"] == "critique":
            out.append(_critique_case(c, getattr(case, "input", None)))
        else:
            out.append(_ask_case(c, case))
        out.append("</details>")

    out.append("<h2>Run</h2><dl class=meta>")
    for key, value in run.items():
        shown = value if isinstance(value, (str, int, float)) or value is None else json.dumps(value, ensure_ascii=False, default=str)
        out.append(f"<dt>{e(key)}</dt><dd>{e(shown)}</dd>")
    out.append("</dl></main></body></html>")
    return "\n".join(out)


def write_html(result: dict[str, Any], path: str | Path, cases_by_id: dict[str, Any] | None = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_report(result, cases_by_id), encoding="utf-8")
