"""check_draft: one draft against one profile, with detectors over the real embedder.

No generative model is involved. The draft is parsed into headed sections and
sentences, every sentence is embedded once (in batches, so a 60-page report is
checked whole in bounded memory), then element and issue detectors run over
that. The draft is data: no text in it is treated as an instruction, and it
is never written to disk or logged.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from assistant.critique import profiles as _profiles
from assistant.critique.detectors import analysis, blame, identifiers, jargon, recommendations, tone
from assistant.critique.detectors.common import Context, Hit
from assistant.critique.detectors.elements import ElementOutcome, detect_elements, element_classifiers, prepare_exemplars
from assistant.critique.draft import parse_draft, read_draft_text
from assistant.index.embedder import Embedder
from assistant.results import Citation, Critique, DraftSpan, ElementResult, IssueInstance, IssueResult, Verdict
from assistant.settings import Settings

GuidanceLookup = Callable[[str, list[str]], list[Citation]]

EMBED_BATCH = 256  # sentences per embedding call: bounds memory on long drafts
MAX_INSTANCES = 12  # instances listed per issue (the count of all is kept in the note)

ISSUE_DETECTORS: dict[str, Callable[[Context], list[Hit]]] = {
    "privacy-identifiers": identifiers.detect,
    "findings-descriptive-only": analysis.descriptive_only,
    "blame-individuals": blame.detect,
    "systemic-factors-absent": analysis.systemic_absent,
    "conclusions-opaque": analysis.conclusions_opaque,
    "jargon-unexplained": jargon.detect,
    "tone-inappropriate": tone.detect,
    "recommendations-vague": recommendations.detect,
}

# What to fix first: identifying details and harmful wording before structure, structure before polish.
_ISSUE_PRIORITY = ["privacy-identifiers", "tone-inappropriate", "blame-individuals", "findings-descriptive-only",
                   "systemic-factors-absent", "recommendations-vague", "conclusions-opaque", "jargon-unexplained"]
_ELEMENT_PRIORITY = ["intro-circumstances", "review-process", "recommendations", "lessons-learned", "improvement-needed",
                     "key-themes", "family-involvement", "action-plan", "early-intervention", "key-decisions",
                     "parallel-processes", "good-practice"]


_FIX = {
    "privacy-identifiers": "replace names with 'Child A' or a role ('the mother'), dates of birth with an age, and streets, schools and diagnoses with general descriptions",
    "tone-inappropriate": "remove sensational or judgemental words and state the facts neutrally",
    "blame-individuals": "describe what practitioners did and explain the conditions that shaped it, instead of blaming named or singled-out workers",
    "findings-descriptive-only": "for each finding, explain why practitioners acted as they did, not only what went wrong",
    "systemic-factors-absent": "consider organisational factors: workload, staffing, supervision, procedures, tools and differences between agencies",
    "recommendations-vague": "give every recommendation an owner, a specific action and a way to tell it was done (date, report, audit)",
    "conclusions-opaque": "show the evidence and reasoning behind each conclusion",
    "jargon-unexplained": "spell out each acronym or term of art at its first use",
}


def _embed_all(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, int(getattr(embedder, "dimension", 384))), dtype=np.float32)
    parts = [np.asarray(embedder.embed(texts[i:i + EMBED_BATCH]), dtype=np.float32) for i in range(0, len(texts), EMBED_BATCH)]
    return np.vstack(parts)


def _span(text: str, start: int, end: int) -> DraftSpan:
    return DraftSpan(start=start, end=end, text=text[start:end])


def _cite(guidance: GuidanceLookup | None, query: str, sources: tuple[str, ...], notes: list[str]) -> list[Citation]:
    if guidance is None:
        return []
    try:
        return list(guidance(query, list(sources)))[:2]
    except Exception as exc:  # noqa: BLE001 - a failed lookup must not lose the critique
        msg = f"guidance citations unavailable ({type(exc).__name__})"
        if msg not in notes:
            notes.append(msg)
        return []


def _expectation(outcome: ElementOutcome) -> str:
    line = outcome.spec.means
    if outcome.status == "partial" and outcome.note:
        line = f"{line} (here: {outcome.note})"
    return line


def _fix_first(elements: list[ElementResult], issues: list[IssueResult]) -> list[str]:
    ranked: list[tuple[int, str]] = []
    for issue in issues:
        rank = _ISSUE_PRIORITY.index(issue.id) if issue.id in _ISSUE_PRIORITY else len(_ISSUE_PRIORITY)
        if issue.id in ("privacy-identifiers", "tone-inappropriate", "blame-individuals"):
            rank -= 100
        ranked.append((rank, f"{issue.label}: {_FIX.get(issue.id) or (issue.instances[0].suggestion if issue.instances else issue.why)}"))
    for el in elements:
        if el.status == "present":
            continue
        base = _ELEMENT_PRIORITY.index(el.id) if el.id in _ELEMENT_PRIORITY else len(_ELEMENT_PRIORITY)
        rank = base + (0 if el.status == "missing" else 20)
        verb = "Add" if el.status == "missing" else "Complete"
        ranked.append((rank, f"{verb} {el.label.lower()}: {el.expectation}"))
    ranked.sort(key=lambda t: t[0])
    return [text for _, text in ranked[:3]]


def check_draft(text: str, profile: str, settings: Settings, embedder: Embedder, guidance: GuidanceLookup | None = None) -> Critique:
    """The checklist for ``text`` against ``profile``: elements, issues found, and a verdict."""
    started = time.perf_counter()
    text = read_draft_text(text, settings.critique.max_draft_chars)
    prof = _profiles.get_profile(profile)
    doc = parse_draft(text)
    vectors = _embed_all(embedder, [s.text for s in doc.sentences])
    embedder_name = str(getattr(embedder, "name", type(embedder).__name__))
    prepare_exemplars(embedder.embed, embedder_name, list(prof.elements))
    classifiers = element_classifiers(embedder.embed, embedder_name, list(prof.elements))
    ctx = Context(doc=doc, vectors=vectors, embed=embedder.embed, extra={"embedder_name": embedder_name, "classifiers": classifiers})
    notes: list[str] = []

    issues: list[IssueResult] = []
    for spec in prof.issues:
        detector = ISSUE_DETECTORS.get(spec.id)
        if detector is None:
            continue
        hits = detector(ctx)
        if not hits:
            continue
        hits.sort(key=lambda h: h.start)
        instances = [IssueInstance(span=_span(text, h.start, h.end), why=h.why, suggestion=h.suggestion) for h in hits[:MAX_INSTANCES]]
        issue = IssueResult(
            id=spec.id, label=spec.label, confidence=float(min(0.95, 0.6 + 0.1 * len(hits))), instances=instances,
            why=spec.means, guidance=_cite(guidance, f"{spec.label}: {spec.means}", spec.source, notes),
        )
        issues.append(issue)
        if len(hits) > MAX_INSTANCES:
            notes.append(f"{spec.label}: {len(hits)} instances found, the first {MAX_INSTANCES} are listed")

    elements: list[ElementResult] = []
    for outcome in detect_elements(ctx, list(prof.elements)):
        spec = outcome.spec
        implied = [i.label for i in issues if i.id in spec.partial_with]
        if outcome.status == "present" and implied:
            outcome.status = "partial"
            outcome.note = f"present in places, but the draft also shows: {', '.join(implied).lower()} (see below)"
        elements.append(ElementResult(
            id=spec.id, label=spec.label, status=outcome.status, confidence=float(max(0.0, min(1.0, outcome.confidence))),
            evidence=[_span(text, s.start, s.end) for s, _, _ in outcome.evidence] if outcome.status != "missing" else [],
            expectation=_expectation(outcome),
            guidance=_cite(guidance, f"{spec.label}: {spec.means}", spec.source, notes) if outcome.status != "present" else [],
        ))

    engine = settings.critique.engine
    if engine in ("judge", "both"):
        from assistant.critique.judge import judge_elements

        elements, judge_notes = judge_elements(text, elements, settings)
        notes.extend(judge_notes)
        engine = "judge" if engine == "judge" else "detectors+judge"

    present = sum(e.status == "present" for e in elements)
    partial = sum(e.status == "partial" for e in elements)
    missing = sum(e.status == "missing" for e in elements)
    verdict = Verdict(
        present=present, partial=partial, missing=missing, issues=len(issues), fix_first=_fix_first(elements, issues),
        summary=(f"{present} of {len(elements)} elements present, {partial} partial, {missing} missing; "
                 f"{len(issues)} quality issue{'s' if len(issues) != 1 else ''} found."),
    )
    notes.append(f"checked the whole draft: {len(doc.sentences)} sentences in {len(doc.headings)} headed sections, "
                 f"{time.perf_counter() - started:.1f} s")
    return Critique(profile=prof.name, verdict=verdict, elements=elements, issues=issues, engine=engine,
                    notes=notes, draft_chars=len(text))
