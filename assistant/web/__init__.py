"""The web chat (``casereview chat``): :func:`create_app` builds the Gradio Blocks, :func:`launch` serves it on 127.0.0.1."""

from __future__ import annotations


def create_app(assistant):  # noqa: ANN001, ANN201 - thin lazy wrapper: importing gradio is slow
    from assistant.web.app import create_app as _create

    return _create(assistant)


def launch(assistant, **kwargs):  # noqa: ANN001, ANN003, ANN201
    from assistant.web.app import launch as _launch

    return _launch(assistant, **kwargs)


__all__ = ["create_app", "launch"]
