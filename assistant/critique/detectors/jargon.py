"""Acronyms and terms of art used without expansion at (or before) first use."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.critique.detectors.common import Context, Hit
from assistant.lexical import acronyms

# Familiar to a lay reader: no expansion needed.
_FAMILIAR = {"NHS", "GP", "GPs", "UK", "TV", "OK", "IT", "A&E", "BBC", "DNA", "ID", "CCTV", "HIV", "AM", "PM", "MP", "MPs", "USA", "EU", "II", "III", "IV", "VI", "PC", "DC", "DS", "DI", "PCs"}
_TOKEN = re.compile(r"(?<![\w&])(?:[A-Z][A-Za-z&]*[A-Z]s?|[sS]\s?\d{1,2}[A-Z]?)(?![\w&])")
_SECTION = re.compile(r"^[sS]\s?(\d{1,2})$")


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    return {k: v for k, v in acronyms().items()}


def _expansion_words(expansion: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", expansion.split(";")[0].split("(")[0]) if len(w) > 3 and w.lower() not in {"also", "with", "from", "that"}]
    return words[:3]


def _explained(text: str, pos: int, token: str, expansion: str | None) -> bool:
    """Is ``token`` at ``pos`` expanded or explained at (or before) this first use?"""
    after = text[pos + len(token):pos + len(token) + 60]
    before = text[max(0, pos - 120):pos]
    if re.match(r"\s*\((?!\s*\d)[^)]{6,}\)", after) or re.match(r"\s*(?:,|-|–|—)\s*(?:which|meaning|that is|the|a|an)\b", after):
        return True
    if re.search(r"\(\s*$", before):  # "... (MASH)": expansion just before
        return True
    if expansion:
        words = _expansion_words(expansion)
        if len(words) >= 2 and re.search(r"\b" + r"\W+(?:\w+\W+)?".join(re.escape(w) for w in words[:3]), text[:pos], re.I):
            return True
    return False


def detect(ctx: Context) -> list[Hit]:
    text = ctx.doc.text
    table = _table()
    lower_table = {k.lower(): v for k, v in table.items()}
    seen: set[str] = set()
    hits: list[Hit] = []
    heading_spans = [(h.start, h.end) for h in ctx.doc.headings]
    for s in ctx.doc.sentences:
        for m in _TOKEN.finditer(s.text):
            token = m.group(0)
            base = token[:-1] if token.endswith("s") and token[:-1].isupper() and len(token) > 2 else token
            key = base.replace(" ", "")
            if key in seen or key in _FAMILIAR or base in _FAMILIAR:
                continue
            sec = _SECTION.match(key)
            if sec:
                key = f"s{sec.group(1)}"
                expansion = lower_table.get(key)
                if expansion is None:
                    continue
            else:
                letters = re.sub(r"[^A-Za-z]", "", base)
                if len(letters) < 2 or sum(c.isupper() for c in letters) < 2:
                    continue
                if base.isupper() and len(base) > 6:
                    continue  # shouting, not an acronym
                expansion = table.get(base) or lower_table.get(base.lower())
            seen.add(key)
            pos = s.start + m.start()
            if any(a <= pos < b for a, b in heading_spans):
                continue
            if _explained(text, pos, token, expansion):
                continue
            hint = f"write '{expansion} ({base})' at first use" if expansion else f"spell out '{base}' at first use, or explain it"
            hits.append(Hit(s, pos, pos + len(token), f"'{token}' is not expanded or explained at its first use; a lay reader may not know it", hint))
    return hits
