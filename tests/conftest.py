"""Shared fixtures. The real embedder and a real Chroma store in a temp dir: built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "guidance_corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings whose data dir holds an index of the shipped corpus (built once)."""
    from assistant.api import Assistant
    from assistant.settings import load_settings

    data = tmp_path_factory.mktemp("casereview-data")
    settings = load_settings(data_dir=data, corpus_dir=CORPUS)
    report = Assistant(settings).ingest()
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def shared_assistant(index_settings):
    """One Assistant over the session index (read-only use)."""
    from assistant.api import Assistant

    return Assistant(index_settings)
