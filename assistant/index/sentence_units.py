"""The sentences of a chunk as answers quote them, and their stored embeddings.

Answers and critique citations score a chunk's sentences against a query.
Embedding those sentences is most of the work of an answer, so ingestion
does it once and stores the vectors with the chunk (float16, base64, in the
chunk's metadata: part of the same record, so they switch generations with it
in a local store and on a Chroma server alike).
"""

from __future__ import annotations

import base64

import numpy as np

from assistant.sentences import split_sentences

METADATA_KEY = "sentence_vectors"


def chunk_sentences(text: str) -> list[tuple[str, int]]:
    """(sentence, offset in ``text``) for each sentence, list bullets stripped."""
    out: list[tuple[str, int]] = []
    for sent in split_sentences(text):
        clean = sent.text.lstrip("-•*\u2013 ").strip()
        out.append((clean, text.find(clean, sent.start)))
    return out


def embedding_texts(heading_path: tuple[str, ...] | list[str], text: str) -> list[str]:
    """What the embedder sees for each sentence: its nearest heading gives it context."""
    head = " ".join(list(heading_path)[-1:])
    return [f"{head}: {s}" if head else s for s, _ in chunk_sentences(text)]


def encode_vectors(vectors: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vectors, dtype=np.float16).tobytes()).decode("ascii")


def decode_vectors(data: str, dimension: int) -> np.ndarray | None:
    """Stored vectors back as float32 rows, or None when absent or malformed."""
    if not data:
        return None
    try:
        raw = np.frombuffer(base64.b64decode(data.encode("ascii"), validate=True), dtype=np.float16)
    except (ValueError, TypeError):
        return None
    if dimension <= 0 or raw.size % dimension:
        return None
    return raw.reshape(-1, dimension).astype(np.float32)
