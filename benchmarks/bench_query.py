"""Query latency: retrieval alone and full extractive answers (warm), and `casereview ask` cold start.

    python benchmarks/bench_query.py [--data-dir DIR] [--quick]

Warm figures come from one process over every question in evals/ask-*.yaml
(several passes, after warm-up). Cold figures are fresh processes, spawn to
exit. The cold start is broken down twice: by phase (an instrumented process
that mirrors the CLI's ask handler) and by import (``python -X importtime``),
aggregated per top-level package. Prints one JSON document.
"""

from __future__ import annotations

import time

T_MAIN = time.time()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import CLI, PY, QUESTION, REPO, build_index, isolated_env, summary, timed_run  # noqa: E402


def eval_questions() -> list[str]:
    import yaml

    out: list[str] = []
    for path in sorted((REPO / "evals").glob("ask-*.yaml")):
        for case in yaml.safe_load(path.read_text()) or []:
            if isinstance(case, dict) and case.get("task", "ask") == "ask" and isinstance(case.get("input"), str):
                out.append(case["input"])
    return out


def warm_phase(data_dir: Path, passes: int, warmup: int) -> dict:
    from assistant.api import Assistant
    from assistant.settings import load_settings

    questions = eval_questions()
    a = Assistant(load_settings(data_dir=data_dir))
    a.retriever  # noqa: B018 - load index and embedder
    for q in questions[:warmup]:
        a.ask(q)
    embed, with_vec, retrieval, ask = [], [], [], []
    abstained = 0
    for _ in range(passes):
        for q in questions:
            t = time.perf_counter()
            vec = a.embedder.embed([q])[0]
            embed.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            a.retriever.search(q, query_vector=vec)
            with_vec.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            a.retriever.search(q)
            retrieval.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            ans = a.ask(q)
            ask.append((time.perf_counter() - t) * 1000)
            abstained += ans.abstained
    return {
        "questions": len(questions),
        "passes": passes,
        "warmup": warmup,
        "chunks": len(a.snapshot),
        "embed_ms": summary(embed),
        "search_with_vector_ms": summary(with_vec),
        "retrieval_ms": summary(retrieval),
        "ask_ms": summary(ask),
        "abstained_per_pass": abstained / passes,
    }


def cold_split(data_dir: Path, spawn_epoch: float) -> dict:
    """Mirror `casereview ask` (assistant.cli.main -> ask_cmd.handle) with a clock at each step."""
    phases: list[tuple[str, float]] = [("interpreter start-up (spawn to first line)", T_MAIN - spawn_epoch)]

    def step(name: str, t0: float) -> float:
        now = time.perf_counter()
        phases.append((name, now - t0))
        return now

    t = time.perf_counter()
    from assistant.cli import build_parser

    t = step("import assistant.cli", t)
    args = build_parser().parse_args(["ask", QUESTION, "--data-dir", str(data_dir)])
    t = step("build the CLI parser (imports every command module)", t)
    from assistant.api import Assistant
    from assistant.cli.ask_cmd import format_answer
    from assistant.cli.common import settings_from_args

    t = step("import assistant.api (pydantic, langchain-core, numpy, bm25s, ...)", t)
    a = Assistant(settings_from_args(args))
    t = step("load settings", t)
    emb = a.embedder
    t = step(f"import + load the embedder ({type(emb).__name__}: torch/sentence-transformers or NumPy)", t)
    import chromadb  # noqa: F401

    t = step("import chromadb", t)
    a.snapshot  # noqa: B018
    t = step("open the index: Chroma client, read every chunk, build BM25", t)
    answer = a.ask(args.question)
    t = step("first ask (embed, search, extractive answer; first-call costs)", t)
    text = format_answer(answer)
    t = step("format and print", t)
    print(text, file=sys.stderr)
    return {"phases": phases, "t_done_epoch": time.time()}


def parse_importtime(stderr: str, top: int = 14) -> dict:
    rows = []  # (depth, module, self_us, cum_us)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            _, rest = line.split(":", 1)
            self_us, cum_us, name = rest.split("|", 2)
        except ValueError:
            continue
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((depth, name.strip(), int(self_us), int(cum_us)))
    parent: dict[int, str | None] = {}
    stack: list[tuple[int, str]] = []
    for i in range(len(rows) - 1, -1, -1):  # output is post-order: a parent follows its children
        depth, name = rows[i][0], rows[i][1]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent[i] = stack[-1][1] if stack else None
        stack.append((depth, name))
    self_by: dict[str, int] = {}
    incl_by: dict[str, int] = {}
    importer: dict[str, str] = {}
    for i, (depth, name, self_us, cum_us) in enumerate(rows):
        root = name.split(".")[0]
        self_by[root] = self_by.get(root, 0) + self_us
        if cum_us > incl_by.get(root, -1) and (name == root or root not in incl_by):
            incl_by[root] = cum_us
            p = parent.get(i)
            importer[root] = p.split(".")[0] if p and p.split(".")[0] != root else (p or "")
    ranked = sorted(self_by, key=lambda r: -self_by[r])[:top]
    return {
        "total_s": sum(self_by.values()) / 1e6,
        "modules": len(rows),
        "top": [{"package": r, "self_s": self_by[r] / 1e6, "inclusive_s": incl_by.get(r, 0) / 1e6, "first_importer": importer.get(r) or "(main)"} for r in ranked],
        "inclusive_top": sorted(({"package": r, "inclusive_s": v / 1e6} for r, v in incl_by.items()), key=lambda x: -x["inclusive_s"])[:top],
    }


def last_json(stdout: str) -> dict:
    return json.loads([line for line in stdout.splitlines() if line.startswith("{")][-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--tmp", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--phase", choices=["main", "warm", "cold-split"], default="main")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--spawn-epoch", type=float, default=0.0)
    args = parser.parse_args(argv)

    if args.phase == "warm":
        print(json.dumps(warm_phase(args.data_dir, passes=1 if args.quick else 2, warmup=3)))
        return 0
    if args.phase == "cold-split":
        print(json.dumps(cold_split(args.data_dir, args.spawn_epoch or T_MAIN)))
        return 0

    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="casereview-bench-query-"))
    tmp.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or tmp / "data"
    if not (data_dir.exists() and any(data_dir.iterdir())):
        build_index(tmp, data_dir)
    env = isolated_env(tmp, data_dir)
    out: dict = {}

    # warm, one process
    res = timed_run([PY, __file__, "--phase", "warm", "--data-dir", str(data_dir)] + (["--quick"] if args.quick else []), env)
    if res["rc"] != 0:
        raise SystemExit(res["stderr"][-3000:])
    out.update(last_json(res["stdout"]))

    # cold, fresh processes
    n = 2 if args.quick else args.cold_runs
    cold = []
    for _ in range(n):
        r = timed_run([CLI, "ask", QUESTION, "--data-dir", str(data_dir)], env)
        if r["rc"] != 0:
            raise SystemExit(r["stderr"][-3000:])
        cold.append(r)
    out["cold_ask"] = summary([r["wall_s"] for r in cold]) | {"peak_rss_mb": max(r["peak_rss_mb"] for r in cold), "cpu_s_p50": summary([r["cpu_s"] for r in cold])["p50"]}
    out["python_startup_s"] = summary([timed_run([PY, "-c", "pass"], env)["wall_s"] for _ in range(3)])["p50"]
    out["help_s"] = summary([timed_run([CLI, "--help"], env)["wall_s"] for _ in range(3)])["p50"]

    # cold, by phase
    spawn = time.time()
    r = timed_run([PY, __file__, "--phase", "cold-split", "--data-dir", str(data_dir), "--spawn-epoch", repr(spawn)], env)
    if r["rc"] != 0:
        raise SystemExit(r["stderr"][-3000:])
    split = last_json(r["stdout"])
    phases = split["phases"] + [("interpreter exit (teardown)", max(0.0, spawn + r["wall_s"] - split["t_done_epoch"]))]
    phases.append(("total (spawn to exit)", r["wall_s"]))
    out["cold_phases"] = phases

    # cold, by import
    r = timed_run([PY, "-X", "importtime", "-m", "assistant", "ask", QUESTION, "--data-dir", str(data_dir)], env)
    if r["rc"] != 0:
        raise SystemExit(r["stderr"][-3000:])
    out["importtime"] = parse_importtime(r["stderr"])
    out["importtime"]["wall_s"] = r["wall_s"]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
