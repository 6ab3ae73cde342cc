"""The extractive answer: the guidance's own best sentences, each quoted and cited.

Works with no generative model. Sentences of the retrieved passages are
scored against the question by embedding similarity and by IDF-weighted
shared content words (acronyms expanded), with a small penalty for lower
retrieval rank; the answer quotes the best few, keeping the best sentence's
context (the sentence after it, or the list a lead-in introduces). It
abstains, citing nothing, when the best score is below the calibrated
threshold or the question names something the corpus never mentions.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from assistant.answer.citations import make_citation
from assistant.index.embedder import Embedder
from assistant.index.sentence_units import chunk_sentences, embedding_texts
from assistant.index.snapshot import IndexSnapshot
from assistant.lexical import acronyms, content_terms
from assistant.results import Answer, Citation, RetrievedChunk
from assistant.settings import AnswerSettings

ABSTAIN_TEXT = "The guidance in this corpus does not say. No passage answers this question closely enough to quote, so nothing is cited."
DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
RANK_PENALTY = 0.02
MIN_SENTENCE_CHARS = 25
SAME_SENTENCE = 0.9
MAX_LIST_ITEMS = 8
_PROPER = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*)")


@dataclass
class ScoredSentence:
    hit: RetrievedChunk
    rank: int
    index: int  # position among the chunk's sentences
    text: str
    start: int
    dense: float
    lexical: float
    score: float


class SentenceVectors:
    """Sentence vectors of retrieved chunks: those stored at ingest, else embedded once per process.

    Owned by an :class:`~assistant.api.Assistant` (dropped with its snapshot on reload).
    """

    def __init__(self, embedder: Embedder, snapshot: IndexSnapshot | None = None) -> None:
        self.embedder = embedder
        self.snapshot = snapshot
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def for_hits(self, hits: list[RetrievedChunk]) -> dict[str, np.ndarray]:
        """chunk id -> (sentences, dim) vectors of "heading: sentence", for every sentence of the chunk."""
        with self._lock:
            missing = [h for h in hits if h.chunk_id not in self._cache]
        if missing and self.snapshot is not None:
            stored = {h.chunk_id: self.snapshot.stored_sentence_vectors(h.chunk_id) for h in missing}
            with self._lock:
                for hit in missing:
                    vectors = stored[hit.chunk_id]
                    if vectors is not None and len(vectors) == len(chunk_sentences(hit.text)):
                        self._cache[hit.chunk_id] = vectors
                missing = [h for h in missing if h.chunk_id not in self._cache]
        if missing:
            texts: list[str] = []
            spans: list[tuple[str, int, int]] = []
            for hit in missing:
                units = embedding_texts(hit.location.heading_path, hit.text)
                spans.append((hit.chunk_id, len(texts), len(texts) + len(units)))
                texts.extend(units)
            vectors = self.embedder.embed(texts)
            with self._lock:
                for chunk_id, start, end in spans:
                    self._cache[chunk_id] = vectors[start:end]
        with self._lock:
            return {h.chunk_id: self._cache[h.chunk_id] for h in hits}


def score_sentences(question: str, query_vector: np.ndarray, hits: list[RetrievedChunk], vectors: SentenceVectors, snapshot: IndexSnapshot) -> tuple[list[ScoredSentence], np.ndarray]:
    """Every usable sentence of the hits, scored against the question; and their embeddings."""
    q_terms = content_terms(question)
    weight = sum(snapshot.idf(t) for t in q_terms) or 1.0
    by_chunk = vectors.for_hits(hits)
    scored: list[ScoredSentence] = []
    rows: list[np.ndarray] = []
    for rank, hit in enumerate(hits):
        chunk_vectors = by_chunk[hit.chunk_id]
        for index, (text, start) in enumerate(chunk_sentences(hit.text)):
            if len(text) < MIN_SENTENCE_CHARS or start < 0:
                continue
            dense = float(chunk_vectors[index] @ query_vector)
            lexical = sum(snapshot.idf(t) for t in q_terms & content_terms(text)) / weight
            score = DENSE_WEIGHT * dense + LEXICAL_WEIGHT * lexical - RANK_PENALTY * rank
            scored.append(ScoredSentence(hit, rank, index, text, start, dense, lexical, score))
            rows.append(chunk_vectors[index])
    if not scored:
        return [], np.zeros((0, 1), np.float32)
    return scored, np.vstack(rows)


def unknown_names(question: str, snapshot: IndexSnapshot) -> list[str]:
    """Capitalised names in the question (not its first word) that the corpus never mentions: Wales, Scotland, ..."""
    known = snapshot.vocabulary
    table = {k.lower() for k in acronyms()}
    out: list[str] = []
    for match in _PROPER.finditer(question.strip()):
        words = match.group(1).split()
        if all(w.lower() not in known and w.lower() not in table for w in words):
            out.append(match.group(1))
    return out


def _abstain(question: str, hits: list[RetrievedChunk], reason: str = "") -> Answer:
    text = ABSTAIN_TEXT if not reason else f"The guidance in this corpus does not say: {reason}. Nothing is cited."
    return Answer(question=question, text=text, abstained=True, retrieval=hits)


def extractive_answer(
    question: str,
    query_vector: np.ndarray,
    hits: list[RetrievedChunk],
    snapshot: IndexSnapshot,
    sentence_vectors: SentenceVectors,
    settings: AnswerSettings,
) -> Answer:
    missing = unknown_names(question, snapshot)
    if missing:
        return _abstain(question, hits, f"it never mentions {', '.join(missing)}")
    scored, vectors = score_sentences(question, query_vector, hits, sentence_vectors, snapshot)
    order = sorted(range(len(scored)), key=lambda i: -scored[i].score)
    if not order or scored[order[0]].score < settings.abstain_below:
        return _abstain(question, hits)
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= settings.max_sentences or scored[i].score < settings.abstain_below:
            break
        if any(float(vectors[i] @ vectors[j]) >= SAME_SENTENCE for j in chosen):
            continue
        chosen.append(i)
    quotes = _with_context(scored[chosen[0]], [scored[i] for i in chosen[1:]])
    citations: list[Citation] = []
    parts: list[str] = []
    for chunk_id, quote in quotes:
        citation = make_citation(snapshot, len(citations) + 1, chunk_id, quote)
        if citation is None:  # cannot happen for text cut from the chunk; never cite what is not there
            continue
        citations.append(citation)
        prefix = "(summary) " if citation.is_summary else ""
        parts.append(f"{prefix}{quote} [{citation.key}]")
    if not citations:
        return _abstain(question, hits)
    return Answer(question=question, text="\n".join(parts), citations=citations, retrieval=hits, mode="extractive")


def _with_context(best: ScoredSentence, others: list[ScoredSentence]) -> list[tuple[str, str]]:
    """(chunk id, quote) pairs: the best sentence with what follows it, then the runners-up.

    The best sentence's quote runs on to the next sentence of its chunk, or
    through the list items a lead-in ending in ':' introduces, so an answer
    like 'It calls for:' is never quoted without its list.
    """
    sentences = chunk_sentences(best.hit.text)
    last = best.index
    if best.text.rstrip().endswith(":"):
        while last + 1 < len(sentences) and last - best.index < MAX_LIST_ITEMS:
            last += 1
    elif best.index + 1 < len(sentences):
        last = best.index + 1
    end_text, end_start = sentences[last]
    quote = best.hit.text[best.start:end_start + len(end_text)] if end_start >= best.start else best.text
    out = [(best.hit.chunk_id, quote)]
    covered = {(best.hit.chunk_id, i) for i in range(best.index, last + 1)}
    for s in others:
        if (s.hit.chunk_id, s.index) not in covered:
            out.append((s.hit.chunk_id, s.text))
    return out
