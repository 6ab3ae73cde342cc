"""Find a document's structure: headings, numbered paragraphs, list items.

Works on plain text, Markdown, and the text loaders make of HTML, PDF and
Word files (they turn headings into Markdown headings). The output blocks
carry their heading path, paragraph number and page, which citations show.
"""

from __future__ import annotations

import re

from assistant.corpus.document import Block, Page

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED_PARA = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,3}){1,3})\.?\s+(?=\S)")
_LIST_ITEM = re.compile(r"^\s*(?:[•\-\*\u2013\u25cf\u25aa]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+(?=\S)")
_SOURCE_LINE = re.compile(r"^\s*source:\s*(.+)$", re.I)


def _looks_like_heading(text: str, next_text: str | None) -> bool:
    """A short line with no closing punctuation, followed by body text, in a plain-text file."""
    if "\n" in text or len(text) > 90 or len(text.split()) > 12:
        return False
    if text.endswith((".", ",", ";", ":", "?", "!", "\u201d", '"')) and not text.endswith("?"):
        return False
    if _LIST_ITEM.match(text) or _NUMBERED_PARA.match(text):
        return False
    if next_text is None:
        return False
    return len(next_text) > len(text) or next_text.startswith(("-", "•"))


def _paragraphs(text: str) -> list[str]:
    """Split on blank lines; inside a paragraph, list items and numbered paragraphs start new ones."""
    out: list[str] = []
    for raw in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in raw.split("\n"):
            stripped = line.strip()
            if not stripped:
                continue
            single = bool(_MD_HEADING.match(stripped) or _SOURCE_LINE.match(stripped))
            starts_new = single or bool(_LIST_ITEM.match(stripped) or _NUMBERED_PARA.match(stripped))
            if starts_new and current:
                out.append(" ".join(current))
                current = []
            if single:
                out.append(stripped)
                continue
            current.append(stripped)
        if current:
            out.append(" ".join(current))
    return out


def parse_blocks(pages: list[Page], title: str = "", markdown: bool = False) -> tuple[list[Block], list[str]]:
    """Blocks of the document, and any card 'Source:' lines keyed by block index (as a parallel list)."""
    blocks: list[Block] = []
    sources: list[str] = []
    path: list[tuple[int, str]] = []  # (level, heading)
    current_source = ""
    for page in pages:
        paras = _paragraphs(page.text)
        for i, para in enumerate(paras):
            nxt = paras[i + 1] if i + 1 < len(paras) else None
            md = _MD_HEADING.match(para)
            src = _SOURCE_LINE.match(para)
            if src:
                current_source = src.group(1).strip()
                continue
            if md or (not markdown and _looks_like_heading(para, nxt)):
                level = len(md.group(1)) if md else 2
                heading = (md.group(2) if md else para).strip()
                if not blocks and not path and title and heading.lower() == title.lower():
                    level = 1
                path = [(lvl, h) for (lvl, h) in path if lvl < level] + [(level, heading)]
                current_source = ""
                blocks.append(Block("heading", heading, tuple(h for _, h in path), page=page.number))
                sources.append(current_source)
                continue
            number = _NUMBERED_PARA.match(para)
            kind = "list_item" if _LIST_ITEM.match(para) else "paragraph"
            blocks.append(
                Block(kind, para, tuple(h for _, h in path), paragraph=number.group(1) if number else None, page=page.number)
            )
            sources.append(current_source)
    return blocks, sources


def assemble(blocks: list[Block]) -> str:
    """The document's normalised text, blocks joined by blank lines; sets each block's offsets."""
    parts: list[str] = []
    offset = 0
    for block in blocks:
        if parts:
            offset += 2
        block.start = offset
        block.end = offset + len(block.text)
        parts.append(block.text)
        offset = block.end
    return "\n\n".join(parts)
