"""Drafts never go to another machine unless the user says so, and the first use says where."""

import pytest

from assistant.models import RemoteNotAllowed, build_chat_model, is_loopback_url
from assistant.models import registry
from assistant.models.errors import ModelConfigError
from assistant.settings import ModelSettings


@pytest.mark.parametrize("url", ["http://127.0.0.1:11434", "http://localhost:8080/v1", "http://[::1]:8000", "http://127.5.0.1", "https://LOCALHOST"])
def test_loopback(url):
    assert is_loopback_url(url)


@pytest.mark.parametrize("url", ["http://10.0.0.5:11434", "https://api.openai.com/v1", "http://example.com", "http://0.0.0.0:80", "http://127.0.0.1.evil.com"])
def test_not_loopback(url):
    assert not is_loopback_url(url)


@pytest.mark.parametrize("name", ["ollama:llama3.1:8b", "openai:m"])
def test_remote_refused_by_default(name):
    with pytest.raises(RemoteNotAllowed) as err:
        build_chat_model(ModelSettings(name=name, base_url="http://192.168.1.20:9000"))
    assert "allow_remote" in err.value.fix


def test_openai_without_base_url_is_remote():
    with pytest.raises(RemoteNotAllowed, match="api.openai.com"):
        build_chat_model(ModelSettings(name="openai:gpt-4o-mini"))


def test_bad_scheme_refused():
    with pytest.raises(ModelConfigError, match="not an http"):
        build_chat_model(ModelSettings(name="ollama:x", base_url="ftp://127.0.0.1"))


def test_allowed_remote_announced_once(monkeypatch, capsys):
    monkeypatch.setattr(registry, "_ANNOUNCED", set())
    s = ModelSettings(name="openai:m", base_url="http://203.0.113.7:8000/v1", allow_remote=True)
    build_chat_model(s)
    build_chat_model(s)
    err = capsys.readouterr().err
    assert err.count("will be sent to http://203.0.113.7:8000/v1") == 1


def test_loopback_not_announced(monkeypatch, capsys):
    monkeypatch.setattr(registry, "_ANNOUNCED", set())
    build_chat_model(ModelSettings(name="ollama:x"))
    assert capsys.readouterr().err == ""
