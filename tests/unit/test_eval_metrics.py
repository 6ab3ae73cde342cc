"""Scoring on hand-made reported/expected sets, with exact expected numbers."""

from __future__ import annotations

import pytest

from assistant.evaluation.metrics import (
    abstention_ok,
    answer_satisfies,
    average_precision,
    bootstrap_interval,
    canonical,
    compute_metrics,
    critique_passed,
    findings_scores,
    per_finding,
    percentile,
    retrieval_hit,
    worst_first,
)


def crit(reported, expected, allowed=(), error=None, seconds=1.0):
    case = {"id": "c", "task": "critique", "reported": list(reported), "expected": list(expected), "allowed": list(allowed), "error": error, "seconds": seconds}
    case["passed"] = critique_passed(case)
    return case


def ask(answer=None, citation=None, abstention=None, retrieval=None, ap=None, seconds=1.0, false_abstention=None):
    checks = {"answer": answer, "citation": citation, "abstention": abstention, "retrieval_at_5": retrieval, "average_precision": ap, "false_abstention": false_abstention}
    return {"id": "q", "task": "ask", "checks": checks, "seconds": seconds, "error": None, "passed": True}


# case 1: E={missing:a, missing:b, issue:x}, allowed {missing:c}, R={missing:a, missing:b, missing:c, issue:y}
C1 = crit(["partial:a", "missing:b", "missing:c", "issue:y"], ["missing:a", "partial:b", "issue:x"], allowed=["partial:c"])
# case 2: E={issue:x}, R={issue:x, missing:d}
C2 = crit(["issue:x", "missing:d"], ["issue:x"])
# case 3: a strong draft judged right
C3 = crit([], [])


def test_partial_and_missing_are_one_finding():
    assert canonical("partial:action-plan") == "missing:action-plan"
    assert canonical("missing:action-plan") == "missing:action-plan"
    assert canonical("issue:tone-inappropriate") == "issue:tone-inappropriate"
    assert critique_passed(crit(["partial:a"], ["missing:a"]))


def test_micro_precision_recall_f1_exact():
    s = findings_scores([C1, C2, C3])
    # tp = 2 + 1 = 3; reported that are expected or allowed = 3 + 1 = 4; reported = 4 + 2 = 6; expected = 3 + 1 = 4
    assert s["findings_precision"] == pytest.approx(4 / 6)
    assert s["findings_recall"] == pytest.approx(3 / 4)
    assert s["findings_f1"] == pytest.approx(12 / 17)
    assert s["missing_recall"] == pytest.approx(1.0)  # missing:a and missing:b (expected partial:b) both reported


def test_allowed_is_not_penalised():
    with_allowed = findings_scores([crit(["missing:a", "missing:c"], ["missing:a"], allowed=["missing:c"])])
    assert with_allowed["findings_precision"] == 1.0
    assert with_allowed["findings_recall"] == 1.0
    without = findings_scores([crit(["missing:a", "missing:c"], ["missing:a"])])
    assert without["findings_precision"] == 0.5
    assert critique_passed(crit(["missing:a", "partial:c"], ["missing:a"], allowed=["missing:c"]))
    assert critique_passed(crit(["missing:a"], ["missing:a"], allowed=["missing:c"]))


def test_missing_only_recall_ignores_issues():
    s = findings_scores([crit(["issue:x"], ["missing:a", "partial:b", "issue:x", "issue:z"]), crit(["missing:b"], ["partial:b"])])
    assert s["missing_recall"] == pytest.approx(1 / 3)  # 0 of {a, b} then 1 of {b}
    assert s["findings_recall"] == pytest.approx(2 / 5)


def test_nothing_reported_and_errors():
    s = findings_scores([crit([], ["missing:a"], error="ImportError: no module")])
    assert (s["findings_precision"], s["findings_recall"], s["findings_f1"]) == (0.0, 0.0, 0.0)
    s = findings_scores([C3])
    assert (s["findings_precision"], s["findings_recall"], s["findings_f1"]) == (1.0, 1.0, 1.0)
    assert not crit([], [], error="boom")["passed"]


def test_per_finding_exact():
    pf = per_finding([C1, C2, C3])
    assert pf["missing:a"] == {"precision": 1.0, "recall": 1.0, "support": 1, "reported": 1}
    assert pf["missing:c"] == {"precision": 1.0, "recall": None, "support": 0, "reported": 1}  # allowed
    assert pf["issue:y"] == {"precision": 0.0, "recall": None, "support": 0, "reported": 1}
    assert pf["issue:x"] == {"precision": 1.0, "recall": 0.5, "support": 2, "reported": 1}
    assert pf["missing:d"]["precision"] == 0.0
    assert "partial:b" not in pf and pf["missing:b"]["support"] == 1
    order = [fid for fid, _ in worst_first(pf)]
    assert order[:2] == ["issue:y", "missing:d"]
    assert order.index("issue:x") < order.index("missing:a")


def test_answer_checks():
    assert answer_satisfies("It must be completed within Six\n months. [1]", [["six months", "6 months"]])
    assert not answer_satisfies("within six months", [["six months"], ["four months", "4 months"]])
    assert answer_satisfies("anything", [])
    assert abstention_ok(True, "The guidance in this corpus does not say. Nothing is cited.", 0)
    assert not abstention_ok(True, "I cannot help.", 0)
    assert not abstention_ok(False, "The guidance does not say.", 0)
    assert not abstention_ok(True, "The guidance does not say.", 1)


def test_retrieval_checks():
    ranked = ["x", "a", "y", "a", "z", "b"]
    assert retrieval_hit(ranked, ["a"], 5)
    assert not retrieval_hit(ranked, ["b"], 5)
    assert retrieval_hit(ranked, ["b"], 6)
    assert average_precision(ranked, ["a"]) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert average_precision(ranked, ["a", "x"]) == pytest.approx((1 + 1 + 3 / 4) / 3)
    assert average_precision(ranked, ["q"]) == 0.0


def test_ask_rates_and_nulls():
    cases = [
        ask(answer=True, citation=True, retrieval=True, ap=1.0, false_abstention=False, seconds=1.0),
        ask(answer=False, citation=True, retrieval=False, ap=0.0, false_abstention=True, seconds=2.0),
        ask(answer=True, citation=False, retrieval=True, ap=0.5, false_abstention=False, seconds=3.0),
        ask(abstention=True, seconds=4.0),
        ask(abstention=False, seconds=10.0),
    ]
    m, pf = compute_metrics(cases)
    assert m["answer_accuracy"] == pytest.approx(0.6667)
    assert m["citation_hit_rate"] == pytest.approx(0.6667)
    assert m["abstention_accuracy"] == 0.5
    assert m["retrieval_recall_at_5"] == pytest.approx(0.6667)
    assert m["retrieval_map_at_10"] == 0.5
    assert m["false_abstention_rate"] == pytest.approx(0.3333)
    assert m["latency_p50_s"] == 3.0
    assert m["latency_p95_s"] == pytest.approx(8.8)  # linear interpolation between 4 and 10
    for key in ("findings_precision", "findings_recall", "findings_f1"):
        assert m[key] is None  # no critique cases
    assert pf == {}
    assert m["intervals"]["findings_f1"] is None
    assert m["intervals"]["answer_accuracy"] is not None


def test_spec_keys_null_without_cases():
    m, pf = compute_metrics([C1, C2])
    assert m["answer_accuracy"] is None and m["citation_hit_rate"] is None
    assert m["abstention_accuracy"] is None and m["retrieval_recall_at_5"] is None
    assert list(m)[:9] == [
        "findings_precision", "findings_recall", "findings_f1", "answer_accuracy", "citation_hit_rate",
        "abstention_accuracy", "retrieval_recall_at_5", "latency_p50_s", "latency_p95_s",
    ]
    m, pf = compute_metrics([])
    assert m["findings_f1"] is None and m["latency_p50_s"] is None


def test_percentile_exact():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([], 50) is None


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    cases = [ask(answer=i % 3 != 0) for i in range(30)]
    metric = lambda cs: sum(c["checks"]["answer"] for c in cs) / len(cs)  # noqa: E731
    a = bootstrap_interval(cases, metric)
    b = bootstrap_interval(cases, metric)
    assert a == b
    assert a[0] < 20 / 30 < a[1]
    assert bootstrap_interval([ask(answer=True)] * 5, metric) == [1.0, 1.0]
    assert bootstrap_interval([], metric) is None
