"""The child side of a model worker: loads one native model and serves it over JSON lines.

Run as ``python -m assistant.models.worker_server CONFIG_JSON`` by
:class:`assistant.models.worker.WorkerChatModel`; never imported by the
process that serves users. Native code (llama.cpp, torch) lives only here, so
a segfault in it ends this process and costs one answer, not the server.

Protocol (one JSON object per line; requests on stdin, replies on the private
copy of stdout made at start, so native libraries that print to fd 1 cannot
corrupt it)::

    -> {"ready": true, "context_size": 2048, "pid": 123, ...}  once, after loading (see describe())
    <- {"op": "count_tokens", "text": "..."}
    -> {"result": 17}
    <- {"op": "chat", "messages": [{"role": "user", "content": "..."}], "stop": [], "max_tokens": 64}
    -> {"token": "Hel"} ... {"done": true, "finish_reason": "stop", "completion_tokens": 9}
    <- {"op": "cancel"}                                        while a chat streams: stop after the next token
    -> {"error": {"kind": "context-overflow", "problem": "...", "fix": "..."}}   instead of a result

The worker exits when its stdin closes (the parent went away) and, on Linux,
when its parent dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
from typing import IO, Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.models.errors import ModelError
from assistant.models.streaming import StreamingChatModel

# a test may ask for a fault: the file holds "SIGNAL N" (e.g. "SIGSEGV 3"): the next
# generation sends that signal to this process after N tokens, and the file is removed
FAULT_FILE_ENV = "CASEREVIEW_WORKER_FAULT_FILE"


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when its parent dies (no orphaned model processes)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def build_engine(config: dict[str, Any]) -> StreamingChatModel:
    """The in-process chat model the worker serves, from the config the parent sent."""
    provider = config["provider"]
    common = {
        "model_name": config["model_name"], "n_ctx": int(config["n_ctx"]), "max_tokens": int(config["max_tokens"]),
        "temperature": float(config["temperature"]), "timeout_s": float(config["timeout_s"]),
    }
    if provider == "llamacpp":
        from assistant.models.llamacpp import ChatLlamaCpp

        return ChatLlamaCpp(model_path=config["path"], **common)
    if provider == "hf":
        from assistant.models.hf import ChatHF

        return ChatHF(model_dir=config["path"], **common)
    raise ValueError(f"no worker engine for provider {provider!r}")


def describe(engine: StreamingChatModel, provider: str) -> dict[str, Any]:
    """What the parent may report about the loaded model (``casereview models``, benchmarks)."""
    trained = getattr(engine, "trained_context_size", None)
    package = {"llamacpp": "llama_cpp", "hf": "transformers"}[provider]
    version = getattr(sys.modules.get(package), "__version__", None)
    threads = getattr(getattr(engine, "_llama", None), "n_threads", None)
    return {"trained_context_size": trained, "engine_version": version, "n_threads": threads}


def _messages(payload: list[dict[str, str]]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "assistant": AIMessage}
    return [kinds.get(m["role"], HumanMessage)(content=m["content"]) for m in payload]


def _error(exc: ModelError) -> dict[str, Any]:
    return {"error": {"kind": exc.kind, "problem": exc.problem, "fix": exc.fix}}


class _Fault:
    """A signal a test asked for (see ``FAULT_FILE_ENV``), armed for one generation."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.after = 0
        path = os.environ.get(FAULT_FILE_ENV)
        if path and os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                name, _, count = fh.read().strip().partition(" ")
            os.remove(path)
            self.signum = int(getattr(signal, name))
            self.after = int(count or 0)

    def tick(self, produced: int) -> None:
        if self.signum is not None and produced >= self.after:
            os.kill(os.getpid(), self.signum)


class Server:
    """Serves one engine: requests from a reader thread, so a cancel can arrive mid-stream."""

    def __init__(self, engine: StreamingChatModel, out: IO[str]) -> None:
        self.engine = engine
        self.out = out
        self.requests: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.cancel = threading.Event()

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def read(self, stdin: IO[str]) -> None:
        for line in stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("op") == "cancel":
                self.cancel.set()
            else:
                self.requests.put(request)
        self.requests.put(None)

    def handle(self, request: dict[str, Any]) -> None:
        op = request.get("op")
        try:
            if op == "count_tokens":
                self.send({"result": int(self.engine.count_tokens(request["text"]))})  # type: ignore[attr-defined]
            elif op == "chat":
                self.chat(request)
            else:
                self.send({"error": {"kind": "failed", "problem": f"unknown worker request {op!r}", "fix": ""}})
        except ModelError as exc:
            self.send(_error(exc))

    def chat(self, request: dict[str, Any]) -> None:
        self.cancel.clear()
        fault = _Fault()
        produced = 0
        finish = "stop"
        stream = self.engine._stream(_messages(request["messages"]), stop=request.get("stop") or None, max_tokens=request.get("max_tokens"))
        try:
            for chunk in stream:
                info = chunk.generation_info or {}
                if info.get("finish_reason"):
                    finish = str(info["finish_reason"])
                if chunk.text:
                    produced += 1
                    self.send({"token": chunk.text})
                    fault.tick(produced)
                if self.cancel.is_set():
                    finish = "cancelled"
                    break
        finally:
            stream.close()
        self.send({"done": True, "finish_reason": finish, "completion_tokens": produced})

    def serve(self, stdin: IO[str]) -> None:
        threading.Thread(target=self.read, args=(stdin,), daemon=True, name="worker-stdin").start()
        while True:
            request = self.requests.get()
            if request is None:
                return
            self.handle(request)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config = json.loads(args[0])
    _die_with_parent()
    # the protocol gets a private copy of stdout; fd 1 itself goes to stderr, where native logs belong
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from assistant.settings import apply_offline_environment

    apply_offline_environment()
    engine = build_engine(config)
    server = Server(engine, out)
    try:
        size = int(engine.context_size)  # type: ignore[attr-defined]
    except ModelError as exc:
        server.send(_error(exc))
        return 1
    server.send({"ready": True, "context_size": size, "pid": os.getpid(), **describe(engine, config["provider"])})
    server.serve(sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
