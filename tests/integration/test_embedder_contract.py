"""Both embedder implementations give the same unit vectors for the default model."""

import numpy as np

from assistant.index.embedder import NumpyEmbedder, SentenceTransformerEmbedder, get_embedder
from assistant.settings import EmbedderSettings

TEXTS = [
    "Within what time should a serious case review be completed?",
    "",
    "x",
    "The guidance says SCRs should be completed within six months of the initial decision to launch a review. " * 12,  # truncated at 256 tokens
    "Child A’s mother — née Müller — spoke to the reviewer; ¿qué? 子供 ✓",
]


def test_numpy_and_sentence_transformers_agree():
    fast = NumpyEmbedder("minilm")
    ref = SentenceTransformerEmbedder("minilm")
    a, b = fast.embed(TEXTS), ref.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float((a * b).sum(axis=1).min()) > 0.9999
    assert fast.embed([]).shape == (0, 384)


def test_default_embedder_is_the_numpy_one():
    assert isinstance(get_embedder(EmbedderSettings()), NumpyEmbedder)
