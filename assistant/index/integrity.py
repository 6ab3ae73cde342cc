"""Stored chunk text checked against its id: a chunk id is a hash of document id, heading path and text.

So an edit to the text inside the store (by hand, a tool, or damage that SQLite
does not notice) shows up as a chunk whose id no longer matches, and costs one
SHA-256 per chunk (milliseconds for a guidance corpus), cheap enough for every start-up.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from assistant.corpus.chunking import chunk_id


def chunk_matches(stored_id: str, text: str, meta: dict[str, Any]) -> bool:
    """Whether ``text`` and its metadata still hash to the id the chunk was stored under."""
    try:
        headings = tuple(json.loads(meta.get("heading_path", "[]")))
    except (ValueError, TypeError):
        return False
    return chunk_id(str(meta.get("doc_id", "")), headings, text or "") == stored_id


def altered_documents(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> dict[str, int]:
    """Documents with chunks whose stored text no longer matches their id: doc id -> how many chunks."""
    bad: dict[str, int] = {}
    for stored_id, text, meta in rows:
        if not chunk_matches(stored_id, text, meta or {}):
            doc = str((meta or {}).get("doc_id", "")) or "(unknown document)"
            bad[doc] = bad.get(doc, 0) + 1
    return bad
