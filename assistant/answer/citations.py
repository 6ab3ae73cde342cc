"""Building and verifying citations: a quote must exist verbatim in the chunk it cites."""

from __future__ import annotations

from assistant.corpus.manifest import SUMMARY_NOTE
from assistant.index.snapshot import IndexSnapshot
from assistant.results import Citation


def make_citation(snapshot: IndexSnapshot, key: int, chunk_id: str, quote: str) -> Citation | None:
    """A citation of ``quote`` in chunk ``chunk_id``, or None when the quote is not in that chunk."""
    row = snapshot.row.get(chunk_id)
    if row is None:
        return None
    chunk = snapshot.chunks[row]
    quote = quote.strip()
    start = chunk.text.find(quote) if quote else -1
    if start < 0:
        return None
    return Citation(
        key=key,
        chunk_id=chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        kind=chunk.kind,
        location=chunk.location,
        quote=quote,
        quote_start=start,
        is_summary=chunk.is_summary,
        note=(SUMMARY_NOTE + (f"; source: {chunk.source_note}" if chunk.source_note else "")) if chunk.is_summary else None,
    )


def verify_citation(snapshot: IndexSnapshot, citation: Citation) -> bool:
    """True when the quoted text sits verbatim at ``quote_start`` in the cited chunk of the current index."""
    row = snapshot.row.get(citation.chunk_id)
    if row is None or not citation.quote:
        return False
    text = snapshot.chunks[row].text
    return text[citation.quote_start:citation.quote_start + len(citation.quote)] == citation.quote
