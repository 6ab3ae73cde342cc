"""A local transformers model directory as a LangChain chat model (transformers imported on first use).

Only local files are read (``local_files_only``); nothing is fetched from a hub.
The directory needs a tokenizer with a chat template and a causal-LM model.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from assistant.models.errors import ContextOverflow, ModelTimeout, ModelUnavailable
from assistant.models.streaming import StreamingChatModel


def check_model_dir(path: Path, model_name: str) -> Path:
    path = path.expanduser()
    if not path.is_dir() or not (path / "config.json").is_file():
        raise ModelUnavailable(model_name, f"{path} is not a transformers model directory (no config.json)", "give the folder a model was saved to with save_pretrained()")
    return path


class ChatHF(StreamingChatModel):
    model_dir: str
    model_name: str = "hf"
    n_ctx: int = 2048
    max_tokens: int = 256
    temperature: float = 0.0
    timeout_s: float = 60.0

    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.RLock)

    @property
    def _llm_type(self) -> str:
        return "hf"

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                from assistant.settings import apply_offline_environment

                apply_offline_environment()
                try:
                    from transformers import AutoModelForCausalLM, AutoTokenizer
                except ImportError as exc:
                    raise ModelUnavailable(self.model_name, "transformers is not installed", "pip install transformers") from exc
                try:
                    self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
                    self._model = AutoModelForCausalLM.from_pretrained(self.model_dir, local_files_only=True)
                except (OSError, ValueError) as exc:
                    raise ModelUnavailable(self.model_name, f"transformers could not load {self.model_dir} ({exc})", "check it holds a causal-LM model and its tokenizer") from exc
                self._model.eval()
            return self._model, self._tokenizer

    @property
    def context_size(self) -> int:
        model, _ = self._load()
        trained = getattr(model.config, "max_position_embeddings", None)
        return min(self.n_ctx, int(trained)) if trained else self.n_ctx

    def count_tokens(self, text: str) -> int:
        _, tok = self._load()
        return len(tok(text, add_special_tokens=False)["input_ids"])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        import torch
        from transformers import TextIteratorStreamer

        model, tok = self._load()
        roles = {"human": "user", "ai": "assistant", "system": "system"}
        chat = [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]
        if getattr(tok, "chat_template", None):
            prompt = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        else:
            prompt = "\n".join(f"{m['role']}: {m['content']}" for m in chat) + "\nassistant:"
        inputs = tok(prompt, return_tensors="pt", add_special_tokens=False)
        max_tokens = int(kwargs.get("max_tokens") or self.max_tokens)
        n_prompt = int(inputs["input_ids"].shape[1])
        if n_prompt + max_tokens > self.context_size:
            raise ContextOverflow(self.model_name, f"prompt of {n_prompt} tokens plus {max_tokens} to generate exceeds the context window of {self.context_size}", "lower retrieval.k or model.max_tokens, or raise model.context_size")
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True, timeout=self.timeout_s)
        gen_kwargs: dict[str, Any] = dict(**inputs, max_new_tokens=max_tokens, streamer=streamer, pad_token_id=tok.pad_token_id or tok.eos_token_id)
        if self.temperature > 0:
            gen_kwargs.update(do_sample=True, temperature=self.temperature)
        else:
            gen_kwargs.update(do_sample=False)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with torch.no_grad():
                    model.generate(**gen_kwargs)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append(exc)
                streamer.end()

        deadline = time.monotonic() + self.timeout_s
        with self._lock:
            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            text = ""
            finish = "length"
            try:
                for piece in streamer:
                    if not piece:
                        continue
                    emit = piece
                    hit = None
                    for s in stop or []:
                        idx = (text + piece).find(s)
                        if idx >= 0 and (hit is None or idx < hit):
                            hit = idx
                    if hit is not None:
                        emit = (text + piece)[len(text):hit] if hit >= len(text) else ""
                        finish = "stop"
                    if emit:
                        text += emit
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=emit))
                        if run_manager:
                            run_manager.on_llm_new_token(emit, chunk=chunk)
                        yield chunk
                    if hit is not None:
                        break
                    if time.monotonic() > deadline:
                        raise ModelTimeout(self.model_name, f"generation took longer than {self.timeout_s} s", "raise model.timeout_s or lower model.max_tokens")
            except Exception as exc:  # noqa: BLE001
                if type(exc).__name__ == "Empty":
                    raise ModelTimeout(self.model_name, f"no token within {self.timeout_s} s", "raise model.timeout_s") from exc
                raise
            finally:
                worker.join(timeout=self.timeout_s)
            if errors:
                raise errors[0]
        yield ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata={"finish_reason": finish}), generation_info={"finish_reason": finish})
