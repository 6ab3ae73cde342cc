"""The extractive answer: the guidance's own best sentences, each quoted and cited.

Works with no generative model. Sentences of the retrieved passages are
scored against the question by embedding similarity and by IDF-weighted
shared content words (acronyms expanded), with a small penalty for lower
retrieval rank. Candidates are single sentences and adjacent pairs, and a
sentence that leans on the one before it ("Of these, 16% ...") is never
quoted without it. The answer quotes the best few non-overlapping
candidates; the best keeps its context (the next sentence when it bears on
the question, the sentences that lean on it, the list a lead-in introduces),
and any candidate runs on through an enumeration ("The second ..."). A
sentence opening its chunk that leans back is quoted after the previous
chunk's last sentence. It abstains, citing nothing, when the abstention model
(assistant/answer/abstention.py) judges the quotes do not answer the question.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answer.citations import make_citation
from assistant.index.embedder import Embedder
from assistant.index.sentence_units import chunk_sentences, embedding_texts
from assistant.index.snapshot import IndexSnapshot
from assistant.answer.abstention import answer_features, load_model, unknown_names
from assistant.lexical import content_terms
from assistant.results import Answer, Citation, RetrievedChunk
from assistant.settings import AnswerSettings

ABSTAIN_TEXT = "The guidance in this corpus does not say. No passage answers this question closely enough to quote, so nothing is cited."
DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
RANK_PENALTY = 0.02
MIN_SENTENCE_CHARS = 25
SAME_SENTENCE = 0.9
MAX_LIST_ITEMS = 8
_ANAPHOR = re.compile(
    r"(?:of (?:these|those|them|whom)|among (?:them|these|those)|these|this|that|those|it|its|they|their|such|both|each|neither|"
    r"however|but|also|yet|so|thus|therefore|again|moreover|furthermore|similarly|likewise|in (?:addition|particular|short|turn)|"
    r"for (?:example|instance)|as a result|instead|he|she|the (?:first|second|third|fourth|fifth|other|same|latter|former))\b",
    re.I,
)
_ENUMERATION = re.compile(r"(?:the (?:second|third|fourth|fifth|sixth|last|final)\b|(?:second|third|fourth|fifth|finally|lastly),)", re.I)


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
    matched: frozenset[str] = frozenset()  # the question's content terms this sentence contains


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
            matched = frozenset(q_terms & content_terms(text))
            lexical = sum(snapshot.idf(t) for t in matched) / weight
            score = DENSE_WEIGHT * dense + LEXICAL_WEIGHT * lexical - RANK_PENALTY * rank
            scored.append(ScoredSentence(hit, rank, index, text, start, dense, lexical, score, matched))
            rows.append(chunk_vectors[index])
    if not scored:
        return [], np.zeros((0, 1), np.float32)
    return scored, np.vstack(rows)


def _abstain(question: str, hits: list[RetrievedChunk], reason: str = "") -> Answer:
    text = ABSTAIN_TEXT if not reason else f"The guidance in this corpus does not say: {reason}. Nothing is cited."
    return Answer(question=question, text=text, abstained=True, retrieval=hits)


@dataclass
class Passage:
    """Consecutive sentences of one chunk, quoted together: one sentence, a pair, or a sentence with those it leans on."""

    rows: tuple[int, ...]  # positions in the scored list, consecutive sentences of one chunk
    members: list[ScoredSentence]
    score: float

    @property
    def first(self) -> ScoredSentence:
        return self.members[0]

    @property
    def last(self) -> ScoredSentence:
        return self.members[-1]


def leans_back(text: str) -> bool:
    """True when a sentence only makes sense after the one before it ('Of these, 16% ...', 'It also ...')."""
    return bool(_ANAPHOR.match(text))


def candidate_passages(question: str, scored: list[ScoredSentence], snapshot: IndexSnapshot) -> list[Passage]:
    """Every sentence (joined to its antecedent when it leans back), and each with the next one, scored.

    A pair is scored on what it covers together (its best sentence's
    similarity, the union of their question words), so it outranks its
    better sentence alone only when the other one adds words that were asked
    about; on a tie the single sentence comes first.
    """
    weight = sum(snapshot.idf(t) for t in content_terms(question)) or 1.0
    position = {(s.hit.chunk_id, s.index): i for i, s in enumerate(scored)}

    def make(rows: tuple[int, ...]) -> Passage:
        members = [scored[i] for i in rows]
        covered: frozenset[str] = frozenset().union(*(m.matched for m in members))
        lexical = sum(snapshot.idf(t) for t in covered) / weight
        dense = max(m.dense for m in members)
        score = DENSE_WEIGHT * dense + LEXICAL_WEIGHT * lexical - RANK_PENALTY * members[0].rank
        return Passage(rows, members, score)

    spans: dict[tuple[int, ...], None] = {}
    for i, s in enumerate(scored):
        base: tuple[int, ...] | None = (i,)
        while base is not None and leans_back(scored[base[0]].text) and scored[base[0]].index > 0:
            before = position.get((s.hit.chunk_id, scored[base[0]].index - 1))
            # back to the sentence it all leans on; give up if that is too short to quote (a heading-like fragment)
            base = (before, *base) if before is not None and len(base) <= MAX_LIST_ITEMS else None
        if base is None:
            continue
        spans[base] = None
        after = position.get((s.hit.chunk_id, s.index + 1))
        if after is not None and "\n\n" not in s.hit.text[s.start:scored[after].start]:  # a pair stays in its paragraph
            spans[base + (after,)] = None
    return [make(span) for span in spans]


@dataclass
class Draft:
    """What the answer would quote, before the decision to answer or decline."""

    scored: list[ScoredSentence]
    chosen: list[Passage]
    quotes: list[tuple[str, str]]  # (chunk id, quote), in answer order

    @property
    def best_score(self) -> float:
        return self.chosen[0].score if self.chosen else 0.0


def draft_answer(question: str, query_vector: np.ndarray, hits: list[RetrievedChunk], snapshot: IndexSnapshot, sentence_vectors: SentenceVectors, settings: AnswerSettings) -> Draft:
    """The best passage and up to ``max_sentences - 1`` runners-up that clear ``abstain_below``, with their quotes."""
    scored, vectors = score_sentences(question, query_vector, hits, sentence_vectors, snapshot)
    passages = sorted(candidate_passages(question, scored, snapshot), key=lambda p: -p.score)
    chosen: list[Passage] = []
    taken: set[int] = set()
    for passage in passages:
        if len(chosen) >= settings.max_sentences or (chosen and passage.score < settings.abstain_below):
            break
        if taken.intersection(passage.rows):
            continue
        if any(float(vectors[r] @ vectors[t]) >= SAME_SENTENCE for r in passage.rows for t in taken):
            continue
        chosen.append(passage)
        taken.update(passage.rows)
    by_position = {(x.hit.chunk_id, x.index): x for x in scored}

    def relevant(chunk_id: str, index: int) -> bool:
        """A context sentence clears its own bar: it shares a question term, or it leans on or continues the one before."""
        x = by_position.get((chunk_id, index))
        return x is not None and (bool(x.matched) or leans_back(x.text) or bool(_ENUMERATION.match(x.text)))

    quotes = _quotes(chosen, {(scored[r].hit.chunk_id, scored[r].index) for r in taken}, snapshot, relevant)
    return Draft(scored, chosen, quotes)


def features_for(question: str, query_vector: np.ndarray, hits: list[RetrievedChunk], snapshot: IndexSnapshot, draft: Draft) -> dict[str, float]:
    """The abstention model's inputs for this draft answer (also used to train it)."""
    return answer_features(question, query_vector, hits, draft.scored, draft.best_score, draft.quotes, snapshot)


def extractive_answer(
    question: str,
    query_vector: np.ndarray,
    hits: list[RetrievedChunk],
    snapshot: IndexSnapshot,
    sentence_vectors: SentenceVectors,
    settings: AnswerSettings,
) -> Answer:
    draft = draft_answer(question, query_vector, hits, snapshot, sentence_vectors, settings)
    if not draft.quotes:
        return _abstain(question, hits)
    model = load_model()
    if model.probability(features_for(question, query_vector, hits, snapshot, draft)) < model.threshold:
        missing = unknown_names(question, snapshot)
        return _abstain(question, hits, f"it never mentions {', '.join(missing)}" if missing else "")
    citations: list[Citation] = []
    parts: list[str] = []
    for chunk_id, quote in draft.quotes:
        citation = make_citation(snapshot, len(citations) + 1, chunk_id, quote)
        if citation is None:  # cannot happen for text cut from the chunk; never cite what is not there
            continue
        citations.append(citation)
        prefix = "(summary) " if citation.is_summary else ""
        parts.append(f"{prefix}{quote} [{citation.key}]")
    if not citations:
        return _abstain(question, hits)
    return Answer(question=question, text="\n".join(parts), citations=citations, retrieval=hits, mode="extractive")


ANTECEDENT_GAP = 200  # characters (a heading or two) between a chunk and the one it leans on


def preceding_sentence(snapshot: IndexSnapshot, chunk_id: str) -> tuple[str, str] | None:
    """(chunk id, last sentence) of the chunk just before ``chunk_id`` in its document, or None."""
    chunk = snapshot.chunks[snapshot.row[chunk_id]]
    start = chunk.location.char_start
    before = [c for c in snapshot.chunks if c.doc_id == chunk.doc_id and c.location.char_end <= start and start - c.location.char_end <= ANTECEDENT_GAP]
    if not before:
        return None
    previous = max(before, key=lambda c: c.location.char_end)
    sentences = [t for t, at in chunk_sentences(previous.text) if at >= 0]
    if not sentences or len(sentences[-1]) < MIN_SENTENCE_CHARS or leans_back(sentences[-1]):
        return None
    return previous.chunk_id, sentences[-1]


def _quotes(chosen: list[Passage], taken: set[tuple[str, int]], snapshot: IndexSnapshot, relevant: Callable[[str, int], bool]) -> list[tuple[str, str]]:
    """(chunk id, quote) for each chosen passage, run on through what it introduces.

    A passage whose first sentence leans on the chunk before ('It also
    stresses ...' opening a chunk) is preceded by that chunk's last sentence,
    quoted and cited on its own, or left out when there is none.

    A passage ending in ':' runs on through its list, and one followed by
    'The second ...' / 'Second, ...' through the enumeration, so an answer
    is never 'It has four purposes. The first is ...' without the other three.
    """
    out: list[tuple[str, str]] = []
    for n, passage in enumerate(chosen):
        hit = passage.first.hit
        sentences = chunk_sentences(hit.text)
        if passage.first.index == 0 and leans_back(passage.first.text):
            antecedent = preceding_sentence(snapshot, hit.chunk_id)
            if antecedent is None:
                continue  # 'It also stresses ...' with nothing to say what 'It' is: not quoted
            if antecedent not in out:
                out.append(antecedent)
        last = passage.last.index
        if n == 0 and len(passage.members) == 1 and last + 1 < len(sentences) and (hit.chunk_id, last + 1) not in taken and relevant(hit.chunk_id, last + 1):
            last += 1  # the best sentence keeps the one after it when that one bears on the question: the detail asked for is often there
        if sentences[last][0].rstrip().endswith(":"):
            while last + 1 < len(sentences) and last - passage.last.index < MAX_LIST_ITEMS:
                last += 1
        else:
            # Run on through an enumeration ('The second ...'), and for the best passage through
            # sentences that lean on it ('They also consider ...'), which carry the rest of its answer.
            follows = (lambda t: bool(_ENUMERATION.match(t) or leans_back(t))) if n == 0 else (lambda t: bool(_ENUMERATION.match(t)))
            while last + 1 < len(sentences) and last - passage.last.index < MAX_LIST_ITEMS and follows(sentences[last + 1][0]) and (hit.chunk_id, last + 1) not in taken:
                last += 1
        end_text, end_start = sentences[last]
        out.append((hit.chunk_id, hit.text[passage.first.start:end_start + len(end_text)]))
    return out


