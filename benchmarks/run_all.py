"""Run every speed benchmark and write benchmarks/RESULTS.md (on demand, not part of the tests).

    python benchmarks/run_all.py                 # all four, index built in a temp dir (~10-15 min on 2 busy cores)
    python benchmarks/run_all.py --only ingest query
    python benchmarks/run_all.py --quick         # fewer repetitions, for trying the scripts out

Each benchmark is its own script (bench_ingest.py, bench_query.py,
bench_check.py, bench_model.py) that can also be run alone and prints one JSON
document; anything whose cold start matters runs in a fresh subprocess. All
data (index, config) lives in a temp dir; the user's config and index are
never read (XDG_CONFIG_HOME and CASEREVIEW_DATA_DIR point into the temp dir).

RESULTS.md is rewritten only between the ``<!-- bench:begin -->`` and
``<!-- bench:end -->`` markers; anything else in the file (notes, sections
written by other scripts) is kept. The reliability results live in their own
file, RESULTS-reliability.md, written by another script; this one only links it.

This module also holds the small helpers the bench scripts share (percentiles,
an isolated environment, subprocess timing with peak memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "RESULTS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
PY = sys.executable
CLI = str(Path(sys.executable).with_name("casereview"))
QUESTION = "Within what time should a serious case review be completed?"

TARGETS = {
    "ingest_overhead_pct": 25.0,  # pipeline time beyond raw embedding, % of raw embedding time (issue 2)
    "retrieval_p50_ms": 50.0,  # HybridRetriever.search, warm (issue 2)
    "ask_cold_s": 8.0,  # `casereview ask` process start to exit (issue 2)
    "check_600_p50_s": 1.5,  # check_draft, 600 words, warm (issue 3)
}


# -- shared helpers -------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolation percentile (p in 0..100), like numpy's default."""
    if not values:
        return float("nan")
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * p / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "min": min(values) if values else float("nan"),
        "max": max(values) if values else float("nan"),
        "mean": sum(values) / len(values) if values else float("nan"),
    }


def isolated_env(tmp: Path, data_dir: Path | None = None) -> dict[str, str]:
    """The environment for a benchmark subprocess: temp config and data, offline, no user settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEREVIEW_")}
    (tmp / "config").mkdir(parents=True, exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    env["CASEREVIEW_DATA_DIR"] = str(data_dir or tmp / "data")
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["ANONYMIZED_TELEMETRY"] = "False"
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def timed_run(cmd: list[str], env: dict[str, str], timeout: float = 900, stdin: str | None = None) -> dict[str, Any]:
    """Run ``cmd`` to completion: wall time from spawn to exit, the child's peak RSS, exit code, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, cwd=REPO)
        if stdin is not None:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "wall_s": wall,
            "peak_rss_mb": usage.ru_maxrss / 1024.0,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "rc": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def run_json(cmd: list[str], env: dict[str, str], timeout: float = 1800) -> dict[str, Any]:
    """Run a bench script that prints one JSON document as its last stdout line."""
    res = timed_run(cmd, env, timeout)
    if res["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed (rc {res['rc']}):\n{res['stderr'][-4000:]}")
    lines = [line for line in res["stdout"].splitlines() if line.strip().startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd[:3])} printed no JSON:\n{res['stdout'][-2000:]}\n{res['stderr'][-2000:]}")
    return json.loads(lines[-1])


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux ru_maxrss is in KB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def build_index(tmp: Path, data_dir: Path) -> dict[str, Any]:
    """A fresh index in ``data_dir`` via the CLI (used when a bench script runs alone)."""
    res = timed_run([CLI, "ingest", "--rebuild", "--data-dir", str(data_dir), "--json"], isolated_env(tmp, data_dir))
    if res["rc"] != 0:
        raise RuntimeError(f"ingest failed: {res['stderr'][-3000:]}")
    return json.loads(res["stdout"])


def machine_facts() -> dict[str, Any]:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    versions = {}
    from importlib import metadata

    for dist in ("torch", "sentence-transformers", "transformers", "chromadb", "bm25s", "llama_cpp_python", "langchain-core"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    untracked = git("status", "--porcelain")
    return {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_start": loadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(dirty),
        "git_modified_files": len(dirty.splitlines()) if dirty else 0,
        "git_untracked_files": sum(1 for line in untracked.splitlines() if line.startswith("??")),
        "versions": versions,
    }


def busy_processes(limit: int = 5) -> list[str]:
    """The other processes using the CPU right now (name and %), to explain a noisy run."""
    import psutil

    procs = list(psutil.process_iter(["pid", "name", "cmdline"]))
    for p in procs:
        try:
            p.cpu_percent(None)
        except psutil.Error:
            pass
    time.sleep(1.0)
    me = os.getpid()
    rows = []
    for p in procs:
        try:
            if p.pid == me:
                continue
            pct = p.cpu_percent(None)
            if pct >= 5:
                cmd = " ".join((p.info.get("cmdline") or [p.info.get("name") or "?"])[:4])
                rows.append((pct, f"{cmd[:70]} ({pct:.0f}%)"))
        except psutil.Error:
            pass
    return [r for _, r in sorted(rows, reverse=True)[:limit]]


# -- the run ------------------------------------------------------------------------

BENCHES = ["ingest", "query", "check", "model"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=BENCHES)
    parser.add_argument("--quick", action="store_true", help="Fewer repetitions (not for recorded results).")
    parser.add_argument("--keep", action="store_true", help="Keep the temp dir (index and raw JSON).")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to update.")
    parser.add_argument("--render-only", type=Path, metavar="JSON", help="Only rewrite the Markdown from a results.json kept by --keep.")
    args = parser.parse_args(argv)
    if args.render_only:
        write_results(json.loads(args.render_only.read_text()), args.results, quick=args.quick)
        return 0

    facts = machine_facts()
    facts["busy_at_start"] = busy_processes()
    tmp = Path(tempfile.mkdtemp(prefix="casereview-bench-"))
    data_dir = tmp / "data"
    env = isolated_env(tmp, data_dir)
    results: dict[str, Any] = {"machine": facts}
    quick = ["--quick"] if args.quick else []
    try:
        for name in BENCHES:
            if name not in args.only:
                continue
            cmd = [PY, str(HERE / f"bench_{name}.py"), "--data-dir", str(data_dir), "--tmp", str(tmp / name), *quick]
            if name != "ingest" and not (data_dir.exists() and any(data_dir.iterdir())):
                print("building the index for the benchmarks ...", file=sys.stderr, flush=True)
                build_index(tmp, data_dir)
            print(f"[{datetime.now():%H:%M:%S}] bench_{name} (load {loadavg()}) ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            try:
                results[name] = run_json(cmd, env, timeout=3600)
            except Exception as exc:  # noqa: BLE001 - one failing benchmark must not lose the others
                results[name] = {"error": str(exc)[-1500:]}
                print(f"  bench_{name} failed: {str(exc)[-500:]}", file=sys.stderr, flush=True)
            results[name]["bench_wall_s"] = time.perf_counter() - t0
            print(f"  done in {results[name]['bench_wall_s']:.0f} s", file=sys.stderr, flush=True)
        facts["loadavg_end"] = loadavg()
        (tmp / "results.json").write_text(json.dumps(results, indent=2))
        if args.keep:
            print(f"raw results: {tmp / 'results.json'}", file=sys.stderr)
        write_results(results, args.results, quick=args.quick)
        print(f"wrote {args.results}" + (f"; raw JSON in {tmp / 'results.json'}" if args.keep else ""), file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


# -- the report -----------------------------------------------------------------------


def _f(x: Any, digits: int = 2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        if x != x:
            return "–"
        return f"{x:,.{digits}f}"
    return str(x)


def _verdict(value: float | None, target: float) -> str:
    if value is None or value != value:
        return "not measured"
    if value <= target:
        return "met"
    return f"**missed** by {value - target:,.2f} ({(value / target - 1) * 100:,.0f}% over)"


def render(results: dict[str, Any], quick: bool = False) -> str:
    m = results["machine"]
    out: list[str] = []
    w = out.append
    w("# Benchmark results")
    w("")
    w(f"Written by `python benchmarks/run_all.py`{' --quick (fewer repetitions: not for comparison)' if quick else ''}; do not edit between the markers by hand.")
    w("Other results: [web load](RESULTS-web.md), [reliability](RESULTS-reliability.md) (written by their own scripts).")
    w("")
    w("## Machine")
    w("")
    w(f"- Run {m['when']}, commit `{m['git_commit'][:12]}`" + (f" with uncommitted changes ({m['git_modified_files']} modified, {m['git_untracked_files']} untracked files: the working tree was measured)" if m["git_dirty"] or m["git_untracked_files"] else ""))
    w(f"- CPU: {m['cpu_model']}, {m['logical_cpus']} logical CPUs ({m['physical_cores']} physical), {m['memory_gb']} GB RAM; Python {m['python']}; {m['platform']}")
    w(f"- Load average (1/5/15 min) at start {m['loadavg_start']}, at end {m.get('loadavg_end')}: "
      + ("**the machine was busy with other work** (load above the core count), so absolute times are inflated; figures are medians of several runs." if m["loadavg_start"] and m["loadavg_start"][0] > (m["logical_cpus"] or 1) * 0.5 else "the machine was mostly idle."))
    if m.get("busy_at_start"):
        w(f"- Other processes using the CPU at start: {'; '.join(m['busy_at_start'])}")
    w(f"- Versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}")
    w("")

    failed = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    ing, q, c, mo = (None if k in failed else results.get(k) for k in ("ingest", "query", "check", "model"))
    for k, err in failed.items():
        w(f"**bench_{k} failed**: `{err.strip().splitlines()[-1] if err.strip() else err}`")
        w("")
    w("## Figures against targets")
    w("")
    w("| measure | value | target | verdict |")
    w("|---|---|---|---|")
    if ing:
        w(f"| ingest pipeline overhead beyond raw embedding, `casereview ingest --rebuild` cold process | {_f(ing['overhead_cli_pct'], 0)}% | < 25% | {_verdict(ing['overhead_cli_pct'], 25)} |")
        w(f"| ingest pipeline overhead, in-process warm rebuild (model already loaded) | {_f(ing['overhead_warm_pct'], 0)}% | < 25% | {_verdict(ing['overhead_warm_pct'], 25)} |")
        w(f"| ingest throughput, CLI / in-process warm / raw embedding | {_f(ing['cli_chunks_per_s'], 1)} / {_f(ing['warm_chunks_per_s'], 1)} / {_f(ing['raw_chunks_per_s'], 1)} chunks/s | – | – |")
    if q:
        w(f"| retrieval p50 / p95 (`HybridRetriever.search`, warm, incl. query embedding) | {_f(q['retrieval_ms']['p50'], 1)} / {_f(q['retrieval_ms']['p95'], 1)} ms | p50 < 50 ms | {_verdict(q['retrieval_ms']['p50'], 50)} |")
        w(f"| full extractive `ask` p50 / p95 (warm) | {_f(q['ask_ms']['p50'], 0)} / {_f(q['ask_ms']['p95'], 0)} ms | – | – |")
        w(f"| `casereview ask` cold start, process start to exit (median of {q['cold_ask']['n']}) | {_f(q['cold_ask']['p50'], 2)} s | < 8 s | {_verdict(q['cold_ask']['p50'], 8)} |")
    if c:
        for size in c["sizes"]:
            s = c["sizes"][size]
            tgt = "p50 < 1.5 s" if s["label"] == "600" else "–"
            verdict = _verdict(s["warm_s"]["p50"], 1.5) if s["label"] == "600" else "–"
            w(f"| check_draft {s['words']} words p50 / p95 (warm, n={s['warm_s']['n']}); peak RSS | {_f(s['warm_s']['p50'])} / {_f(s['warm_s']['p95'])} s; {_f(s['peak_rss_mb'], 0)} MB | {tgt} | {verdict} |")
    if mo and mo.get("available"):
        g = mo["generation"]
        w(f"| llamacpp:smollm2 time to first token, answer prompt ~{_f(g['answer_prompt']['prompt_tokens_p50'], 0)} tokens (p50) | {_f(g['answer_prompt']['ttft_s']['p50'])} s | – | – |")
        w(f"| llamacpp:smollm2 decode speed (p50) | {_f(g['answer_prompt']['tokens_per_s']['p50'], 1)} tokens/s | – | – |")
        for mode, e in mo["ask_modes"].items():
            w(f"| end-to-end `ask`, {mode} (warm) p50 / p95 | {_f(e['latency_s']['p50'])} / {_f(e['latency_s']['p95'])} s | – | – |")
    w("")

    if ing:
        w("## 1. Ingest (`bench_ingest.py`)")
        w("")
        w(f"Corpus: `guidance_corpus/`, {ing['files']} files, {ing['chunks']} chunks ({_f(ing['chunk_chars_mean'], 0)} characters on average). "
          f"Raw embedding = `Embedder.embed` on the same texts the pipeline embedded ({ing['chunks']} chunks' `embedding_text()` and their sentences, {ing.get('texts', '?')} texts), model loaded and warmed, median of {ing['raw']['n']} (batch {ing['batch_size']}, embedder {ing.get('embedder_class', 'SentenceTransformerEmbedder')}, torch threads {ing['torch_threads']}).")
        w("")
        w("| run | wall (s) | chunks/s | overhead vs raw embedding | peak RSS (MB) |")
        w("|---|---|---|---|---|")
        w(f"| raw embedding (warm model) | {_f(ing['raw']['p50'])} | {_f(ing['raw_chunks_per_s'], 1)} | – | – |")
        for i, r in enumerate(ing["cli_runs"], 1):
            w(f"| `casereview ingest --rebuild` run {i} ({r['kind']}) | {_f(r['wall_s'])} | {_f(ing['chunks'] / r['wall_s'], 1)} | {_f((r['wall_s'] / ing['raw']['p50'] - 1) * 100, 0)}% | {_f(r['peak_rss_mb'], 0)} |")
        w(f"| in-process `ingest(rebuild=True)`, model already loaded (median of {ing['warm']['n']}) | {_f(ing['warm']['p50'])} | {_f(ing['warm_chunks_per_s'], 1)} | {_f(ing['overhead_warm_pct'], 0)}% | – |")
        w("")
        w("Where a cold `casereview ingest --rebuild` spends its time (one instrumented fresh process, same steps as the CLI; wall-clock, so the busy machine inflates every line):")
        w("")
        w("| phase | seconds | % of total |")
        w("|---|---|---|")
        tot = sum(v for _, v in ing["breakdown"]["phases"])
        for name, secs in ing["breakdown"]["phases"]:
            w(f"| {name} | {_f(secs)} | {_f(secs / tot * 100, 0)}% |")
        w(f"| **sum of phases (process start to exit)** | {_f(tot)} | 100% |")
        w("")
        b = ing["breakdown"]
        emb_s = b["embedding_s"]
        over = [(n, v) for n, v in b["phases"] if n != "embedding (the physical work)"]
        over_s = sum(v for _, v in over)
        w(f"In that run the pipeline spent {_f(over_s)} s beyond its own embedding time ({_f(emb_s)} s), i.e. {_f(over_s / emb_s * 100 if emb_s else float('nan'), 0)}% overhead; "
          "the three largest parts: " + ", ".join(f"{n} {_f(v)} s ({_f(v / over_s * 100, 0)}%)" for n, v in over[:3]) + ". "
          f"Embedding itself is noisy on this busy machine: the same {ing['chunks']} texts took {_f(ing['raw']['min'])}-{_f(ing['raw']['max'])} s across the raw runs.")
        w("")
    if q:
        w("## 2. Query latency (`bench_query.py`)")
        w("")
        w(f"{q['questions']} questions from `evals/ask-*.yaml`, {q['passes']} passes each after {q['warmup']} warm-up questions, one process, index of {q['chunks']} chunks.")
        w("")
        w("| step (warm) | p50 (ms) | p95 (ms) | max (ms) |")
        w("|---|---|---|---|")
        for key, label in (("embed_ms", "query embedding alone"), ("search_with_vector_ms", "`search` given the query vector (Chroma + BM25 + fusion + dedupe)"),
                           ("retrieval_ms", "`HybridRetriever.search` incl. query embedding"), ("ask_ms", "full extractive `Assistant.ask`")):
            s = q[key]
            w(f"| {label} | {_f(s['p50'], 1)} | {_f(s['p95'], 1)} | {_f(s['max'], 1)} |")
        w("")
        ca = q["cold_ask"]
        w(f"Cold `casereview ask \"{QUESTION}\"` (fresh process, index already built): median {_f(ca['p50'])} s over {ca['n']} runs (min {_f(ca['min'])}, max {_f(ca['max'])}); "
          f"peak RSS {_f(ca['peak_rss_mb'], 0)} MB. For scale: `python -c pass` {_f(q['python_startup_s'], 2)} s, `casereview --help` {_f(q['help_s'], 2)} s.")
        w("")
        w("Where the cold `ask` spends its time (instrumented fresh process mirroring the CLI handler):")
        w("")
        w("| phase | seconds |")
        w("|---|---|")
        for name, secs in q["cold_phases"]:
            w(f"| {name} | {_f(secs)} |")
        w("")
        it = q["importtime"]
        w(f"Import time (`python -X importtime -m assistant ask ...`): {_f(it['total_s'])} s of imports in all. Largest contributors by package "
          "(self = time in that package's own modules, additive; inclusive = the package's top import line, including what it imports):")
        w("")
        w("| package | self (s) | inclusive (s) | imported by |")
        w("|---|---|---|---|")
        for row in it["top"]:
            w(f"| {row['package']} | {_f(row['self_s'])} | {_f(row['inclusive_s'])} | {row.get('first_importer') or '–'} |")
        w("")
    if c:
        w("## 3. Draft check latency (`bench_check.py`)")
        w("")
        w("Drafts built from `evals/critique-dev-*.yaml` inputs: " + "; ".join(f"{s['words']} words = {s['built_from']}" for s in c["sizes"].values()) + ". "
          "Each size in its own fresh process: index and embedder loaded, one untimed warm-up check, then timed checks via `Assistant.check` (detectors plus guidance citations).")
        w("")
        w("| draft | sentences | first check in process (s) | warm p50 (s) | warm p95 (s) | n | RSS after load (MB) | peak RSS (MB) |")
        w("|---|---|---|---|---|---|---|---|")
        for s in c["sizes"].values():
            w(f"| {s['words']} words | {s['sentences']} | {_f(s['first_s'])} | {_f(s['warm_s']['p50'])} | {_f(s['warm_s']['p95'])} | {s['warm_s']['n']} | {_f(s['rss_loaded_mb'], 0)} | {_f(s['peak_rss_mb'], 0)} |")
        w("")
        w("Where a warm check spends its time (median over the timed runs):")
        w("")
        w("| draft | embedding draft sentences (s, calls) | guidance lookups (s, calls) | detectors and the rest (s) |")
        w("|---|---|---|---|")
        for s in c["sizes"].values():
            b = s["breakdown"]
            w(f"| {s['words']} words | {_f(b['embed_s'])} ({b['embed_calls']} calls, {b['embed_texts']} texts) | {_f(b['lookup_s'])} ({b['lookup_calls']} calls) | {_f(b['rest_s'])} |")
        w("")
    if mo:
        w("## 4. Generative model (`bench_model.py`)")
        w("")
        if not mo.get("available"):
            w(f"Not measured: {mo.get('reason')}")
        else:
            g = mo["generation"]
            w(f"`llamacpp:smollm2` = {mo['gguf']} ({_f(mo['gguf_mb'], 0)} MB), in-process llama-cpp-python {mo['llama_cpp_version']}, n_ctx {mo['n_ctx']}, threads {mo['n_threads']}, temperature 0. "
              f"Load (import llama_cpp + GGUF): {_f(mo['load_s'])} s. Streamed through the project's `ProviderChatModel` (`chat.stream`), warm, after one warm-up; "
              f"output capped at {mo['gen_max_tokens']} tokens and the timeout raised so slow runs are measured, not cut off (users get max_tokens {mo['user_max_tokens']}, timeout {_f(mo['user_timeout_s'], 0)} s).")
            w("")
            w("| prompt | n | prompt tokens (p50) | time to first token p50 / p95 (s) | output tokens (p50) | decode tokens/s p50 | total p50 (s) |")
            w("|---|---|---|---|---|---|---|")
            for key, label in (("short_prompt", "short question, no evidence"), ("answer_prompt", "answer-question prompt with packed evidence")):
                s = g[key]
                w(f"| {label} | {s['n']} | {_f(s['prompt_tokens_p50'], 0)} | {_f(s['ttft_s']['p50'])} / {_f(s['ttft_s']['p95'])} | {_f(s['output_tokens_p50'], 0)} | {_f(s['tokens_per_s']['p50'], 1)} | {_f(s['total_s']['p50'])} |")
            w("")
            w(f"End-to-end `Assistant.ask` per answer mode ({mo['ask_questions']} questions, warm, same process, default model settings):")
            w("")
            w("| mode | p50 (s) | p95 (s) | max (s) | answers by final mode |")
            w("|---|---|---|---|---|")
            for mode, e in mo["ask_modes"].items():
                w(f"| {mode} | {_f(e['latency_s']['p50'])} | {_f(e['latency_s']['p95'])} | {_f(e['latency_s']['max'])} | {', '.join(f'{k}: {v}' for k, v in e['final_modes'].items())} |")
            w("")
    w("## Method notes")
    w("")
    w("- Cold figures are wall time from spawning the process to its exit (`os.wait4`, which also gives the child's peak RSS). Warm figures come from one long-lived process after warm-up calls.")
    w("- Everything runs against an index built in a temp dir from `guidance_corpus/` with default settings; the user's config file is not read.")
    w("- p50/p95 are linear-interpolation percentiles. With few samples (n < 20) p95 is close to the maximum.")
    w("- Wall-clock times on a shared machine: compare runs only when their load averages are similar.")
    return "\n".join(out)


def write_results(results: dict[str, Any], path: Path, quick: bool = False) -> None:
    block = f"{BEGIN}\n{render(results, quick)}\n{END}"
    if path.exists():
        old = path.read_text()
        if BEGIN in old and END in old:
            new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END):]
        else:
            new = block + "\n\n" + old  # keep whatever was there, below our section
    else:
        new = block + "\n"
    path.write_text(new if new.endswith("\n") else new + "\n")


if __name__ == "__main__":
    sys.exit(main())
