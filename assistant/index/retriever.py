"""Hybrid retrieval: BM25 and dense (exact, in memory) results fused by reciprocal rank, passages repeating a better one's wording dropped.

Also exposed as a LangChain ``BaseRetriever`` (:class:`GuidanceRetriever`) so
it composes with the rest of that ecosystem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index.embedder import Embedder, get_embedder
from assistant.index.snapshot import IndexSnapshot
from assistant.results import RetrievedChunk
from assistant.settings import RetrievalSettings


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some documents or Working Together editions."""

    doc_ids: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    include_cards: bool = True

    def mask(self, snapshot: IndexSnapshot) -> np.ndarray | None:
        if not self.doc_ids and not self.editions and self.include_cards:
            return None
        keep = np.ones(len(snapshot), dtype=bool)
        for i, chunk in enumerate(snapshot.chunks):
            if self.doc_ids and chunk.doc_id not in self.doc_ids:
                keep[i] = False
            if self.editions and chunk.edition not in self.editions:
                keep[i] = False
            if not self.include_cards and chunk.is_summary:
                keep[i] = False
        return keep

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.editions:
            clauses.append({"edition": {"$in": list(self.editions)}})
        if not self.include_cards:
            clauses.append({"is_summary": False})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class HybridRetriever:
    """Searches one index snapshot; ``mode`` picks hybrid, dense or bm25."""

    def __init__(self, snapshot: IndexSnapshot, settings: RetrievalSettings, embedder: Embedder | None = None) -> None:
        self.snapshot = snapshot
        self.settings = settings
        self.embedder = embedder or get_embedder(snapshot.settings.embedder)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def search(self, query: str, k: int | None = None, filters: Filters | None = None, mode: str | None = None, query_vector: np.ndarray | None = None) -> list[RetrievedChunk]:
        k = k or self.settings.k
        mode = mode or self.settings.mode
        filters = filters or Filters(include_cards=self.settings.include_cards)
        if not query.strip() or len(self.snapshot) == 0:
            return []
        n = min(self.settings.candidates, len(self.snapshot))
        dense_rank: dict[int, int] = {}
        bm25_rank: dict[int, int] = {}
        if mode in ("hybrid", "dense"):
            vec = query_vector if query_vector is not None else self.embed_query(query)
            # exact cosine over the snapshot's own vectors: no store round trip that another process's ingest could break
            for rank, (row, _score) in enumerate(self.snapshot.dense_search(vec, n, filters.mask(self.snapshot))):
                dense_rank[row] = rank
        if mode in ("hybrid", "bm25"):
            for rank, (row, _score) in enumerate(self.snapshot.bm25.search(query, n, filters.mask(self.snapshot))):
                bm25_rank[row] = rank
        fused: dict[int, float] = {}
        for ranks in (dense_rank, bm25_rank):
            for row, rank in ranks.items():
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        order = sorted(fused, key=lambda r: -fused[r])
        chosen: list[int] = []
        for row in order:
            if any(self._near_duplicate(row, c) for c in chosen):
                continue
            chosen.append(row)
            if len(chosen) >= k:
                break
        out: list[RetrievedChunk] = []
        for row in chosen:
            chunk = self.snapshot.chunks[row]
            out.append(
                RetrievedChunk(
                    chunk_id=chunk.chunk_id,
                    doc_id=chunk.doc_id,
                    title=chunk.title,
                    text=chunk.text,
                    location=chunk.location,
                    score=round(fused[row], 6),
                    dense_rank=dense_rank.get(row),
                    bm25_rank=bm25_rank.get(row),
                    is_summary=chunk.is_summary,
                )
            )
        return out

    def _near_duplicate(self, row: int, other: int) -> bool:
        """Same wording (Jaccard over word sets), not same meaning: two passages on one topic with
        different figures (Ofsted's 2008-09 and 2009-10 grades) are both kept."""
        a, b = self.snapshot.word_sets[row], self.snapshot.word_sets[other]
        if not a or not b:
            return a == b
        return len(a & b) / len(a | b) >= self.settings.dedupe_similarity


class GuidanceRetriever(BaseRetriever):
    """LangChain retriever over the guidance index.

    Example::

        from assistant import Assistant
        retriever = Assistant().langchain_retriever(k=3)
        docs = retriever.invoke("When must a serious case review be completed?")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retriever: Any
    k: int = 5
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits: list[RetrievedChunk] = self.retriever.search(query, k=self.k, filters=self.filters)
        return [
            LCDocument(
                page_content=h.text,
                id=h.chunk_id,
                metadata={"doc_id": h.doc_id, "title": h.title, "location": h.location.label(), "score": h.score, "is_summary": h.is_summary},
            )
            for h in hits
        ]
