"""The --compare gate: each metric beside the baseline; non-zero exit when a headline metric falls beyond its interval."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.evaluation.compare import EXIT_REGRESSION, allowed_drop, format_rows, gate, load_result


def result(**metrics):
    intervals = metrics.pop("intervals", {})
    base = {
        "findings_precision": None, "findings_recall": None, "findings_f1": None, "answer_accuracy": None,
        "citation_hit_rate": None, "abstention_accuracy": None, "retrieval_recall_at_5": None,
        "latency_p50_s": 1.0, "latency_p95_s": 2.0,
    }
    base.update(metrics)
    base["intervals"] = intervals
    return {"metrics": base, "per_finding": {}, "run": {"cases": 1}, "cases": []}


BASE = result(findings_f1=0.80, answer_accuracy=0.70, citation_hit_rate=0.90, abstention_accuracy=1.0,
              intervals={"findings_f1": [0.72, 0.86], "answer_accuracy": [0.55, 0.83], "citation_hit_rate": [0.80, 0.97], "abstention_accuracy": [1.0, 1.0]})


def test_allowed_drop_is_distance_to_interval_low():
    assert allowed_drop(BASE["metrics"], "findings_f1") == pytest.approx(0.08)
    assert allowed_drop(BASE["metrics"], "abstention_accuracy") == 0.0
    assert allowed_drop(result(answer_accuracy=0.5)["metrics"], "answer_accuracy") == 0.0


def test_same_or_better_passes():
    code, rows = gate(BASE, BASE)
    assert code == 0 and not any(r.regressed for r in rows)
    better = result(findings_f1=0.9, answer_accuracy=0.8, citation_hit_rate=0.95, abstention_accuracy=1.0)
    assert gate(better, BASE)[0] == 0


def test_drop_within_interval_passes():
    cur = result(findings_f1=0.73, answer_accuracy=0.56, citation_hit_rate=0.81, abstention_accuracy=1.0)
    code, rows = gate(cur, BASE)
    assert code == 0
    f1 = next(r for r in rows if r.metric == "findings_f1")
    assert f1.change == pytest.approx(-0.07) and not f1.regressed


@pytest.mark.parametrize("metric, value", [("findings_f1", 0.71), ("answer_accuracy", 0.54), ("citation_hit_rate", 0.79), ("abstention_accuracy", 0.9)])
def test_drop_beyond_interval_fails(metric, value):
    cur = result(findings_f1=0.80, answer_accuracy=0.70, citation_hit_rate=0.90, abstention_accuracy=1.0)
    cur["metrics"][metric] = value
    code, rows = gate(cur, BASE)
    assert code == EXIT_REGRESSION
    assert [r.metric for r in rows if r.regressed] == [metric]
    assert "REGRESSION" in format_rows(rows)


def test_non_headline_and_null_metrics_never_gate():
    cur = result(findings_f1=None, answer_accuracy=0.70, citation_hit_rate=0.90, abstention_accuracy=1.0, retrieval_recall_at_5=0.0, latency_p50_s=99.0)
    base = json.loads(json.dumps(BASE))
    base["metrics"]["retrieval_recall_at_5"] = 1.0
    code, rows = gate(cur, base)
    assert code == 0
    f1 = next(r for r in rows if r.metric == "findings_f1")
    assert f1.change is None and "n/a" in format_rows(rows)


def test_load_result_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_result(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not an eval result"):
        load_result(bad)


@pytest.fixture
def fake_evaluate(monkeypatch):
    import assistant.evaluation as ev

    current = {}

    def fake(paths, settings=None, **kwargs):
        return current["result"]

    monkeypatch.setattr(ev, "evaluate", fake)
    return current


def _cases(tmp_path):
    p = tmp_path / "cases.yaml"
    p.write_text("- id: q1\n  task: ask\n  input: q?\n  expected: {abstain: true}\n")
    return p


def test_cli_exit_codes(tmp_path, fake_evaluate, capsys):
    base = tmp_path / "baseline.json"
    base.write_text(json.dumps(BASE))
    cases = _cases(tmp_path)
    fake_evaluate["result"] = result(findings_f1=0.80, answer_accuracy=0.70, citation_hit_rate=0.90, abstention_accuracy=1.0)
    assert main(["eval", str(cases), "--compare", str(base), "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Compared with" in out and "No headline metric fell" in out
    fake_evaluate["result"] = result(findings_f1=0.50, answer_accuracy=0.70, citation_hit_rate=0.90, abstention_accuracy=1.0)
    assert main(["eval", str(cases), "--compare", str(base), "--data-dir", str(tmp_path)]) == EXIT_REGRESSION
    assert "Regressed beyond the baseline's interval: findings_f1" in capsys.readouterr().out
    assert main(["eval", str(cases), "--compare", str(tmp_path / "missing.json"), "--data-dir", str(tmp_path)]) == 1
    assert main(["eval", "--data-dir", str(tmp_path)]) == 2


def test_cli_reports_invalid_case_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x1\n  task: ask\n  input: q?\n  expected: {sourcs: [a]}\n")
    assert main(["eval", str(bad), "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "case x1 (#1): expected.sourcs" in err


def test_cli_schema(capsys):
    assert main(["eval", "--schema"]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "array"
