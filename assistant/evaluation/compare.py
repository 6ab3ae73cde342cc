"""``--compare BASELINE.json``: each metric beside the baseline, and a CI gate on the headline ones.

A headline metric (findings F1, answer accuracy, citation hit rate,
abstention accuracy) *regresses* when it falls by more than its interval:
below the lower end of the baseline's bootstrap 95% interval, i.e. the drop
exceeds ``baseline - interval_low``. Without an interval in the baseline any
drop counts. A metric that is null on either side (no cases of its kind in one
of the runs) is shown as n/a and never gates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import HEADLINE
from assistant.evaluation.report import LABELS, fmt

EXIT_REGRESSION = 3
EPS = 1e-9
COMPARED = (
    "findings_f1",
    "findings_precision",
    "findings_recall",
    "missing_recall",
    "answer_accuracy",
    "citation_hit_rate",
    "abstention_accuracy",
    "retrieval_recall_at_5",
    "retrieval_map_at_10",
    "false_abstention_rate",
    "latency_p50_s",
    "latency_p95_s",
    "peak_memory_mb",
)


@dataclass
class Row:
    metric: str
    baseline: float | None
    current: float | None
    change: float | None
    allowed_drop: float | None
    regressed: bool


def load_result(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"baseline not found: {path}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not a JSON eval result ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise ValueError(f"{path}: not an eval result (no 'metrics' object); make one with `casereview eval ... --json {path}`")
    return data


def allowed_drop(baseline_metrics: dict[str, Any], metric: str) -> float:
    """How far ``metric`` may fall before it counts: the baseline value minus its interval's lower end."""
    value = baseline_metrics.get(metric)
    iv = (baseline_metrics.get("intervals") or {}).get(metric)
    if value is None or not iv:
        return 0.0
    return max(0.0, float(value) - float(iv[0]))


def compare(current: dict[str, Any], baseline: dict[str, Any]) -> list[Row]:
    cm, bm = current["metrics"], baseline["metrics"]
    rows = []
    for key in COMPARED:
        if key not in cm and key not in bm:
            continue
        b, c = bm.get(key), cm.get(key)
        change = None if b is None or c is None else round(float(c) - float(b), 4)
        drop = allowed_drop(bm, key) if key in HEADLINE else None
        regressed = key in HEADLINE and change is not None and -change > (drop or 0.0) + EPS
        rows.append(Row(key, b, c, change, drop, regressed))
    return rows


def format_rows(rows: list[Row], baseline_path: str = "baseline") -> str:
    lines = [f"Compared with {baseline_path}:", "", "| metric | baseline | this run | change | allowed drop | |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        change = "n/a" if r.change is None else f"{r.change:+.3f}"
        drop = "" if r.allowed_drop is None else f"{r.allowed_drop:.3f}"
        flag = "REGRESSION" if r.regressed else ("headline" if r.metric in HEADLINE else "")
        lines.append(f"| {LABELS.get(r.metric, r.metric)} | {fmt(r.baseline)} | {fmt(r.current)} | {change} | {drop} | {flag} |")
    bad = [r.metric for r in rows if r.regressed]
    lines.append("")
    lines.append(f"Regressed beyond the baseline's interval: {', '.join(bad)}" if bad else "No headline metric fell beyond its interval.")
    return "\n".join(lines) + "\n"


def gate(current: dict[str, Any], baseline: dict[str, Any]) -> tuple[int, list[Row]]:
    """(exit code, rows): EXIT_REGRESSION when any headline metric regressed, else 0."""
    rows = compare(current, baseline)
    return (EXIT_REGRESSION if any(r.regressed for r in rows) else 0), rows
