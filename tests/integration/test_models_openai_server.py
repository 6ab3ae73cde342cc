"""The OpenAI-compatible path against a real server on loopback: llama-cpp-python's own server serving SmolLM2."""

import importlib.util
import sys
from pathlib import Path

import pytest

from assistant.models import ContextOverflow, ModelError, build_chat_model
from assistant.settings import ModelSettings

pytestmark = [pytest.mark.llm, pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama_cpp cannot be imported: pip install 'casereview[llm]'")]

sys.path.insert(0, str(Path(__file__).parent))
from test_models_contract import start_llama_server, stop  # noqa: E402


@pytest.fixture(scope="module")
def small_server():
    proc, url = start_llama_server(n_ctx=512)
    yield url
    stop(proc)


def chat(url, **kw):
    return build_chat_model(ModelSettings(name="openai:smollm2", base_url=url, max_tokens=6, context_size=512, timeout_s=120, **kw))


def test_answers_and_streams(small_server):
    c = chat(small_server)
    assert c.endpoint == small_server and c.provider == "openai"
    assert c.invoke("Say hello.").content.strip()
    assert len([p for p in (x.content for x in c.stream("Name a colour.")) if p]) >= 2


def test_no_remote_notice_for_loopback(small_server, capsys):
    chat(small_server).invoke("Hi")
    assert "will be sent" not in capsys.readouterr().err


def test_overflow_surfaces_as_model_error(small_server):
    with pytest.raises(ModelError) as err:
        chat(small_server).invoke("word " * 2000)
    assert isinstance(err.value, ContextOverflow) or "context" in str(err.value).lower()


def test_server_stopped_is_unreachable():
    proc, url = start_llama_server(n_ctx=256)
    stop(proc)
    from assistant.models import ModelUnreachable

    with pytest.raises(ModelUnreachable, match="nothing answers"):
        chat(url).invoke("Hi")
