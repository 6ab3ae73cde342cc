"""The extractive answer: the guidance's own best sentences, each quoted and cited.

Works with no generative model. Sentences of the retrieved passages are
scored against the question by embedding similarity and by shared content
words (acronyms expanded); the answer quotes the best few. When even the best
falls below the calibrated threshold the answer abstains and cites nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.answer.citations import make_citation
from assistant.index.embedder import Embedder
from assistant.index.snapshot import IndexSnapshot
from assistant.lexical import content_terms
from assistant.results import Answer, Citation, RetrievedChunk
from assistant.sentences import split_sentences
from assistant.settings import AnswerSettings

ABSTAIN_TEXT = "The guidance in this corpus does not say. No passage answers this question closely enough to quote, so nothing is cited."
DENSE_WEIGHT = 0.65
LEXICAL_WEIGHT = 0.35
MIN_SENTENCE_CHARS = 25
RUNNER_UP_RATIO = 0.88
SAME_SENTENCE = 0.9


@dataclass
class ScoredSentence:
    hit: RetrievedChunk
    text: str
    start: int
    dense: float
    lexical: float
    score: float


def score_sentences(question: str, query_vector: np.ndarray, hits: list[RetrievedChunk], embedder: Embedder) -> tuple[list[ScoredSentence], np.ndarray]:
    """Every usable sentence of the hits, scored against the question; and their embeddings."""
    q_terms = content_terms(question)
    candidates: list[tuple[RetrievedChunk, str, int]] = []
    for hit in hits:
        for sent in split_sentences(hit.text):
            text = sent.text.lstrip("-•* ").strip()
            if len(text) < MIN_SENTENCE_CHARS:
                continue
            candidates.append((hit, text, hit.text.find(text, sent.start)))
    if not candidates:
        return [], np.zeros((0, 1), np.float32)
    heads = [" ".join(h.location.heading_path[-1:]) for h, _, _ in candidates]
    vectors = embedder.embed([f"{head}: {text}" if head else text for head, (_, text, _) in zip(heads, candidates)])
    dense = vectors @ query_vector
    scored: list[ScoredSentence] = []
    for (hit, text, start), head, d in zip(candidates, heads, dense):
        terms = content_terms(f"{head} {text}")
        lexical = len(q_terms & terms) / len(q_terms) if q_terms else 0.0
        scored.append(ScoredSentence(hit, text, start, float(d), lexical, DENSE_WEIGHT * float(d) + LEXICAL_WEIGHT * lexical))
    return scored, vectors


def extractive_answer(
    question: str,
    query_vector: np.ndarray,
    hits: list[RetrievedChunk],
    snapshot: IndexSnapshot,
    embedder: Embedder,
    settings: AnswerSettings,
) -> Answer:
    scored, vectors = score_sentences(question, query_vector, hits, embedder)
    order = sorted(range(len(scored)), key=lambda i: -scored[i].score)
    if not order or scored[order[0]].score < settings.abstain_below:
        return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, retrieval=hits)
    best = scored[order[0]].score
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= settings.max_sentences:
            break
        s = scored[i]
        if chosen and (s.score < best * RUNNER_UP_RATIO or s.score < settings.abstain_below):
            break
        if any(float(vectors[i] @ vectors[j]) >= SAME_SENTENCE for j in chosen):
            continue
        chosen.append(i)
    citations: list[Citation] = []
    parts: list[str] = []
    for key, i in enumerate(chosen, start=1):
        s = scored[i]
        citation = make_citation(snapshot, key, s.hit.chunk_id, s.text)
        if citation is None:  # cannot happen for text cut from the chunk; never cite what is not there
            continue
        citations.append(citation)
        prefix = "(summary) " if citation.is_summary else ""
        parts.append(f"{prefix}{s.text} [{citation.key}]")
    if not citations:
        return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, retrieval=hits)
    return Answer(question=question, text="\n".join(parts), citations=citations, retrieval=hits, mode="extractive")
