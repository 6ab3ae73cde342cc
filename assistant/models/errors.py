"""One family of errors for every provider, so callers handle a model failure the same way whatever is configured.

Each error names the model (``provider:model``), says what went wrong and how
to fix it. :func:`translate_error` maps the exceptions of llama.cpp, httpx,
openai and ollama onto this family.
"""

from __future__ import annotations


class ModelError(RuntimeError):
    """A generative model could not produce an answer. ``str(err)`` is one line: model, problem, fix."""

    kind = "failed"

    def __init__(self, model: str, problem: str, fix: str = "") -> None:
        self.model = model
        self.problem = problem
        self.fix = fix
        super().__init__(f"{model}: {problem}" + (f" — {fix}" if fix else ""))


class ModelConfigError(ModelError, ValueError):
    """The configuration names no usable model (unknown provider, refused remote URL, bad path). Not retried."""

    kind = "config"


class RemoteNotAllowed(ModelConfigError):
    kind = "remote-refused"


class ModelUnavailable(ModelError):
    """The model's files, package or server-side model are missing."""

    kind = "unavailable"


class ModelUnreachable(ModelError):
    """Nothing answers at the endpoint."""

    kind = "unreachable"


class ModelTimeout(ModelError):
    kind = "timeout"


class ContextOverflow(ModelError):
    """The prompt does not fit the model's context window."""

    kind = "context-overflow"


def _has(exc: BaseException, *words: str) -> bool:
    text = str(exc).lower()
    return any(w in text for w in words)


def translate_error(exc: BaseException, model: str, endpoint: str | None = None, timeout_s: float | None = None) -> ModelError:
    """The :class:`ModelError` that describes ``exc`` raised while calling ``model``."""
    if isinstance(exc, ModelError):
        return exc
    where = f" at {endpoint}" if endpoint else ""
    name = type(exc).__name__
    names = {c.__name__ for c in type(exc).__mro__}
    module = type(exc).__module__ or ""
    context_words = ("context window", "context length", "context_length", "exceed context", "maximum context", "n_ctx", "too many tokens", "prompt is too long")
    # timeouts first: openai.APITimeoutError is a kind of APIConnectionError
    if isinstance(exc, TimeoutError) or any("Timeout" in n for n in names):
        return ModelTimeout(model, f"no answer{where} within {timeout_s or '?'} s", "raise model.timeout_s, use a smaller model, or lower model.max_tokens")
    if _has(exc, *context_words):
        return ContextOverflow(model, f"the prompt does not fit the context window ({exc})", "lower retrieval.k or model.max_tokens, or raise model.context_size")
    if isinstance(exc, ConnectionError) or any("Connect" in n for n in names) or name == "RemoteProtocolError":
        if module.startswith("ollama") or "ollama" in model.split(":", 1)[0]:
            fix = "start Ollama (`ollama serve`) or set model.base_url to where it listens"
        else:
            fix = "start the server or set model.base_url to where it listens"
        return ModelUnreachable(model, f"nothing answers{where}", fix)
    if any("Authentication" in n or "PermissionDenied" in n for n in names) or getattr(exc, "status_code", None) in (401, 403):
        return ModelUnavailable(model, f"the server{where} refused the API key", "set the environment variable named by model.api_key_env")
    if any("NotFound" in n for n in names) or getattr(exc, "status_code", None) == 404 or _has(exc, "not found"):
        fix = f"`ollama pull {model.split(':', 1)[1]}`" if model.startswith("ollama:") else "check the model name the server serves"
        return ModelUnavailable(model, f"the server{where} does not have this model ({exc})", fix)
    return ModelError(model, f"the model call failed: {name}: {exc}", "run `casereview doctor` to check the model setup")
