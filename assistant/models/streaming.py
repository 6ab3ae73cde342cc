"""The base of the chat models CaseReview implements itself (the worker client, the engines it runs): they implement ``_stream``; the whole answer is built from it."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult


def chat_payload(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as OpenAI-style role/content dicts (what llama.cpp's chat API and the worker protocol take)."""
    roles = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
    return [{"role": roles.get(m.type, "user"), "content": m.content if isinstance(m.content, str) else str(m.content)} for m in messages]


class StreamingChatModel(BaseChatModel):
    """A LangChain chat model whose non-streaming result is its stream, gathered (one code path to test)."""

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop=stop, run_manager=run_manager, **kwargs))
