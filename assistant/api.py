"""The public Python API: an :class:`Assistant` holding one index and model, and ``ask``/``check``.

Every surface (CLI, web chat, MCP server, LangChain tools, eval harness) is a
thin shell over an ``Assistant``; it loads the index and embedder once and is
safe to share across threads for reads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from assistant.answer.extractive import SentenceVectors, extractive_answer, score_sentences
from assistant.answer.citations import make_citation
from assistant.index.embedder import Embedder, get_embedder
from assistant.index.ingest import IngestReport, ingest
from assistant.index.live import LiveIndex
from assistant.index.retriever import Filters, GuidanceRetriever, HybridRetriever
from assistant.index.snapshot import IndexSnapshot
from assistant.results import Answer, Citation, Critique, RetrievedChunk, SourceInfo
from assistant.settings import Settings, load_settings

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class _Loaded:
    """Everything built on one index generation; a call takes one and uses it throughout, so it never mixes two."""

    snapshot: IndexSnapshot
    retriever: HybridRetriever
    sentence_vectors: SentenceVectors
    guidance_cache: dict[tuple[str, tuple[str, ...]], list[Citation]] = field(default_factory=dict)


class Assistant:
    """Questions answered from the guidance and drafts checked against it.

    Example::

        from assistant import Assistant
        a = Assistant()                      # settings from config file and environment
        a.ingest()                           # once: builds the index from guidance_corpus/
        print(a.ask("Within what time should a serious case review be completed?").text)
        print(a.check(open("draft.txt").read()).verdict.summary)
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self._lock = threading.Lock()
        # follows the newest complete generation, so a server keeps answering through ingests made beside it
        self._live: LiveIndex[_Loaded] = LiveIndex(self.settings, self._load)

    # -- shared parts, loaded on first use ---------------------------------
    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings.embedder)

    def _load(self, snapshot: IndexSnapshot) -> _Loaded:
        return _Loaded(snapshot, HybridRetriever(snapshot, self.settings.retrieval, self.embedder), SentenceVectors(self.embedder, snapshot))

    def _index(self) -> _Loaded:
        return self._live.current()

    @property
    def snapshot(self) -> IndexSnapshot:
        return self._index().snapshot

    @property
    def retriever(self) -> HybridRetriever:
        return self._index().retriever

    @property
    def sentence_vectors(self) -> SentenceVectors:
        return self._index().sentence_vectors

    def langchain_retriever(self, k: int | None = None, filters: Filters | None = None) -> GuidanceRetriever:
        return GuidanceRetriever(retriever=_CurrentRetriever(self), k=k or self.settings.retrieval.k, filters=filters)

    def reload(self) -> None:
        """Forget the loaded index (after an ingest) so the next call sees the new generation."""
        self._live.forget()

    def sources(self) -> list[SourceInfo]:
        """The documents in the index: originals first, then the team's guidance cards."""
        return [
            SourceInfo(id=d.doc_id, title=d.title, publisher=d.publisher, year=(d.date or "")[:4], kind=d.kind, edition=d.edition, chunks=d.chunks, summary=d.is_summary, origin=d.origin)
            for d in sorted(self._index().snapshot.docs.values(), key=lambda d: (d.is_summary, d.doc_id))
        ]

    # -- the flows ----------------------------------------------------------
    def ingest(self, paths: list[Path] | None = None, remove: list[str] | None = None, rebuild: bool = False, progress: Any = None) -> IngestReport:
        report = ingest(self.settings, paths, remove, rebuild, progress)
        self.reload()
        return report

    def _extractive(self, question: str, filters: Filters | None, k: int | None) -> tuple[str, list[RetrievedChunk], Answer, _Loaded]:
        question = validate_question(question)
        index = self._index()
        query_vector = self.embedder.embed([question])[0]
        hits = index.retriever.search(question, k=k, filters=filters, query_vector=query_vector)
        return question, hits, extractive_answer(question, query_vector, hits, index.snapshot, index.sentence_vectors, self.settings.answer), index

    def uses_model(self) -> bool:
        return self.settings.model.name != "none" and self.settings.model.answer_mode != "extractive"

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        """Answer ``question`` from the guidance, every claim cited, or abstain."""
        question, hits, answer, index = self._extractive(question, filters, k)
        if self.uses_model():
            from assistant.answer.generated import generated_answer

            answer = generated_answer(question, hits, index.snapshot, self.embedder, self.settings, fallback=answer)
        return answer

    def ask_stream(self, question: str, filters: Filters | None = None, k: int | None = None, use_model: bool = True) -> Iterator[str | Answer]:
        """The model's tokens as they come, then the final verified :class:`Answer` (which may replace them).

        ``use_model=False`` gives the extractive answer even when a model is configured (the web chat's choice).
        """
        question, hits, answer, index = self._extractive(question, filters, k)
        if not (use_model and self.uses_model()):
            yield answer
            return
        from assistant.answer.generated import stream_generated_answer

        yield from stream_generated_answer(question, hits, index.snapshot, self.embedder, self.settings, fallback=answer)

    def guidance_for(self, query: str, doc_ids: list[str]) -> list[Citation]:
        """The best sentence of the named documents for ``query``, as a verified citation (for critique findings).

        The queries are the profile's fixed element and issue descriptions, so
        results are cached for the life of the loaded index.
        """
        key = (query, tuple(doc_ids))
        index = self._index()
        cached = index.guidance_cache.get(key)
        if cached is not None:
            return [c.model_copy() for c in cached]
        filters = Filters(doc_ids=tuple(doc_ids)) if doc_ids else None
        vector = self.embedder.embed([query])[0]
        hits = index.retriever.search(query, k=3, filters=filters, query_vector=vector)
        scored, _ = score_sentences(query, vector, hits, index.sentence_vectors, index.snapshot)
        citations: list[Citation] = []
        if scored:
            best = max(scored, key=lambda s: s.score)
            citation = make_citation(index.snapshot, 1, best.hit.chunk_id, best.text)
            citations = [citation] if citation else []
        index.guidance_cache[key] = citations
        return [c.model_copy() for c in citations]

    def check(self, text: str, profile: str | None = None) -> Critique:
        """Check a draft against a profile of findings.yaml; the draft stays in memory."""
        from assistant.critique.draft import read_draft_text
        from assistant.critique.engine import check_draft

        from assistant.index.store import StoreError

        text = read_draft_text(text, self.settings.critique.max_draft_chars)
        try:
            lookup = self.guidance_for if self.snapshot is not None else None
            missing = ""
        except StoreError as exc:  # no usable index: the findings stand, their guidance citations are skipped, and the result says so
            lookup, missing = None, f"Guidance citations skipped: {exc}"
        critique = check_draft(text, profile or self.settings.critique.profile, self.settings, self.embedder, lookup)
        if missing:
            critique.notes.append(missing)
        return critique


class _CurrentRetriever:
    """The retriever of whichever generation is current at each search (a LangChain retriever outlives ingests)."""

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant

    def search(self, *args: Any, **kwargs: Any) -> list[RetrievedChunk]:
        return self._assistant.retriever.search(*args, **kwargs)


def validate_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise ValueError("the question is empty: ask something about the guidance, e.g. 'Who should write the overview report?'")
    question = " ".join(question.split())
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is {len(question)} characters; keep it under {MAX_QUESTION_CHARS} (to check a draft, use `casereview check`)")
    return question


_DEFAULT: dict[str, Assistant] = {}
_DEFAULT_LOCK = threading.Lock()


def _default(settings: Settings | None) -> Assistant:
    settings = settings or load_settings()
    key = settings.model_dump_json()
    with _DEFAULT_LOCK:
        if key not in _DEFAULT:
            _DEFAULT[key] = Assistant(settings)
        return _DEFAULT[key]


def ask(question: str, settings: Settings | None = None) -> Answer:
    """Answer a question from the guidance (see :meth:`Assistant.ask`)."""
    return _default(settings).ask(question)


def check(text: str, profile: str | None = None, settings: Settings | None = None) -> Critique:
    """Check a draft (see :meth:`Assistant.check`)."""
    return _default(settings).check(text, profile)
