"""Content words of a text, stemmed, with acronyms expanded: the lexical side of matching.

Used where exact words matter alongside embeddings: scoring answer
sentences against a question, and cue matching in draft checks.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*|\d+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here hers herself him himself
    his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves must may might shall also within per say says said tell""".split()
)


@lru_cache(maxsize=1)
def acronyms() -> dict[str, str]:
    """Acronym (as written) to expansion, from ``assistant/data/acronyms.yaml``."""
    path = Path(__file__).parent / "data" / "acronyms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _expansions() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for short, long in acronyms().items():
        words = tuple(w.lower() for w in _WORD.findall(long) if w.lower() not in STOPWORDS)
        out[short.lower()] = words
        out[short.lower() + "s"] = words
    return out


def content_terms(text: str, expand: bool = True) -> set[str]:
    """Stemmed content words; an acronym also contributes the words of its expansion."""
    words: list[str] = []
    table = _expansions() if expand else {}
    for raw in _WORD.findall(text):
        low = raw.lower().replace("’", "'")
        if low in STOPWORDS:
            continue
        words.append(low)
        if raw.isupper() or (raw[:-1].isupper() and raw.endswith("s")):
            words.extend(table.get(low, ()))
    return set(_stemmer().stemWords(words))
