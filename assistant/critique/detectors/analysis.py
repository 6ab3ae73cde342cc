"""Quality of the analysis: findings that only describe, systemic factors
absent, and conclusions asserted without their evidence or reasoning."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit, any_rx, load_data, rx

_REC_HEADING = rx(r"recommend|action plan|next steps|response")
_FOLLOW_REASON = rx(r"\s*(because|(this|that) (is|was) (because|based on|supported by)|the reasons?|for (this|these|two|three|several) reasons?|(this|that|the) (conclusion|judgement|view|finding) (rests|is based|reflects|comes|draws)|the evidence (for|is|was)|in reaching|this rests on|(the review|it) (reached|bases) this)\b")


@lru_cache(maxsize=1)
def _cfg() -> dict:
    return load_data("critique_issues.yaml")


def _outside_recommendations(ctx: Context):
    return [s for s in ctx.doc.sentences if not ((s.heading and _REC_HEADING.search(s.heading)) or (s.label and _REC_HEADING.search(s.label)))
            and not rx(r"\brecommend").search(s.text)]


_FINDINGS_INTRO = rx(r"\b(the (review|panel|author)('s)? (found|finds|identified|concluded) that|(the )?(review's |main |key )?findings (are|were|of the review|include)|the review's findings|the findings are)\b")


def _findings_block(ctx: Context, body) -> list:
    """Sentences of prose findings: from 'The review found that ...' to the end of its paragraph."""
    text = ctx.doc.text
    out = []
    ids = {s.index for s in body}
    for s in ctx.doc.sentences:
        if s.index not in ids or not _FINDINGS_INTRO.search(s.text):
            continue
        para_end = text.find("\n\n", s.start)
        para_end = len(text) if para_end < 0 else para_end
        out += [t for t in ctx.doc.sentences[s.index:] if t.start < para_end and t.index in ids and t.section == s.section]
    return list({s.index: s for s in out}.values())


def descriptive_only(ctx: Context) -> list[Hit]:
    cfg = _cfg()["findings-descriptive-only"]
    explain = any_rx(list(cfg["explanation"]))
    failure = any_rx(list(cfg["failure"]))
    head = any_rx(list(cfg["findings_headings"]))
    body = _outside_recommendations(ctx)
    findings = [s for s in body if (s.heading and head.search(s.heading)) or (s.label and head.search(s.label))]
    findings = list({s.index: s for s in findings + _findings_block(ctx, body)}.values())
    explained_anywhere = [s for s in body if explain.search(s.text)]
    if findings:
        failing = [s for s in findings if failure.search(s.text)]
        explained = [s for s in findings if explain.search(s.text)]
        flagged = len(failing) >= 2 and len(explained) <= 0.25 * len(failing)
    else:
        failing = [s for s in body if failure.search(s.text)]
        flagged = len(failing) >= 2 and len(explained_anywhere) < 2
    if not flagged:
        return []
    unexplained = [s for s in failing if not explain.search(s.text)]
    return [Hit(s, s.start, s.end, "says what went wrong without explaining why practitioners acted as they did",
                "add why it happened, e.g. '... was not shared because the two services used separate record systems and no one was asked to check'")
            for s in unexplained[:4]]


def systemic_absent(ctx: Context) -> list[Hit]:
    terms = any_rx(list(_cfg()["systemic-factors-absent"]["terms"]), word_bounded=True)
    body = _outside_recommendations(ctx)
    if any(terms.search(s.text) for s in body) or not body:
        return []
    head = any_rx(list(_cfg()["findings-descriptive-only"]["findings_headings"]))
    anchor = next((s for s in body if (s.heading and head.search(s.heading)) or (s.label and head.search(s.label))), None) or body[0]
    return [Hit(anchor, anchor.start, anchor.end,
                "nowhere does the draft consider organisational factors such as workload, staffing, supervision, procedures or differences between agencies",
                "add what in the working conditions shaped practice, e.g. 'the duty team was carrying two vacant posts and supervision had lapsed for three months'")]


def conclusions_opaque(ctx: Context) -> list[Hit]:
    cfg = _cfg()["conclusions-opaque"]
    assertion = any_rx(list(cfg["assertions"]))
    reason = any_rx(list(cfg["reasons"]))
    sents = ctx.doc.sentences
    hits: list[Hit] = []
    for i, s in enumerate(sents):
        m = assertion.search(s.text)
        if not m:
            continue
        if reason.search(s.text[m.end():]) or reason.search(s.text[:m.start()][-60:]):
            continue
        nxt = sents[i + 1].text if i + 1 < len(sents) and sents[i + 1].section == s.section else ""
        if nxt and _FOLLOW_REASON.match(nxt):
            continue
        hits.append(Hit(s, s.start, s.end, "a conclusion is asserted without the evidence or reasoning that led to it",
                        "show the reasoning, e.g. 'the review concluded ... because no agency had seen any injury and there was no history of violence'"))
    return hits
