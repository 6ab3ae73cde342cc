"""Page furniture that must never be indexed as guidance.

Saved web pages carry job adverts, newsletter sign-ups, "related articles"
lists and comment forms. Two rules remove them: a *tail marker* ends the
article (everything after it is furniture), and *furniture lines* are dropped
wherever they appear. Both are conservative: a false drop loses one line of a
page, a false keep puts a job advert into answers.
"""

from __future__ import annotations

import re

# A line that, alone, marks the end of an article's body.
_TAIL_MARKERS = re.compile(
    r"^\s*(?:sign up|subscribe|related articles?|related content|more from [\w ]{2,40}|comments are closed\.?"
    r"|\d+ comments? on\b.*|leave a (?:comment|reply)|share this(?: article)?:?|you may also like|latest jobs?"
    r"|recommended for you|our mission is\b.*)\s*$",
    re.I,
)

# Lines that are furniture wherever they stand.
_FURNITURE = re.compile(
    r"£\s?\d|per annum|\brecr?u[ie]?ter\b\s*:|\bapply now\b|\bjob (?:alert|advert)s?\b|\bjobs$"
    r"|cookies?\b.*\b(?:accept|consent|policy)|^\s*(?:log ?in|log ?out|register|menu|search|home|share|tweet|print|email)\s*$"
    r"|you are commenting using|fill in your details below|click an icon to log in|bloggers like this|^connecting to %s"
    r"|linkedin banner|\bimage$|^read the full report\s*here|for your free daily news bulletin|all rights reserved|^©"
    r"|(?:wordpress\.com|twitter|facebook|google\+) (?:logo|picture|photo)",
    re.I,
)

_STUB_END = (".", "?", "!", ":", ";", "\u201d", '"', ")")


def is_stub(text: str) -> bool:
    """A short unpunctuated line: a byline, tab label or menu item when it stands at a page's edge."""
    text = text.strip()
    return len(text) < 70 and len(text.split()) <= 9 and not text.endswith(_STUB_END)


def trim_edges(blocks: list) -> list:
    """Drop stub paragraphs at the start and end of a page (bylines, tab labels, menus).

    Headings are kept here (a heading with no body makes no chunk anyway), so
    a document's title still heads its sections.
    """
    def stub(block) -> bool:
        return block.kind != "list_item" and is_stub(block.text) and block.paragraph is None

    start = 0
    while start < len(blocks) and (blocks[start].kind == "heading" or stub(blocks[start])):
        start += 1
    lead = [b for b in blocks[:start] if b.kind == "heading"]
    end = len(blocks)
    while end > start and stub(blocks[end - 1]):
        end -= 1
    return lead + blocks[start:end]


def is_tail_marker(line: str) -> bool:
    return bool(_TAIL_MARKERS.match(line))


def is_furniture(line: str) -> bool:
    return bool(_FURNITURE.search(line))


def strip_clutter(text: str) -> str:
    """The article's body: lines before the first tail marker, furniture lines removed."""
    kept: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        bare = line.strip().lstrip("#").strip()
        # A tail marker near the very top is a heading that happens to match; keep going.
        if bare and is_tail_marker(bare) and index > 3:
            break
        if bare and is_furniture(bare):
            continue
        kept.append(line)
    return "\n".join(kept)
