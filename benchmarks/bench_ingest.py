"""Ingest throughput against raw embedding throughput of the same model on the same chunks.

    python benchmarks/bench_ingest.py [--data-dir DIR] [--quick]

1. ``casereview ingest --rebuild`` as a user runs it: fresh processes, wall
   time from spawn to exit (run 1 into an empty data dir, later runs rebuild
   over the index the previous run left).
2. One instrumented fresh process doing the same steps, every stage of
   ``assistant.index.ingest.ingest`` timed by wrapping the functions it calls;
   then, in that process with the model loaded, raw ``Embedder.embed`` on the
   exact texts the pipeline embedded (``Chunk.embedding_text()``), and warm
   in-process rebuilds.

Overhead = pipeline time / raw embedding time - 1. Prints one JSON document.
"""

from __future__ import annotations

import time

T_MAIN = time.time()  # as early as possible: the instrumented phase measures interpreter start-up from here

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import CLI, PY, isolated_env, summary, timed_run  # noqa: E402


def instrumented(data_dir: Path, warm_runs: int, raw_runs: int, spawn_epoch: float = 0.0) -> dict:
    """Runs inside a fresh process: one cold ingest, timed stage by stage, then raw and warm measurements."""
    import psutil

    phases: dict[str, float] = {}
    counts: dict[str, int] = {}

    def add(name: str, secs: float) -> None:
        phases[name] = phases.get(name, 0.0) + secs
        counts[name] = counts.get(name, 0) + 1

    start_proc = spawn_epoch or psutil.Process().create_time()  # psutil's is coarse (boot time in whole seconds)
    add("interpreter start-up (to first line of script)", T_MAIN - start_proc)

    t = time.perf_counter()
    import assistant.cli  # noqa: F401  - what the CLI imports before the handler
    import assistant.cli.ingest_cmd  # noqa: F401
    from assistant.api import Assistant

    add("import CaseReview modules (pydantic, langchain-core, numpy, ...)", time.perf_counter() - t)

    t = time.perf_counter()
    from assistant.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    add("settings", time.perf_counter() - t)

    import assistant.corpus.build as build_mod
    import assistant.index.ingest as ingest_mod

    captured: list[list[str]] = []
    state = {"embedder_loaded": False}

    def wrap(module, attr: str, label: str):
        original = getattr(module, attr)

        def inner(*a, **k):
            t0 = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                add(label, time.perf_counter() - t0)

        setattr(module, attr, inner)
        return original

    wrap(ingest_mod, "open_client", "Chroma: open store (incl. import chromadb)")
    wrap(ingest_mod, "list_generations", "Chroma: list generations")
    wrap(ingest_mod, "read_manifest", "find + hash files, manifest")
    wrap(ingest_mod, "corpus_files", "find + hash files, manifest")
    wrap(ingest_mod, "_sha", "find + hash files, manifest")
    wrap(build_mod, "read_bytes", "load + parse documents (read, decode, clutter, structure)")
    wrap(build_mod, "build_document", "load + parse documents (read, decode, clutter, structure)")
    wrap(build_mod, "chunk_document", "chunking")
    wrap(ingest_mod, "_add", "Chroma: add (write chunks, embeddings, metadata)")
    wrap(ingest_mod, "_delete", "Chroma: delete old generation")
    original_get = ingest_mod.get_embedder

    def get_embedder(cfg):
        if not state["embedder_loaded"]:
            t0 = time.perf_counter()
            emb = original_get(cfg)  # whatever the configured embedder imports (torch for sentence-transformers) plus its weights
            add(f"model: import + load embedder ({type(emb).__name__})", time.perf_counter() - t0)
            original_embed = emb.embed

            def embed(texts):
                captured.append(list(texts))
                t1 = time.perf_counter()
                try:
                    return original_embed(texts)
                finally:
                    add("embedding (the physical work)", time.perf_counter() - t1)

            emb.embed = embed  # instance attribute: the cached embedder is shared with the rest of the process
            emb._bench_original_embed = original_embed
            state["embedder_loaded"] = True
            return emb
        return original_get(cfg)

    ingest_mod.get_embedder = get_embedder

    before = sum(phases.values())
    t = time.perf_counter()
    assistant = Assistant(settings)
    report = assistant.ingest(rebuild=True)
    ingest_total = time.perf_counter() - t
    known_inside = sum(phases.values()) - before
    add("Chroma: create collection, switch, count + bookkeeping (rest of ingest())", ingest_total - known_inside)
    t_end = time.time()
    total = t_end - start_proc
    # every text the pipeline embedded: the chunks, then their sentences (stored for answers)
    texts = [t for batch in captured for t in batch]

    # raw embedding: the same texts, model loaded and already used once
    emb = original_get(settings.embedder)
    raw_embed = emb._bench_original_embed
    raw_embed(texts[:8])
    raw = []
    for _ in range(raw_runs):
        t0 = time.perf_counter()
        raw_embed(texts)
        raw.append(time.perf_counter() - t0)

    # warm in-process rebuilds (model loaded, modules imported): the pipeline's steady-state cost
    emb.embed = raw_embed
    warm = []
    warm_embed = []
    for _ in range(warm_runs):
        spent = {"embed": 0.0}

        def timed_embed(tx, _e=raw_embed, _s=spent):
            t1 = time.perf_counter()
            try:
                return _e(tx)
            finally:
                _s["embed"] += time.perf_counter() - t1

        emb.embed = timed_embed
        t0 = time.perf_counter()
        Assistant(settings).ingest(rebuild=True)
        warm.append(time.perf_counter() - t0)
        warm_embed.append(spent["embed"])
    emb.embed = raw_embed

    torch = sys.modules.get("torch")  # only if the embedder pulled it in

    return {
        "t_done_epoch": time.time(),
        "phases": phases,
        "counts": counts,
        "total_s": total,
        "ingest_call_s": ingest_total,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "files": len(report.added) + len(report.updated) + len(report.unchanged),
        "chunk_chars_mean": sum(len(x) for x in texts) / max(1, len(texts)),
        "raw": raw,
        "warm": warm,
        "warm_embed": warm_embed,
        "batch_size": settings.embedder.batch_size,
        "torch_threads": torch.get_num_threads() if torch else None,
        "embedder_class": type(emb).__name__,
        "texts": len(texts),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, help="Index folder the CLI runs build (left in place for the other benchmarks).")
    parser.add_argument("--tmp", type=Path, help="Scratch folder.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--phase", choices=["main", "instrumented"], default="main")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--spawn-epoch", type=float, default=0.0)
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs

    if args.phase == "instrumented":
        print(json.dumps(instrumented(args.data_dir, warm_runs=1 if args.quick else 2, raw_runs=2 if args.quick else 3, spawn_epoch=args.spawn_epoch)))
        return 0

    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="casereview-bench-ingest-"))
    tmp.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or tmp / "data"
    env = isolated_env(tmp, data_dir)

    # 1. the CLI, cold, as a user runs it
    cli_runs = []
    for i in range(runs):
        kind = "empty data dir" if i == 0 and not (data_dir.exists() and any(data_dir.iterdir())) else "rebuild over existing index"
        res = timed_run([CLI, "ingest", "--rebuild", "--data-dir", str(data_dir), "--json"], env)
        if res["rc"] != 0:
            raise SystemExit(f"casereview ingest failed: {res['stderr'][-3000:]}")
        rep = json.loads(res["stdout"])
        cli_runs.append({"kind": kind, "wall_s": res["wall_s"], "cpu_s": res["cpu_s"], "peak_rss_mb": res["peak_rss_mb"], "chunks": rep["chunks"], "embedded": rep["embedded"]})

    # 2. one instrumented fresh process (own data dir, so it starts empty like run 1)
    inst_dir = tmp / "instrumented-data"
    spawn = time.time()
    res = timed_run([PY, __file__, "--phase", "instrumented", "--data-dir", str(inst_dir), "--spawn-epoch", repr(spawn)], isolated_env(tmp, inst_dir))
    if res["rc"] != 0:
        raise SystemExit(f"instrumented ingest failed: {res['stderr'][-3000:]}")
    inst = json.loads([line for line in res["stdout"].splitlines() if line.startswith("{")][-1])
    teardown = max(0.0, (spawn + res["wall_s"]) - inst["t_done_epoch"])

    raw = summary(inst["raw"])
    warm = summary(inst["warm"])
    chunks = inst["chunks"]
    cli_wall = summary([r["wall_s"] for r in cli_runs])
    phases = dict(inst["phases"])
    phases["interpreter exit (teardown after ingest)"] = teardown
    total = inst["total_s"] + teardown
    embed_s = phases.get("embedding (the physical work)", 0.0)
    order = sorted(phases.items(), key=lambda kv: -kv[1])
    overhead_parts = [(k, v) for k, v in order if k != "embedding (the physical work)"]
    # attribute the first-call embedding penalty (first call vs warm median) to overhead too
    first_call_penalty = max(0.0, embed_s - raw["p50"])
    if first_call_penalty > 0.05:
        overhead_parts.append(("first-call embedding penalty (first embed vs warm raw)", first_call_penalty))
        overhead_parts.sort(key=lambda kv: -kv[1])
    overhead = total - raw["p50"]

    out = {
        "chunks": chunks,
        "files": inst["files"],
        "texts": inst.get("texts"),
        "embedder_class": inst.get("embedder_class"),
        "chunk_chars_mean": inst["chunk_chars_mean"],
        "batch_size": inst["batch_size"],
        "torch_threads": inst["torch_threads"],
        "cli_runs": cli_runs,
        "cli_wall_s": cli_wall,
        "cli_chunks_per_s": chunks / cli_wall["p50"],
        "raw": raw,
        "raw_chunks_per_s": chunks / raw["p50"],
        "warm": warm,
        "warm_embed_s": summary(inst["warm_embed"]),
        "warm_chunks_per_s": chunks / warm["p50"],
        "overhead_cli_pct": (cli_wall["p50"] / raw["p50"] - 1) * 100,
        "overhead_warm_pct": (warm["p50"] / raw["p50"] - 1) * 100,
        "breakdown": {
            "total_s": total,
            "phases": order,
            "embedding_s": embed_s,
            "overhead_s": overhead,
            "overhead_parts": overhead_parts,
            "instrumented_wall_s": res["wall_s"],
            "instrumented_peak_rss_mb": res["peak_rss_mb"],
        },
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
