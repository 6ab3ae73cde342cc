"""Packing, verification and fallback of generated answers (fake embedder and model; the real ones are in integration)."""

import hashlib
import re
from types import SimpleNamespace

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer.generated import generated_answer, pack_evidence, stream_generated_answer, verify_answer, Evidence
from assistant.models.errors import ModelUnreachable
from assistant.models.prompts import load_prompt
from assistant.models.registry import ProviderChatModel
from assistant.results import Answer, Location, RetrievedChunk
from assistant.settings import Settings

CHUNKS = {
    "c1": "A serious case review should be completed within six months of the decision to hold it. The board chair decides.",
    "c2": "The executive summary should contain an introduction, parallel processes and an action plan.",
}


class BagEmbedder:
    """Deterministic bag-of-words vectors: identical wording scores 1.0, unrelated wording near 0."""

    name, dimension = "bag", 256

    def embed(self, texts):
        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z]+", t.lower()):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dimension] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def snapshot():
    chunks = [SimpleNamespace(chunk_id=c, doc_id=f"{c}.txt", title=f"Doc {c}", kind="guidance extract", location=Location(), text=t, is_summary=False, source_note="") for c, t in CHUNKS.items()]
    return SimpleNamespace(row={c.chunk_id: i for i, c in enumerate(chunks)}, chunks=chunks)


def hits():
    return [RetrievedChunk(chunk_id=c, doc_id=f"{c}.txt", title=f"Doc {c}", text=t, location=Location(), score=1.0) for c, t in CHUNKS.items()]


def evidence():
    return [Evidence(i + 1, h, h.text, f"[{i + 1}] {h.title}\n{h.text}") for i, h in enumerate(hits())]


def verify(text, threshold=0.55):
    return verify_answer(text, evidence(), snapshot(), BagEmbedder(), threshold)


def test_supported_answer_passes_with_verbatim_quotes():
    v = verify("A serious case review should be completed within six months of the decision [1]. The summary should contain an introduction and an action plan [2].")
    assert v.ok, v.reason
    assert [c.key for c in v.citations] == [1, 2]
    for c in v.citations:
        assert CHUNKS[c.chunk_id][c.quote_start:c.quote_start + len(c.quote)] == c.quote
    assert v.citations[0].quote.startswith("A serious case review should be completed")


def test_invented_keys_are_stripped_and_noted():
    v = verify("A serious case review should be completed within six months of the decision [1][7].")
    assert v.ok and "[7]" not in v.text and "[1]" in v.text
    assert any("[7]" in n for n in v.notes)


def test_unsupported_sentence_fails():
    v = verify("Reviews are funded by the police authority every spring [1].")
    assert not v.ok and "not supported by passage [1]" in v.reason and "needs 0.55" in v.reason


def test_only_invented_keys_means_uncited():
    v = verify("A serious case review should be completed within six months [9].")
    assert not v.ok and "cites no passage" in v.reason


def test_marker_after_full_stop_and_run_citation():
    v = verify("The board chair decides. A serious case review should be completed within six months of the decision to hold it. [1]")
    assert v.ok, v.reason
    assert v.text.count("[1]") == 2


@pytest.mark.parametrize("raw,why", [("", "nothing"), ("   <|im_end|>", "nothing"), ("[1] [2] ... !!!", "no usable text"), ("the the the the the the the the the the the the the [1]", "repeats"), ("NOT IN GUIDANCE", "do not answer")])
def test_garbage_fails(raw, why):
    v = verify(raw)
    assert not v.ok and why in v.reason


def test_copied_headers_are_not_claims():
    v = verify("Doc c1 A serious case review should be completed within six months of the decision to hold it [1].")
    assert v.ok, v.reason


def test_packing_respects_budget_and_keeps_rank_order():
    prompt = load_prompt("answer-question")
    count = lambda t: len(t.split())  # noqa: E731
    packed = pack_evidence("q", hits(), None, count, context_size=10_000, max_tokens=100, prompt=prompt)
    assert [e.key for e in packed] == [1, 2] and packed[0].hit.chunk_id == "c1"
    overhead = sum(count(m["content"]) for m in prompt.render(question="q", evidence=""))
    tight = overhead + 48 + 100 + count(packed[1].block) + 3  # room for the shorter passage only
    packed = pack_evidence("q", hits(), None, count, context_size=tight, max_tokens=100, prompt=prompt)
    assert [(e.key, e.hit.chunk_id) for e in packed] == [(1, "c2")]
    with pytest.raises(Exception, match="no passage fits"):
        pack_evidence("q", hits(), None, count, context_size=overhead + 60, max_tokens=100, prompt=prompt)


def settings():
    return Settings(model={"name": "fake:model"}, data_dir="/tmp/none")


def fallback():
    return Answer(question="q", text="extractive [1]", mode="extractive")


def wrap(inner):
    return ProviderChatModel(inner=inner, spec="fake:model", provider="fake", configured_context=4096)


def test_generated_answer_passes():
    chat = wrap(FakeListChatModel(responses=["A serious case review should be completed within six months of the decision to hold it [1]."]))
    a = generated_answer("q", hits(), snapshot(), BagEmbedder(), settings(), fallback(), chat_model=chat)
    assert a.mode == "generated:fake:model" and a.citations and not a.abstained


def test_generated_answer_falls_back_with_reason():
    chat = wrap(FakeListChatModel(responses=["Reviews are funded by the police authority every spring [1]."]))
    a = generated_answer("q", hits(), snapshot(), BagEmbedder(), settings(), fallback(), chat_model=chat)
    assert a.mode == "extractive" and a.text == "extractive [1]"
    assert "not supported" in a.notes[-1] and "fake:model" in a.notes[-1]


class Unreachable(FakeListChatModel):
    def _call(self, *a, **k):
        raise ModelUnreachable("fake:model", "nothing answers at http://127.0.0.1:9", "start it")

    def _stream(self, *a, **k):
        raise ConnectionError("refused")


def test_unreachable_falls_back():
    a = generated_answer("q", hits(), snapshot(), BagEmbedder(), settings(), fallback(), chat_model=wrap(Unreachable(responses=["x"])))
    assert a.mode == "extractive" and "nothing answers" in a.notes[-1]


def test_stream_yields_tokens_then_answer():
    chat = wrap(FakeListChatModel(responses=["A serious case review should be completed within six months of the decision to hold it [1]."]))
    out = list(stream_generated_answer("q", hits(), snapshot(), BagEmbedder(), settings(), fallback(), chat_model=chat))
    assert all(isinstance(x, str) for x in out[:-1]) and len(out) > 2
    assert isinstance(out[-1], Answer) and out[-1].mode.startswith("generated:")
    out = list(stream_generated_answer("q", hits(), snapshot(), BagEmbedder(), settings(), fallback(), chat_model=wrap(Unreachable(responses=["x"]))))
    assert isinstance(out[-1], Answer) and out[-1].mode == "extractive" and "nothing answers" in out[-1].notes[-1]


def test_abstained_fallback_is_kept():
    fb = Answer(question="q", text="does not say", abstained=True)
    a = generated_answer("q", hits(), snapshot(), BagEmbedder(), settings(), fb, chat_model=wrap(FakeListChatModel(responses=["x"])))
    assert a.abstained and "not asked" in a.notes[-1]
