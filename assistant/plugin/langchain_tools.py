"""CaseReview for LangChain: ``ask``/``check`` as tools and Runnables, plus the retriever.

Example::

    from assistant import Assistant
    from assistant.plugin.langchain_tools import casereview_tools, ask_runnable, guidance_retriever

    a = Assistant()
    tools = casereview_tools(a)               # give these to an agent (create_agent(model, tools=tools))
    answer = ask_runnable(a).invoke("Who should write the overview report?")   # -> Answer
    docs = guidance_retriever(a, k=4).invoke("timescale for a serious case review")

The tools return the same JSON (dicts) as ``casereview ask|check --json``; the
Runnables return the typed results (:class:`~assistant.results.Answer`,
:class:`~assistant.results.Critique`).
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from assistant.plugin.mcp_server import ASK_DESCRIPTION, CHECK_DESCRIPTION
from assistant.results import Answer, Critique


class AskInput(BaseModel):
    question: str = Field(description="A question about case-review guidance, in plain English.")


class CheckInput(BaseModel):
    text: str = Field(description="The full text of the draft report (plain text or Markdown).")
    profile: str | None = Field(None, description="Profile to check against; default scr-executive-summary.")


def ask_tool(assistant: Any) -> BaseTool:
    """``ask_guidance``: the answer JSON (text, citations with exact quotes, abstained)."""

    def run(question: str) -> dict[str, Any]:
        return assistant.ask(question).model_dump(mode="json")

    return StructuredTool.from_function(func=run, name="ask_guidance", description=ASK_DESCRIPTION, args_schema=AskInput)


def check_tool(assistant: Any) -> BaseTool:
    """``check_draft``: the critique JSON (verdict, elements, issues with spans and fixes)."""

    def run(text: str, profile: str | None = None) -> dict[str, Any]:
        return assistant.check(text, profile).model_dump(mode="json")

    return StructuredTool.from_function(func=run, name="check_draft", description=CHECK_DESCRIPTION, args_schema=CheckInput)


def casereview_tools(assistant: Any) -> list[BaseTool]:
    """Both tools, ready for an agent."""
    return [ask_tool(assistant), check_tool(assistant)]


def ask_runnable(assistant: Any) -> Runnable[str, Answer]:
    """A Runnable from a question (or ``{"question": ...}``) to an :class:`Answer`."""

    def run(value: str | dict[str, Any]) -> Answer:
        question = value["question"] if isinstance(value, dict) else value
        return assistant.ask(question)

    return RunnableLambda(run, name="casereview_ask")


def check_runnable(assistant: Any, profile: str | None = None) -> Runnable[str, Critique]:
    """A Runnable from draft text (or ``{"text": ..., "profile": ...}``) to a :class:`Critique`."""

    def run(value: str | dict[str, Any]) -> Critique:
        if isinstance(value, dict):
            return assistant.check(value["text"], value.get("profile") or profile)
        return assistant.check(value, profile)

    return RunnableLambda(run, name="casereview_check")


def guidance_retriever(assistant: Any, k: int | None = None) -> Any:
    """The hybrid retriever as a LangChain ``BaseRetriever`` (Documents with doc_id, title, location, score)."""
    return assistant.langchain_retriever(k=k)


__all__ = ["AskInput", "CheckInput", "ask_runnable", "ask_tool", "casereview_tools", "check_runnable", "check_tool", "guidance_retriever"]
