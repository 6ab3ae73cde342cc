"""A read-only view of the current index generation, loaded once per process.

Holds every chunk's text, metadata and embedding in memory (a guidance corpus
is thousands of chunks, a few MB), which BM25, de-duplication, filters and
sentence selection all need; dense search still goes to Chroma.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from assistant.index.bm25 import BM25Index
from assistant.index.sentence_units import METADATA_KEY as SENTENCES_KEY, decode_vectors
from assistant.index.store import DocRecord, StoreError, _store_failure, current_generation, list_generations, open_client
from assistant.results import Location
from assistant.settings import Settings


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
        self.client = client or open_client(settings)
        key = settings.index_key()
        gen = current_generation(self.client, key)
        if gen is None:
            others = list_generations(self.client, key)
            hint = " An earlier ingest was interrupted." if others else ""
            raise StoreError(f"no index built for these settings yet.{hint} Run `casereview ingest` first.")
        self.generation = gen
        self.docs: dict[str, DocRecord] = gen.docs
        try:
            self.collection = self.client.get_collection(gen.name, embedding_function=None)
            got = self.collection.get(include=["documents", "metadatas", "embeddings"])
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a damaged store fails here with sqlite/rust errors, even panics
            raise _store_failure(self.client, exc) from exc
        self.chunks: list[StoredChunk] = [_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        emb = got["embeddings"]
        self.embeddings = np.asarray(emb, dtype=np.float32) if emb is not None and len(emb) else np.zeros((0, 0), np.float32)  # empty: no width to know
        self.row = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25Index([f"{c.title} {' '.join(c.location.heading_path)} {c.text}" for c in self.chunks])

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
