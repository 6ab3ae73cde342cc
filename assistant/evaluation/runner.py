"""Running cases: one shared :class:`Assistant`, worker threads, progress, checkpoints.

A case never crashes the run: any exception (an ``ImportError`` while the
critique package is missing, a model timeout, ...) becomes that case's
``error`` and the case fails. With a checkpoint path, every finished case is
appended to a JSON-lines file as it completes; a rerun with the same
configuration reuses those results (errored cases are retried) and only runs
the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from assistant.evaluation.cases import AskCase, CritiqueCase
from assistant.evaluation.metrics import MAP_K, RECALL_K, abstention_ok, answer_satisfies, average_precision, citation_hit, critique_passed, retrieval_hit

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT_VERSION = 1

Case = AskCase | CritiqueCase


def configure(settings: Any, retriever: str | None = None, engine: str | None = None, model: str | None = None) -> Any:
    """A copy of ``settings`` with the baseline switches applied (validated)."""
    data = settings.model_dump()
    if retriever:
        data["retrieval"]["mode"] = retriever
    if engine:
        data["critique"]["engine"] = engine
    if model:
        data["model"]["name"] = model
    return type(settings).model_validate(data)


# -- one case ---------------------------------------------------------------------
def _citation_dict(c: Any) -> dict[str, Any]:
    return {"key": c.key, "doc_id": c.doc_id, "location": c.location.label(), "quote": c.quote}


def run_ask(assistant: Any, case: AskCase) -> dict[str, Any]:
    exp = case.expected
    result: dict[str, Any] = {
        "id": case.id,
        "task": "ask",
        "passed": False,
        "reported": [],
        "expected": list(exp.sources),
        "answer": None,
        "citations": [],
        "seconds": None,
        "error": None,
    }
    checks: dict[str, Any] = {
        "answer": False if exp.answer_contains else None,
        "citation": False if exp.sources else None,
        "abstention": False if exp.abstain else None,
        "retrieval_at_5": False if exp.sources else None,
        "average_precision": 0.0 if exp.sources else None,
        "false_abstention": None,
        "abstained": None,
    }
    result["checks"] = checks
    start = time.perf_counter()
    try:
        answer = assistant.ask(case.input)
    except Exception as exc:  # noqa: BLE001 - recorded on the case, never fatal
        result["seconds"] = round(time.perf_counter() - start, 4)
        result["error"] = f"{type(exc).__name__}: {exc}"
    else:
        result["seconds"] = round(time.perf_counter() - start, 4)
        cited = list(dict.fromkeys(c.doc_id for c in answer.citations))
        result.update(answer=answer.text, citations=[_citation_dict(c) for c in answer.citations], reported=cited, mode=answer.mode)
        checks["abstained"] = bool(answer.abstained)
        if exp.answer_contains:
            checks["answer"] = answer_satisfies(answer.text, exp.answer_contains)
        if exp.sources:
            checks["citation"] = citation_hit(cited, exp.sources)
        if exp.abstain:
            checks["abstention"] = abstention_ok(answer.abstained, answer.text, len(answer.citations))
        else:
            checks["false_abstention"] = bool(answer.abstained)
    if exp.sources:
        try:
            hits = assistant.retriever.search(case.input, k=MAP_K, mode=assistant.settings.retrieval.mode)
            retrieved = [h.doc_id for h in hits]
            result["retrieved"] = retrieved
            checks["retrieval_at_5"] = retrieval_hit(retrieved, exp.sources, RECALL_K)
            checks["average_precision"] = round(average_precision(retrieved, exp.sources, MAP_K), 4)
        except Exception as exc:  # noqa: BLE001
            result["error"] = result["error"] or f"retrieval: {type(exc).__name__}: {exc}"
    applicable = [checks[k] for k in ("answer", "citation", "abstention") if checks[k] is not None]
    result["passed"] = not result["error"] and all(applicable)
    return result


def run_critique(assistant: Any, case: CritiqueCase) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": case.id,
        "task": "critique",
        "passed": False,
        "reported": [],
        "expected": list(case.expected.findings),
        "allowed": list(case.expected.allowed),
        "answer": None,
        "citations": [],
        "seconds": None,
        "error": None,
        "evidence": [],
    }
    start = time.perf_counter()
    try:
        critique = assistant.check(case.input, case.profile)
        findings = list(critique.findings)
    except Exception as exc:  # noqa: BLE001 - e.g. ImportError while assistant.critique is being written
        result["seconds"] = round(time.perf_counter() - start, 4)
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    result["seconds"] = round(time.perf_counter() - start, 4)
    result["reported"] = findings
    result["engine"] = getattr(critique, "engine", None)
    result["answer"] = getattr(getattr(critique, "verdict", None), "summary", None) or None
    evidence: list[dict[str, Any]] = []
    for el in critique.elements:
        if el.finding:
            continue  # evidence of a missing/partial element is what little there is; shown only for present ones
        for span in el.evidence:
            evidence.append({"start": span.start, "end": span.end, "finding": f"present:{el.id}"})
    for el in critique.elements:
        if el.status == "partial":
            for span in el.evidence:
                evidence.append({"start": span.start, "end": span.end, "finding": el.finding})
    for issue in critique.issues:
        for inst in issue.instances:
            evidence.append({"start": inst.span.start, "end": inst.span.end, "finding": issue.finding})
    result["evidence"] = evidence
    result["passed"] = critique_passed(result)
    return result


def run_case(assistant: Any, case: Case) -> dict[str, Any]:
    if isinstance(case, AskCase):
        return run_ask(assistant, case)
    return run_critique(assistant, case)


# -- memory -----------------------------------------------------------------------
class PeakMemory:
    """Samples this process's resident set size (psutil) in a thread; falls back to tracemalloc."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self.source = "psutil-rss"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tracemalloc = False

    def _sample(self) -> None:
        import psutil

        proc = psutil.Process()
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, proc.memory_info().rss)
            except Exception:  # noqa: BLE001
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        try:
            import psutil  # noqa: F401

            self._thread = threading.Thread(target=self._sample, daemon=True, name="eval-peak-memory")
            self._thread.start()
        except ImportError:
            import tracemalloc

            self.source = "tracemalloc"
            tracemalloc.start()
            self._tracemalloc = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
            try:
                import psutil

                self.peak = max(self.peak, psutil.Process().memory_info().rss)
            except Exception:  # noqa: BLE001
                pass
        if self._tracemalloc:
            import tracemalloc

            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

    @property
    def mb(self) -> float:
        return round(self.peak / 2**20, 1)


# -- checkpoint -----------------------------------------------------------------------
def checkpoint_path(json_out: str | Path) -> Path:
    p = Path(json_out)
    return p.with_name(p.name + ".checkpoint.jsonl")


def config_key(settings: Any) -> str:
    """What makes results comparable: every setting except where things live."""
    data = settings.model_dump(mode="json", exclude={"data_dir", "chroma_url"})
    data["_index"] = settings.index_key()
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Checkpoint:
    """JSON lines: a header with the configuration key, then one finished case per line."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key
        self._lock = threading.Lock()
        self.done: dict[str, dict[str, Any]] = {}
        self.stale = False

    def load(self) -> dict[str, dict[str, Any]]:
        if not self.path.is_file():
            return {}
        lines = self.path.read_text(encoding="utf-8").splitlines()
        try:
            header = json.loads(lines[0]) if lines else {}
        except ValueError:
            header = {}
        if header.get("checkpoint") != CHECKPOINT_VERSION or header.get("config") != self.key:
            self.stale = True
            return {}
        for line in lines[1:]:
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut short by the interruption
            if isinstance(rec, dict) and rec.get("result", {}).get("id") and not rec["result"].get("error"):
                self.done[rec["result"]["id"]] = rec
        return self.done

    def start(self) -> None:
        """Rewrite the file: header, then the results being reused."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"checkpoint": CHECKPOINT_VERSION, "config": self.key}) + "\n")
            for rec in self.done.values():
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def add(self, digest: str, result: dict[str, Any]) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"digest": digest, "result": result}, ensure_ascii=False) + "\n")
            fh.flush()

    def remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


# -- progress ----------------------------------------------------------------------------
class Progress:
    """A bar on a terminal (tqdm), otherwise one line per tenth of the run; always on stderr."""

    def __init__(self, total: int, enabled: bool = True, stream: Any = None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self._bar = None
        self._lock = threading.Lock()
        self._step = max(1, total // 10)
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            try:
                from tqdm import tqdm

                self._bar = tqdm(total=total, file=self.stream, unit="case", desc="eval", dynamic_ncols=True)
            except ImportError:
                self._bar = None

    def update(self, result: dict[str, Any]) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.done += 1
            self.failed += not result.get("passed")
            if self._bar is not None:
                self._bar.set_postfix(failed=self.failed, refresh=False)
                self._bar.update(1)
            elif self.done % self._step == 0 or self.done == self.total:
                print(f"eval: {self.done}/{self.total} cases done, {self.failed} failed", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# -- the run -------------------------------------------------------------------------------
def warm_up(assistant: Any, cases: list[Case]) -> None:
    """Load the shared parts once, before threads race for them; ask cases need the index."""
    assistant.embedder  # noqa: B018
    if any(isinstance(c, AskCase) for c in cases):
        assistant.retriever  # noqa: B018 - raises StoreError with `casereview ingest` advice when there is no index
    else:
        from assistant.index.store import StoreError

        try:
            assistant.retriever  # noqa: B018 - critique guidance lookups use it when present
        except StoreError:  # no index: critique cases run, their results say guidance citations were skipped
            pass


def run_cases(
    assistant: Any,
    cases: list[Case],
    workers: int = 1,
    checkpoint: Checkpoint | None = None,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run every case; results come back in case order, with run statistics."""
    reused: dict[str, dict[str, Any]] = {}
    if checkpoint is not None:
        prior = checkpoint.load()
        if checkpoint.stale:
            print(f"eval: ignoring checkpoint {checkpoint.path}: it was made with other settings", file=sys.stderr)
        for case in cases:
            rec = prior.get(case.id)
            if rec and rec.get("digest") == case.digest():
                reused[case.id] = rec["result"]
        checkpoint.done = {cid: {"digest": next(c.digest() for c in cases if c.id == cid), "result": r} for cid, r in reused.items()}
        checkpoint.start()
        if reused:
            print(f"eval: resuming: {len(reused)} of {len(cases)} cases reused from {checkpoint.path}", file=sys.stderr)
    todo = [c for c in cases if c.id not in reused]
    results: dict[str, dict[str, Any]] = dict(reused)
    bar = Progress(len(todo), enabled=progress)
    wall = time.perf_counter()
    with PeakMemory() as mem:
        if todo:
            warm_up(assistant, todo)

        def finish(case: Case, result: dict[str, Any]) -> None:
            results[case.id] = result
            if checkpoint is not None:
                checkpoint.add(case.digest(), result)
            bar.update(result)
            if on_result:
                on_result(result)

        try:
            if workers <= 1:
                for case in todo:
                    finish(case, run_case(assistant, case))
            else:
                pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval")
                futures = {pool.submit(run_case, assistant, case): case for case in todo}
                try:
                    for fut in as_completed(futures):
                        finish(futures[fut], fut.result())
                except BaseException:
                    # interrupted: finished cases are already in the checkpoint; drop the queue
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
                pool.shutdown(wait=True)
        finally:
            bar.close()
    stats = {
        "wall_s": round(time.perf_counter() - wall, 2),
        "peak_memory_mb": mem.mb,
        "peak_memory_source": mem.source,
        "reused": len(reused),
        "workers": workers,
    }
    return [results[c.id] for c in cases], stats


# -- run metadata ------------------------------------------------------------------------------
def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_info() -> dict[str, Any]:
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # noqa: BLE001
        pass
    return info


def prompt_versions() -> dict[str, str]:
    """Each shipped prompt's ``id@version`` and content hash, so a run can be traced to the exact prompt text."""
    from assistant.models.prompts import load_prompt, prompt_ids

    return {pid: f"{(t := load_prompt(pid)).ref} {t.sha}" for pid in prompt_ids()}


def corpus_fingerprint(assistant: Any) -> dict[str, Any]:
    """Generation name, index key and a hash of the indexed documents' content."""
    from assistant.index.store import StoreError

    out: dict[str, Any] = {"index_key": assistant.settings.index_key(), "generation": None, "documents": None, "sha256": None}
    try:
        snap = assistant.snapshot
    except StoreError as exc:  # critique-only runs need no index
        out["error"] = str(exc)
        return out
    docs = getattr(snap, "docs", {}) or {}
    out["generation"] = snap.generation.name
    out["documents"] = len(docs)
    out["chunks"] = len(snap)
    raw = json.dumps(sorted((d, getattr(r, "sha256", "")) for d, r in docs.items()))
    out["sha256"] = hashlib.sha256(raw.encode()).hexdigest()[:16]
    return out


def run_metadata(assistant: Any, case_files: dict[str, str], started: datetime, stats: dict[str, Any], n_cases: int) -> dict[str, Any]:
    s = assistant.settings
    fp = corpus_fingerprint(assistant)
    corpus = f"{fp['generation']} ({fp['sha256']})" if fp.get("generation") else f"no index (key {fp['index_key']})"
    from assistant import __version__ as version

    return {
        "model": s.model.name,
        "corpus": corpus,
        "started": started.isoformat(timespec="seconds"),
        "cases": n_cases,
        # extras
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "casereview_version": version,
        "answer_mode": s.model.answer_mode,
        "critique_engine": s.critique.engine,
        "critique_profile": s.critique.profile,
        "retrieval": s.retrieval.model_dump(mode="json"),
        "answer_settings": s.answer.model_dump(mode="json"),
        "embedder": s.embedder.name,
        "corpus_fingerprint": fp,
        "prompt_versions": prompt_versions(),
        "git": git_info(),
        "machine": machine_info(),
        "case_files": case_files,
        "config_key": config_key(s),
        **stats,
    }
