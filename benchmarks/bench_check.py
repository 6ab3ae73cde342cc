"""Draft-check latency and peak memory for a ~600-word and a ~6,000-word draft.

    python benchmarks/bench_check.py [--data-dir DIR] [--quick]

The drafts are built from the inputs of evals/critique-dev-*.yaml: the
600-word one is the first development draft of at least 600 words cut back to
about 600 at a sentence boundary; the 6,000-word one is development drafts
joined one after another (as a long report of several summaries) and cut the
same way. Each size runs in its own fresh process, so its peak RSS is its own:
index and embedder loaded, one check untimed (first-call costs: profiles,
exemplar embeddings), then timed warm checks through ``Assistant.check``
(detectors plus guidance citations from the index). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import PY, REPO, build_index, isolated_env, peak_rss_mb, rss_mb, summary, timed_run  # noqa: E402

SIZES = {"600": 600, "6000": 6000}


def dev_drafts() -> list[tuple[str, str]]:
    import yaml

    out = []
    for path in sorted((REPO / "evals").glob("critique-dev-*.yaml")):
        for case in yaml.safe_load(path.read_text()) or []:
            if isinstance(case, dict) and isinstance(case.get("input"), str):
                out.append((case.get("id", "?"), case["input"].strip()))
    return out


def words(text: str) -> int:
    return len(text.split())


def cut_to(text: str, target: int) -> str:
    """``text`` cut at the last sentence end at or before ``target`` words (whole text if shorter)."""
    if words(text) <= target:
        return text
    kept: list[str] = []
    count = 0
    for para in text.split("\n"):
        n = words(para)
        if count + n <= target:
            kept.append(para)
            count += n
            continue
        sentences = re.split(r"(?<=[.!?])\s+", para)
        part: list[str] = []
        for s in sentences:
            if count + words(s) > target:
                break
            part.append(s)
            count += words(s)
        if part:
            kept.append(" ".join(part))
        break
    return "\n".join(kept).rstrip()


def build_draft(target: int) -> tuple[str, str]:
    drafts = dev_drafts()
    if target <= 1500:
        for case_id, text in drafts:
            if words(text) >= target:
                return cut_to(text, target), f"{case_id} cut to {target} words"
    parts, ids = [], []
    for case_id, text in drafts:
        parts.append(text)
        ids.append(case_id)
        if words("\n\n".join(parts)) >= target:
            break
    return cut_to("\n\n".join(parts), target), f"{len(ids)} dev drafts joined ({ids[0]}..{ids[-1]}), cut to {target} words"


def run_size(data_dir: Path, label: str, runs: int) -> dict:
    from assistant.api import Assistant
    from assistant.critique.draft import parse_draft
    from assistant.settings import load_settings

    text, built_from = build_draft(SIZES[label])
    t = time.perf_counter()
    a = Assistant(load_settings(data_dir=data_dir))
    a.retriever  # noqa: B018 - index and embedder
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()

    # instrumentation: time in the embedder (draft sentences and detector calls) and in guidance lookups
    emb = a.embedder
    original_embed = emb.embed
    original_lookup = a.guidance_for
    acc = {"embed_s": 0.0, "embed_calls": 0, "embed_texts": 0, "lookup_s": 0.0, "lookup_calls": 0, "in_lookup": False}

    def embed(texts):
        if acc["in_lookup"]:
            return original_embed(texts)
        t0 = time.perf_counter()
        try:
            return original_embed(texts)
        finally:
            acc["embed_s"] += time.perf_counter() - t0
            acc["embed_calls"] += 1
            acc["embed_texts"] += len(texts)

    def lookup(query, doc_ids):
        t0 = time.perf_counter()
        acc["in_lookup"] = True
        try:
            return original_lookup(query, doc_ids)
        finally:
            acc["in_lookup"] = False
            acc["lookup_s"] += time.perf_counter() - t0
            acc["lookup_calls"] += 1

    emb.embed = embed
    a.guidance_for = lookup  # instance attribute shadows the method Assistant.check passes on

    def timed_check() -> tuple[float, dict]:
        for k in ("embed_s", "embed_calls", "embed_texts", "lookup_s", "lookup_calls"):
            acc[k] = 0 if isinstance(acc[k], int) else 0.0
        t0 = time.perf_counter()
        result = a.check(text)
        secs = time.perf_counter() - t0
        return secs, {"embed_s": acc["embed_s"], "embed_calls": acc["embed_calls"], "embed_texts": acc["embed_texts"],
                      "lookup_s": acc["lookup_s"], "lookup_calls": acc["lookup_calls"], "rest_s": secs - acc["embed_s"] - acc["lookup_s"],
                      "verdict": result.verdict.summary}

    first_s, _ = timed_check()
    times, parts = [], []
    for _ in range(runs):
        secs, b = timed_check()
        times.append(secs)
        parts.append(b)
    emb.embed = original_embed
    mid = sorted(range(len(times)), key=lambda i: times[i])[len(times) // 2]
    return {
        "label": label,
        "words": words(text),
        "chars": len(text),
        "sentences": len(parse_draft(text).sentences),
        "built_from": built_from,
        "load_s": load_s,
        "first_s": first_s,
        "warm_s": summary(times),
        "breakdown": parts[mid],
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--tmp", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", choices=list(SIZES))
    parser.add_argument("--runs", type=int)
    args = parser.parse_args(argv)

    if args.size:
        print(json.dumps(run_size(args.data_dir, args.size, args.runs or 3)))
        return 0

    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="casereview-bench-check-"))
    tmp.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or tmp / "data"
    if not (data_dir.exists() and any(data_dir.iterdir())):
        build_index(tmp, data_dir)
    env = isolated_env(tmp, data_dir)
    runs = {"600": 2, "6000": 1} if args.quick else {"600": 5, "6000": 2}
    out = {"sizes": {}}
    for label in SIZES:
        res = timed_run([PY, __file__, "--data-dir", str(data_dir), "--size", label, "--runs", str(runs[label])], env, timeout=3600)
        if res["rc"] != 0:
            raise SystemExit(res["stderr"][-3000:])
        got = json.loads([line for line in res["stdout"].splitlines() if line.startswith("{")][-1])
        got["process_peak_rss_mb"] = res["peak_rss_mb"]
        got["process_wall_s"] = res["wall_s"]
        out["sizes"][label] = got
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
