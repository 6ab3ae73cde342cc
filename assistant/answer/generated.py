"""Generated answers that are verified before anyone sees them.

1. **Pack.** The retrieved passages go into the prompt highest-ranked first,
   each under a stable key ``[1]``..``[n]`` (keys follow the retrieval rank
   among the passages that fit), until the budget is spent: the model's
   context size minus the answer (``model.max_tokens``), the prompt around the
   evidence and a small margin for the chat template. A passage that does not
   fit is skipped and the next, shorter one tried; if none fits the prompt
   would overflow, and the extractive answer is given.
2. **Generate** with the ``answer-question`` prompt (``prompts/answer-question.yaml``).
3. **Verify.** The answer is split into sentences. Every ``[n]`` must be a key
   that was provided: invented keys are stripped (and noted). Each sentence
   must be supported by a passage it cites: the cosine similarity, with the
   index's own embedder (all-MiniLM-L6-v2 by default), between the sentence
   and the best sentence -- or pair of adjacent sentences -- of the cited
   chunk must reach ``model.support_threshold`` (default **0.55**). A sentence
   without a key of its own is checked against the key of the next cited
   sentence ("A. B. [1]"); a sentence with no key after it fails. Citations quote the
   best-matching sentence of each cited chunk and are built with
   :func:`make_citation`, so every quote is verbatim.

   Why 0.55 (all-MiniLM-L6-v2 on the shipped corpus, measured over its
   sentences): two random sentences from different chunks score median 0.20,
   95th percentile 0.42, and 1.3% reach 0.55; two neighbouring sentences of
   one chunk (same topic, different claim) score median 0.35 and 12% reach
   0.55; a sentence with every third word dropped still scores median 0.83
   against its source, 96% at or above 0.55. So 0.55 accepts close copies and
   paraphrases and rejects most unrelated claims, but it is a similarity test,
   not an entailment test: a same-topic sentence that says something different
   can pass about one time in eight. Raise ``model.support_threshold`` to be
   stricter; a rejected answer still gets the extractive answer.
4. **Fall back.** If verification fails, or the endpoint is unreachable, the
   call times out, the model returns nothing or garbage, or the prompt
   overflows the context, the extractive answer is returned with a note saying
   why. When it passes, ``mode`` is ``generated:<model>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from assistant.answer.citations import make_citation
from assistant.index.embedder import Embedder
from assistant.index.snapshot import IndexSnapshot
from assistant.models.errors import ContextOverflow, ModelError
from assistant.models.prompts import PromptTemplate, load_prompt
from assistant.results import Answer, Citation, RetrievedChunk
from assistant.sentences import split_sentences
from assistant.settings import Settings

PROMPT_ID = "answer-question"
TEMPLATE_MARGIN = 48  # tokens for chat-template markers around the messages
ABSTAIN_MARKER = "NOT IN GUIDANCE"
MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])+")
SPECIAL_TOKENS = re.compile(r"<\|[^|>]{1,40}\|>|</?s>")
MIN_CLAIM_WORDS = 3
MIN_UNIT_CHARS = 15


@dataclass
class Evidence:
    key: int
    hit: RetrievedChunk
    text: str
    block: str


@dataclass
class Verification:
    ok: bool
    reason: str = ""
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def prompt_ref() -> str:
    """``id@version`` of the answer prompt, for eval records."""
    return load_prompt(PROMPT_ID).ref


def _chunk_text(hit: RetrievedChunk, snapshot: IndexSnapshot | None) -> str:
    if snapshot is not None:
        row = snapshot.row.get(hit.chunk_id)
        if row is not None:
            return snapshot.chunks[row].text
    return hit.text


def _block(key: int, hit: RetrievedChunk, text: str) -> str:
    where = hit.location.label()
    head = f"[{key}] {hit.title}" + (f" ({where})" if where and where != "whole document" else "")
    return f"{head}\n{text.strip()}"


def pack_evidence(question: str, hits: list[RetrievedChunk], snapshot: IndexSnapshot | None, count_tokens, context_size: int, max_tokens: int, prompt: PromptTemplate) -> list[Evidence]:
    """Passages that fit the budget, highest-ranked first, keyed 1..n. Raises ContextOverflow when none fits."""
    overhead = sum(count_tokens(m["content"]) for m in prompt.render(question=question, evidence=""))
    budget = context_size - max_tokens - overhead - TEMPLATE_MARGIN
    packed: list[Evidence] = []
    used = 0
    for hit in hits:
        text = _chunk_text(hit, snapshot)
        block = _block(len(packed) + 1, hit, text)
        cost = count_tokens(block) + 2
        if used + cost > budget:
            continue
        packed.append(Evidence(len(packed) + 1, hit, text, block))
        used += cost
    if not packed and hits:
        raise ContextOverflow("evidence", f"no passage fits the {context_size}-token context after {max_tokens} tokens for the answer and {overhead} for the prompt", "raise model.context_size or lower model.max_tokens")
    return packed


def build_messages(question: str, evidence: list[Evidence], prompt: PromptTemplate) -> list:
    return prompt.messages(question=question, evidence="\n\n".join(e.block for e in evidence))


# -- verification -------------------------------------------------------------


def _garbage(text: str) -> str | None:
    letters = sum(ch.isalpha() for ch in text)
    if letters < 12:
        return "the model returned no usable text"
    if letters / max(1, len(text)) < 0.5:
        return "the model's output is mostly not words"
    words = re.findall(r"[a-z']+", text.lower())
    if len(words) >= 12 and len(set(words)) / len(words) < 0.3:
        return "the model's output repeats itself"
    return None


def _keys(group: str) -> list[int]:
    return [int(k) for k in re.split(r"\s*[,;]\s*", group.strip()) if k]


def _sentences(text: str) -> list[tuple[str, list[int]]]:
    """(claim text without markers, keys cited) per sentence; markers after a full stop go with the sentence before."""
    out: list[tuple[str, list[int]]] = []
    for sent in split_sentences(text):
        s = sent.text.strip()
        lead = LEADING_MARKERS.match(s)
        if lead and out:
            out[-1][1].extend(k for g in MARKER.findall(lead.group(0)) for k in _keys(g))
            s = s[lead.end():].strip()
        if not s:
            continue
        keys = [k for g in MARKER.findall(s) for k in _keys(g)]
        claim = " ".join(MARKER.sub(" ", s).split())
        claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
        out.append((claim, keys))
    return out


def _units(text: str) -> tuple[list[str], list[list[int]]]:
    """Sentences of a chunk, then pairs of adjacent sentences; for each unit, the indices of its sentences."""
    sents = [s.text.lstrip("-•* ").strip() for s in split_sentences(text)]
    sents = [s for s in sents if len(s) >= MIN_UNIT_CHARS]
    units = list(sents)
    members = [[i] for i in range(len(sents))]
    for i in range(len(sents) - 1):
        units.append(f"{sents[i]} {sents[i + 1]}")
        members.append([i, i + 1])
    return units, members


def verify_answer(raw: str, evidence: list[Evidence], snapshot: IndexSnapshot, embedder: Embedder, threshold: float) -> Verification:
    """Check a generated answer against the passages it was given (see the module docstring)."""
    text = SPECIAL_TOKENS.sub("", raw or "").strip()
    if not text:
        return Verification(False, "the model returned nothing")
    if ABSTAIN_MARKER in text.upper():
        return Verification(False, "the model said the passages do not answer the question")
    bad = _garbage(MARKER.sub("", text))
    if bad:
        return Verification(False, bad)
    by_key = {e.key: e for e in evidence}
    for e in evidence:  # small models copy the passage headers; they are labels, not claims
        head = e.block.split("\n", 1)[0]
        label = head.split("] ", 1)[1] if "] " in head else head
        text = text.replace(head, " ").replace(label, " ")
    notes: list[str] = []
    added: list[int] = []
    sentences = [(c, k) for c, k in _sentences(text) if len(re.findall(r"[A-Za-z]+", c)) >= MIN_CLAIM_WORDS]
    if not sentences:
        return Verification(False, "the model's answer has no complete sentence")
    invented = sorted({k for _, keys in sentences for k in keys if k not in by_key})
    if invented:
        notes.append(f"Removed citation keys the model invented: {', '.join(f'[{k}]' for k in invented)} (passages given: [1]-[{len(evidence)}]).")

    # embeddings: every claim, and every unit of every passage
    unit_text: dict[int, list[str]] = {}
    unit_members: dict[int, list[list[int]]] = {}
    for e in evidence:
        unit_text[e.key], unit_members[e.key] = _units(e.text)
    flat = [(k, i) for k in unit_text for i in range(len(unit_text[k]))]
    vectors = embedder.embed([c for c, _ in sentences] + [unit_text[k][i] for k, i in flat])
    claim_vecs = vectors[: len(sentences)]
    unit_vecs: dict[int, np.ndarray] = {}
    offset = len(sentences)
    for e in evidence:
        n = len(unit_text[e.key])
        unit_vecs[e.key] = vectors[offset: offset + n]
        offset += n

    def support(ci: int, key: int) -> tuple[float, str | None]:
        vecs = unit_vecs.get(key)
        if vecs is None or not len(vecs):
            return 0.0, None
        sims = vecs @ claim_vecs[ci]
        best = int(np.argmax(sims))
        members = unit_members[key][best]
        singles = [m for m in members]
        # the quote: the best single sentence among the unit's members
        single_sims = [float(vecs[m] @ claim_vecs[ci]) for m in singles]
        quote = unit_text[key][singles[int(np.argmax(single_sims))]]
        return float(sims[best]), quote

    kept: list[str] = []
    quotes: dict[int, tuple[float, str]] = {}
    scores: list[float] = []
    for ci, (claim, keys) in enumerate(sentences):
        valid = list(dict.fromkeys(k for k in keys if k in by_key))
        short = claim if len(claim) <= 80 else claim[:77] + "..."
        if valid:
            results = {k: support(ci, k) for k in valid}
            good = [k for k in valid if results[k][0] >= threshold]
            if not good:
                k, (score, _) = max(results.items(), key=lambda kv: kv[1][0])
                return Verification(False, f"the sentence “{short}” is not supported by passage [{k}] (similarity {score:.2f}, needs {threshold:.2f})", notes=notes)
            dropped = [k for k in valid if k not in good]
            if dropped:
                notes.append(f"Removed citation {', '.join(f'[{k}]' for k in dropped)} from “{short}”: that passage does not support it.")
        else:
            later = next((ks for _, ks in sentences[ci + 1:] if any(k in by_key for k in ks)), None)
            if later is None:
                return Verification(False, f"the sentence “{short}” cites no passage", notes=notes)
            # a key at the end of a run of sentences covers the run ("A. B. [1]"), but each must still be supported
            valid = list(dict.fromkeys(k for k in later if k in by_key))
            results = {k: support(ci, k) for k in valid}
            good = [k for k in valid if results[k][0] >= threshold]
            if not good:
                k, (score, _) = max(results.items(), key=lambda kv: kv[1][0])
                return Verification(False, f"the sentence “{short}” cites no passage, and passage [{k}] cited after it does not support it (similarity {score:.2f}, needs {threshold:.2f})", notes=notes)
            added.extend(good)
        for k in good:
            score, quote = results[k]
            scores.append(score)
            if quote and (k not in quotes or score > quotes[k][0]):
                quotes[k] = (score, quote)
        kept.append(claim + " " + "".join(f"[{k}]" for k in good))
    if added:
        notes.append(f"Sentences without their own key were checked against the key that follows them ({', '.join(f'[{k}]' for k in dict.fromkeys(added))}).")
    citations: list[Citation] = []
    for k in sorted(quotes):
        citation = make_citation(snapshot, k, by_key[k].hit.chunk_id, quotes[k][1])
        if citation is None:
            return Verification(False, f"passage [{k}] could not be quoted from the current index", notes=notes)
        citations.append(citation)
    return Verification(True, text=" ".join(kept), citations=citations, notes=notes, scores=scores)


# -- the flow -----------------------------------------------------------------


def _replaced(fallback: Answer, model: str, why: str, extra: list[str] | None = None) -> Answer:
    note = f"The generated answer from {model} was not used: {why}. The extractive answer is shown instead."
    return fallback.model_copy(update={"notes": [*fallback.notes, *(extra or []), note]})


def _prepare(question: str, hits: list[RetrievedChunk], snapshot: IndexSnapshot, settings: Settings, chat_model):
    from assistant.models.registry import get_chat_model

    chat = chat_model or get_chat_model(settings.model)
    prompt = load_prompt(PROMPT_ID)
    evidence = pack_evidence(question, hits, snapshot, chat.count_tokens, chat.context_size, settings.model.max_tokens, prompt)
    return chat, evidence, build_messages(question, evidence, prompt)


def _finish(question: str, raw: str, hits, evidence, snapshot, embedder, settings: Settings, fallback: Answer) -> Answer:
    model = settings.model.name
    result = verify_answer(raw, evidence, snapshot, embedder, settings.model.support_threshold)
    if not result.ok:
        return _replaced(fallback, model, result.reason)
    return Answer(question=question, text=result.text, citations=result.citations, retrieval=hits, mode=f"generated:{model}", notes=result.notes)


def generated_answer(question: str, hits: list[RetrievedChunk], snapshot: IndexSnapshot, embedder: Embedder, settings: Settings, fallback: Answer, chat_model=None) -> Answer:
    """A verified generated answer, or ``fallback`` (the extractive answer) with a note saying why not."""
    model = settings.model.name
    if fallback.abstained:
        return fallback.model_copy(update={"notes": [*fallback.notes, f"No passage is close enough to answer, so {model} was not asked."]})
    if not hits:
        return fallback
    try:
        chat, evidence, messages = _prepare(question, hits, snapshot, settings, chat_model)
        raw = chat.invoke(messages).content
    except (ModelError, ContextOverflow) as exc:
        return _replaced(fallback, model, _why(exc))
    return _finish(question, raw if isinstance(raw, str) else str(raw), hits, evidence, snapshot, embedder, settings, fallback)


def stream_generated_answer(
    question: str, hits: list[RetrievedChunk], snapshot: IndexSnapshot, embedder: Embedder, settings: Settings, fallback: Answer, chat_model=None
) -> Iterator[str | Answer]:
    """Yield the model's tokens as they come, then the final :class:`Answer`: the verified text, or the fallback.

    The final answer may differ from the streamed text (markers normalised, or
    the whole text replaced by the extractive answer); a UI should replace what
    it streamed with it, visibly.
    """
    model = settings.model.name
    if fallback.abstained or not hits:
        yield generated_answer(question, hits, snapshot, embedder, settings, fallback, chat_model)
        return
    parts: list[str] = []
    try:
        chat, evidence, messages = _prepare(question, hits, snapshot, settings, chat_model)
        for chunk in chat.stream(messages):
            if chunk.text:
                parts.append(chunk.text)
                yield chunk.text
    except (ModelError, ContextOverflow) as exc:
        yield _replaced(fallback, model, _why(exc))
        return
    yield _finish(question, "".join(parts), hits, evidence, snapshot, embedder, settings, fallback)


def _why(exc: ModelError) -> str:
    return exc.problem + (f" ({exc.fix})" if exc.fix else "")
