"""Generative models behind one interface: ``build_chat_model(settings.model)`` (see :mod:`assistant.models.registry`)."""

from assistant.models.errors import (
    ContextOverflow,
    ModelConfigError,
    ModelError,
    ModelTimeout,
    ModelUnavailable,
    ModelUnreachable,
    RemoteNotAllowed,
)
from assistant.models.registry import PROVIDERS, ProviderChatModel, build_chat_model, get_chat_model, is_loopback_url, parse_model_name

__all__ = [
    "PROVIDERS", "ContextOverflow", "ModelConfigError", "ModelError", "ModelTimeout", "ModelUnavailable", "ModelUnreachable",
    "ProviderChatModel", "RemoteNotAllowed", "build_chat_model", "get_chat_model", "is_loopback_url", "parse_model_name",
]
