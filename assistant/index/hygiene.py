"""Keeping a local store small and free of removed text: orphaned segment folders, freed pages, disk room.

Chroma leaves a dropped collection's HNSW folder on disk and SQLite keeps deleted
rows in free pages, so without this a removed document's text stays readable in
``chroma.sqlite3`` and every interrupted build leaves a folder behind.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# the files Chroma's local HNSW segment writes; a folder holding anything else is not ours to remove
_SEGMENT_FILES = {"header.bin", "data_level0.bin", "length.bin", "link_lists.bin", "index_metadata.pickle"}


@dataclass
class Tidied:
    """What a clean-up did, for the ingest report and the benchmark."""

    orphans_removed: list[str] = field(default_factory=list)
    compacted: bool = False
    problem: str = ""  # why compaction could not run (the data is intact either way)


def _live_segments(db: Path) -> set[str] | None:
    """Segment ids Chroma's catalogue knows, or None when the catalogue cannot be read (then nothing is removed)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return {row[0] for row in conn.execute("SELECT id FROM segments")}
    except sqlite3.Error as exc:
        log.warning("store clean-up skipped: the segment catalogue of %s could not be read (%s)", db, exc)
        return None


def remove_orphan_segments(store: Path) -> list[str]:
    """Delete segment folders no collection owns (left by dropped or interrupted generations).

    Folders are listed before the catalogue is read: a folder created by a concurrent
    ingest after the listing is not seen, and one listed before has its catalogue row
    committed already (Chroma registers a segment before writing its folder).
    """
    folders = [p for p in store.iterdir() if p.is_dir() and _UUID.match(p.name)] if store.is_dir() else []
    if not folders:
        return []
    live = _live_segments(store / "chroma.sqlite3")
    if live is None:
        return []
    removed = []
    for folder in folders:
        if folder.name in live or any(f.name not in _SEGMENT_FILES for f in folder.iterdir()):
            continue
        shutil.rmtree(folder)
        removed.append(folder.name)
    return removed


def compact(store: Path, timeout_s: float = 10.0) -> str:
    """VACUUM the store's database (as `chroma utils vacuum` does) after merging its full-text index.

    Drops the text of deleted rows from free pages. Returns "" on success or why it could
    not run: VACUUM needs room for a copy of the database and a moment with no writer; the
    data is unchanged when it fails.
    """
    db = store / "chroma.sqlite3"
    if not db.is_file():
        return ""
    try:
        conn = sqlite3.connect(str(db), timeout=timeout_s, isolation_level=None)
    except sqlite3.Error as exc:
        return f"could not open {db} ({exc})"
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        has_fts = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'embedding_fulltext_search'").fetchone()
        if has_fts:
            # merge FTS5 segments so deleted rows' trigrams are dropped, not just masked
            conn.execute("INSERT INTO embedding_fulltext_search(embedding_fulltext_search) VALUES('optimize')")
        conn.execute("VACUUM")
        return ""
    except sqlite3.Error as exc:
        return f"{exc}"
    finally:
        conn.close()


def tidy(store: Path) -> Tidied:
    """Remove orphaned segment folders, then compact; run after a generation switch."""
    out = Tidied(orphans_removed=remove_orphan_segments(store))
    out.problem = compact(store)
    out.compacted = not out.problem
    if out.problem:
        log.warning("the store at %s could not be compacted (%s); deleted text stays in free pages until the next ingest compacts it", store, out.problem)
    return out


def store_bytes(store: Path) -> int:
    """Bytes the store takes on disk now."""
    return sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) if store.is_dir() else 0


def bytes_needed(store: Path, new_text_chars: int, new_chunks: int, dimension: int = 384) -> int:
    """About how much free space an ingest needs: a second copy of the store (the new generation
    is written beside the current one, and VACUUM copies the database), plus the new chunks.

    A new chunk costs its text three times (row, metadata and full-text index), its vector in
    the database log and in HNSW, and its sentence vectors (float16, base64) in metadata.
    """
    per_chunk = dimension * 4 * 3 + 4096
    return 2 * store_bytes(store) + 3 * new_text_chars + per_chunk * new_chunks + 1_000_000


def free_bytes(path: Path) -> int:
    """Free bytes on the file system holding ``path`` (or its nearest existing parent)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free
