"""A missing part is an error that names the fix, or a note in the result: never a silently different result."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from assistant.critique.detectors import classifier
from assistant.critique.detectors.elements import element_classifiers
from assistant.critique.profiles import get_profile


def fake_embed(texts: list[str]) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(len(texts), 8)).astype(np.float32)


def test_element_classifiers_without_scikit_learn_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEREVIEW_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now raises ImportError
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    monkeypatch.setattr(classifier, "_MODELS", {})
    specs = get_profile("scr-executive-summary").elements
    with pytest.raises(RuntimeError, match="pip install scikit-learn"):
        element_classifiers(fake_embed, "fake-embedder", specs)


def test_element_classifiers_train_when_scikit_learn_is_there(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEREVIEW_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(classifier, "_MODELS", {})
    specs = get_profile("scr-executive-summary").elements
    models = element_classifiers(fake_embed, "fake-embedder", specs)
    assert models and set(models) <= {s.id for s in specs}


def test_a_damaged_vector_cache_is_recomputed_not_fatal(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEREVIEW_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(classifier, "_VECTORS", {})
    path = classifier._cache_path("fake-embedder")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a zip file")
    vecs = classifier.embed_texts(fake_embed, "fake-embedder", ["a sentence", "another"])
    assert vecs.shape == (2, 8)


def test_check_without_an_index_says_citations_were_skipped(tmp_path):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    critique = Assistant(load_settings(data_dir=tmp_path / "empty")).check("Executive summary\n\nChild P died. The review was commissioned by the board.")
    assert critique.elements
    assert any(n.startswith("Guidance citations skipped:") and "casereview ingest" in n for n in critique.notes)
