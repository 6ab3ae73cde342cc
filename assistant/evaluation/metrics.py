"""Scoring: per-case checks and the run's metrics (shared/spec/eval-cases.md, "Scoring").

Everything here works on case results as plain dicts (the ``cases`` entries of
the JSON result), so a checkpoint or an old result file can be re-scored.

Definitions
-----------
Critique cases, micro-averaged over all cases (``partial:X`` and ``missing:X``
are the same finding; each case's findings are a set):

- precision = reported findings that are expected or allowed / reported findings
- recall = expected findings that were reported / expected findings
- F1 = 2PR / (P + R)  (0 when P + R = 0)
- with no reported findings at all, precision is 1 when nothing was expected
  and 0 otherwise; with nothing expected, recall is 1.
- an ``allowed`` finding that is also expected counts as expected.
- ``missing_recall``: recall over expected ``missing:``/``partial:`` findings alone.
- per finding: precision = cases reporting it where it is expected or allowed /
  cases reporting it; recall = cases expecting it that report it / cases
  expecting it (= support). ``None`` when the denominator is 0.

Question cases (each a share of the cases the check applies to):

- answer accuracy: every ``answer_contains`` group has one string in the answer
  text (case-insensitive, whitespace collapsed); cases with answer_contains.
- citation hit rate: a cited document is one of ``sources``; cases with sources.
- abstention accuracy: the answer abstained, its text says "does not say", and
  it cites nothing; cases with ``abstain: true``.
- retrieval recall@5: an expected source is among the top 5 retrieved chunks.
- retrieval MAP@10: mean over cases with sources of the average precision of the
  top 10 chunks (relevant = chunk of an expected source), averaged over the
  relevant chunks retrieved (0 when none is).

A metric with no cases of its kind is ``None`` (``null`` in JSON). Intervals
are percentile bootstrap 95% intervals over cases, with a fixed seed.
"""

from __future__ import annotations

import math

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

HEADLINE = ("findings_f1", "answer_accuracy", "citation_hit_rate", "abstention_accuracy")
INTERVAL_METRICS = ("findings_precision", "findings_recall", "findings_f1", "missing_recall", "answer_accuracy", "citation_hit_rate", "abstention_accuracy", "retrieval_recall_at_5", "retrieval_map_at_10")
BOOTSTRAP_SEED = 20240517
BOOTSTRAP_SAMPLES = 1000
ABSTAIN_PHRASE = "does not say"
RECALL_K = 5
MAP_K = 10

Result = dict[str, Any]


# -- per-case checks ----------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def answer_satisfies(text: str, groups: Sequence[Sequence[str]]) -> bool:
    """True when every group has at least one of its strings in ``text`` (case-insensitive)."""
    haystack = _norm(text or "")
    return all(any(_norm(s) in haystack for s in group) for group in groups)


def citation_hit(cited: Iterable[str], sources: Iterable[str]) -> bool:
    return bool(set(cited) & set(sources))


def abstention_ok(abstained: bool, text: str, n_citations: int) -> bool:
    """Abstained, says explicitly that the guidance does not say, and cites nothing."""
    return bool(abstained) and ABSTAIN_PHRASE in _norm(text or "") and n_citations == 0


def retrieval_hit(retrieved: Sequence[str], sources: Iterable[str], k: int = RECALL_K) -> bool:
    wanted = set(sources)
    return any(d in wanted for d in list(retrieved)[:k])


def average_precision(retrieved: Sequence[str], sources: Iterable[str], k: int = MAP_K) -> float:
    """AP of a ranked list of document ids (one per chunk): mean precision at each relevant rank."""
    wanted = set(sources)
    hits = 0
    total = 0.0
    for rank, doc in enumerate(list(retrieved)[:k], start=1):
        if doc in wanted:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def canonical(finding: str) -> str:
    """``partial:X`` and ``missing:X`` are one finding; both become ``missing:X``."""
    return "missing:" + finding[len("partial:"):] if finding.startswith("partial:") else finding


def finding_sets(case: Result) -> tuple[set[str], set[str], set[str]]:
    """(reported, expected, allowed-but-not-expected), canonical."""
    reported = {canonical(f) for f in case.get("reported") or []}
    expected = {canonical(f) for f in case.get("expected") or []}
    allowed = {canonical(f) for f in case.get("allowed") or []} - expected
    return reported, expected, allowed


def critique_passed(case: Result) -> bool:
    reported, expected, allowed = finding_sets(case)
    return not case.get("error") and expected <= reported and reported <= (expected | allowed)


# -- critique metrics -----------------------------------------------------------
def _critique(cases: Iterable[Result]) -> list[Result]:
    return [c for c in cases if c.get("task") == "critique"]


def _ask(cases: Iterable[Result]) -> list[Result]:
    return [c for c in cases if c.get("task") == "ask"]


def _counts(case: Result, only_missing: bool = False) -> tuple[int, int, int, int]:
    """(true positives, reported that are expected-or-allowed, reported, expected)."""
    reported, expected, allowed = finding_sets(case)
    if only_missing:
        expected = {f for f in expected if f.startswith("missing:")}
    tp = len(reported & expected)
    return tp, len(reported & (expected | allowed)), len(reported), len(expected)


def _prf(tp: float, correct: float, reported: float, expected: float) -> tuple[float, float, float]:
    p = correct / reported if reported else (1.0 if expected == 0 else 0.0)
    r = tp / expected if expected else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def findings_scores(cases: Iterable[Result]) -> dict[str, float | None]:
    """findings_precision / recall / f1 and missing_recall (micro); None without critique cases."""
    crit = _critique(cases)
    if not crit:
        return {"findings_precision": None, "findings_recall": None, "findings_f1": None, "missing_recall": None}
    tp, correct, reported, expected = (sum(x) for x in zip(*(_counts(c) for c in crit)))
    p, r, f = _prf(tp, correct, reported, expected)
    mtp, _, _, mexp = (sum(x) for x in zip(*(_counts(c, only_missing=True) for c in crit)))
    return {"findings_precision": p, "findings_recall": r, "findings_f1": f, "missing_recall": (mtp / mexp) if mexp else None}


def per_finding(cases: Iterable[Result]) -> dict[str, dict[str, Any]]:
    """Precision, recall and support of each finding id (canonical), sorted by id."""
    stats: dict[str, dict[str, int]] = {}

    def slot(fid: str) -> dict[str, int]:
        return stats.setdefault(fid, {"reported": 0, "correct": 0, "expected": 0, "found": 0})

    for case in _critique(cases):
        reported, expected, allowed = finding_sets(case)
        for fid in reported:
            s = slot(fid)
            s["reported"] += 1
            s["correct"] += fid in expected or fid in allowed
        for fid in expected:
            s = slot(fid)
            s["expected"] += 1
            s["found"] += fid in reported
    return {
        fid: {
            "precision": s["correct"] / s["reported"] if s["reported"] else None,
            "recall": s["found"] / s["expected"] if s["expected"] else None,
            "support": s["expected"],
            "reported": s["reported"],
        }
        for fid, s in sorted(stats.items())
    }


def worst_first(table: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Per-finding rows, worst first: lowest of precision/recall, then most support."""

    def key(item: tuple[str, dict[str, Any]]) -> tuple[float, int, str]:
        _, row = item
        known = [v for v in (row["precision"], row["recall"]) if v is not None]
        return (min(known) if known else 1.0, -row["support"], item[0])

    return sorted(table.items(), key=key)


# -- question metrics -------------------------------------------------------------
def _rate(cases: Iterable[Result], check: str) -> float | None:
    values = [c["checks"][check] for c in _ask(cases) if (c.get("checks") or {}).get(check) is not None]
    return sum(bool(v) for v in values) / len(values) if values else None


def _mean(cases: Iterable[Result], check: str) -> float | None:
    values = [float(c["checks"][check]) for c in _ask(cases) if (c.get("checks") or {}).get(check) is not None]
    return sum(values) / len(values) if values else None


def ask_scores(cases: Iterable[Result]) -> dict[str, float | None]:
    cases = list(cases)
    return {
        "answer_accuracy": _rate(cases, "answer"),
        "citation_hit_rate": _rate(cases, "citation"),
        "abstention_accuracy": _rate(cases, "abstention"),
        "retrieval_recall_at_5": _rate(cases, "retrieval_at_5"),
        "retrieval_map_at_10": _mean(cases, "average_precision"),
        "false_abstention_rate": _rate(cases, "false_abstention"),
    }


# -- latency, intervals -----------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def latency(cases: Iterable[Result]) -> dict[str, Any]:
    cases = list(cases)
    out: dict[str, Any] = {}
    secs = [float(c["seconds"]) for c in cases if c.get("seconds") is not None and not c.get("error")]
    out["latency_p50_s"] = percentile(secs, 50)
    out["latency_p95_s"] = percentile(secs, 95)
    by_task: dict[str, dict[str, float | None]] = {}
    for task in sorted({c.get("task") for c in cases}):
        ts = [float(c["seconds"]) for c in cases if c.get("task") == task and c.get("seconds") is not None and not c.get("error")]
        by_task[task] = {"p50_s": percentile(ts, 50), "p95_s": percentile(ts, 95), "cases": len(ts)}
    out["latency_by_task"] = by_task
    return out


def bootstrap_interval(
    cases: Sequence[Result], metric: Callable[[list[Result]], float | None], samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED
) -> list[float] | None:
    """Percentile bootstrap 95% interval of ``metric`` over resampled cases (fixed seed)."""
    cases = list(cases)
    if not cases or metric(cases) is None:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(samples):
        pick = rng.integers(0, len(cases), len(cases))
        v = metric([cases[i] for i in pick])
        if v is not None:
            values.append(v)
    if not values:
        return None
    return [round(float(np.percentile(values, 2.5)), 4), round(float(np.percentile(values, 97.5)), 4)]


def intervals(cases: Sequence[Result], samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> dict[str, list[float] | None]:
    crit = _critique(cases)
    ask = _ask(cases)
    out: dict[str, list[float] | None] = {}
    for name in INTERVAL_METRICS:
        if name in ("findings_precision", "findings_recall", "findings_f1", "missing_recall"):
            out[name] = bootstrap_interval(crit, lambda cs, n=name: findings_scores(cs)[n], samples, seed)
        else:
            relevant = [c for c in ask if (c.get("checks") or {}).get(_CHECK_OF[name]) is not None]
            out[name] = bootstrap_interval(relevant, lambda cs, n=name: ask_scores(cs)[n], samples, seed)
    return out


_CHECK_OF = {
    "answer_accuracy": "answer",
    "citation_hit_rate": "citation",
    "abstention_accuracy": "abstention",
    "retrieval_recall_at_5": "retrieval_at_5",
    "retrieval_map_at_10": "average_precision",
}


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    return v


def compute_metrics(cases: Sequence[Result], with_intervals: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metrics, per_finding) for the JSON result: the spec's keys first, then extras."""
    cases = list(cases)
    f = findings_scores(cases)
    a = ask_scores(cases)
    lat = latency(cases)
    metrics: dict[str, Any] = {
        "findings_precision": f["findings_precision"],
        "findings_recall": f["findings_recall"],
        "findings_f1": f["findings_f1"],
        "answer_accuracy": a["answer_accuracy"],
        "citation_hit_rate": a["citation_hit_rate"],
        "abstention_accuracy": a["abstention_accuracy"],
        "retrieval_recall_at_5": a["retrieval_recall_at_5"],
        "latency_p50_s": lat["latency_p50_s"],
        "latency_p95_s": lat["latency_p95_s"],
        # extras
        "missing_recall": f["missing_recall"],
        "retrieval_map_at_10": a["retrieval_map_at_10"],
        "false_abstention_rate": a["false_abstention_rate"],
        "latency_by_task": lat["latency_by_task"],
        "cases_by_task": {t: sum(1 for c in cases if c.get("task") == t) for t in ("critique", "ask")},
        "passed": sum(1 for c in cases if c.get("passed")),
        "errors": sum(1 for c in cases if c.get("error")),
    }
    if with_intervals:
        metrics["intervals"] = intervals(cases)
    metrics = _round(metrics)
    return metrics, _round(per_finding(cases))


