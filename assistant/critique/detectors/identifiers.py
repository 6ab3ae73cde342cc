"""Identifying details: names in family contexts, dates of birth, addresses,
postcodes, named schools and nurseries, precise diagnoses of family members.

Each hit carries a redaction suggestion: a name to "Child A"/"the mother",
an exact date of birth to an age, a street or school to a general
description, a diagnosis to a general term.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit, any_rx, load_data

_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
_DATE = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}})"
_DOB = re.compile(rf"\b(?:born(?:\s+on)?|date of birth(?:\s+(?:is|was|of))?|d\.?o\.?b\.?:?)\s*[:,(]?\s*{_DATE}", re.I)
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b")
_TITLE_NAME = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+((?:[A-Z][a-z'’-]+)(?:\s+[A-Z][a-z'’-]+)?)")
_REVIEWER = re.compile(r"\b(author|reviewers?|chair(ed|man|woman)?|written by|led by|overview report|panel|consultant)\b", re.I)
_NAME_AGE = re.compile(r"\b([A-Z][a-z'’-]{2,})\s*\((?:aged?\s*)?\d{1,2}(?:\s*(?:years?|yrs|months?))?\)")


@lru_cache(maxsize=1)
def _cfg() -> dict:
    return load_data("critique_issues.yaml")["privacy-identifiers"]


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(str(n) for n in load_data("critique_names.yaml").get("first_names") or [])


@lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    return frozenset(str(n) for n in _cfg().get("not_names") or [])


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    cfg = _cfg()
    streets = "|".join(re.escape(w) for w in cfg["street_words"])
    schools = "|".join(re.escape(w) for w in sorted(cfg["school_words"], key=len, reverse=True))
    roles = "|".join(re.escape(w) for w in sorted(cfg["family_roles"], key=len, reverse=True))
    cap = r"(?:St\.?|[A-Z][a-z'’-]+)"
    return {
        "address": re.compile(rf"\b(?:\d{{1,4}}[A-Za-z]?,?\s+)?(?:{cap}\s+){{1,2}}(?:{streets})\b"),
        "school": re.compile(rf"\b((?:{cap}\s+){{1,3}})(?:{schools})\b"),
        "role_name": re.compile(rf"\b(?:{roles})(?:'s)?,?\s+(?:(?:called|named|known as)\s+)?([A-Z][a-z'’-]{{2,}})(?:\s+([A-Z][a-z'’-]{{2,}}))?", re.I),
        "diagnosis": any_rx(list(cfg["diagnoses"]), word_bounded=True),
        "family": re.compile(rf"\b(?:{roles}|diagnosed|diagnosis)\b", re.I),
    }


def _is_name(word: str) -> bool:
    return bool(word) and word[0].isupper() and word not in _not_names() and not word.isupper()


def detect(ctx: Context) -> list[Hit]:
    pats = _patterns()
    first_names = _first_names()
    hits: list[Hit] = []
    seen: set[tuple[int, int]] = set()

    def add(s, a: int, b: int, why: str, suggestion: str) -> None:
        key = (s.start + a, s.start + b)
        if any(x <= key[0] < y or x < key[1] <= y for x, y in seen):
            return
        seen.add(key)
        hits.append(Hit(s, s.start + a, s.start + b, why, suggestion))

    for s in ctx.doc.sentences:
        t = s.text
        about_reviewer = bool(_REVIEWER.search(t)) and not pats["family"].search(t)
        for m in _DOB.finditer(t):
            add(s, m.start(), m.end(), "an exact date of birth identifies the child",
                "give the age instead, e.g. 'aged four' or 'a baby of three months'")
        for m in _POSTCODE.finditer(t):
            add(s, m.start(), m.end(), "a postcode identifies where the family lives", "remove it, or say 'in the local area'")
        for m in pats["address"].finditer(t):
            words = m.group(0).split()
            lead = words[0].rstrip(",")
            if not lead[0].isdigit() and (lead in _not_names() or lead.lower() in {"the", "a", "an"}):
                continue
            add(s, m.start(), m.end(), "a street name or address identifies the family",
                "replace with a general description, e.g. 'the family home' or 'a street in the town'")
        for m in pats["school"].finditer(t):
            lead_words = m.group(1).split()
            if not lead_words or lead_words[0] in {"The", "A", "An", "Her", "His", "Their", "Local", "Each", "Every", "All", "Both", "Primary", "Secondary", "New", "Special", "Independent"}:
                continue
            if all(w in _not_names() for w in lead_words):
                continue
            add(s, m.start(), m.end(), "a named school or nursery identifies the child",
                "replace with a general description, e.g. 'the child's primary school' or 'a local nursery'")
        for m in _TITLE_NAME.finditer(t):
            if about_reviewer or m.group(2).split()[0] in _not_names():
                continue
            add(s, m.start(), m.end(), "a person's real-looking name identifies the family or the practitioners",
                "use a role or a letter instead, e.g. 'the mother', 'the father', 'Adult B' or 'the health visitor'")
        for m in _NAME_AGE.finditer(t):
            if _is_name(m.group(1)):
                add(s, m.start(1), m.end(1), "a child's first name identifies the child", "use 'Child A' (and 'Sibling 1', 'Sibling 2' for brothers and sisters)")
        for m in pats["role_name"].finditer(t):
            first = m.group(1)
            if not _is_name(first) or first.lower() in {"child", "baby"}:
                continue
            if first not in first_names and not (m.group(2) and _is_name(m.group(2))):
                continue
            end = m.end(2) if m.group(2) and _is_name(m.group(2)) else m.end(1)
            add(s, m.start(1), end, "a family member's name identifies the family", "use a role such as 'the mother' or a letter such as 'Child A'")
        for m in re.finditer(r"\b[A-Z][a-z'’-]{2,}\b", t):
            w = m.group(0)
            if w in first_names and w not in _not_names() and not about_reviewer:
                # "Child A" style labels are fine; a capitalised word after "Child" is a label
                before = t[max(0, m.start() - 6):m.start()]
                if before.strip().endswith(("Child", "Baby")):
                    continue
                add(s, m.start(), m.end(), "a real-looking first name identifies the child or family",
                    "use 'Child A' for the child or a role such as 'the mother'")
        for m in pats["diagnosis"].finditer(t):
            if pats["family"].search(t):
                add(s, m.start(), m.end(), "a precise diagnosis of a family member is sensitive and identifying",
                    "use a general term, e.g. 'a serious mental illness' or 'a long-term health condition'")
    return hits
