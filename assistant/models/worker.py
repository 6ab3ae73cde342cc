"""A native model run in a child process, as a LangChain chat model.

llama.cpp and transformers run native code that can crash (a segfault in
llama.cpp's ``decode`` once killed the CLI, the web app for every user and the
MCP server alike). Here the model lives in a worker process
(:mod:`assistant.models.worker_server`) that this process talks to over pipes.
A worker that crashes, hangs or is killed costs the answer it was producing:
the call raises :class:`WorkerCrashed` or :class:`ModelTimeout` (so the caller
falls back to the extractive answer with a one-line note), and the next call
starts a fresh worker. One generation runs at a time per worker.
"""

from __future__ import annotations

import collections
import json
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from typing import IO, Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from assistant.models.errors import ContextOverflow, ModelError, ModelTimeout, ModelUnavailable
from assistant.models.streaming import StreamingChatModel, chat_payload

START_TIMEOUT_S = 120.0  # loading a GGUF is seconds; a cold page cache on a slow disk can take longer
CANCEL_GRACE_S = 5.0


class WorkerCrashed(ModelError):
    """The model's worker process ended while it was answering (a crash or a kill)."""

    kind = "worker-crashed"


_ERRORS: dict[str, type[ModelError]] = {
    cls.kind: cls for cls in (ModelError, ModelUnavailable, ModelTimeout, ContextOverflow, WorkerCrashed)
}



def describe_exit(returncode: int | None) -> str:
    """'killed by SIGSEGV' or 'exited with status 1' for a worker's return code."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


class WorkerProcess:
    """One running worker: the child, a thread turning its stdout into messages, and its last stderr lines."""

    def __init__(self, config: dict[str, Any], model_name: str) -> None:
        self.model_name = model_name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.models.worker_server", json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        # native logs stay in memory (never a file: a prompt could appear in them), last lines only
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True, name="worker-stdout").start()
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True, name="worker-stderr").start()
        self.context_size = 0
        self.info: dict[str, Any] = {}

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            line = line.strip()
            if line:
                try:
                    self.messages.put(json.loads(line))
                except json.JSONDecodeError:
                    self.stderr_tail.append(line[:300])
        self.messages.put(None)

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.stderr_tail.append(line.rstrip()[:300])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, request: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self.crashed("before it was asked") from exc

    def receive(self, deadline: float) -> dict[str, Any]:
        """The next message, or :class:`WorkerCrashed` / :class:`ModelTimeout` (the worker is then killed)."""
        try:
            message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.kill()
            raise ModelTimeout(self.model_name, "the model worker did not answer in time; it was stopped", "raise model.timeout_s or lower model.max_tokens") from None
        if message is None:
            raise self.crashed("mid-answer")
        if "error" in message:
            err = message["error"]
            raise _ERRORS.get(err.get("kind", ""), ModelError)(self.model_name, err.get("problem", "the model failed"), err.get("fix", ""))
        return message

    def crashed(self, when: str) -> WorkerCrashed:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        detail = f" (last output: {self.stderr_tail[-1]})" if self.stderr_tail and code and code > 0 else ""
        return WorkerCrashed(self.model_name, f"the model worker {describe_exit(code)} {when}{detail}", "the next request starts a fresh worker")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        """Close stdin (the worker exits by itself), then make sure it is gone."""
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()


class WorkerChatModel(StreamingChatModel):
    """A llama.cpp or transformers model served by a child process; restarts the child after a crash."""

    provider: str
    path: str
    model_name: str
    n_ctx: int = 2048
    max_tokens: int = 256
    temperature: float = 0.0
    timeout_s: float = 60.0

    _worker: WorkerProcess | None = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.RLock)

    @property
    def _llm_type(self) -> str:
        return f"{self.provider}-worker"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"provider": self.provider, "path": self.path, "n_ctx": self.n_ctx}

    def _config(self) -> dict[str, Any]:
        return {
            "provider": self.provider, "path": self.path, "model_name": self.model_name, "n_ctx": self.n_ctx,
            "max_tokens": self.max_tokens, "temperature": self.temperature, "timeout_s": self.timeout_s,
        }

    def worker(self) -> WorkerProcess:
        """The live worker, started (and waited for) when there is none or the last one died."""
        with self._lock:
            if self._worker is not None and self._worker.alive():
                return self._worker
            worker = WorkerProcess(self._config(), self.model_name)
            try:
                ready = worker.receive(time.monotonic() + max(START_TIMEOUT_S, self.timeout_s))
            except WorkerCrashed as exc:
                raise ModelUnavailable(self.model_name, f"the model worker could not start: {exc.problem}", "run `casereview doctor` to check the model setup") from exc
            except ModelError:
                worker.kill()
                raise
            worker.context_size = int(ready["context_size"])
            worker.info = {k: v for k, v in ready.items() if k not in {"ready", "context_size"}}
            # stopped when this model is garbage-collected or at exit, whichever is first (a strong
            # reference from atexit would keep every model built, and its process, alive until exit)
            weakref.finalize(self, worker.stop)
            self._worker = worker
            return worker

    @property
    def worker_pid(self) -> int | None:
        """The pid of the running worker, if one runs (tests kill it)."""
        return self._worker.pid if self._worker is not None and self._worker.alive() else None

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None

    @property
    def context_size(self) -> int:
        return self.worker().context_size

    @property
    def trained_context_size(self) -> int | None:
        """The context length the model was trained with, as its file says (llama.cpp only)."""
        value = self.worker().info.get("trained_context_size")
        return int(value) if value is not None else None

    @property
    def worker_info(self) -> dict[str, Any]:
        """pid, engine version and threads of the running worker (started if needed)."""
        return dict(self.worker().info)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            worker = self.worker()
            worker.send({"op": "count_tokens", "text": text})
            return int(worker.receive(time.monotonic() + self.timeout_s)["result"])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        payload = chat_payload(messages)
        max_tokens = int(kwargs.get("max_tokens") or self.max_tokens)
        with self._lock:
            worker = self.worker()
            deadline = time.monotonic() + self.timeout_s
            worker.send({"op": "chat", "messages": payload, "stop": stop or [], "max_tokens": max_tokens})
            while True:
                message = worker.receive(deadline)  # a worker error ends its request: nothing to cancel
                if message.get("done"):
                    finish = str(message.get("finish_reason") or "stop")
                    break
                text = str(message.get("token", ""))
                if text:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    try:
                        yield chunk
                    except GeneratorExit:
                        self._abandon(worker)
                        raise
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"finish_reason": finish, "model_name": self.model_name}),
            generation_info={"finish_reason": finish, "completion_tokens": int(message.get("completion_tokens", 0))},
        )

    def _abandon(self, worker: WorkerProcess) -> None:
        """The caller stopped reading mid-stream: cancel, drain to 'done', or stop the worker if it will not."""
        deadline = time.monotonic() + CANCEL_GRACE_S
        try:
            worker.send({"op": "cancel"})
            while not worker.receive(deadline).get("done"):
                pass
        except ModelError:
            worker.kill()
