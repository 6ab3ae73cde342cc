"""Blame on individual practitioners.

Flagged: a named or singled-out worker (a role such as "the health visitor",
a title and surname, a role followed by a name, a first name) with failure,
negligence or fault language; counterfactual blame ("had the social worker
done her job, ..."); and calls for disciplinary outcomes against a worker.
Not flagged: groups and agencies ("agencies failed to share"), and neutral
descriptions embedded in a systemic explanation ("the health visitor did not
refer, partly because the protocol was not known to the team") unless the
wording is itself a judgement (negligent, to blame, incompetent).
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit, any_rx, load_data, rx

_WHY = "puts failure on an individual worker instead of the conditions around them; reviews are for learning, not blame"
_FIX = ("describe what the worker did and explain why it made sense to them at the time (workload, supervision, procedures, "
        "information available), e.g. 'the referral was not made; the review found that ...'")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    cfg = load_data("critique_issues.yaml")["blame-individuals"]
    roles = [str(w) for w in cfg["workers"]]
    first = sorted(str(n) for n in load_data("critique_names.yaml").get("first_names") or [])
    role_alt = "|".join(f"(?:{r})" for r in roles)
    name = r"[A-Z][a-z'’-]+"
    return {
        "worker": any_rx(roles, word_bounded=True),
        "failure": any_rx([str(f) for f in cfg["failure"]], word_bounded=True),
        "judgement": any_rx([str(f) for f in cfg["judgement"]], word_bounded=True),
        "counterfactual": any_rx([str(f) for f in cfg["counterfactual"]]),
        "sanction": any_rx([str(f) for f in cfg["sanction"]], word_bounded=True),
        "not_sanction": any_rx([str(f) for f in cfg["not_sanction"]], word_bounded=True),
        "excuse": any_rx([str(f) for f in cfg["systemic_explanation"]], word_bounded=True),
        # Ms Patel / Dr Khan; "the social worker, Jane Fox," / "social worker Jane Fox"; a first name on its own
        "person": re.compile(rf"\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+{name}|(?i:{role_alt}),?\s+(?:{name})(?:\s+{name})?)"),
        "first": re.compile(r"\b(?:" + "|".join(re.escape(n) for n in first) + r")\b") if first else re.compile(r"(?!x)x"),
    }


_GROUP = rx(r"\b(agencies|services|professionals|practitioners|staff|the (system|partnership|board|agencies|services|organisations?)|all|everyone|no one|nobody|teams|several|many|some|other)\s+(\w+\s+){0,2}$")
_PASSIVE = rx(r"\b(was|were|had been) (let down|failed|badly (served|failed)|ignored|not (listened to|believed)) by\b")
_FAMILY = rx(r"\b(mother|father|parents?|stepfather|stepmother|partner|boyfriend|girlfriend|grandmother|grandfather|uncle|aunt|carer|child|baby|perpetrator|abuser|offender)\b")


def _subject(pats, before: str) -> bool:
    """A singled-out worker (or a named person) is the subject just before the failure words."""
    if pats["person"].search(before):
        return True
    w = list(pats["worker"].finditer(before))
    if w and not _GROUP.search(before[:w[-1].end()]):
        return True
    return False


def detect(ctx: Context) -> list[Hit]:
    pats = _patterns()
    hits: list[Hit] = []
    prev = ""
    for s in ctx.doc.sentences:
        t = s.text
        flagged = False
        # 1. calls for a disciplinary outcome ("should be disciplined", "disciplinary action should follow")
        m = pats["sanction"].search(t)
        if m and not pats["not_sanction"].search(t):
            flagged = True
        # 2. counterfactual blame: "had the health visitor done her job, ..."
        if not flagged:
            for m in pats["counterfactual"].finditer(t):
                around = t[max(0, m.start() - 10):m.end() + 60]
                if _subject(pats, around) or pats["first"].search(around) or rx(r"\b(she|he)\b").search(around[:40]) and (pats["worker"].search(prev) or pats["person"].search(prev)):
                    flagged = True
                    break
        # 3. judgement words about a worker (negligent, to blame, incompetent): always blame
        if not flagged:
            for f in pats["judgement"].finditer(t):
                before = t[max(0, f.start() - 90):f.start()]
                after = t[f.end():f.end() + 50]
                if _subject(pats, before) or re.match(r"^\s*(?:of|by|on the part of)\s+(?:the\s+)?(?:\w+\s+){0,2}(?:worker|visitor|nurse|officer|doctor|manager|teacher|midwife|GP|paediatrician)\b", after, re.I) \
                        or pats["person"].search(after[:40]):
                    if not _FAMILY.search(before[-40:]) or pats["person"].search(before):
                        flagged = True
                        break
                fm = pats["first"].search(before[-40:])
                if fm and not _FAMILY.search(before[-40:]) and pats["worker"].search(t + " " + prev):
                    flagged = True
                    break
        # 4a. passive: "Child C was let down by the school nurse"
        if not flagged:
            m = _PASSIVE.search(t)
            if m and (_subject(pats, t[m.end():m.end() + 60]) or pats["person"].match(t[m.end():].lstrip())) and not _GROUP.search(t[m.end():m.end() + 30] + " x"):
                flagged = True
        # 4. failure verbs on a singled-out worker, unless the sentence explains the conditions that shaped it
        if not flagged and not pats["excuse"].search(t):
            for f in pats["failure"].finditer(t):
                before = t[max(0, f.start() - 90):f.start()]
                if _subject(pats, before):
                    flagged = True
                    break
                after = t[f.end():f.end() + 40]
                if re.match(r"^\s*(?:of|by)\s+the\s+(?:\w+\s+){0,2}(?:worker|visitor|nurse|officer|doctor|manager|teacher|midwife)\b", after, re.I) or pats["person"].search(after):
                    flagged = True
                    break
                fm = list(pats["first"].finditer(before[-30:]))
                if fm and not _FAMILY.search(before[-40:]) and pats["worker"].search(t + " " + prev):
                    flagged = True
                    break
        if flagged:
            hits.append(Hit(s, s.start, s.end, _WHY, _FIX))
        prev = t
    return hits
