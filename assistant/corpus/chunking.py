"""Structure-aware chunking: headings, numbered paragraphs and list items first, size last.

A chunk never crosses a heading. A numbered paragraph (8.38) starts its own
chunk. Short paragraphs and list items join the chunk before them until
``max_chars``; a block longer than that is cut at sentence boundaries. Chunk
ids derive from content, so unchanged text keeps its id across re-ingests.
"""

from __future__ import annotations

import hashlib

from assistant.corpus.document import Block, Chunk, Document
from assistant.sentences import split_sentences
from assistant.settings import ChunkSettings


def chunk_id(doc_id: str, heading_path: tuple[str, ...], text: str) -> str:
    raw = "\x1f".join((doc_id, *heading_path, text)).encode()
    return hashlib.sha256(raw).hexdigest()[:20]


def _pieces(block: Block, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) spans of a block no longer than ``max_chars``, cut between sentences."""
    if block.end - block.start <= max_chars:
        return [(block.start, block.end)]
    spans: list[tuple[int, int]] = []
    cur_start = cur_end = None
    for sent in split_sentences(block.text, base=block.start):
        if cur_start is None:
            cur_start, cur_end = sent.start, sent.end
        elif sent.end - cur_start <= max_chars:
            cur_end = sent.end
        else:
            spans.append((cur_start, cur_end))
            cur_start, cur_end = sent.start, sent.end
    if cur_start is not None:
        spans.append((cur_start, cur_end))
    return spans


def chunk_document(document: Document, settings: ChunkSettings, sources: list[str] | None = None) -> list[Chunk]:
    """Chunks of ``document``; ``sources`` holds each block's card 'Source:' note (or '')."""
    chunks: list[Chunk] = []
    group: list[Block] = []
    group_source = ""

    def flush() -> None:
        nonlocal group
        if not group:
            return
        first = group[0]
        for start, end in _pieces(Block(first.kind, document.text[first.start:group[-1].end], first.heading_path, start=first.start, end=group[-1].end), settings.max_chars):
            text = document.text[start:end]
            page = next((b.page for b in group if b.start <= start < b.end + 2), first.page)
            para = next((b.paragraph for b in group if b.paragraph and b.start <= start < b.end + 2), first.paragraph)
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(document.meta.doc_id, first.heading_path, text),
                    doc_id=document.meta.doc_id,
                    text=text,
                    heading_path=first.heading_path,
                    paragraph=para,
                    page=page,
                    start=start,
                    end=end,
                    source_note=group_source,
                    meta=document.meta,
                )
            )
        group = []

    for index, block in enumerate(document.blocks):
        source = sources[index] if sources else ""
        if block.kind == "heading":
            flush()
            continue
        if group:
            same_place = block.heading_path == group[0].heading_path and block.page == group[-1].page
            size = block.end - group[0].start
            small = (group[-1].end - group[0].start) < settings.min_chars
            joins = same_place and size <= settings.max_chars and block.paragraph is None and (block.kind == "list_item" or small)
            if not joins:
                flush()
        if not group:
            group_source = source
        group.append(block)
    flush()
    return chunks
