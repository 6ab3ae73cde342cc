"""Sentence splitting with character offsets, shared by chunking, answers and draft checks.

Rule-based on purpose: it must be fast, deterministic and keep exact offsets
so a citation or a highlighted draft span points at the very characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations that end with a full stop but do not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "e.g", "i.e", "etc", "vs", "no", "para", "paras", "ch", "cf", "approx",
    "sec", "fig", "dept", "govt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+|$)|\n\s*\n|\n(?=\s*(?:[-•*\u2013]|\d{1,2}(?:\.\d{1,3})*[.)]?)\s)|\n(?=#)")
_MAX_SENTENCE = 600
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(text: str, base: int = 0) -> list[Sentence]:
    """Sentences of ``text``; offsets are into ``text`` plus ``base``. Over-long runs are cut at word breaks."""
    out: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group(0).startswith("."):
            word = re.search(r"([A-Za-z.]+)\.$", text[start:match.start() + 1])
            if word and word.group(1).lower().rstrip(".") in _ABBREV:
                continue
        _emit(text, start, end, base, out)
        start = end
    _emit(text, start, len(text), base, out)
    return out


def _emit(text: str, start: int, end: int, base: int, out: list[Sentence]) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    s, e = start + lead, end - trail
    if e <= s:
        return
    while e - s > _MAX_SENTENCE:
        breaks = [m.start() for m in _SPACE.finditer(text, s + 1, s + _MAX_SENTENCE)]
        cut = breaks[-1] if breaks else s + _MAX_SENTENCE
        stop = cut
        while text[stop - 1].isspace():  # a piece never ends in whitespace, even a newline before the break
            stop -= 1
        out.append(Sentence(text[s:stop], base + s, base + stop))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        out.append(Sentence(text[s:e], base + s, base + e))
