"""Regenerate evals/RESULTS.md and evals/baseline.json from real eval runs.

    python benchmarks/eval_results.py                    # every configuration, from scratch
    python benchmarks/eval_results.py --default-json run.json   # reuse a finished default run

Runs, each against the index of the current settings (``casereview ingest`` first):

- the default configuration on every shipped case (evals/*.yaml): its result,
  cases trimmed to the spec's keys, becomes evals/baseline.json, the CI gate
  (``casereview eval evals/*.yaml --compare evals/baseline.json``);
- retrieval baselines on the question cases: ``--retriever bm25|dense|hybrid``;
- the detectors-only critique engine on the critique cases: ``--engine detectors``.

A baseline whose settings equal the default configuration's is scored from the
default run's results for its cases (same settings, same cases, deterministic
engines) rather than run twice; RESULTS.md says so on that row.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EVALS = REPO / "evals"
sys.path.insert(0, str(REPO))

from assistant.evaluation import evaluate  # noqa: E402
from assistant.evaluation.metrics import compute_metrics, worst_first  # noqa: E402
from assistant.evaluation.report import SPEC_CASE_KEYS, fmt, fmt_interval  # noqa: E402
from assistant.evaluation.runner import config_key, configure  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def rel(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(REPO)) for p in paths]


def trimmed(result: dict[str, Any]) -> dict[str, Any]:
    """The baseline keeps metrics, per_finding and run whole; cases only with the spec's keys plus error."""
    cases = [{**{k: c.get(k) for k in SPEC_CASE_KEYS}, "error": c.get("error")} for c in result["cases"]]
    for c in cases:
        c["citations"] = [ci.get("doc_id") if isinstance(ci, dict) else ci for ci in c["citations"] or []]
        c["answer"] = None
    return {**result, "cases": cases}


def subset(default: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    cases = [c for c in default["cases"] if c["id"] in ids]
    metrics, pf = compute_metrics(cases)
    metrics["peak_memory_mb"] = default["metrics"].get("peak_memory_mb")
    return {"metrics": metrics, "per_finding": pf, "run": default["run"], "cases": cases}


def case_ids(paths: list[Path]) -> set[str]:
    from assistant.evaluation.cases import load_cases

    return {c.id for c in load_cases(paths)}


def row(m: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    ivs = m.get("intervals") or {}
    return [f"{fmt(m.get(k))} {fmt_interval(ivs.get(k))}".strip() for k in keys]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--default-json", type=Path, help="A finished default-configuration run of evals/*.yaml to reuse (its settings must equal the default's).")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=EVALS / "RESULTS.md")
    ap.add_argument("--baseline", type=Path, default=EVALS / "baseline.json")
    args = ap.parse_args(argv)

    settings = load_settings()
    default_key = config_key(settings)
    all_files = sorted(EVALS.glob("*.yaml"))
    ask_files = sorted(EVALS.glob("ask-*.yaml"))
    crit_files = sorted(EVALS.glob("critique-*.yaml"))

    if args.default_json:
        default = json.loads(args.default_json.read_text(encoding="utf-8"))
        if default["run"].get("config_key") != default_key:
            print(f"{args.default_json}: made with other settings than the default configuration; run without --default-json", file=sys.stderr)
            return 1
        if set(default["run"].get("case_files", {})) != set(rel(all_files)) and set(default["run"].get("case_files", {})) != {str(p) for p in rel(all_files)}:
            print(f"note: {args.default_json} ran case files {sorted(default['run'].get('case_files', {}))}", file=sys.stderr)
    else:
        print("eval: default configuration, all cases", file=sys.stderr)
        default = evaluate(rel(all_files), settings, workers=args.workers)

    runs: list[tuple[str, str, dict[str, Any], bool]] = []  # (label, command, result, from default)
    ask_ids, crit_ids = case_ids(ask_files), case_ids(crit_files)
    for mode in ("bm25", "dense", "hybrid"):
        s = configure(settings, retriever=mode)
        cmd = f"casereview eval evals/ask-*.yaml --retriever {mode}"
        if config_key(s) == default_key:
            runs.append((f"retriever {mode}", cmd, subset(default, ask_ids), True))
        else:
            print(f"eval: --retriever {mode}, question cases", file=sys.stderr)
            runs.append((f"retriever {mode}", cmd, evaluate(rel(ask_files), s, workers=args.workers), False))
    s = configure(settings, engine="detectors")
    cmd = "casereview eval evals/critique-*.yaml --engine detectors"
    if config_key(s) == default_key:
        runs.append(("engine detectors", cmd, subset(default, crit_ids), True))
    else:
        print("eval: --engine detectors, critique cases", file=sys.stderr)
        runs.append(("engine detectors", cmd, evaluate(rel(crit_files), s, workers=args.workers), False))

    by_file = [(path.name, subset(default, case_ids([path]))) for path in crit_files + ask_files]
    args.baseline.write_text(json.dumps(trimmed(default), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    args.out.write_text(render(default, runs, by_file), encoding="utf-8")
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out} and {args.baseline.relative_to(REPO) if args.baseline.is_relative_to(REPO) else args.baseline}", file=sys.stderr)
    return 0


def render(default: dict[str, Any], runs: list[tuple[str, str, dict[str, Any], bool]], by_file: list[tuple[str, dict[str, Any]]] | None = None) -> str:
    run = default["run"]
    m = default["metrics"]
    git = run.get("git") or {}
    machine = run.get("machine") or {}
    out = [
        "# Eval results",
        "",
        "<!-- Generated by `python benchmarks/eval_results.py`; do not edit by hand. -->",
        "",
        f"Generated {datetime.now(timezone.utc).isoformat(timespec='seconds')} at commit `{(git.get('commit') or 'unknown')[:12]}`"
        + (" (with uncommitted changes)" if git.get("dirty") else "")
        + f"; corpus {run.get('corpus')}; embedder {run.get('embedder')}; model {run.get('model')};"
        + f" machine {machine.get('platform')}, {machine.get('cpus')} CPUs, Python {machine.get('python')}.",
        "",
        "Figures are shares of cases; brackets are bootstrap 95% intervals over cases (fixed seed). "
        "Definitions: `assistant/evaluation/metrics.py` and `shared/spec/eval-cases.md`.",
        "",
        "## Default configuration",
        "",
        "```",
        "casereview ingest",
        "casereview eval evals/*.yaml --json evals/baseline.json   # the script writes baseline.json with cases trimmed",
        "```",
        "",
        f"{run.get('cases')} cases ({m.get('cases_by_task', {}).get('ask', 0)} question, {m.get('cases_by_task', {}).get('critique', 0)} critique); "
        f"{m.get('passed')} passed; {m.get('errors')} errors; retriever {(run.get('retrieval') or {}).get('mode')}; critique engine {run.get('critique_engine')}.",
        "",
        "| metric | value |",
        "| --- | --- |",
    ]
    ivs = m.get("intervals") or {}
    for key, label in (
        ("findings_precision", "findings precision"),
        ("findings_recall", "findings recall"),
        ("findings_f1", "findings F1"),
        ("missing_recall", "recall on missing:* alone"),
        ("answer_accuracy", "answer accuracy"),
        ("citation_hit_rate", "citation hit rate"),
        ("abstention_accuracy", "abstention accuracy"),
        ("false_abstention_rate", "false abstention rate (answerable cases)"),
        ("retrieval_recall_at_5", "retrieval recall@5"),
        ("retrieval_map_at_10", "retrieval MAP@10"),
        ("latency_p50_s", "latency p50 (s)"),
        ("latency_p95_s", "latency p95 (s)"),
        ("peak_memory_mb", "peak memory (MB, RSS)"),
    ):
        out.append(f"| {label} | {fmt(m.get(key))} {fmt_interval(ivs.get(key))} |")
    lat = m.get("latency_by_task") or {}
    if lat:
        out += ["", "Latency per task: " + "; ".join(f"{t} p50 {fmt(v.get('p50_s'))} s, p95 {fmt(v.get('p95_s'))} s" for t, v in lat.items()) + "."]

    out += ["", "## Retrieval baselines (question cases)", "", "| configuration | command | answer accuracy | citation hit rate | abstention accuracy | recall@5 | MAP@10 | latency p50 (s) |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label, cmd, res, reused in runs:
        if not label.startswith("retriever"):
            continue
        cells = row(res["metrics"], ("answer_accuracy", "citation_hit_rate", "abstention_accuracy", "retrieval_recall_at_5", "retrieval_map_at_10", "latency_p50_s"))
        out.append(f"| {label}{' (default; scored from the default run)' if reused else ''} | `{cmd}` | " + " | ".join(cells) + " |")

    out += ["", "## Critique engine baseline (critique cases)", "", "| configuration | command | precision | recall | F1 | missing recall | latency p50 (s) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    crit_res = None
    for label, cmd, res, reused in runs:
        if not label.startswith("engine"):
            continue
        crit_res = res
        cells = row(res["metrics"], ("findings_precision", "findings_recall", "findings_f1", "missing_recall", "latency_p50_s"))
        out.append(f"| {label}{' (default; scored from the default run)' if reused else ''} | `{cmd}` | " + " | ".join(cells) + " |")
    if by_file:
        out += [
            "",
            "### By case file",
            "",
            "`critique-dev-*` (executive-summary profile) and `critique-lcspr.yaml` (LCSPR profile) are the development sets the",
            "detectors were tuned on; `critique-holdout.yaml`, `critique-lcspr-holdout.yaml` and `ask-holdout.yaml` were written by",
            "other authors and never tuned on: they are the figures that say whether the checker and the answerer generalise.",
            "",
            "| case file | cases | findings precision | recall | F1 | missing recall | answer accuracy | abstention accuracy |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, res in by_file:
            m2 = res["metrics"]
            cells = row(m2, ("findings_precision", "findings_recall", "findings_f1", "missing_recall", "answer_accuracy", "abstention_accuracy"))
            out.append(f"| {name} | {len(res['cases'])} | " + " | ".join(cells) + " |")
    pf = (crit_res or default).get("per_finding") or {}
    if pf:
        out += ["", "### Per finding, worst first", "", "| finding | precision | recall | support |", "| --- | --- | --- | --- |"]
        for fid, r in worst_first(pf):
            out.append(f"| {fid} | {fmt(r['precision'], 2)} | {fmt(r['recall'], 2)} | {r['support']} |")
    errors = sorted({c.get("error") for c in default["cases"] if c.get("error")})
    if errors:
        out += ["", "## Errors in the default run", ""] + [f"- `{e}`" for e in errors[:10]]
    out += [
        "",
        "## CI gate",
        "",
        "```",
        "casereview eval evals/*.yaml --compare evals/baseline.json   # exits 3 when a headline metric falls below the baseline's interval",
        "```",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
