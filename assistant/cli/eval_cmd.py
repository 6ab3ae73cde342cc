"""`casereview eval`: score answers and critiques against eval cases, report, compare with a baseline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.cli.common import EXIT_ERROR, EXIT_USAGE, error, settings_from_args

# Options this command defines itself; the shared settings group's flags of the same
# name (a boolean --json, --model) are skipped for it.
_OWN_OPTIONS = {"--json", "--model"}


def _keep_own_options(cmd: argparse.ArgumentParser) -> None:
    original = cmd.add_argument_group

    def add_argument_group(*args: Any, **kwargs: Any) -> Any:
        group = original(*args, **kwargs)
        group_add = group.add_argument

        def add_argument(*names: str, **opts: Any) -> Any:
            if names and all(n in _OWN_OPTIONS for n in names):
                return None
            return group_add(*names, **opts)

        group.add_argument = add_argument  # type: ignore[method-assign]
        return group

    cmd.add_argument_group = add_argument_group  # type: ignore[method-assign]


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "eval",
        help="Score answers and critiques against eval cases.",
        description=(
            "Run eval cases (shared/spec/eval-cases.md: task critique or ask) and score them: findings precision/recall/F1, "
            "answer accuracy, citation hit rate, abstention accuracy, retrieval recall@5 and MAP, latency, peak memory, "
            "with bootstrap 95% intervals. Prints a Markdown summary; exits 3 when --compare finds a headline metric "
            "fell beyond the baseline's interval."
        ),
    )
    cmd.add_argument("cases", nargs="*", type=Path, metavar="CASES.yaml", help="Case files (YAML lists of cases).")
    cmd.add_argument("--json", dest="json_out", type=Path, metavar="OUT.json", help="Write the JSON result here (a checkpoint next to it makes an interrupted run resumable).")
    cmd.add_argument("--report", type=Path, metavar="OUT.html", help="Write a self-contained HTML report here.")
    cmd.add_argument("--compare", type=Path, metavar="BASELINE.json", help="Compare with an earlier result; exit 3 when a headline metric falls beyond its interval.")
    cmd.add_argument("--workers", type=int, default=1, metavar="N", help="Cases run concurrently, sharing one index and model (default 1).")
    cmd.add_argument("--retriever", choices=["bm25", "dense", "hybrid"], help="Retrieval baseline (sets retrieval.mode).")
    cmd.add_argument("--engine", choices=["detectors", "judge", "both"], help="Critique engine (sets critique.engine).")
    cmd.add_argument("--model", dest="model_name", metavar="PROVIDER:MODEL", help="Generative model for answers, or none (sets model.name).")
    cmd.add_argument("--limit", type=int, metavar="N", help="Run only the first N cases (a quick check).")
    cmd.add_argument("--fresh", action="store_true", help="Ignore any checkpoint of an interrupted run and start again.")
    cmd.add_argument("--no-progress", action="store_true", help="No progress output on stderr.")
    cmd.add_argument("--schema", action="store_true", help="Print the JSON Schema of a case file and exit.")
    cmd.set_defaults(handler=handle)
    _keep_own_options(cmd)
    return cmd


def handle(args: argparse.Namespace) -> int:
    from assistant.evaluation import CaseFileError, case_file_json_schema, evaluate
    from assistant.evaluation.compare import format_rows, gate, load_result
    from assistant.evaluation.report import markdown_summary
    from assistant.evaluation.runner import checkpoint_path, configure

    if args.schema:
        json.dump(case_file_json_schema(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not args.cases:
        error("give one or more case files, e.g. `casereview eval evals/*.yaml`")
        return EXIT_USAGE
    if args.workers < 1:
        error("--workers must be at least 1")
        return EXIT_USAGE
    baseline = load_result(args.compare) if args.compare else None  # fail early on a bad baseline path
    if args.fresh and args.json_out:
        checkpoint_path(args.json_out).unlink(missing_ok=True)
    settings = configure(settings_from_args(args), retriever=args.retriever, engine=args.engine)
    try:
        result = evaluate(
            args.cases,
            settings,
            workers=args.workers,
            json_out=args.json_out,
            report_out=args.report,
            limit=args.limit,
            progress=not args.no_progress,
        )
    except CaseFileError as exc:
        error(f"invalid case file:\n{exc}")
        return EXIT_ERROR
    sys.stdout.write(markdown_summary(result))
    if args.json_out:
        print(f"\nJSON result: {args.json_out}")
    if args.report:
        print(f"HTML report: {args.report}")
    if baseline is not None:
        code, rows = gate(result, baseline)
        sys.stdout.write("\n" + format_rows(rows, str(args.compare)))
        return code
    return 0
