"""The CI gate: every shipped case, default configuration, against the committed baseline.

Fails when a headline metric (findings F1, answer accuracy, citation hit rate,
abstention accuracy) falls below the baseline by more than its bootstrap
interval. Regenerate the baseline with `python benchmarks/eval_results.py`
when a change improves the figures on purpose.
"""

from pathlib import Path

from assistant.evaluation import evaluate
from assistant.evaluation.compare import format_rows, gate, load_result

REPO = Path(__file__).resolve().parents[2]


def test_shipped_cases_do_not_regress(shared_assistant, tmp_path):
    cases = sorted(str(p) for p in (REPO / "evals").glob("*.yaml"))
    result = evaluate(cases, assistant=shared_assistant, workers=2, json_out=tmp_path / "run.json", progress=False)
    baseline = load_result(REPO / "evals" / "baseline.json")
    code, rows = gate(result, baseline)
    assert code == 0, "headline metric regressed:\n" + format_rows(rows, "evals/baseline.json")
    assert result["metrics"]["errors"] == 0
