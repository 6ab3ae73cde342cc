"""Vague recommendations: no clear owner, action or way to tell it was done."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit, any_rx, load_data, rx

_REC_HEADING = rx(r"recommend")
_INTRO = rx(r"\b(the following|makes? (\w+ )?recommendations|recommendations (are|were) (made|as follows|set out)|these are available|as follows)\b")
_ITEM = rx(r"\b(should|must|will|needs? to|to (be|ensure|review|remind|raise|consider|improve|develop|work|introduce)|recommends? that|it is recommended)\b")
_NO_OWNER = rx(r"^\s*(?:\d+[.)]?\s*|[-*•]\s*)?(?:that\s+)?(all |each |every |relevant |partner |local )?(agencies|agency|practitioners|professionals|staff|services|organisations|everyone|workers|frontline staff|partners|it)\b")


@lru_cache(maxsize=1)
def _cfg():
    cfg = load_data("critique_issues.yaml")["recommendations-vague"]
    return any_rx(list(cfg["owners"])), any_rx(list(cfg["measures"])), any_rx(list(cfg["vague_phrases"]))


_MENTION_ONLY = rx(r"^\W*(the )?(review|report|board|panel|author|partnership)?\s*(makes?|made|has made|contains?|sets out) (\w+ )?recommendations\W*$|\b(accepted|agreed|endorsed) (all )?(\w+ )?(the )?recommendations\b|recommendations (are|were) (available|set out in)")


_NOT_ITEM = rx(r"^\W*practice (must|needs to|should|has to) (improve|change)\b|\b(action plan|available (from|on request)|(has|have) (accepted|agreed|endorsed)|monitor(s|ed|ing)? (progress|the (plan|actions))|these are (set out|listed|given) in)\b")


def recommendation_items(ctx: Context):
    """Sentences that state a recommendation (under a recommendations heading, or after 'makes N recommendations')."""
    items = []
    run = 0
    last_section = None
    for s in ctx.doc.sentences:
        t = s.text
        if s.section != last_section:
            run, last_section = 0, s.section
        under = (s.heading and _REC_HEADING.search(s.heading)) or (s.label and _REC_HEADING.search(s.label))
        if _INTRO.search(t) or _MENTION_ONLY.search(t):
            run = 8
            # "... the following recommendations: schools should ..." carries items itself
            if ":" in t and _ITEM.search(t.split(":", 1)[1]):
                items.append(s)
            continue
        if under and len(t.split()) >= 4 and not _NOT_ITEM.search(t):
            items.append(s)
        elif run > 0 and _ITEM.search(t):
            items.append(s)
            run -= 1
        elif rx(r"\b(recommends? that|it is recommended that|recommendation \d+\s*[:.-])").search(t):
            items.append(s)
        else:
            run = 0
    return items


def detect(ctx: Context) -> list[Hit]:
    owner, measure, vague = _cfg()
    hits: list[Hit] = []
    for s in recommendation_items(ctx):
        t = s.text
        has_owner = bool(owner.search(t)) and not _NO_OWNER.search(t)
        has_measure = bool(measure.search(t))
        is_vague = bool(vague.search(t))
        if has_measure and has_owner:
            continue
        if has_measure and not is_vague:
            continue
        if has_owner and not is_vague:
            continue
        missing = [n for n, ok in (("no clear owner", has_owner), ("no way to tell it was done", has_measure)) if not ok]
        hits.append(Hit(s, s.start, s.end, f"this recommendation has {' and '.join(missing)}" + (" and its action is vague" if is_vague else ""),
                        "name who will do what by when and how completion is checked, e.g. 'The partnership's training group will run multi-agency neglect training for all duty staff by March and report attendance to the board'"))
    return hits
