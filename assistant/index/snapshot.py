"""A read-only view of one complete index generation, held in memory.

Holds every chunk's text, metadata and embedding (a guidance corpus is thousands
of chunks, a few MB), which BM25, de-duplication, filters and sentence selection
all need. Dense search is an exact cosine over those embeddings too, so once loaded
a snapshot needs nothing from the store: an ingest or removal in another process
can drop its generation without breaking a single answer (`assistant.index.live`
moves readers to the new one). Chunks whose text no longer hashes to their id are
left out and reported (`altered`).
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from assistant.index.bm25 import BM25Index
from assistant.index.sentence_units import METADATA_KEY as SENTENCES_KEY, decode_vectors
from assistant.index.integrity import chunk_matches
from assistant.index.readonly import reader_client
from assistant.index.store import DocRecord, Generation, StoreError, _store_failure, current_generation, list_generations
from assistant.results import Location
from assistant.settings import Settings

log = logging.getLogger(__name__)
LOAD_ATTEMPTS = 5  # a generation dropped while being read (a newer ingest finished) is retried with the newer one


@dataclass
class StoredChunk:
    chunk_id: str
    doc_id: str
    title: str
    kind: str
    edition: str
    is_summary: bool
    text: str
    location: Location
    source_note: str
    sentence_vectors: str = ""  # encoded; see assistant.index.sentence_units


class IndexSnapshot:
    """The chunks of one complete generation, with BM25 and embeddings ready."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        key = settings.index_key()
        with reader_client(settings, client) as (reader, private_copy):
            gen, got = _read_current(reader, key)
        # kept to ask for newer generations (assistant.index.live); a private copy is gone, so there is nothing to ask
        self.client: Any | None = None if private_copy else reader
        self.generation = gen
        self.docs: dict[str, DocRecord] = gen.docs
        rows = list(zip(got["ids"], got["documents"], got["metadatas"]))
        emb = got["embeddings"]
        vectors = np.asarray(emb, dtype=np.float32) if emb is not None and len(emb) else np.zeros((0, 0), np.float32)  # empty: no width to know
        keep = [chunk_matches(i, d, m or {}) for i, d, m in rows]
        self.altered: dict[str, int] = {}
        for (_, _, meta), ok in zip(rows, keep):
            if not ok:
                doc = str((meta or {}).get("doc_id", "")) or "(unknown document)"
                self.altered[doc] = self.altered.get(doc, 0) + 1
        if self.altered:
            log.warning("left out %d stored chunks whose text no longer matches their id, in %s: run `casereview ingest` to re-read them",
                        sum(self.altered.values()), ", ".join(sorted(self.altered)))
        self.chunks: list[StoredChunk] = [_stored(i, d, m) for (i, d, m), ok in zip(rows, keep) if ok]
        self.embeddings = vectors[np.asarray(keep, dtype=bool)] if len(vectors) else vectors
        norms = np.linalg.norm(self.embeddings, axis=1, keepdims=True) if self.embeddings.size else np.ones((0, 1), np.float32)
        self._unit = self.embeddings / np.where(norms == 0, 1.0, norms)
        self.row = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25Index([f"{c.title} {' '.join(c.location.heading_path)} {c.text}" for c in self.chunks])

    def dense_search(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, cosine) of the ``n`` chunks nearest ``vector``, exact; ``allowed`` masks rows (filters)."""
        if not len(self.chunks) or not self._unit.size:
            return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / (float(np.linalg.norm(q)) or 1.0)
        scores = self._unit @ q
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
            n = min(n, int(np.count_nonzero(allowed)))
        n = min(n, len(scores))
        if n <= 0:
            return []
        order = np.argsort(-scores, kind="stable")[:n]
        return [(int(i), float(scores[i])) for i in order]

    def __len__(self) -> int:
        return len(self.chunks)

    def stored_sentence_vectors(self, chunk_id: str) -> np.ndarray | None:
        """The chunk's sentence vectors computed at ingest, or None (older index, or damaged)."""
        row = self.row.get(chunk_id)
        if row is None:
            return None
        return decode_vectors(self.chunks[row].sentence_vectors, int(self.embeddings.shape[1]) if self.embeddings.ndim == 2 else 0)

    @cached_property
    def term_idf(self) -> dict[str, float]:
        """Inverse document frequency of each stemmed content term over the chunks."""
        from assistant.lexical import content_terms

        df: dict[str, int] = {}
        for chunk in self.chunks:
            for term in content_terms(f"{chunk.text} {' '.join(chunk.location.heading_path)}"):
                df[term] = df.get(term, 0) + 1
        n = len(self.chunks)
        return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}

    def idf(self, term: str) -> float:
        return self.term_idf.get(term, math.log((len(self.chunks) + 1) / 0.5))

    @cached_property
    def word_sets(self) -> list[frozenset[str]]:
        """Each chunk's words and numbers (lower case), for spotting near-duplicate passages by their wording."""
        return [frozenset(re.findall(r"\w+", chunk.text.lower())) for chunk in self.chunks]

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word (lower case) that appears in the corpus, titles and headings included."""
        words: set[str] = set()
        for chunk in self.chunks:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’]+", f"{chunk.title} {' '.join(chunk.location.heading_path)} {chunk.text}"))
        return frozenset(words)


def _stored(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    try:
        headings = json.loads(meta.get("heading_path", "[]"))
    except ValueError:
        headings = []
    return StoredChunk(
        chunk_id=chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        kind=str(meta.get("kind", "")),
        edition=str(meta.get("edition", "")),
        is_summary=bool(meta.get("is_summary", False)),
        text=text,
        location=Location(
            heading_path=headings,
            paragraph=meta.get("paragraph") or None,
            page=int(meta.get("page") or 0) or None,
            char_start=int(meta.get("char_start", 0)),
            char_end=int(meta.get("char_end", 0)),
        ),
        source_note=str(meta.get("source_note", "")),
        sentence_vectors=str(meta.get(SENTENCES_KEY, "")),
    )


def _read_current(client: Any, key: str) -> tuple[Generation, dict[str, Any]]:
    """The newest complete generation and all its rows; retried when a newer ingest drops it mid-read."""
    for attempt in range(LOAD_ATTEMPTS):
        gen = current_generation(client, key)
        if gen is None:
            others = list_generations(client, key)
            hint = " An earlier ingest was interrupted." if others else ""
            raise StoreError(f"no index built for these settings yet.{hint} Run `casereview ingest` first.", kind="no_index")
        try:
            collection = client.get_collection(gen.name, embedding_function=None)
            return gen, collection.get(include=["documents", "metadatas", "embeddings"])
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a damaged store fails here with sqlite/rust errors, even panics
            if _is_not_found(exc) and attempt < LOAD_ATTEMPTS - 1:
                log.info("generation %s was replaced while loading; loading the newer one", gen.name)
                continue
            raise _store_failure(client, exc) from exc
    raise AssertionError("unreachable")


def _is_not_found(exc: BaseException) -> bool:
    """Chroma's error for a collection dropped by another process (NotFoundError, or its text from the Rust core)."""
    return type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc)
