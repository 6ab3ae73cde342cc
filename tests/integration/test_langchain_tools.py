"""CaseReview as LangChain tools, Runnables and a retriever."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from assistant.api import Assistant
from assistant.plugin.langchain_tools import ask_runnable, casereview_tools, check_runnable, guidance_retriever
from assistant.results import Answer, Critique
from assistant.settings import load_settings

from test_web_app import WEAK, shared_index


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant(load_settings(data_dir=shared_index(tmp_path_factory)))


def test_tools_have_names_schemas_and_descriptions(assistant: Assistant) -> None:
    tools = {t.name: t for t in casereview_tools(assistant)}
    assert set(tools) == {"ask_guidance", "check_draft"}
    assert all(isinstance(t, BaseTool) and len(t.description) > 200 for t in tools.values())
    assert tools["ask_guidance"].args["question"]["type"] == "string"
    assert set(tools["check_draft"].args) == {"text", "profile"}


def test_ask_tool_returns_the_cli_json(assistant: Assistant) -> None:
    tool = next(t for t in casereview_tools(assistant) if t.name == "ask_guidance")
    out = tool.invoke({"question": "Within what time should a serious case review be completed?"})
    assert out == assistant.ask("Within what time should a serious case review be completed?").model_dump(mode="json")
    assert out["citations"] and not out["abstained"]


def test_check_tool_as_a_tool_call(assistant: Assistant) -> None:
    tool = next(t for t in casereview_tools(assistant) if t.name == "check_draft")
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": "check_draft", "args": {"text": WEAK}})
    assert message.tool_call_id == "call-1"
    assert "family-involvement" in str(message.content)


def test_runnables_return_typed_results_and_batch(assistant: Assistant) -> None:
    ask = ask_runnable(assistant)
    check = check_runnable(assistant)
    assert isinstance(ask, Runnable) and isinstance(check, Runnable)
    answer = ask.invoke({"question": "Who should write the overview report?"})
    assert isinstance(answer, Answer)
    critiques = check.batch([WEAK, {"text": WEAK, "profile": "scr-executive-summary"}])
    assert all(isinstance(c, Critique) for c in critiques)
    assert all("missing:family-involvement" in c.findings for c in critiques)
    # composes with the rest of LCEL
    chain = ask | (lambda a: len(a.citations))
    assert chain.invoke("Within what time should a serious case review be completed?") >= 1


def test_retriever(assistant: Assistant) -> None:
    retriever = guidance_retriever(assistant, k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("timescale for completing a serious case review")
    assert 1 <= len(docs) <= 3 and all(isinstance(d, Document) for d in docs)
    assert {"doc_id", "title", "location", "score"} <= set(docs[0].metadata)
