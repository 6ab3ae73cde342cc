"""Draft critique: is a draft summary or report missing anything the guidance expects?

Entry points: :func:`assistant.critique.engine.check_draft`,
:func:`assistant.critique.draft.load_draft` / :func:`read_draft_text`,
:mod:`assistant.critique.profiles` and :mod:`assistant.critique.render`.
"""

from __future__ import annotations

from typing import Any

# render() lives in the submodule: use ``from assistant.critique.render import render`` (the package attribute
# ``render`` is the submodule itself once imported).
__all__ = ["check_draft", "load_draft", "read_draft_text", "get_profile", "profile_names", "render_docx"]


_WHERE = {
    "check_draft": "assistant.critique.engine",
    "load_draft": "assistant.critique.draft",
    "read_draft_text": "assistant.critique.draft",
    "get_profile": "assistant.critique.profiles",
    "profile_names": "assistant.critique.profiles",
    "render_docx": "assistant.critique.render",
}


def __getattr__(name: str) -> Any:  # lazy: importing the package does not pull in the embedder stack
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
