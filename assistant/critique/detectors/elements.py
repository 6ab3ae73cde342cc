"""Element detectors: is each required element of the profile in the draft?

Three kinds of evidence, combined per element:
- section cues: a heading (or an inline label such as "Family involvement:")
  that names the element makes its section's sentences evidence;
- cue patterns: regexes written from the guidance, matched per sentence;
- exemplar similarity: each draft sentence's cosine similarity to team-written
  exemplar sentences for the element (all-MiniLM-L6-v2; draft sentences are
  embedded once, in batches, by the engine).
Elements with sub-parts (the review process, the action plan) are partial
when only some parts are there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.critique.detectors.common import DATA_DIR, Context, any_rx, load_data, rx
from assistant.critique.draft import DraftSentence
from assistant.critique.profiles import Spec

CUES_GLOB = "critique_elements*.yaml"  # critique_elements.yaml, then one file per further profile

# Similarity to the nearest exemplar that counts as evidence on its own (tuned on the dev sets only).
SIM_PRESENT = 0.62
SIM_SUPPORT = 0.50
# Classifier probability that counts as evidence (the classifier is trained on team-written sentences only);
# a sentence must also be at least loosely similar to some exemplar, so that odd text far from all training
# data is not classified by extrapolation.
PROB_PRESENT = 0.80
SIM_FLOOR = 0.35
INTRO_PROB = 0.90  # a sentence in the opening this like the intro exemplars says what happened
EVIDENCE_LIMIT = 6


@dataclass
class ElementOutcome:
    spec: Spec
    status: str
    confidence: float
    evidence: list[tuple[DraftSentence, float, str]] = field(default_factory=list)  # sentence, score, how found
    note: str = ""


@lru_cache(maxsize=1)
def element_cues() -> dict[str, dict[str, Any]]:
    """Cues per element from every cue file, parsed once per process (read-only: callers never mutate it)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(DATA_DIR.glob(CUES_GLOB)):
        out.update(load_data(path.name).get("elements") or {})
    return out


_EXEMPLAR_CACHE: dict[tuple[str, str], np.ndarray] = {}


def exemplar_vectors(ctx: Context, spec: Spec, cfg: dict[str, Any]) -> np.ndarray:
    """Embeddings of the element's exemplars (its ``means`` line included), cached per embedder."""
    key = (str(ctx.extra.get("embedder_name", "")), spec.id)
    cached = _EXEMPLAR_CACHE.get(key)
    if cached is not None:
        return cached
    texts = [str(t) for t in cfg.get("exemplars") or []] + [spec.means]
    vectors = np.asarray(ctx.embed(texts), dtype=np.float32) if ctx.embed is not None else np.zeros((0, ctx.vectors.shape[1] if ctx.vectors.ndim == 2 else 1), np.float32)
    _EXEMPLAR_CACHE[key] = vectors
    return vectors


def prepare_exemplars(embed: Any, embedder_name: str, specs: list[Spec]) -> None:
    """Embed every element's exemplars in one batch (warm-up; later checks reuse them)."""
    cues = element_cues()
    todo = [s for s in specs if (embedder_name, s.id) not in _EXEMPLAR_CACHE]
    if not todo:
        return
    texts: list[str] = []
    spans: list[tuple[Spec, int, int]] = []
    for spec in todo:
        items = [str(t) for t in (cues.get(spec.id) or {}).get("exemplars") or []] + [spec.means]
        spans.append((spec, len(texts), len(texts) + len(items)))
        texts += items
    vectors = np.asarray(embed(texts), dtype=np.float32)
    for spec, a, b in spans:
        _EXEMPLAR_CACHE[(embedder_name, spec.id)] = vectors[a:b]


def _similarities(ctx: Context, spec: Spec, cfg: dict[str, Any]) -> np.ndarray:
    if ctx.vectors.size == 0 or ctx.embed is None:
        return np.zeros(len(ctx.doc.sentences), dtype=np.float32)
    ex = exemplar_vectors(ctx, spec, cfg)
    if ex.size == 0:
        return np.zeros(len(ctx.doc.sentences), dtype=np.float32)
    return (ctx.vectors @ ex.T).max(axis=1)


def _probabilities(ctx: Context, spec: Spec) -> np.ndarray | None:
    """The element classifier's probability per sentence (None when no classifier is available)."""
    clf = (ctx.extra.get("classifiers") or {}).get(spec.id)
    if clf is None or ctx.vectors.size == 0:
        return None
    cache = ctx.extra.setdefault("_probs", {})
    if spec.id not in cache:
        from assistant.critique.detectors.classifier import probabilities

        cache[spec.id] = probabilities(clf, ctx.vectors)
    return cache[spec.id]


def _aspects(cfg: dict[str, Any], sentences: list[DraftSentence]) -> dict[str, list[DraftSentence]]:
    found: dict[str, list[DraftSentence]] = {}
    for name, pattern in (cfg.get("aspects") or {}).items():
        pat = rx(pattern)
        hits = [s for s in sentences if pat.search(s.text)]
        if hits:
            found[name] = hits
    return found


_REC_ELEMENTS = {"recommendations", "action-plan", "lcspr-recommendations-owned", "lcspr-impact-evaluation"}
_REC_HEAD = rx(r"recommend|action plan|next steps")


def _in_rec_section(s: DraftSentence) -> bool:
    return bool((s.heading and _REC_HEAD.search(s.heading)) or (s.label and _REC_HEAD.search(s.label)))


def detect_element(ctx: Context, spec: Spec) -> ElementOutcome:
    cfg = element_cues().get(spec.id) or {}
    sents = ctx.doc.sentences
    head_rx = any_rx(list(cfg.get("headings") or []))
    cue_rx = any_rx(list(cfg.get("cues") or []))
    heading_hits = ctx.sentences_under(head_rx) if cfg.get("headings") else []
    cue_hits = [s for s in sents if cfg.get("cues") and cue_rx.search(s.text)]
    if cfg.get("exclude"):
        not_rx = any_rx(list(cfg["exclude"]))
        cue_hits = [s for s in cue_hits if not not_rx.search(s.text)]
    sims = _similarities(ctx, spec, cfg)
    probs = _probabilities(ctx, spec)
    p_min = float(cfg.get("probability", PROB_PRESENT))
    emb_hits = [s for s in sents if sims[s.index] >= float(cfg.get("similarity", SIM_PRESENT))
                or (probs is not None and probs[s.index] >= p_min and sims[s.index] >= SIM_FLOOR)]
    if spec.id not in _REC_ELEMENTS:  # the recommendations say what will be done, not what the review found
        heading_hits = [s for s in heading_hits if not _in_rec_section(s)]
        cue_hits = [s for s in cue_hits if not _in_rec_section(s)]
        emb_hits = [s for s in emb_hits if not _in_rec_section(s)]

    scored: dict[int, tuple[DraftSentence, float, str]] = {}

    def add(s: DraftSentence, score: float, how: str) -> None:
        old = scored.get(s.index)
        if old is None or old[1] < score:
            scored[s.index] = (s, score, how)

    for s in heading_hits:
        add(s, max(0.9, float(sims[s.index])), "section heading")
    for s in cue_hits:
        add(s, max(0.8, float(sims[s.index])), "cue")
    for s in emb_hits:
        add(s, float(sims[s.index]), "similar to exemplars")

    handler = _SPECIAL.get(spec.id)
    if handler is not None:
        outcome = handler(ctx, spec, cfg, heading_hits, cue_hits, emb_hits, sims)
    else:
        status = "present" if scored else "missing"
        outcome = ElementOutcome(spec, status, 0.0)
    if outcome.status != "missing" and not outcome.evidence:
        outcome.evidence = sorted(scored.values(), key=lambda t: (-t[1], t[0].index))[:EVIDENCE_LIMIT]
        outcome.evidence.sort(key=lambda t: t[0].index)
    if not outcome.confidence:
        best = max((t[1] for t in outcome.evidence), default=float(sims.max()) if sims.size else 0.0)
        if outcome.status == "present":
            outcome.confidence = round(min(1.0, max(0.5, best)), 3)
        elif outcome.status == "partial":
            outcome.confidence = 0.6
        else:
            top = float(sims.max()) if sims.size else 0.0
            outcome.confidence = round(min(1.0, max(0.5, 1.0 - max(0.0, top - 0.3))), 3)
    return outcome


# ----------------------------------------------------------- special cases

def _intro(ctx, spec, cfg, heading_hits, cue_hits, emb_hits, sims) -> ElementOutcome:
    sents = ctx.doc.sentences
    first_heading = sents[0].section if sents else -1
    opening = [s for s in sents[:6]] + [s for s in heading_hits if s.index < max(12, len(sents) // 3)]
    opening += [s for s in sents if s.section == first_heading and s.index < 15]
    opening = list({s.index: s for s in opening}.values())
    probs = (ctx.extra.get("_probs") or {}).get(spec.id)
    harm = [s for s in opening if s in cue_hits]
    event_rx = any_rx(list(cfg.get("event_cues") or []))
    harm += [s for s in opening if probs is not None and probs[s.index] >= INTRO_PROB and s not in harm and event_rx.search(s.text)]
    ctx_rx = any_rx(list(cfg.get("context_cues") or []))
    if harm:
        return ElementOutcome(spec, "present", 0.0, [(s, 0.85, "cue") for s in harm[:3]])
    partial_rx = any_rx(list(cfg.get("partial_cues") or []))
    touch = [s for s in opening if partial_rx.search(s.text) or ctx_rx.search(s.text)] + [s for s in opening if s in emb_hits]
    if touch:
        return ElementOutcome(spec, "partial", 0.0, [(s, 0.6, "touches it") for s in touch[:3]],
                              "the opening does not say what happened to the child that led to the review")
    return ElementOutcome(spec, "missing", 0.0)


def _with_aspects(ctx, spec, cfg, heading_hits, cue_hits, emb_hits, sims) -> ElementOutcome:
    pool = {s.index: s for s in heading_hits + cue_hits + emb_hits}
    if spec.id == "review-process":  # its parts are often spread through an opening paragraph
        pool.update({s.index: s for s in ctx.doc.sentences[: max(10, len(ctx.doc.sentences) // 3)]})
    if spec.id == "parallel-processes":  # how the process related to the review often follows in the next sentence
        sents = ctx.doc.sentences
        pool = {s.index: s for s in heading_hits + cue_hits}
        pool.update({sents[s.index + 1].index: sents[s.index + 1] for s in cue_hits if s.index + 1 < len(sents) and not _in_rec_section(sents[s.index + 1])})
    partial_rx = any_rx(list(cfg.get("partial_cues") or []))
    partial_hits = [s for s in ctx.doc.sentences if cfg.get("partial_cues") and partial_rx.search(s.text)]
    future_only = {s.index for s in partial_hits}
    found = _aspects(cfg, [s for s in pool.values() if s.index not in future_only])  # "will prepare a plan" proves nothing yet
    if spec.id == "action-plan" and heading_hits and "plan" not in found and "plan" in (cfg.get("aspects") or {}):
        found["plan"] = heading_hits[:1]  # a section headed "Action plan" is the plan
    need = int(cfg.get("min_aspects", 2))
    evidence_sents = {s.index: s for hits in found.values() for s in hits}
    evidence = [(s, 0.85, "cue") for s in sorted(evidence_sents.values(), key=lambda s: s.index)][:EVIDENCE_LIMIT]
    if len(found) >= need and not (partial_hits and spec.id == "action-plan" and "detail" not in found):
        return ElementOutcome(spec, "present", 0.0, evidence)
    if found or partial_hits or heading_hits:
        ev = evidence or [(s, 0.6, "touches it") for s in (partial_hits + heading_hits)[:3]]
        missing = [a for a in (cfg.get("aspects") or {}) if a not in found]
        return ElementOutcome(spec, "partial", 0.0, ev, f"not stated: {', '.join(missing)}" if missing else "")
    return ElementOutcome(spec, "missing", 0.0)


_REC_ELSEWHERE = rx(r"\b(available (from|on request|in the (full|overview))|(are|were) (set out|listed|given) in the (full|overview)|not (included|reproduced|listed) (here|in this summary))\b")


def _recommendations(ctx, spec, cfg, heading_hits, cue_hits, emb_hits, sims) -> ElementOutcome:
    from assistant.critique.detectors.recommendations import recommendation_items

    items = recommendation_items(ctx)
    mentions = [s for s in heading_hits + cue_hits if not _REC_ELSEWHERE.search(s.text)]
    sents = ctx.doc.sentences
    nearby = heading_hits + cue_hits + [sents[s.index + 1] for s in cue_hits if s.index + 1 < len(sents)]
    elsewhere = [s for s in nearby if _REC_ELSEWHERE.search(s.text)]
    if items or (mentions and not elsewhere):
        uniq = sorted({s.index: s for s in items or mentions}.values(), key=lambda s: s.index)
        return ElementOutcome(spec, "present", 0.0, [(s, 0.9, "recommendation") for s in uniq[:EVIDENCE_LIMIT]])
    touch = heading_hits + cue_hits
    if touch:
        return ElementOutcome(spec, "partial", 0.0, [(s, 0.6, "mentions recommendations") for s in touch[:3]],
                              "recommendations are mentioned but not given")
    return ElementOutcome(spec, "missing", 0.0)


_SPECIAL = {
    "intro-circumstances": _intro,
    "review-process": _with_aspects,
    "action-plan": _with_aspects,
    "parallel-processes": _with_aspects,
    "lcspr-impact-evaluation": _with_aspects,
    "lcspr-rapid-review": _with_aspects,
    "recommendations": _recommendations,
}


def detect_elements(ctx: Context, specs: list[Spec]) -> list[ElementOutcome]:
    return [detect_element(ctx, spec) for spec in specs]


def element_classifiers(embed: Any, embedder_name: str, specs: list[Spec]) -> dict[str, Any]:
    """Per-element classifiers over sentence embeddings (see :mod:`classifier`); {} only when there is no embedder.

    A failure to train is an error, never an empty result: without the
    classifiers every check would silently give different findings.
    """
    if embed is None:
        return {}
    from assistant.critique.detectors import classifier

    return classifier.models(embed, embedder_name, [s.id for s in specs], {s.id: s.means for s in specs})
