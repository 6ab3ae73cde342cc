"""JSON result shape, HTML escaping and highlighting, Markdown summary."""

from __future__ import annotations

from assistant.evaluation.cases import parse_cases
from assistant.evaluation.metrics import compute_metrics
from assistant.evaluation.report import build_result, highlight, html_report, markdown_summary

DRAFT = "Intro <b>bold</b>. Ms Patel failed & was blamed. End."


def _result():
    cases = parse_cases(
        [
            {"id": "c1", "task": "critique", "input": DRAFT, "expected": {"findings": ["issue:blame-individuals", "missing:action-plan"]}},
            {"id": "q1", "task": "ask", "input": "What <script>?", "expected": {"answer_contains": [["six months"]], "sources": ["a.txt"]}},
        ]
    )
    start = DRAFT.index("Ms Patel")
    results = [
        {"id": "c1", "task": "critique", "passed": False, "reported": ["issue:blame-individuals", "issue:tone-inappropriate"], "expected": ["issue:blame-individuals", "missing:action-plan"],
         "allowed": [], "answer": None, "citations": [], "seconds": 1.5, "error": None,
         "evidence": [{"start": start, "end": start + 30, "finding": "issue:blame-individuals"}, {"start": 0, "end": 18, "finding": "present:intro"}]},
        {"id": "q1", "task": "ask", "passed": False, "reported": ["b.txt"], "expected": ["a.txt"], "answer": "<script>alert(1)</script>", "seconds": 0.5, "error": "ValueError: <oops>",
         "citations": [{"key": 1, "doc_id": "b.txt", "location": "x", "quote": "<q>"}],
         "checks": {"answer": False, "citation": False, "abstention": None, "retrieval_at_5": True, "average_precision": 1.0, "false_abstention": False, "abstained": False}},
    ]
    metrics, pf = compute_metrics(results)
    run = {"model": "none", "corpus": "cr-x-g1", "started": "2025-01-01T00:00:00+00:00", "cases": 2, "git": {"commit": "<abc>"}}
    return build_result(results, metrics, pf, run), {c.id: c for c in cases}


def test_json_result_shape():
    result, _ = _result()
    assert list(result) == ["metrics", "per_finding", "run", "cases"]
    assert list(result["run"])[:4] == ["model", "corpus", "started", "cases"]
    for case in result["cases"]:
        assert list(case)[:8] == ["id", "task", "passed", "reported", "expected", "answer", "citations", "seconds"]
    assert result["per_finding"]["missing:action-plan"] == {"precision": None, "recall": 0.0, "support": 1, "reported": 0}


def test_html_escapes_everything_and_highlights():
    result, cases = _result()
    page = html_report(result, cases)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "ValueError: &lt;oops&gt;" in page and "&lt;abc&gt;" in page
    assert '<mark class="issue" title="issue:blame-individuals">Ms Patel failed &amp; was blamed' in page
    assert "(not reported)" in page and "(not expected)" in page
    assert page.index("missing:action-plan") < page.index("issue:blame-individuals</td>")  # worst first


def test_highlight_overlaps_and_bounds():
    text = "abcdefghij"
    out = highlight(text, [{"start": 2, "end": 6, "finding": "present:x"}, {"start": 4, "end": 99, "finding": "issue:y"}, {"start": 5, "end": 5, "finding": "issue:z"}])
    assert out == 'ab<mark class="present" title="present:x">cd</mark><mark class="issue" title="issue:y, present:x">ef</mark><mark class="issue" title="issue:y">ghij</mark>'
    assert highlight("<a>", []) == "&lt;a&gt;"


def test_markdown_summary():
    result, _ = _result()
    md = markdown_summary(result)
    assert "| Findings F1 |" in md and "| Answer accuracy | 0.000 |" in md
    assert "Failed (2): c1, q1 (error)" in md
