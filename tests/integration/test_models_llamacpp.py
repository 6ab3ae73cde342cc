"""The real SmolLM2 GGUF through llama.cpp in its worker process: few tokens, streaming, context size, overflow, grounded flow."""

import importlib.util

import pytest

from assistant.models import ContextOverflow, build_chat_model
from assistant.settings import ModelSettings

pytestmark = [pytest.mark.llm, pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama_cpp cannot be imported: pip install 'casereview[llm]'")]


@pytest.fixture(scope="module")
def chat():
    return build_chat_model(ModelSettings(name="llamacpp:smollm2", max_tokens=6, context_size=512))


def test_smollm2_resolves_to_packaged_gguf(chat):
    assert chat.inner.path.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")


def test_generates_a_few_tokens(chat):
    reply = chat.invoke("Say hello.")
    assert reply.content.strip()
    assert reply.response_metadata["finish_reason"] in {"length", "stop"}


def test_streams_tokens(chat):
    pieces = [c.content for c in chat.stream("Name a colour.")]
    assert len([p for p in pieces if p]) >= 2


def test_context_size_measured(chat):
    assert chat.context_size == 512
    assert chat.inner.trained_context_size == 8192
    assert chat.count_tokens("hello world") == 2


def test_context_overflow_is_a_clear_error(chat):
    with pytest.raises(ContextOverflow, match="context window"):
        chat.invoke("word " * 1000)


def test_generated_answer_with_real_model_is_verified_or_replaced():
    """Whatever SmolLM2 writes, the result is either verified (every quote verbatim) or the fallback with a reason."""
    from types import SimpleNamespace

    from assistant.answer.generated import generated_answer
    from assistant.index.embedder import get_embedder
    from assistant.results import Answer, Location, RetrievedChunk
    from assistant.settings import Settings

    text = "A serious case review should be completed within six months of the decision to hold it."
    chunk = SimpleNamespace(chunk_id="c1", doc_id="d.txt", title="Doc", kind="guidance extract", location=Location(), text=text, is_summary=False, source_note="")
    snap = SimpleNamespace(row={"c1": 0}, chunks=[chunk])
    hits = [RetrievedChunk(chunk_id="c1", doc_id="d.txt", title="Doc", text=text, location=Location(), score=1.0)]
    settings = Settings(model={"name": "llamacpp:smollm2", "max_tokens": 40, "context_size": 1024}, data_dir="/tmp/none")
    fallback = Answer(question="q", text="extractive", mode="extractive")
    embedder = get_embedder(settings.embedder)
    a = generated_answer("Within what time should a serious case review be completed?", hits, snap, embedder, settings, fallback)
    if a.mode == "extractive":
        assert a.notes and "was not used" in a.notes[-1]
    else:
        assert a.mode == "generated:llamacpp:smollm2" and a.citations
        assert all(text[c.quote_start:c.quote_start + len(c.quote)] == c.quote for c in a.citations)


@pytest.mark.llm
def test_model_judge_runs_on_the_real_model():
    """The judge path with the real SmolLM2: a well-formed result whatever the small model says."""
    from assistant.critique.judge import judge_elements
    from assistant.results import ElementResult
    from assistant.settings import load_settings

    settings = load_settings(critique={"engine": "judge"}, model={"name": "llamacpp:smollm2", "max_tokens": 48, "context_size": 1024})
    draft = "Child A died aged two. The mother met the reviewer twice. An action plan is attached and monitored by the board."
    before = [ElementResult(id="family-involvement", label="Family involvement", status="missing", confidence=0.3, expectation="The extent to which the family took part in the review.")]
    out, notes = judge_elements(draft, before, settings)
    assert len(out) == 1 and out[0].status in {"present", "partial", "missing"}
    for span in out[0].evidence:
        assert draft[span.start:span.end] == span.text
    assert any("model judge (llamacpp:smollm2" in n for n in notes)
