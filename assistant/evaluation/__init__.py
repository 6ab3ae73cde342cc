"""The eval harness: cases of expected findings scored against ``Assistant.ask`` and ``Assistant.check``.

Example::

    from assistant.evaluation import evaluate
    result = evaluate(["evals/ask-wt.yaml"], json_out="out.json", report_out="out.html")
    print(result["metrics"]["answer_accuracy"])

Modules: :mod:`.cases` (format and schema), :mod:`.metrics` (scoring),
:mod:`.runner` (running, checkpoints), :mod:`.report` (JSON, HTML,
Markdown), :mod:`.compare` (baseline gate).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.evaluation.cases import CaseFileError, case_file_json_schema, files_digest, load_cases


def evaluate(
    case_paths: list[str | Path],
    settings: Any = None,
    *,
    workers: int = 1,
    json_out: str | Path | None = None,
    report_out: str | Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    resume: bool = True,
    assistant: Any = None,
) -> dict[str, Any]:
    """Run the cases of ``case_paths`` and return the JSON result (also written to ``json_out``).

    With ``json_out`` a checkpoint (``OUT.checkpoint.jsonl``) records each
    finished case; a rerun reuses it, and it is removed once the result is written.
    """
    from assistant.api import Assistant
    from assistant.evaluation.metrics import compute_metrics
    from assistant.evaluation.report import build_result, write_html, write_json
    from assistant.evaluation.runner import Checkpoint, checkpoint_path, config_key, run_cases, run_metadata
    from assistant.settings import load_settings

    cases = load_cases(list(case_paths))
    if limit is not None:
        cases = cases[: max(0, limit)]
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    assistant = assistant or Assistant(settings or load_settings())
    started = datetime.now(timezone.utc)
    checkpoint = Checkpoint(checkpoint_path(json_out), config_key(assistant.settings)) if (json_out and resume) else None
    results, stats = run_cases(assistant, cases, workers=workers, checkpoint=checkpoint, progress=progress)
    metrics, per_finding = compute_metrics(results)
    metrics["peak_memory_mb"] = stats["peak_memory_mb"]
    run = run_metadata(assistant, files_digest(list(case_paths)), started, stats, len(cases))
    if limit is not None:
        run["limit"] = limit
    result = build_result(results, metrics, per_finding, run)
    if json_out:
        write_json(result, json_out)
        if checkpoint is not None:
            checkpoint.remove()
    if report_out:
        write_html(result, report_out, {c.id: c for c in cases})
    return result


__all__ = ["CaseFileError", "case_file_json_schema", "evaluate", "load_cases"]
