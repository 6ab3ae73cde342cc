"""The answer-or-decline decision: a small logistic model over what the answerer computed.

A single score threshold could not tell a near-miss (a deadline the guidance
never gives, a job advert, an invented form name) from a paraphrased real
question: both score in the same range. The features here describe how well
the sentences about to be quoted cover what was asked (its rare words, names,
numbers, the kind of thing asked for), how strongly and how consistently the
two retrievers found them, and whether only a card or page clutter supports
them. Coefficients are trained offline on author A's question set by
``scripts/train_abstention.py`` and committed in ``assistant/data/abstention_model.json``
with the operating point chosen on author B's set; at run time this module
computes the features and one dot product (no scikit-learn).
"""

from __future__ import annotations

import json
import math
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.index.snapshot import IndexSnapshot
from assistant.lexical import STOPWORDS, acronyms, content_terms
from assistant.results import RetrievedChunk

if TYPE_CHECKING:
    from assistant.answer.extractive import ScoredSentence

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "abstention_model.json"

FEATURES: tuple[str, ...] = (
    "best_score",  # the passage to be quoted first: 0.5 dense + 0.5 lexical - rank cost
    "best_dense",  # best sentence cosine to the question
    "best_lexical",  # best sentence's IDF-weighted share of the question's content terms
    "dense_top",  # best chunk cosine over the whole index
    "dense_margin",  # ... minus the runner-up chunk's
    "bm25_top",  # log(1 + best BM25 score), whole index
    "bm25_margin",  # (best - runner-up) / best BM25 score
    "rank_agreement",  # BM25's and dense's top-5 chunks: overlap (Jaccard)
    "top_agree",  # BM25 and dense put the same chunk first
    "quote_rank",  # log(1 + worse of the quoted chunk's dense and BM25 rank)
    "coverage",  # IDF-weighted share of the question's terms the quotes contain
    "name_coverage",  # share of the question's names (capitalised words, acronyms) in the quotes or their headings
    "number_coverage",  # share of the question's numbers in the quotes or their titles and headings
    "max_missing_idf",  # rarest question term not quoted (IDF / the IDF of an unseen term)
    "missing_in_hits_idf",  # rarest question term in none of the retrieved passages
    "oov_terms",  # question terms found nowhere in the corpus
    "unseen_name_pairs",  # adjacent words of a capitalised name never adjacent in the corpus ("Attribution Grid")
    "unseen_pair_share",  # share of the question's adjacent content-word pairs never adjacent in the corpus
    "unknown_names",  # capitalised names found nowhere in the corpus (Wales, Scotland)
    "slot_coverage",  # share of the words naming what is asked for ("how many working days", "what post") in the quotes
    "asks_amount",  # the question asks for a number, a period or a date
    "amount_unmet",  # ... and the quotes give none of that unit ("how many weeks": a number of weeks; "how long": a period)
    "asks_who",  # the question asks for a person, body or post
    "who_unmet",  # ... and the quotes name none
    "asks_list",  # the question asks for a list
    "list_unmet",  # ... and the quotes hold no list
    "card_only",  # every quote is from a team card
    "card_hits",  # share of the retrieved passages that are cards
    "jurisdiction_unmet",  # the question names another jurisdiction or field (Wales, adult reviews, homicide) the quotes do not
    "question_clutter",  # the question is about page clutter (pay, vacancies, comments, sign-up)
    "quote_clutter",  # a quote reads like page clutter
)

_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*)")
_ACRONYM = re.compile(r"\b[A-Z]{2,}s?\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|hundred|thousand|half|a|an)"
_ASKS_AMOUNT = re.compile(
    r"\b(?:how (?:many|much|long|soon|often|old)|what (?:percentage|proportion|share|number|fee|salary|pay|deadline|date|year|age)|"
    r"(?:maximum|minimum|total|exact|average)? ?number of|(?:which|what) (?:paragraph|chapter|section|page|annex)|within what|by when|when (?:must|should|did|does|do|was|were|is|are|will)|what time|which (?:year|date|day|month)|deadline|time ?limit|timescale)\b",
    re.I,
)
_AMOUNT = re.compile(
    rf"\d|\b{_NUMBER_WORDS}[- ](?:working[- ])?(?:days?|weeks?|months?|years?|per ?cent|%)|\b(?:per ?cent|percent|monthly|annual(?:ly)?|weekly|"
    r"January|February|March|April|May|June|July|August|September|October|November|December|immediately|promptly)\b",
    re.I,
)
_SLOT = re.compile(r"\b(?:how many|how much|what|which)\s+((?:[\w'’-]+\s+){0,2}[\w'’-]+)", re.I)
_NOT_SLOT = frozenset({"long", "soon", "often", "exactly", "kind", "sort", "type", "happen", "happens", "happened"})
_NUMERAL = rf"(?:\d+(?:\.\d+)?|{_NUMBER_WORDS}|seven|eight|nine|several|few)"
_ANY_COUNT = frozenset({"people", "persons", "members", "individuals", "times", "of"})
_PERIOD = re.compile(rf"\b{_NUMERAL}[- ](?:\w+[- ])?(?:days?|weeks?|months?|years?|hours?)\b|\bwithin\b|\bimmediately\b", re.I)
_MONEY = re.compile(r"£|\bper ?cent\b|%|\bpercentage\b|\bproportion\b|\bhalf\b|\bthird\b|\bquarter\b", re.I)
_OTHER_FIELD = re.compile(r"\b(?:wales|welsh|scotland|scottish|northern ireland|adults?|domestic homicide|homicide|care act|mental health|prisons?|probation|custody|ombudsman|"
                          r"coroners?|inquest)\b", re.I)
_ASKS_WHO = re.compile(r"^\s*(?:and\s+)?who\b|\bwho (?:is|are|was|were|should|must|decides?|takes?|signs?|chairs?|leads?|wrote|commissions?)\b|"
                       r"\b(?:which|what) (?:body|bodies|organisation|organization|agency|agencies|person|people|post|job|role|position|title|office|university|council|department)\b",
                       re.I)
_WHO = re.compile(
    r"\b(?:chair(?:man|person)?|board|panel|partners?|Ofsted|minister|secretary|government|department|council|authority|agency|agencies|reviewer|author|"
    r"lead|director|commissioner|inspector|inspectorate|police|health|professor|practitioner|manager|officer|LSCB|committee|team|[A-Z][a-z]+ [A-Z][a-z]+)\b",
)
_ASKS_LIST = re.compile(r"\b(?:what (?:are|were) the|which (?:are|were)|list|name the|what (?:should|must|did|does|do) .{0,60}\b(?:include|cover|contain|set out)|"
                        r"what (?:\w+ )?(?:things|elements|parts|areas|themes|steps|principles|purposes|questions|sections|headings|factors)|"
                        r"\b(?:two|three|four|five|six|seven|eight|nine|ten)\b)",
                        re.I)
_CLUTTER_Q = re.compile(r"\b(?:salary|salaries|pay|paid|wage|vacanc(?:y|ies)|recruit\w*|job|jobs|post(?:ing)?|apply|annual leave|advert\w*|comment\w*|"
                        r"sign[- ]?up|subscribe|newsletter|bulletin|facebook|twitter|log ?in|register)\b", re.I)
_CLUTTER_TEXT = re.compile(r"£\s?\d|\b(?:per annum|salary|vacanc(?:y|ies)|apply (?:now|online|by)|closing date|sign up|subscribe|newsletter|"
                           r"comments? (?:are|is) closed|leave a comment|posted (?:by|on|in)|read more|related articles?|cookies?)\b", re.I)


@dataclass(frozen=True)
class AbstentionModel:
    """Standardised logistic regression: p(answerable) = sigmoid(coef . (x - mean) / scale + intercept)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # answer when p(answerable) >= threshold

    def probability(self, features: dict[str, float]) -> float:
        x = np.array([features[name] for name in self.features], dtype=np.float64)
        z = float(self.coef @ ((x - self.mean) / self.scale)) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> AbstentionModel:
    """The committed model; a feature it lists that this code does not compute is an error, not a silent zero."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = tuple(data["features"])
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"{path.name} uses features this version does not compute: {unknown}; retrain with scripts/train_abstention.py")
    return AbstentionModel(
        features=names,
        mean=np.asarray(data["mean"], dtype=np.float64),
        scale=np.asarray(data["scale"], dtype=np.float64),
        coef=np.asarray(data["coef"], dtype=np.float64),
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
    )


def question_names(question: str) -> list[str]:
    """Capitalised names (not the first word) and acronyms in the question."""
    text = question.strip()
    names = [m.group(1) for m in _NAME.finditer(text)]
    names += [m.group(0) for m in _ACRONYM.finditer(text)]
    return names


def unknown_names(question: str, snapshot: IndexSnapshot) -> list[str]:
    """Capitalised names in the question (not its first word) that the corpus never mentions: Wales, Scotland, ..."""
    known = snapshot.vocabulary
    table = {k.lower() for k in acronyms()}
    out: list[str] = []
    for match in _NAME.finditer(question.strip()):
        words = match.group(1).split()
        if all(w.lower() not in known and w.lower() not in table for w in words):
            out.append(match.group(1))
    return out


YEAR_SPAN = 5  # an edition's years: a question year between two years of the quoted text (within this span) is covered
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_PAIRS: weakref.WeakKeyDictionary[IndexSnapshot, frozenset[tuple[str, str]]] = weakref.WeakKeyDictionary()


def _adjacent_pairs(text: str) -> list[tuple[str, str]]:
    words = [w for w in _TOKEN.findall(text.lower())]
    return [(a, b) for a, b in zip(words, words[1:]) if a not in STOPWORDS and b not in STOPWORDS]


def corpus_pairs(snapshot: IndexSnapshot) -> frozenset[tuple[str, str]]:
    """Adjacent content-word pairs (lower case) of the corpus, titles and headings included; built once per snapshot."""
    pairs = _PAIRS.get(snapshot)
    if pairs is None:
        found: set[tuple[str, str]] = set()
        for chunk in snapshot.chunks:
            found.update(_adjacent_pairs(f"{chunk.title}\n{' '.join(chunk.location.heading_path)}\n{chunk.text}"))
        pairs = _PAIRS.setdefault(snapshot, frozenset(found))
    return pairs


def _unseen_idf(snapshot: IndexSnapshot) -> float:
    return math.log((len(snapshot.chunks) + 1) / 0.5)


def _context(snapshot: IndexSnapshot, chunk_id: str) -> str:
    chunk = snapshot.chunks[snapshot.row[chunk_id]]
    return f"{chunk.title} {chunk.edition} {' '.join(chunk.location.heading_path)}"


def asks_amount(question: str) -> bool:
    """The question asks for a number, a period or a date."""
    return bool(_ASKS_AMOUNT.search(question))


def _slot_terms(question: str) -> set[str]:
    """Content words just after the question word: what kind of thing is asked for ('how many working days' -> work, day)."""
    match = _SLOT.search(question)
    if not match:
        return set()
    words = [w for w in match.group(1).split() if w.lower() not in _NOT_SLOT]
    return content_terms(" ".join(words), expand=False)


def amount_met(question: str, quote: str) -> bool:
    """The quote holds the kind of amount asked for: a count of the thing counted, a period, a sum or share, else any number."""
    low = question.lower()
    many = re.search(r"\b(?:how many|number of)\s+((?:working|calendar|school|separate|different)\s+)?([a-z]+)", low)
    if many:
        if many.group(2) in _ANY_COUNT:
            return bool(re.search(rf"\b{_NUMERAL}\b", quote, re.I))
        stem = content_terms(many.group(2), expand=False)
        return any(bool(stem & content_terms(m.group(1), expand=False)) for m in re.finditer(rf"\b{_NUMERAL}\s+((?:[\w'’-]+\s+){{0,2}}[\w'’-]+)", quote, re.I))
    where = re.search(r"\b(?:which|what) (paragraph|chapter|section|page|annex|appendix)\b", low)
    if where:
        return bool(re.search(rf"\b{where.group(1)}s?\s+\d", quote, re.I))
    if re.search(r"\bhow long|within what|time ?limit|deadline|timescale|how soon|by when", low):
        return bool(_PERIOD.search(quote))
    if re.search(r"\bhow much|fee|salary|pay|budget|cost|percentage|proportion|share", low):
        return bool(_MONEY.search(quote))
    return bool(_AMOUNT.search(quote))


def _number_in(number: str, text: str) -> bool:
    """The number is in the text; a year also when it falls within years the text spans ('2013 and 2015' covers 2014)."""
    if re.search(rf"\b{re.escape(number)}\b", text):
        return True
    if not re.fullmatch(r"(?:19|20)\d\d", number):
        return False
    year = int(number)
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text)}
    return any(a < year < b and b - a <= YEAR_SPAN for a in years for b in years)


def _is_card(snapshot: IndexSnapshot, chunk_id: str) -> bool:
    chunk = snapshot.chunks[snapshot.row[chunk_id]]
    return chunk.doc_id.startswith("card-") or chunk.is_summary


def answer_features(
    question: str,
    query_vector: np.ndarray,
    hits: Sequence[RetrievedChunk],
    scored: Sequence[ScoredSentence],
    best_score: float,
    quotes: Sequence[tuple[str, str]],
    snapshot: IndexSnapshot,
) -> dict[str, float]:
    """The model's inputs for one question, given the passages retrieved and the quotes the answer would give."""
    q_terms = content_terms(question)
    unseen = _unseen_idf(snapshot)
    weight = sum(snapshot.idf(t) for t in q_terms) or 1.0
    quote_text = " ".join(q for _, q in quotes)
    quote_terms = content_terms(quote_text)
    context_terms = quote_terms | content_terms(" ".join(_context(snapshot, c) for c, _ in quotes))
    hit_terms = content_terms(" ".join(f"{h.title} {' '.join(h.location.heading_path)} {h.text}" for h in hits))

    dense = snapshot.dense_search(query_vector, 5)
    bm25 = snapshot.bm25.search(question, 5)
    d1 = dense[0][1] if dense else 0.0
    d2 = dense[1][1] if len(dense) > 1 else 0.0
    b1 = bm25[0][1] if bm25 else 0.0
    b2 = bm25[1][1] if len(bm25) > 1 else 0.0
    dense_rows, bm25_rows = {r for r, _ in dense}, {r for r, _ in bm25}
    union = dense_rows | bm25_rows

    quoted = {c for c, _ in quotes}
    first = next((h for h in hits if quotes and h.chunk_id == quotes[0][0]), None)
    worst_rank = max(first.dense_rank if first and first.dense_rank is not None else 30, first.bm25_rank if first and first.bm25_rank is not None else 30)

    names = question_names(question)
    name_hits = [bool(content_terms(n) and content_terms(n) <= context_terms) for n in names]
    numbers = _NUMBER.findall(question)
    context_text = quote_text + " " + " ".join(_context(snapshot, c) for c in quoted)
    number_hits = [_number_in(n, context_text) for n in numbers]
    missing = [snapshot.idf(t) for t in q_terms - quote_terms]
    missing_hits = [snapshot.idf(t) for t in q_terms - hit_terms]

    known_pairs = corpus_pairs(snapshot)
    q_pairs = _adjacent_pairs(question)
    name_pairs = [p for n in names if " " in n for p in _adjacent_pairs(n)]
    wants_amount = asks_amount(question)
    slot = _slot_terms(question)
    fields = {m.group(0).lower() for m in _OTHER_FIELD.finditer(question)}
    asks_who = bool(_ASKS_WHO.search(question))
    asks_list = bool(_ASKS_LIST.search(question))
    has_list = bool(re.search(r":\s|;|\n\s*[-•*\d]", quote_text)) or quote_text.count(",") >= 3
    return {
        "best_score": best_score,
        "best_dense": max((s.dense for s in scored), default=0.0),
        "best_lexical": max((s.lexical for s in scored), default=0.0),
        "dense_top": d1,
        "dense_margin": d1 - d2,
        "bm25_top": math.log1p(b1),
        "bm25_margin": (b1 - b2) / b1 if b1 > 0 else 0.0,
        "rank_agreement": len(dense_rows & bm25_rows) / len(union) if union else 0.0,
        "top_agree": float(bool(dense and bm25 and dense[0][0] == bm25[0][0])),
        "quote_rank": math.log1p(worst_rank),
        "coverage": sum(snapshot.idf(t) for t in q_terms & quote_terms) / weight,
        "name_coverage": sum(name_hits) / len(name_hits) if name_hits else 1.0,
        "number_coverage": sum(number_hits) / len(number_hits) if number_hits else 1.0,
        "max_missing_idf": max(missing, default=0.0) / unseen,
        "missing_in_hits_idf": max(missing_hits, default=0.0) / unseen,
        "oov_terms": float(sum(1 for t in q_terms if t not in snapshot.term_idf)),
        "unseen_name_pairs": float(sum(p not in known_pairs for p in name_pairs)),
        "unseen_pair_share": sum(p not in known_pairs for p in q_pairs) / len(q_pairs) if q_pairs else 0.0,
        "unknown_names": float(len(unknown_names(question, snapshot))),
        "asks_amount": float(wants_amount),
        "slot_coverage": len(slot & quote_terms) / len(slot) if slot else 1.0,
        "amount_unmet": float(wants_amount and not amount_met(question, quote_text)),
        "asks_who": float(asks_who),
        "who_unmet": float(asks_who and not _WHO.search(quote_text)),
        "asks_list": float(asks_list),
        "list_unmet": float(asks_list and not has_list),
        "card_only": float(bool(quotes) and all(_is_card(snapshot, c) for c in quoted)),
        "card_hits": sum(h.is_summary for h in hits) / len(hits) if hits else 0.0,
        "jurisdiction_unmet": float(any(not re.search(rf"\b{re.escape(f)}", quote_text, re.I) for f in fields)),
        "question_clutter": float(bool(_CLUTTER_Q.search(question))),
        "quote_clutter": float(bool(_CLUTTER_TEXT.search(quote_text))),
    }
