"""The Ollama path with nothing listening: a clear error, and the extractive answer still given."""

import socket

import pytest

from assistant.models import ModelUnreachable, build_chat_model
from assistant.settings import ModelSettings


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_unreachable_invoke_and_stream():
    chat = build_chat_model(ModelSettings(name="ollama:llama3.1:8b", base_url=dead_url(), timeout_s=5))
    with pytest.raises(ModelUnreachable) as err:
        chat.invoke("hello")
    assert "nothing answers at http://127.0.0.1:" in str(err.value) and "ollama serve" in err.value.fix
    with pytest.raises(ModelUnreachable):
        list(chat.stream("hello"))


def test_generated_answer_falls_back_when_ollama_is_down():
    from types import SimpleNamespace

    from assistant.answer.generated import generated_answer
    from assistant.results import Answer, Location, RetrievedChunk
    from assistant.settings import Settings

    text = "A serious case review should be completed within six months."
    snap = SimpleNamespace(row={"c1": 0}, chunks=[SimpleNamespace(chunk_id="c1", text=text)])
    hits = [RetrievedChunk(chunk_id="c1", doc_id="d", title="Doc", text=text, location=Location(), score=1.0)]
    settings = Settings(model={"name": "ollama:llama3.1:8b", "base_url": dead_url(), "timeout_s": 5}, data_dir="/tmp/none")
    fallback = Answer(question="q", text="extractive [1]")
    a = generated_answer("q", hits, snap, None, settings, fallback)
    assert a.text == "extractive [1]" and a.mode == "extractive"
    assert "nothing answers" in a.notes[-1] and "ollama serve" in a.notes[-1]
